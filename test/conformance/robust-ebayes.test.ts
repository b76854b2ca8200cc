/**
 * `--ebayes robust` end to end against limma's squeezeVar(robust = TRUE) over the contrasts fixtures' genes
 * (test/fixtures/robust-prior/CASE.json, made by make-robust-prior.R from lme4's σ² and hat-matrix residual df):
 * each gene's prior df (column df_prior), the prior variance, and every coefficient's and contrast's moderated t and
 * p, for one random term, crossed terms (where the prior df is infinite) and a fixed-effects model (limma's eBayes,
 * df capped at the pooled df). SPEC §6: limma's tolerance for the fixed-effects model, lmerTest's for mixed models.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fitGenes, fitTable } from '../../src/fit-genes.js';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import { parseContrastSpec } from '../../src/model/contrasts.js';
import { REPO_ROOT } from '../helpers/cases.js';
import { CPU_VS_LME4 as TOL } from './tolerances.js';

type Moderated = Record<'t' | 'p', number | null>;
interface RobustCase {
  name: string;
  formula: string;
  method: 'reml' | 'ml' | 'lm';
  contrasts: Record<string, string>;
  s2_prior: number;
  genes: { gene: string; df_prior: number | 'Inf'; coefficients: Record<string, Moderated>; contrasts: Record<string, Moderated> }[];
}

const DIR = path.join(REPO_ROOT, 'test/fixtures');

describe('--ebayes robust against limma\'s squeezeVar(robust = TRUE)', () => {
  for (const name of ['single', 'crossed', 'fixedonly']) {
    const ref: RobustCase = JSON.parse(fs.readFileSync(path.join(DIR, 'robust-prior', `${name}.json`), 'utf8'));
    it(`${name}: ${ref.formula}: df_prior, the prior variance, moderated t and p of every coefficient and contrast`, async () => {
      const fit = await fitGenes(await readMatrix(path.join(DIR, 'contrasts/study.expr.tsv')), await readSampleSheet(path.join(DIR, 'contrasts/study.samples.tsv')),
        ref.formula, {
          method: ref.method === 'ml' ? 'ml' : 'reml', ebayes: 'robust', backend: 'cpu', threads: 1,
          contrasts: Object.entries(ref.contrasts).map(([c, expression]) => parseContrastSpec(`${c}=${expression}`)),
        });
      const table = fitTable(fit);
      const rows = [...table.rows];
      const lm = ref.method === 'lm';
      const failures: string[] = [];
      const s2Prior = fit.ebayes!.s2Prior;
      if (!(Math.abs(s2Prior - ref.s2_prior) <= (lm ? TOL.limmaRel : TOL.seRel) * ref.s2_prior)) failures.push(`s2_prior ${s2Prior}, limma ${ref.s2_prior}`);
      const dfPriors = ref.genes.map((g) => (g.df_prior === 'Inf' ? Infinity : g.df_prior));
      // The summary counts the genes limma finds outlying: their df_prior below df2 by more than the tolerance.
      assert.equal(fit.ebayes!.robust!.outliers, dfPriors.filter((d) => d < fit.ebayes!.dfPrior * (1 - TOL.seRel)).length);
      ref.genes.forEach((expected, g) => {
        const row = rows[g];
        assert.equal(row[0], expected.gene);
        const cell = (column: string): number => {
          const k = table.columns.indexOf(column);
          assert.ok(k >= 0, `no column ${column}`);
          return row[k] === null ? NaN : Number(row[k]);
        };
        const check = (what: string, wanted: number | null, rel: number): void => {
          const actual = cell(what);
          if (wanted === null ? !Number.isNaN(actual) : !(actual === wanted || Math.abs(actual - wanted) <= rel * Math.abs(wanted))) {
            failures.push(`${expected.gene} ${what}: ${actual}, limma ${wanted}`);
          }
        };
        check('df_prior', dfPriors[g], lm ? TOL.limmaRel : TOL.seRel);
        for (const [tested, moderated] of [...Object.entries(expected.coefficients), ...Object.entries(expected.contrasts)]) {
          check(`mod_t_${tested}`, moderated.t, lm ? TOL.limmaRel : TOL.seRel);
          check(`mod_p_${tested}`, moderated.p, lm ? TOL.limmaRel : TOL.pRel);
        }
      });
      assert.deepEqual(failures, []);
    });
  }
});
