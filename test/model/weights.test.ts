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
