import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { EXAMPLE } from '../../src/example.js';
import { parseMatrixWithCsvParse } from '../../src/io/matrix-reader-csv-parse.js';
import { parseMatrix } from '../../src/io/matrix-reader.js';
import { readMatrix } from '../../src/io/read-files.js';
import { REPO_ROOT } from '../helpers/cases.js';
import {
  assertSameBits,
  assertSameMatrix,
  chunksOf,
  expectedValues,
  generateMatrix,
  random,
  readBoth,
  tempDir,
  toDelimited,
  toGct,
  writeInput,
} from './helpers.js';

const BOTTOMLY = path.join(REPO_ROOT, EXAMPLE.expr);

describe('fast reader and csv-parse reader agree bit for bit', () => {
  const { dir, cleanup } = tempDir();
  const m = generateMatrix(300, 40);
  const tsv = toDelimited(m, '\t');
  const expected = expectedValues(m);
  after(cleanup);

  it('on the Bottomly count table', async () => {
    const matrix = await readBoth(BOTTOMLY);
    assert.equal(matrix.nGenes, 36536);
    assert.equal(matrix.nSamples, 21);
    assert.equal(matrix.geneIds[0], 'ENSMUSG00000000001');
    assert.equal(matrix.sampleIds[20], 'SRX033494');
    assert.deepEqual([...matrix.values.subarray(0, 3)], [369, 744, 287]);
  });

  const variants: [string, string, string | Uint8Array][] = [
    ['tsv', 'm.tsv', tsv],
    ['csv', 'm.csv', toDelimited(m, ',')],
    ['csv.gz', 'm.csv.gz', toDelimited(m, ',')],
    ['tsv.gz', 'm.tsv.gz', tsv],
    ['txt', 'm.txt', tsv],
    ['gct', 'm.gct', toGct(m)],
    ['gct.gz', 'm.gct.gz', toGct(m)],
    ['CRLF line endings', 'crlf.tsv', toDelimited(m, '\t', '\r\n')],
    ['no trailing newline', 'last.tsv', tsv.slice(0, -1)],
    ['CRLF and no trailing newline', 'crlf-last.csv', toDelimited(m, ',', '\r\n').slice(0, -2)],
    ['a UTF-8 byte-order mark', 'bom.tsv', `\ufeff${tsv}`],
    ['blank lines', 'blank.tsv', `\n${tsv.replace('\n', '\n\n\r\n')}\n\n`],
  ];
  for (const [what, name, text] of variants) {
    it(`on a generated decimal matrix: ${what}`, async () => {
      const matrix = await readBoth(writeInput(dir, name, text));
      assert.deepEqual(matrix.geneIds, m.genes);
      assert.deepEqual(matrix.sampleIds, m.samples);
      assertSameBits(matrix.values, expected);
    });
  }

  it('on quoted CSV as R write.csv makes it, read through csv-parse', async () => {
    const quote = (text: string) => `"${text}"`;
    const lines = [['', ...m.samples.map(quote)], ...m.genes.map((gene, g) => [quote(gene), ...m.cells[g]])];
    const matrix = await readBoth(writeInput(dir, 'quoted.csv', lines.map((fields) => `${fields.join(',')}\n`).join('')));
    assert.deepEqual(matrix.geneIds, m.genes);
    assertSameBits(matrix.values, expected);
  });

  it('on a quoted id holding the delimiter, far into the file', async () => {
    const genes = m.genes.map((gene, g) => (g === 250 ? `"${gene}, quoted"` : gene));
    const matrix = await readBoth(writeInput(dir, 'late-quote.csv', toDelimited({ ...m, genes }, ',')));
    assert.equal(matrix.geneIds[250], 'gene-251, quoted');
    assert.equal(matrix.geneIds[299], 'gene-300');
    assertSameBits(matrix.values, expected);
  });

  it('on quotes beyond R\'s (escaped, multi-line, around a number): handed to csv-parse mid-stream', async () => {
    const genes = m.genes.map((gene, g) => (g === 100 ? '"say ""hi"""' : g === 200 ? '"two\nlines"' : gene));
    const cells = m.cells.map((row, g) => (g === 250 ? row.map((cell, j) => (j === 3 ? '"42"' : cell)) : row));
    const matrix = await readBoth(writeInput(dir, 'hard-quotes.csv', toDelimited({ ...m, genes, cells }, ',')));
    assert.equal(matrix.geneIds[100], 'say "hi"');
    assert.equal(matrix.geneIds[200], 'two\nlines');
    assertSameBits(matrix.values, expected.map((value, k) => (k === 250 * m.samples.length + 3 ? 42 : value)));
  });

  it('on R write.table\'s layout, a header without a name above the gene ids: quoted or not, TSV, CSV, gzipped', async () => {
    const quote = (text: string) => `"${text}"`;
    for (const [name, delimiter, quoted] of [['wt.tsv', '\t', true], ['wt-plain.txt', '\t', false], ['wt.csv', ',', true], ['wt.tsv.gz', '\t', true]] as const) {
      const q = quoted ? quote : (text: string) => text;
      const lines = [m.samples.map(q), ...m.genes.map((gene, g) => [q(gene), ...m.cells[g]])];
      const matrix = await readBoth(writeInput(dir, name, lines.map((fields) => `${fields.join(delimiter)}\n`).join('')));
      assert.deepEqual(matrix.sampleIds, m.samples, name);
      assert.deepEqual(matrix.geneIds, m.genes, name);
      assertSameBits(matrix.values, expected);
    }
  });

  it('on R write.table\'s layout of one sample', async () => {
    const matrix = await readBoth(writeInput(dir, 'wt-one.tsv', '"s1"\n"g1"\t5\n"g2"\t6\n'));
    assert.deepEqual(matrix.sampleIds, ['s1']);
    assert.deepEqual(matrix.geneIds, ['g1', 'g2']);
    assertSameBits(matrix.values, [5, 6]);
  });

  it('on a TSV with quoted ids, as R write.table makes it', async () => {
    const text = toDelimited({ ...m, genes: m.genes.map((gene) => `"${gene}"`) }, '\t');
    const matrix = await readBoth(writeInput(dir, 'quoted.tsv', text));
    assert.deepEqual(matrix.geneIds, m.genes);
  });
});

describe('parseMatrix', () => {
  const m = generateMatrix(60, 7, 2);
  const tsv = toDelimited(m, '\t');

  it('gives the same matrix for every chunk size, from a source that reuses its buffer', async () => {
    const whole = await parseMatrix(chunksOf(tsv, 1 << 20), 'm.tsv');
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      assertSameMatrix(await parseMatrix(chunksOf(tsv, size), 'm.tsv'), whole);
      assertSameMatrix(await parseMatrixWithCsvParse(chunksOf(tsv, size), 'm.tsv'), whole);
    }
    const quoted = tsv.replace('\ngene-20\t', '\n"gene ""20"""\t'); // the fast reader hands over on line 21
    for (const size of [1, 5, 1 << 20]) {
      assertSameMatrix(await parseMatrix(chunksOf(quoted, size), 'm.tsv'), await parseMatrixWithCsvParse(chunksOf(quoted, size), 'm.tsv'));
    }
  });

  it('sizes the value buffer from textBytes without changing the result', async () => {
    const plain = await parseMatrix(chunksOf(tsv, 100), 'm.tsv');
    for (const textBytes of [1, tsv.length, 100 * tsv.length]) {
      assertSameMatrix(await parseMatrix(chunksOf(tsv, 100), 'm.tsv', { textBytes }), plain);
    }
  });

  it('reports progress in bytes read', async () => {
    const seen: number[] = [];
    await parseMatrix(chunksOf(tsv, 1000), 'm.tsv', { onProgress: (bytes) => seen.push(bytes) });
    assert.equal(seen.at(-1), Buffer.byteLength(tsv));
    assert.ok(seen.every((bytes, k) => k === 0 || bytes > seen[k - 1]));
  });

  it('keeps ids as UTF-8 text and ignores the name of the id column', async () => {
    const matrix = await parseMatrix(chunksOf('Gène\tÉchantillon 1\tS 2\nα-actine\t1\t2\n', 3), 'u.tsv');
    assert.deepEqual(matrix.sampleIds, ['Échantillon 1', 'S 2']);
    assert.deepEqual(matrix.geneIds, ['α-actine']);
  });
});

describe('every value equals Number(text) bit for bit', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const next = random(7);
  const doubles = Array.from({ length: 20000 }, () => {
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    do {
      words[0] = Math.floor(next() * 2 ** 32);
      words[1] = Math.floor(next() * 2 ** 32);
    } while (!Number.isFinite(bits[0]));
    return bits[0];
  });
  const forms: [string, (x: number) => string][] = [
    ['String(x) of random doubles', String],
    ['17 significant digits', (x) => x.toPrecision(17)],
    ['15 significant digits, as R writes', (x) => x.toPrecision(15)],
    ['fixed decimals of moderate numbers', (x) => (x % 1e6).toFixed(6)],
  ];
  for (const [what, write] of forms) {
    it(what, async () => {
      const texts = doubles.map(write);
      const cells = Array.from({ length: 200 }, (_, g) => texts.slice(g * 100, g * 100 + 100));
      const m = { genes: cells.map((_, g) => `g${g}`), samples: cells[0].map((_, j) => `s${j}`), cells };
      const matrix = await readBoth(writeInput(dir, 'doubles.tsv', toDelimited(m, '\t')));
      assertSameBits(matrix.values, texts.map(Number));
    });
  }
});

describe('readMatrix', () => {
  it('picks the format from the extension after .gz, case-insensitively, unless one is given', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const text = 'id,a,b\ng,1,2\n';
      const matrix = await readMatrix(writeInput(dir, 'M.CSV.GZ', text));
      assert.deepEqual(matrix.sampleIds, ['a', 'b']);
      const other = writeInput(dir, 'm.dat', text.replaceAll(',', '\t'));
      await assert.rejects(readMatrix(other), UsageError);
      assert.deepEqual((await readMatrix(other, { format: 'tsv' })).sampleIds, ['a', 'b']);
    } finally {
      cleanup();
    }
  });
});
