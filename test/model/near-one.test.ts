import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitGenes } from '../../src/fit-genes.js';
import type { ExpressionMatrix, SampleSheet } from '../../src/io/types.js';
import { LAMBDA_MAX } from '../../src/model/lambda-search.js';
import { STATUSES } from '../../src/results/statuses.js';

/** 8 groups × 4 samples; each gene is group effects plus `ratio` times a within-group deviation. */
function nearOne(ratios: number[]): { matrix: ExpressionMatrix; samples: SampleSheet } {
  const sampleIds = Array.from({ length: 32 }, (_, i) => `s${i}`);
  const groupEffect = [0.3, -1.2, 0.8, 1.9, -0.4, -0.9, 1.1, 0.05];
  const within = [0.7, -1.1, 0.2, 0.4, -0.3, 1.3, -0.8, -0.6];
  const row = (ratio: number): number[] => sampleIds.map((_, i) => 5 + groupEffect[i >> 2] + ratio * within[(i * 5) % 8]);
  return {
    matrix: {
      file: 'near-one.tsv', geneIds: ratios.map((r) => `ratio_${r}`), sampleIds, nGenes: ratios.length, nSamples: 32,
      values: Float64Array.from(ratios.flatMap(row)),
    },
    samples: {
      file: 'near-one.samples.tsv', idColumn: 'sample', ids: sampleIds,
      columns: new Map([['g', sampleIds.map((_, i) => `g${i >> 2}`)]]), lines: sampleIds.map((_, i) => i + 2),
    },
  };
}

describe('h2 near 1', () => {
  it('fits residual sds down to 1e-6 of the group sd (λ̂ up to 1e12), with σ²_resid scaling as the ratio squared', async () => {
    const ratios = [1e-3, 1e-4, 1e-5, 1e-6];
    const { matrix, samples } = nearOne(ratios);
    const r = (await fitGenes(matrix, samples, '~ 1 + (1 | g)', { backend: 'cpu', threads: 1 })).results;
    ratios.forEach((ratio, g) => {
      assert.equal(STATUSES[r.status[g]], 'ok', `${matrix.geneIds[g]}: ${r.messages[g]}`);
      const lambda = r.sigma2G[g] / r.sigma2E[g];
      assert.ok(lambda > 0.1 / ratio ** 2 && lambda < 10 / ratio ** 2, `λ̂ ${lambda} for residual sd ratio ${ratio}`);
      // The within-group deviations are the same up to the ratio: σ²_resid scales with its square, σ²_group barely moves.
      assert.ok(Math.abs(r.sigma2E[g] / ratio ** 2 / (r.sigma2E[0] / ratios[0] ** 2) - 1) < 1e-6, `σ²_resid ${r.sigma2E[g]}`);
      assert.ok(Math.abs(r.sigma2G[g] / r.sigma2G[0] - 1) < 1e-3, `σ²_group ${r.sigma2G[g]}`);
      assert.ok(Math.abs(r.h2[g] - lambda / (1 + lambda)) < 1e-15);
      assert.ok(Number.isFinite(r.pValue[g]) && Number.isFinite(r.df[g]));
    });
  });

  it('a gene constant within every group is failed, and says the residual variance is too small to estimate', async () => {
    const { matrix, samples } = nearOne([0]);
    const r = (await fitGenes(matrix, samples, '~ 1 + (1 | g)', { backend: 'cpu', threads: 1 })).results;
    assert.equal(STATUSES[r.status[0]], 'failed');
    assert.match(r.messages[0]!, new RegExp(`residual variance is below ${(1 / LAMBDA_MAX).toExponential(0)} of the group variance`));
  });
});
