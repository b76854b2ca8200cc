/**
 * A matrix read block by block (fitGeneSource over a file) gives the table of the same matrix fitted in memory,
 * byte for byte, for every model class, with missing values, logcpm (whose library sizes take a first pass),
 * shards, the exact RLRT and the bootstrap; the reader holds a bounded number of blocks, whatever the size
 * of the matrix; and one gene's block is found again by reading no further than it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { fitGenes, fitGeneSource, fitTable, type FitOptions } from '../src/fit-genes.js';
import type { GeneSource } from '../src/io/gene-source.js';
import { blockOf } from '../src/io/stream-source.js';
import { parseMatrixBlocks } from '../src/io/matrix-reader.js';
import { fileSource, readMatrix } from '../src/io/read-files.js';
import { formatTable } from '../src/io/table-format.js';
import type { SampleSheet } from '../src/io/types.js';
import { mixedInput } from './helpers/inputs.js';
import { tempFiles } from './helpers/cli.js';

/**
 * The mixed matrix's genes (every status) five times over as counts (2^(v + 2), rounded; NA kept), 50 genes,
 * as a TSV and a gzipped TSV; the sheet gains a batch column for a second random term.
 */
function countFiles(): { dir: string; cleanup: () => void; samples: SampleSheet } {
  const { matrix, samples } = mixedInput();
  const lines = [`gene\t${matrix.sampleIds.join('\t')}`];
  for (let copy = 0; copy < 5; copy++) {
    matrix.geneIds.forEach((id, g) => {
      const row = Array.from(matrix.values.subarray(g * matrix.nSamples, (g + 1) * matrix.nSamples),
        (v, i) => (Number.isNaN(v) ? 'NA' : String(Math.round(2 ** (v + 2 + (copy * ((i * 3) % 4)) / 8)))));
      lines.push(`${id}_${copy}\t${row.join('\t')}`);
    });
  }
  const text = `${lines.join('\n')}\n`;
  const files = tempFiles({ 'm.tsv': text });
  fs.writeFileSync(path.join(files.dir, 'm.tsv.gz'), zlib.gzipSync(text));
  const columns = new Map(samples.columns);
  columns.set('batch', samples.ids.map((_, i) => `b${i % 3}`));
  return { ...files, samples: { ...samples, columns } };
}

const CLASSES: [string, string, FitOptions][] = [
  ['one random intercept by REML, exact RLRT and bootstrap', '~ treatment + (1 | group)', { rlrtExact: 200, bootstrap: 8, seed: 3 }],
  ['fixed effects only', '~ treatment', {}],
  ['one random intercept by ML with variance fractions', '~ treatment + (1 | group)', { method: 'ml', varPart: true }],
  ['two random intercepts', '~ treatment + (1 | group) + (1 | batch)', {}],
];

describe('a matrix read block by block equals the matrix in memory, byte for byte', () => {
  for (const [name, formula, options] of CLASSES) {
    for (const transform of ['none', 'logcpm'] as const) {
      it(`${name}, --transform ${transform}`, async () => {
        const { dir, cleanup, samples } = countFiles();
        try {
          const file = path.join(dir, 'm.tsv');
          const matrix = await readMatrix(file);
          const run = { ...options, transform, backend: 'cpu' as const, threads: 1 };
          const inMemory = formatTable(fitTable(await fitGenes(matrix, samples, formula, run)), 'tsv');
          assert.match(inMemory, /\tok\t/);
          for (const [genes, threads, gz] of [[1, 1, ''], [7, 1, '.gz'], [3, 2, '']] as const) {
            const source = fileSource(file + gz, { blockValues: genes * matrix.nSamples });
            const streamed = await fitGeneSource(source, samples, formula, { ...run, threads });
            assert.equal(formatTable(fitTable(streamed), 'tsv'), inMemory, `blocks of ${genes} gene(s), ${threads} thread(s) ${gz}`);
          }
          const shards = await Promise.all([1, 2, 3].map((index) =>
            fitGeneSource(fileSource(file, { blockValues: 4 * matrix.nSamples }), samples, formula, { ...run, shard: { index, count: 3 } })));
          assert.deepEqual(shards.flatMap((s) => s.geneIds), matrix.geneIds, 'the shards hold every gene once, in order');
        } finally {
          cleanup();
        }
      });
    }
  }
});

describe('the block reader holds a few blocks, not the matrix', () => {
  it('300 genes in blocks of 10: every block 10 genes, in order, and at most 3 buffers ever allocated', async () => {
    const nSamples = 4;
    const lines = ['gene\ta\tb\tc\td', ...Array.from({ length: 300 }, (_, g) => `g${g}\t${g}\t${g + 0.5}\tNA\t${2 * g}`)];
    const text = new TextEncoder().encode(`${lines.join('\n')}\n`);
    async function* oneChunk(): AsyncGenerator<Uint8Array> {
      yield text;
    }
    const buffers = new Set<ArrayBufferLike>();
    const sizes: number[] = [];
    let held: { release(): void } | undefined;
    let next = 0;
    const shape = await parseMatrixBlocks(oneChunk(), 'm.tsv', { blockValues: 10 * nSamples }, async (block) => {
      buffers.add(block.values.buffer);
      sizes.push(block.nGenes);
      assert.equal(block.first, next);
      assert.deepEqual([...block.values.subarray(0, 4)], [next, next + 0.5, NaN, 2 * next]);
      next += block.nGenes;
      held?.release(); // the block before is done once this one arrives, as in a fit
      held = block;
    });
    assert.equal(shape.nGenes, 300);
    assert.deepEqual(sizes, Array(30).fill(10));
    assert.ok(buffers.size <= 3, `${buffers.size} buffers`);
  });

  it('in R write.table\'s layout (no name above the ids), blocks of the header\'s samples and one more', async () => {
    const text = new TextEncoder().encode(`a\tb\n${Array.from({ length: 30 }, (_, g) => `g${g}\t${g}\t-${g}`).join('\n')}\n`);
    async function* oneChunk(): AsyncGenerator<Uint8Array> {
      yield text;
    }
    const sizes: number[] = [];
    const shape = await parseMatrixBlocks(oneChunk(), 'wt.tsv', { blockValues: 10 * 2 }, async (block) => {
      sizes.push(block.nGenes);
      assert.deepEqual([...block.values.subarray(0, 2)], [block.first, -block.first]);
      block.release();
    });
    assert.deepEqual(shape.sampleIds, ['a', 'b']);
    assert.deepEqual(sizes, [10, 10, 10]);
  });
});

describe('one gene\'s block, read again from the file (the web app\'s gene view of a streamed matrix)', () => {
  it('the block holding gene g, with gene g\'s values as the whole read has them, reading no block past it', async () => {
    const { dir, cleanup } = countFiles();
    try {
      for (const gz of ['', '.gz']) {
        const file = path.join(dir, `m.tsv${gz}`);
        const matrix = await readMatrix(file);
        const n = matrix.nSamples;
        for (const g of [0, 6, 7, 23, matrix.nGenes - 1]) {
          let blocksRead = 0;
          const source = fileSource(file, { blockValues: 7 * n });
          const counted: GeneSource = { file, read: (take) => source.read(async (block, ids, share) => {
            blocksRead++;
            await take(block, ids, share);
          }) };
          const block = await blockOf(counted, g);
          assert.equal(block.first, 7 * Math.floor(g / 7), `gene ${g}${gz}`);
          assert.equal(blocksRead, Math.floor(g / 7) + 1, 'the read stops at the block');
          assert.equal(block.geneIds[g - block.first], matrix.geneIds[g]);
          assert.deepEqual([...block.values.subarray((g - block.first) * n, (g - block.first + 1) * n)],
            [...matrix.values.subarray(g * n, (g + 1) * n)]);
        }
        await assert.rejects(blockOf(fileSource(file), matrix.nGenes), /has no gene 51/);
        await assert.rejects(blockOf(fileSource(file), -1), /gene -1 is not a row number/);
      }
      // Quoting beyond R's (a doubled quote in an id) hands the rest of the file to csv-parse: the same values.
      const text = fs.readFileSync(path.join(dir, 'm.tsv'), 'utf8').split('\n');
      text[4] = text[4].replace(/^[^\t]+/, '"g""3"');
      fs.writeFileSync(path.join(dir, 'quoted.tsv'), text.join('\n'));
      const quoted = await readMatrix(path.join(dir, 'quoted.tsv'));
      const n = quoted.nSamples;
      for (const g of [2, 3, 40]) {
        const block = await blockOf(fileSource(path.join(dir, 'quoted.tsv'), { blockValues: 7 * n }), g);
        assert.equal(block.geneIds[g - block.first], quoted.geneIds[g]);
        assert.deepEqual([...block.values.subarray((g - block.first) * n, (g - block.first + 1) * n)],
          [...quoted.values.subarray(g * n, (g + 1) * n)]);
      }
      assert.equal(quoted.geneIds[3], 'g"3');
    } finally {
      cleanup();
    }
  });
});
