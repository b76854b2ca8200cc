import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import { buildDesign } from '../../src/model/design.js';
import { parseFormula } from '../../src/model/formula.js';
import { computeGeneStats, type GeneStats } from '../../src/model/gene-stats.js';
import { GenePreparer } from '../../src/model/prepare.js';
import type { DesignPattern } from '../../src/model/pattern.js';
import type { ExpressionMatrix, SampleSheet } from '../../src/io/types.js';

/** The repository root (tests run from dist/test/...). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The four lme4 classics (Dyestuff, Dyestuff2, Orthodont, ergoStool), made by test/fixtures/make-classics.R. */
export const CLASSICS_LME4 = path.join(REPO_ROOT, 'test/fixtures/classics');
/** Fixtures made by test/fixtures/make-fixtures.R. */
export const FIXTURES_LME4 = path.join(REPO_ROOT, 'test/fixtures/lme4');

/** lme4/lmerTest's results for one gene. */
export interface ReferenceGene {
  gene: string;
  logLik_reml: number;
  logLik_reml_null?: number;
  isSingular: boolean;
  varcomp: Record<string, number>;
  fixef_names: string[];
  fixef: { Estimate: number[]; 'Std. Error': number[]; df: number[]; 't value': number[]; 'Pr(>|t|)': number[] };
}

/** A conformance case: a matrix, its sample sheet, a formula and lme4's answers. */
export interface ReferenceCase {
  name: string;
  formula: string;
  matrix: ExpressionMatrix;
  samples: SampleSheet;
  genes: ReferenceGene[];
}

const asArray = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** Loads `<dir>/<name>.{expr.tsv,samples.tsv,lme4.json}`; single-gene (classics) and multi-gene JSON alike. */
export async function loadCase(dir: string, name: string): Promise<ReferenceCase> {
  const json = JSON.parse(fs.readFileSync(path.join(dir, `${name}.lme4.json`), 'utf8'));
  const matrix = await readMatrix(path.join(dir, `${name}.expr.tsv`));
  const samples = await readSampleSheet(path.join(dir, `${name}.samples.tsv`));
  const genes: ReferenceGene[] = (json.genes ?? [{ ...json, gene: matrix.geneIds[0] }]).map((g: ReferenceGene) => ({
    ...g,
    fixef_names: asArray(g.fixef_names),
    fixef: Object.fromEntries(Object.entries(g.fixef).map(([k, v]) => [k, asArray(v)])),
  }));
  return { name, formula: json.formula, matrix, samples, genes };
}

/** Names of the cases in a fixture directory. */
export function caseNames(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.lme4.json')).map((f) => f.replace('.lme4.json', '')).sort();
}

/**
 * The statistics of every gene of a case that the fit would fit (status ready: not constant or insufficient),
 * prepared as fitGenes prepares them with --transform none (each gene's missing values dropped).
 */
export function caseGeneStats(c: ReferenceCase): { id: string; stats: GeneStats<DesignPattern> }[] {
  const design = buildDesign(parseFormula(c.formula), c.samples, c.matrix.sampleIds);
  const preparer = new GenePreparer({ design, transform: 'none', librarySizes: null, filters: {} });
  const out: { id: string; stats: GeneStats<DesignPattern> }[] = [];
  c.matrix.geneIds.forEach((id, g) => {
    const prepared = preparer.prepare(c.matrix.values.subarray(g * c.matrix.nSamples, (g + 1) * c.matrix.nSamples));
    if (prepared.status === 'ready') out.push({ id, stats: computeGeneStats(prepared.pattern, prepared.y) });
  });
  return out;
}
