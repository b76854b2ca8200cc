import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultThreads, WorkerPool } from '../src/backends/cpu-threads.js';
import { createBackend, ONE_THREAD_MAX_WORK } from '../src/backends/select.js';
import { fitGenes } from '../src/fit-genes.js';
import type { ExpressionMatrix, SampleSheet } from '../src/io/types.js';
import type { GeneResults } from '../src/results/gene-results.js';

/** A small matrix: 40 genes × 12 samples in 4 groups. */
function small(): { matrix: ExpressionMatrix; samples: SampleSheet } {
  const sampleIds = Array.from({ length: 12 }, (_, i) => `s${i}`);
  const values = Float64Array.from({ length: 40 * 12 }, (_, k) => Math.floor(k / 12) + ((k * 7919) % 13) / 13 + (k % 12 >> 2));
  return {
    matrix: { file: 'small.tsv', geneIds: Array.from({ length: 40 }, (_, g) => `g${g}`), sampleIds, nGenes: 40, nSamples: 12, values },
    samples: { file: 'small.samples.tsv', idColumn: 'sample', ids: sampleIds, columns: new Map([['group', sampleIds.map((_, i) => `G${i >> 2}`)]]), lines: sampleIds.map((_, i) => i + 2) },
  };
}

describe('CPU threads by default', () => {
  it('a small job runs on one thread unless --threads says otherwise', async () => {
    const { matrix, samples } = small();
    const plain = await fitGenes(matrix, samples, '~ (1 | group)', { backend: 'cpu' });
    assert.match(plain.backend.device, /\(1 thread, f64\)/);
    const two = await fitGenes(matrix, samples, '~ (1 | group)', { backend: 'cpu', threads: 2 });
    assert.match(two.backend.device, /\(2 threads, f64\)/);
    assert.deepEqual(two.results.h2, plain.results.h2);
  });

  it('a job of ONE_THREAD_MAX_WORK values or more, or of unknown size, gets every core', async () => {
    const cores = defaultThreads();
    const label = `(${cores} thread${cores > 1 ? 's' : ''}, f64)`;
    for (const work of [ONE_THREAD_MAX_WORK, undefined]) {
      const backend = await createBackend('cpu', { nGenes: 1, work });
      assert.ok(backend.description.device.endsWith(label), `${work}: ${backend.description.device}`);
      await backend.dispose();
    }
    const below = await createBackend('cpu', { nGenes: 1, work: ONE_THREAD_MAX_WORK - 1 });
    assert.ok(below.description.device.endsWith('(1 thread, f64)'), below.description.device);
  });
});

describe('the worker pool', () => {
  it('a task that throws fails its own request; the worker lives on, and answers the next one in order', async () => {
    const { matrix, samples } = small();
    const { context } = await fitGenes(matrix, samples, '~ (1 | group)', { backend: 'cpu', threads: 1 });
    const pool = new WorkerPool(context, 1);
    try {
      const values = pool.share(matrix.values.slice(0, 2 * matrix.nSamples));
      const [lost, fitted] = await Promise.allSettled([
        pool.request(0, { kind: 'finish', part: 7 }),
        pool.request(0, { kind: 'fit', nGenes: 2, values }),
      ]);
      assert.equal(lost.status, 'rejected');
      assert.match(String((lost as PromiseRejectedResult).reason), /a host thread's task failed: part 7 was not prepared on this thread/);
      assert.equal(fitted.status, 'fulfilled', 'the task after it is answered, not taken for the failed one\'s');
      const { results } = (fitted as PromiseFulfilledResult<{ results: GeneResults }>).value;
      assert.equal(results.nGenes, 2);
      assert.ok(Number.isFinite(results.h2[0]), `its own results: h2 ${results.h2[0]}`);
    } finally {
      await pool.close();
    }
  });
});
