import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../src/errors.js';
import { fitGenes, fitTable } from '../src/fit-genes.js';
import type { ExpressionMatrix, SampleSheet } from '../src/io/types.js';

/** 6 groups × 4 samples; every gene's story is in its id. */
function mixedMatrix(): { matrix: ExpressionMatrix; samples: SampleSheet } {
  const nSamples = 24;
  const sampleIds = Array.from({ length: nSamples }, (_, i) => `s${i + 1}`);
  const group = sampleIds.map((_, i) => `g${Math.floor(i / 4)}`);
  const treatment = sampleIds.map((_, i) => (i % 2 === 0 ? 'ctrl' : 'trt'));
  let seed = 7;
  const rand = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
  const normal = (): number[] => sampleIds.map((_, i) => 10 + Math.floor(i / 4) * 0.8 + rand());
  const genes: [string, number[]][] = [
    ['normal_1', normal()],
    ['all_zero', sampleIds.map(() => 0)],
    ['constant_five', sampleIds.map(() => 5)],
    ['na_heavy', sampleIds.map((_, i) => (i < 3 ? 1 + i : NaN))],
    ['one_group', sampleIds.map((_, i) => (i < 4 ? 2 + rand() : NaN))],
    // One sample of each group, ctrl and trt in turn (values not drawn from rand, so the other genes stay as they were).
    ['one_per_group', sampleIds.map((_, i) => (i % 4 === Math.floor(i / 4) % 2 ? 3 + 0.37 * ((7 * i) % 5) : NaN))],
    ['all_na', sampleIds.map(() => NaN)],
    ['normal_with_na', normal().map((v, i) => (i === 5 || i === 17 ? NaN : v))],
    ['low_mean', sampleIds.map(() => 0.01 + rand() * 0.001)],
    ['normal_2', normal()],
  ];
  const matrix: ExpressionMatrix = {
    file: 'mixed.tsv',
    geneIds: genes.map(([id]) => id),
    sampleIds,
    nGenes: genes.length,
    nSamples,
    values: Float64Array.from(genes.flatMap(([, v]) => v)),
  };
  const samples: SampleSheet = {
    file: 'mixed.samples.tsv',
    idColumn: 'sample',
    ids: sampleIds,
    columns: new Map([['group', group], ['treatment', treatment]]),
    lines: sampleIds.map((_, i) => i + 2),
  };
  return { matrix, samples };
}

describe('statuses: one row per gene, in input order, with a status and a reason', () => {
  it('refuses a --min-samples above the samples the model uses, which would filter every gene', async () => {
    const { matrix, samples } = mixedMatrix();
    const fit = (minSamples: number) => fitGenes(matrix, samples, '~ treatment + (1 | group)', { backend: 'cpu', threads: 1, minCount: 1, minSamples });
    await assert.rejects(fit(25), (e: unknown) => e instanceof UsageError && /--min-samples 25 asks for more samples than the 24 samples the model uses/.test(e.message));
    assert.equal((await fit(24)).results.nGenes, matrix.nGenes);
  });

  it('classifies a matrix mixing all-zero, constant, NA-heavy, one-group, filtered and normal genes', async () => {
    const { matrix, samples } = mixedMatrix();
    const fit = await fitGenes(matrix, samples, '~ treatment + (1 | group)', { backend: 'cpu', threads: 1, minMean: 0.5 });
    const table = fitTable(fit);
    const rows = [...table.rows];
    const col = (name: string): number => table.columns.indexOf(name);
    assert.deepEqual(rows.map((r) => r[col('gene')]), matrix.geneIds);
    assert.deepEqual([...table.rows], rows, 'the rows are made again, the same, each time they are read');
    const expected: Record<string, [string, RegExp | null]> = {
      normal_1: ['ok', null],
      all_zero: ['filtered', /below --min-mean 0\.5/],
      constant_five: ['constant', /all 24 values are equal \(5\)/],
      na_heavy: ['insufficient', /data in 1 group/],
      one_group: ['insufficient', /data in 1 group/],
      one_per_group: ['insufficient', /one observation in each of the 6 groups/],
      all_na: ['insufficient', /data in 0 group/],
      normal_with_na: ['ok', null],
      low_mean: ['filtered', /mean raw value .* below --min-mean 0\.5/],
      normal_2: ['ok', null],
    };
    for (const row of rows) {
      const [status, message] = expected[row[col('gene')] as string];
      assert.equal(row[col('status')], status, `status of ${row[col('gene')]}: ${row[col('message')]}`);
      if (message) assert.match(String(row[col('message')]), message);
      else assert.equal(row[col('message')], null);
      if (status === 'ok') {
        assert.ok(Number(row[col('sigma2_resid')]) > 0, `${row[col('gene')]} has an estimate`);
        assert.equal(row[col('converged')], true);
      } else {
        assert.equal(row[col('h2')], null, `${row[col('gene')]} has NA estimates`);
        assert.equal(row[col('converged')], null);
      }
    }
    const withNa = rows[matrix.geneIds.indexOf('normal_with_na')];
    assert.equal(withNa[col('n')], 22, 'missing values are dropped for that gene only');
    assert.equal(rows[0][col('n')], 24);
    assert.deepEqual(fit.counts, { ok: 3, singular: 0, constant: 1, insufficient: 4, filtered: 2, failed: 0 });
  });

  it('without filters an all-zero gene is constant and insufficient observations are named', async () => {
    const { matrix, samples } = mixedMatrix();
    const fit = await fitGenes(matrix, samples, '~ treatment + (1 | group)', { backend: 'cpu', threads: 1 });
    const rows = [...fitTable(fit).rows];
    const status = (id: string): string => rows[matrix.geneIds.indexOf(id)][1] as string;
    assert.equal(status('all_zero'), 'constant');
    assert.match(fit.results.messages[matrix.geneIds.indexOf('all_zero')]!, /all 24 values are equal \(0\)/);
    assert.equal(status('low_mean'), 'ok');
  });

  it('q-values are Benjamini–Hochberg over the genes that have a p-value', async () => {
    const { matrix, samples } = mixedMatrix();
    const fit = await fitGenes(matrix, samples, '~ treatment + (1 | group)', { backend: 'cpu', threads: 1 });
    const r = fit.results;
    const tested = [...r.pLrt.keys()].filter((g) => !Number.isNaN(r.pLrt[g]));
    const m = tested.length;
    const sorted = [...tested].sort((a, b) => r.pLrt[a] - r.pLrt[b]);
    sorted.forEach((g, i) => {
      const q = Math.min(1, ...sorted.slice(i).map((h, j) => (r.pLrt[h] * m) / (i + j + 1)));
      assert.ok(Math.abs(r.qLrt[g] - q) < 1e-15, `q of ${matrix.geneIds[g]}: expected ${q}, actual ${r.qLrt[g]}`);
    });
    for (let g = 0; g < r.nGenes; g++) if (Number.isNaN(r.pLrt[g])) assert.ok(Number.isNaN(r.qLrt[g]));
  });
});
