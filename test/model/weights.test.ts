/**
 * Precision weights' invariances (SPEC §1–2), on the repeated-measures study of test/fixtures/contrasts: weights
 * that are all equal change nothing in a mixed model (they are rescaled to mean 1 per gene), and in a fixed-effects
 * model multiply σ̂² by the weight (Var(e) = σ² / w) and leave every test as it was (limma's lmFit takes them as given).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fitGenes, fitTable } from '../../src/fit-genes.js';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import { groupMeans } from '../../src/model/group-means.js';
import { GenePreparer } from '../../src/model/prepare.js';
import type { ExpressionMatrix } from '../../src/io/types.js';
import { REPO_ROOT } from '../helpers/cases.js';

const DIR = path.join(REPO_ROOT, 'test/fixtures/contrasts');

/** The matrix's shape with every weight `w`. */
function constantWeights(matrix: ExpressionMatrix, w: number): ExpressionMatrix {
  return { ...matrix, file: 'constant.tsv', values: new Float64Array(matrix.values.length).fill(w) };
}

/** Each numeric column of `a` against `b`'s, scaled by `factor` for the columns `scaled` names; the disagreements. */
function differences(a: ReturnType<typeof fitTable>, b: ReturnType<typeof fitTable>, scaled: RegExp, factor: number): string[] {
  const rowsA = [...a.rows];
  const rowsB = [...b.rows];
  const out: string[] = [];
  a.columns.forEach((column, i) => {
    if (/^(iterations|converged)$/.test(column)) return; // the optimiser's path may differ in its last digits
    rowsA.forEach((row, g) => {
      const [x, y] = [row[i], rowsB[g][i]];
      if (typeof x !== 'number' || typeof y !== 'number') {
        if (x !== y) out.push(`${row[0]} ${column}: ${x} vs ${y}`);
        return;
      }
      const want = scaled.test(column) ? x * factor : x;
      if (!(Math.abs(y - want) <= 1e-7 * Math.max(Math.abs(want), 1e-3))) out.push(`${row[0]} ${column}: ${want} vs ${y}`);
    });
  });
  return out;
}

describe('precision weights that are all equal', () => {
  const options = { backend: 'cpu', threads: 1, ebayes: true } as const;
  for (const formula of ['~ disease + time + (1 | donor)', '~ disease + time + sex + (1 | donor) + (1 | batch)']) {
    it(`change nothing in the mixed model ${formula} (rescaled to mean 1 per gene)`, async () => {
      const matrix = await readMatrix(path.join(DIR, 'study.expr.tsv'));
      const samples = await readSampleSheet(path.join(DIR, 'study.samples.tsv'));
      const plain = fitTable(await fitGenes(matrix, samples, formula, options));
      const weighted = fitTable(await fitGenes(matrix, samples, formula, { ...options, weights: constantWeights(matrix, 3.5) }));
      assert.deepEqual(differences(plain, weighted, /^$/, 1), []);
    });
  }

  it('multiply σ̂² by the weight in a fixed-effects model and leave its tests as they were (lmFit takes them as given)', async () => {
    const matrix = await readMatrix(path.join(DIR, 'study.expr.tsv'));
    const samples = await readSampleSheet(path.join(DIR, 'study.samples.tsv'));
    const formula = '~ disease * time + age';
    const plain = fitTable(await fitGenes(matrix, samples, formula, options));
    const weighted = fitTable(await fitGenes(matrix, samples, formula, { ...options, weights: constantWeights(matrix, 4) }));
    // Var(β̂) = σ̂² (XᵀWX)⁻¹: 4 σ̂² and (4 XᵀX)⁻¹ leave the SEs, t and p as they were.
    assert.deepEqual(differences(plain, weighted, /^sigma2_resid$/, 4).filter((d) => !/_loglik/.test(d)), []);
  });
});

describe('group means of a weighted fit (the web app\'s gene view)', () => {
  it('are weighted means, and the conditional modes Henderson\'s: Σ w (y − xβ) / (s_j + 1/λ)', async () => {
    const matrix = await readMatrix(path.join(DIR, 'study.expr.tsv'));
    const samples = await readSampleSheet(path.join(DIR, 'study.samples.tsv'));
    const weights = await readMatrix(path.join(DIR, 'study.weights.tsv'));
    const formula = '~ disease + time + (1 | donor)';
    const fit = await fitGenes(matrix, samples, formula, { backend: 'cpu', threads: 1, weights });
    const preparer = new GenePreparer(fit.context);
    const { design } = fit.context;
    const r = fit.results;
    let checked = 0;
    for (let g = 0; g < 6; g++) {
      const row = weights.geneIds.indexOf(fit.geneIds[g]);
      const rawWeights = Float64Array.from(matrix.sampleIds, (id) => weights.values[row * weights.nSamples + weights.sampleIds.indexOf(id)]);
      const prepared = preparer.prepare(matrix.values.subarray(g * matrix.nSamples, (g + 1) * matrix.nSamples), rawWeights);
      assert.equal(prepared.status, 'ready');
      if (prepared.status !== 'ready') continue;
      const { pattern, y } = prepared;
      const w = prepared.weights!;
      const beta = Array.from(pattern.columns, (k) => r.beta[g * r.p + k]);
      const lambda = r.sigma2G[g] / r.sigma2E[g];
      const means = groupMeans(pattern, y, beta, lambda, w);
      // Directly from the design rows: per group Σ w, Σ w y and Σ w (y − xβ).
      const sums = new Map<number, { s: number; wy: number; wr: number }>();
      for (let i = 0; i < pattern.n; i++) {
        let xb = 0;
        for (let a = 0; a < pattern.p; a++) xb += design.x[pattern.rows[i] * design.p + pattern.columns[a]] * beta[a];
        const j = pattern.groupOf[i];
        const e = sums.get(j) ?? { s: 0, wy: 0, wr: 0 };
        sums.set(j, { s: e.s + w[i], wy: e.wy + w[i] * y[i], wr: e.wr + w[i] * (y[i] - xb) });
      }
      for (const [j, { s, wy, wr }] of sums) {
        assert.ok(Math.abs(means.observed[j] - wy / s) <= 1e-12 * Math.abs(wy / s), `gene ${g} group ${j}: observed`);
        const u = lambda > 0 ? wr / (s + 1 / lambda) : 0;
        assert.ok(Math.abs(means.ranef[j] - u) <= 1e-9 * Math.max(Math.abs(u), 1e-3), `gene ${g} group ${j}: ranef ${means.ranef[j]} vs ${u}`);
        checked++;
      }
    }
    assert.ok(checked > 100);
  });
});
