/**
 * `--voom` against variancePartition's voomWithDreamWeights and dream's weighted fits, reproduced by
 * test/fixtures/make-voom.R (limma's voom itself for the fixed-effects case), on 600 genes of the Bottomly counts and
 * a simulated repeated-measures study with missing values: R's lowess of the same points, the run's trend (the genes
 * it was fitted to and its curve, which carry every gene's σ̂ and mean log count), and every gene's weighted fit
 * (σ², log-likelihood, coefficients), which carry its weights; SPEC §6 tolerances.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fitGenes, fitTable } from '../../src/fit-genes.js';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import { lowess } from '../../src/numerics/lowess.js';
import { REPO_ROOT } from '../helpers/cases.js';
import { CPU_VS_LME4 as TOL } from './tolerances.js';

const DIR = path.join(REPO_ROOT, 'test/fixtures/voom');

type Coefficient = Record<'Estimate' | 'SE' | 'df' | 't' | 'p', number>;
interface VoomCase {
  name: string;
  data: string;
  formula: string;
  trend: { genes: number; sx: number[]; sy: number[]; x: number[]; y: number[] };
  genes: { gene: string; status: string; n?: number; loglik?: number; sigma2?: number; coefficients?: Record<string, Coefficient> }[];
}

const cases: VoomCase[] = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')));

/** |got − want| ≤ max(rel |want|, abs). */
function near(got: number, want: number, rel: number, abs = 0): boolean {
  return Math.abs(got - want) <= Math.max(rel * Math.abs(want), abs);
}

describe('lowess against R (the trends of test/fixtures/voom)', () => {
  for (const ref of cases) {
    it(`${ref.name}: lowess(sx, sy, f = 0.5) of ${ref.trend.genes} genes is R's curve`, () => {
      const curve = lowess(ref.trend.sx, ref.trend.sy, 0.5);
      const bad = ref.trend.x.flatMap((x, i) => (curve.x[i] === x && near(curve.y[i], ref.trend.y[i], 1e-12) ? []
        : [`point ${i}: R (${x}, ${ref.trend.y[i]}), genelmm (${curve.x[i]}, ${curve.y[i]})`]));
      assert.deepEqual(bad, []);
    });
  }
});

describe('--voom against voomWithDreamWeights and dream (test/fixtures/voom)', () => {
  for (const ref of cases) {
    it(`${ref.name}: ${ref.formula}`, async () => {
      const matrix = await readMatrix(path.join(DIR, `${ref.data}.expr.tsv`));
      const samples = await readSampleSheet(path.join(DIR, `${ref.data}.samples.tsv`));
      const fit = await fitGenes(matrix, samples, ref.formula, { voom: true, backend: 'cpu', threads: 1 });
      const failures: string[] = [];
      const voom = fit.voom!;
      assert.equal(voom.genes, ref.trend.genes, 'the genes of the trend');
      // The reported curve keeps every step-th point of R's (and its last), at x of the same gene.
      const step = Math.max(1, Math.ceil(ref.trend.x.length / 200));
      voom.trend.x.forEach((x, k) => {
        const i = Math.min(k * step, ref.trend.x.length - 1);
        if (!near(x, ref.trend.x[i], 1e-9) || !near(voom.trend.y[k], ref.trend.y[i], TOL.seRel)) {
          failures.push(`trend point ${i}: R (${ref.trend.x[i]}, ${ref.trend.y[i]}), genelmm (${x}, ${voom.trend.y[k]})`);
        }
      });
      const table = fitTable(fit);
      const rows = [...table.rows];
      const cell = (g: number, column: string): number | string | null => rows[g][table.columns.indexOf(column)] as number | string | null;
      let compared = 0;
      ref.genes.forEach((expected, g) => {
        const check = (column: string, want: number, rel: number, abs = 0): void => {
          const got = cell(g, column);
          compared++;
          if (typeof got !== 'number' || !near(got, want, rel, abs)) failures.push(`${expected.gene} ${column}: R ${want}, genelmm ${got}`);
        };
        if (cell(g, 'status') !== expected.status) failures.push(`${expected.gene} status: R ${expected.status}, genelmm ${cell(g, 'status')}`);
        if (expected.coefficients === undefined) return;
        if (!ref.formula.includes('|')) {
          // lm's logLik is ML's; the fixed-effects row of the table holds REML's.
        } else check('reml_loglik', expected.loglik!, 0, TOL.remlLogLikAbs);
        check('sigma2_resid', expected.sigma2!, TOL.seRel);
        for (const [name, c] of Object.entries(expected.coefficients)) {
          const floor = TOL.estimateAbsFloor * Math.sqrt(expected.sigma2!);
          check(`beta_${name}`, c.Estimate, TOL.estimateRel, floor);
          check(`se_${name}`, c.SE, TOL.seRel);
          check(`df_${name}`, c.df, TOL.dfRel);
          check(`t_${name}`, c.t, TOL.seRel, floor / c.SE);
          // Far in the tail p is as sensitive to df as ln p is: below 1e-12 its logarithm is held to pRel.
          if (c.p >= 1e-12) check(`p_${name}`, c.p, TOL.pRel);
          else {
            const got = cell(g, `p_${name}`) as number;
            compared++;
            if (!near(Math.log(got), Math.log(c.p), TOL.pRel)) failures.push(`${expected.gene} p_${name}: R ${c.p}, genelmm ${got}`);
          }
        }
      });
      assert.deepEqual(failures, [], `${failures.length} of ${compared} disagree:\n${failures.join('\n')}`);
    });
  }
});
