import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resultTextChunks } from '../../src/cli/results-text.js';
import { fitTable, type FitResult } from '../../src/fit-genes.js';
import { formatTable, type TableFormat } from '../../src/io/table-format.js';
import { fitCpu, mixedInput } from '../helpers/inputs.js';

/** Every status, and the columns of contrasts, the exact RLRT, the bootstrap and empirical Bayes. */
const richFit = (): Promise<FitResult> => fitCpu(mixedInput(), {
  contrasts: [{ name: 'trtVsCtrl', expression: 'treatmenttrt' }], ebayes: true, bootstrap: 5, rlrtExact: 200, seed: 3,
});

/** The table's columns. */
const width = (fit: FitResult): number => fitTable(fit).columns.length;

async function textOf(chunks: AsyncIterable<string | Uint8Array>): Promise<{ text: string; fromWorkers: number }> {
  const parts: (string | Uint8Array)[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  const decoder = new TextDecoder();
  return {
    text: parts.map((part) => (typeof part === 'string' ? part : decoder.decode(part))).join(''),
    fromWorkers: parts.filter((part) => typeof part !== 'string').length,
  };
}

describe('resultTextChunks: a large result table formatted in parts on worker threads', () => {
  it('gives the one-thread text byte for byte, in TSV and CSV, in 1 to 3 parts; JSON on this thread', async () => {
    const fit = await richFit();
    assert.equal(fit.geneIds.length, 10);
    for (const format of ['tsv', 'csv', 'json'] as TableFormat[]) {
      const whole = formatTable(fitTable(fit), format);
      for (const threads of [1, 2, 3, 4]) {
        // Parts of at least 3 of the 10 genes: at most 3 parts, so 4 threads use 3.
        const { text, fromWorkers } = await textOf(resultTextChunks(fit, format, threads, 3 * width(fit)));
        assert.equal(text, whole, `${format}, ${threads} thread(s)`);
        assert.equal(fromWorkers, format === 'json' ? 0 : Math.min(threads, 3) - 1, `${format}, ${threads} thread(s)`);
      }
    }
  });

  it('keeps a part at least partCells cells', async () => {
    const fit = await richFit();
    assert.equal((await textOf(resultTextChunks(fit, 'tsv', 4, 6 * width(fit)))).fromWorkers, 0);
    assert.equal((await textOf(resultTextChunks(fit, 'tsv', 4, 5 * width(fit)))).fromWorkers, 1);
  });

  it('stops its workers when the text is abandoned after the first chunk', async () => {
    const fit = await richFit();
    const chunks = resultTextChunks(fit, 'csv', 3, 3 * width(fit));
    assert.equal(typeof (await chunks.next()).value, 'string');
    assert.deepEqual(await chunks.return(undefined), { done: true, value: undefined });
  });
});
