/**
 * `--contrast`, `--anova` and `--ebayes` against lmerTest's contest1D and anova() (type III, Satterthwaite), dream's
 * residual df and moderated t (limma's squeezeVar), and limma's eBayes for the fixed-effects case, on every gene of
 * test/fixtures/contrasts (made by make-contrasts.R: repeated measures with missing values, one gene that loses a
 * time point), for one random term (the one-intercept engine), an interaction (type III's containment), crossed
 * terms and ML (the general core), and lm's Wald tests for a fixed-effects model; each again with precision weights
 * (lme4's `weights =`, lm's and limma's lmFit's), and with Kenward–Roger's df (pbkrtest through lmerTest); SPEC §6
 * tolerances.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fitGenes, fitTable } from '../../src/fit-genes.js';
import { readKinship } from '../../src/io/kinship-files.js';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import { parseContrastSpec } from '../../src/model/contrasts.js';
import { REPO_ROOT } from '../helpers/cases.js';
import { CPU_VS_LME4 as TOL } from './tolerances.js';

const DIR = path.join(REPO_ROOT, 'test/fixtures/contrasts');

type Test1D = Record<'Estimate' | 'SE' | 'df' | 't' | 'p', number | null>;
type TestF = Record<'F' | 'ndf' | 'ddf' | 'p', number | null>;
type Moderated = Record<'t' | 'p', number | null>;
interface RefCase {
  name: string;
  formula: string;
  method: 'reml' | 'ml' | 'lm';
  /** The precision weights' file in DIR (--weights), or null. */
  weights: string | null;
  /** lmerTest's ddf of the tests: Satterthwaite's, or Kenward–Roger's (--ddf kenward-roger). */
  ddf: 'Satterthwaite' | 'Kenward-Roger';
  contrasts: Record<string, string>;
  genes: {
    gene: string; n: number; loglik: number; sigma2: number; rdf: number;
    coefficients: Record<string, Record<'Estimate' | 'SE' | 'df' | 't', number | null>>;
    contrasts: Record<string, Test1D>; anova: Record<string, TestF>;
  }[];
  /** limma's squeezeVar over the genes (df_prior "Inf" where infinite) and each test's moderated t and p. */
  ebayes: {
    df_prior: number | 'Inf';
    s2_prior: number;
    genes: { gene: string; coefficients: Record<string, Moderated>; contrasts: Record<string, Moderated> }[];
  };
}

const cases: RefCase[] = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')));

describe('contrasts and F tests against lmerTest (test/fixtures/contrasts)', () => {
  for (const ref of cases) {
    const variant = `${ref.weights ? ' with weights' : ''}${ref.ddf === 'Kenward-Roger' ? ', Kenward-Roger' : ''}`;
    it(`${ref.name}: ${ref.formula}${ref.method === 'lm' ? '' : ` by ${ref.method}`}${variant}`, async () => {
      const matrix = await readMatrix(path.join(DIR, 'study.expr.tsv'));
      const samples = await readSampleSheet(path.join(DIR, 'study.samples.tsv'));
      const contrasts = Object.entries(ref.contrasts).map(([name, expression]) => parseContrastSpec(`${name}=${expression}`));
      const fit = await fitGenes(matrix, samples, ref.formula, {
        method: ref.method === 'ml' ? 'ml' : 'reml', contrasts, anova: true, ebayes: true, backend: 'cpu', threads: 1,
        ...(ref.weights !== null && { weights: await readMatrix(path.join(DIR, ref.weights)) }),
        ...(ref.ddf === 'Kenward-Roger' && { ddf: 'kenward-roger' as const }),
      });
      const table = fitTable(fit);
      const rows = [...table.rows];
      assert.deepEqual(fit.shape.anova, Object.keys(ref.genes[0].anova), 'the terms F-tested');
      const failures: string[] = [];
      // The prior: limma's own numbers (rel 1e-6) for lm; for a mixed model they inherit lme4's optimum's precision.
      const priorRel = ref.method === 'lm' ? TOL.limmaRel : TOL.seRel;
      const prior = fit.ebayes!;
      if (ref.ebayes.df_prior === 'Inf' ? prior.dfPrior !== Infinity : !(Math.abs(prior.dfPrior - ref.ebayes.df_prior) <= priorRel * ref.ebayes.df_prior)) {
        failures.push(`df_prior: limma ${ref.ebayes.df_prior}, genelmm ${prior.dfPrior}`);
      }
      if (!(Math.abs(prior.s2Prior - ref.ebayes.s2_prior) <= priorRel * ref.ebayes.s2_prior)) {
        failures.push(`s2_prior: limma ${ref.ebayes.s2_prior}, genelmm ${prior.s2Prior}`);
      }
      let compared = 0;
      ref.genes.forEach((expected, g) => {
        const row = rows[g];
        const cell = (column: string): number | null => {
          const i = table.columns.indexOf(column);
          assert.ok(i >= 0, `no column ${column}`);
          return row[i] as number | null;
        };
        const check = (column: string, want: number | null, rel: number, abs = 0): void => {
          const got = cell(column);
          compared++;
          if (want === null ? got !== null : got === null || !(Math.abs(got - want) <= Math.max(rel * Math.abs(want), abs))) {
            failures.push(`${expected.gene} ${column}: lmerTest ${want}, genelmm ${got}`);
          }
        };
        if (ref.method !== 'lm') {
          // The same optimum (make-contrasts.R polishes lme4's), else the tests below would differ for that reason.
          const loglik = cell(`${ref.method}_loglik`)!;
          compared++;
          if (!(Math.abs(loglik - expected.loglik) <= TOL.remlLogLikAbs)) failures.push(`${expected.gene} loglik: lme4 ${expected.loglik}, genelmm ${loglik}`);
        }
        check('sigma2_resid', expected.sigma2, TOL.seRel);
        // β near 0: SPEC §6's absolute floor, 1e-6 sd(y); t = β / SE then gets that floor over SE.
        const sdY = sampleSd(matrix.values.subarray(g * matrix.nSamples, (g + 1) * matrix.nSamples));
        for (const [name, test] of Object.entries(expected.coefficients)) {
          const tFloor = test.SE === null ? 0 : (TOL.estimateAbsFloor * sdY) / test.SE;
          check(`beta_${name}`, test.Estimate, TOL.estimateRel, TOL.estimateAbsFloor * sdY);
          check(`se_${name}`, test.SE, TOL.seRel);
          check(`df_${name}`, test.df, TOL.dfRel);
          check(`t_${name}`, test.t, TOL.seRel, tFloor);
          const moderated = ref.ebayes.genes[g].coefficients[name];
          check(`mod_t_${name}`, moderated.t, ref.method === 'lm' ? TOL.limmaRel : TOL.seRel, tFloor);
          check(`mod_p_${name}`, moderated.p, ref.method === 'lm' ? TOL.limmaRel : TOL.pRel);
        }
        for (const [name, test] of Object.entries(expected.contrasts)) {
          check(`beta_${name}`, test.Estimate, TOL.estimateRel);
          check(`se_${name}`, test.SE, TOL.seRel);
          check(`df_${name}`, test.df, TOL.dfRel);
          check(`t_${name}`, test.t, TOL.seRel);
          check(`p_${name}`, test.p, TOL.pRel);
        }
        check('rdf', expected.rdf, TOL.seRel);
        const moderated = ref.ebayes.genes[g];
        for (const [name, test] of Object.entries(moderated.contrasts)) {
          check(`mod_t_${name}`, test.t, priorRel);
          check(`mod_p_${name}`, test.p, ref.method === 'lm' ? TOL.limmaRel : TOL.pRel);
        }
        for (const [term, test] of Object.entries(expected.anova)) {
          check(`F_${term}`, test.F, TOL.seRel);
          check(`ndf_${term}`, test.ndf, 0);
          check(`ddf_${term}`, test.ddf, TOL.dfRel);
          check(`p_F_${term}`, test.p, TOL.pRel);
        }
      });
      assert.deepEqual(failures, [], `${failures.length} of ${compared} disagree:\n${failures.join('\n')}`);
    });
  }
});

/** The sample standard deviation of the observed (non-NaN) values. */
function sampleSd(values: Float64Array): number {
  const observed = values.filter((v) => !Number.isNaN(v));
  const mean = observed.reduce((s, v) => s + v, 0) / observed.length;
  return Math.sqrt(observed.reduce((s, v) => s + (v - mean) ** 2, 0) / (observed.length - 1));
}

describe('contrasts and F tests of the kinship model', () => {
  it('with the identity as kinship they (and the residual df and moderated tests) are those of the plain random intercept, missing values included', async () => {
    const matrix = await readMatrix(path.join(DIR, 'study.expr.tsv'));
    const samples = await readSampleSheet(path.join(DIR, 'study.samples.tsv'));
    const donors = [...new Set(samples.columns.get('donor')!)].map(String);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'genelmm-')), 'identity.tsv');
    fs.writeFileSync(file, [['id', ...donors].join('\t'), ...donors.map((d, i) => [d, ...donors.map((_, j) => (i === j ? 1 : 0))].join('\t'))].join('\n'));
    const single = cases.find((c) => c.name === 'single')!;
    const options = {
      contrasts: Object.entries(single.contrasts).map(([name, expression]) => parseContrastSpec(`${name}=${expression}`)),
      anova: true, ebayes: true, backend: 'cpu', threads: 1,
    } as const;
    const plain = fitTable(await fitGenes(matrix, samples, single.formula, options));
    const kinship = fitTable(await fitGenes(matrix, samples, single.formula, { ...options, kinship: await readKinship(file) }));
    const tested = plain.columns.filter((c) => /^(beta|se|df|t|p|mod_t|mod_p)_(DvsE|late)$|^(F|ndf|ddf|p_F)_|^rdf$|^mod_t_time/.test(c));
    assert.equal(tested.length, 7 * 2 + 4 * 2 + 1 + 3);
    const plainRows = [...plain.rows];
    const kinshipRows = [...kinship.rows];
    const failures: string[] = [];
    for (const column of tested) {
      const i = plain.columns.indexOf(column);
      const j = kinship.columns.indexOf(column);
      plainRows.forEach((row, g) => {
        const [a, b] = [row[i] as number | null, kinshipRows[g][j] as number | null];
        if (a === null ? b !== null : b === null || !(Math.abs(a - b) <= 1e-6 * Math.abs(a))) failures.push(`${row[0]} ${column}: ${a} vs ${b}`);
      });
    }
    assert.deepEqual(failures, []);
  });
});
