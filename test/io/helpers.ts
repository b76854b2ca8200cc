/** Shared helpers of the io tests: temporary files, chunked sources, matrix comparison, generated matrices. */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../src/errors.js';
import { openFile } from '../../src/io/file-source.js';
import { fileKindOf } from '../../src/io/formats.js';
import { parseMatrixWithCsvParse } from '../../src/io/matrix-reader-csv-parse.js';
import { readMatrix } from '../../src/io/read-files.js';
import type { ExpressionMatrix } from '../../src/io/types.js';

/** A fresh directory under os.tmpdir() and a function that removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'genelmm-io-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `text` to `dir/name`, gzipped when the name ends in `.gz`; returns the path. */
export function writeInput(dir: string, name: string, text: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, name.toLowerCase().endsWith('.gz') ? gzipSync(text) : text);
  return path;
}

/** `text` as UTF-8 chunks of `size` bytes, all yielded in one reused buffer (as a file reader may do). */
export async function* chunksOf(text: string | Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const buffer = new Uint8Array(size);
  for (let at = 0; at < bytes.length; at += size) {
    const part = bytes.subarray(at, at + size);
    buffer.set(part);
    yield buffer.subarray(0, part.length);
    buffer.fill(0x21); // anything kept from the last chunk without a copy now reads "!!!"
  }
}

/** Reads `path` with the csv-parse reader (format from the name, like readMatrix). */
export async function readWithCsvParse(path: string): Promise<ExpressionMatrix> {
  const kind = fileKindOf(path);
  return parseMatrixWithCsvParse((await openFile(path, kind.gzip)).chunks, path, { format: kind.format });
}

/** Reads `path` with both readers, asserts they agree bitwise, and returns the fast reader's matrix. */
export async function readBoth(path: string): Promise<ExpressionMatrix> {
  const fast = await readMatrix(path);
  assertSameMatrix(fast, await readWithCsvParse(path));
  return fast;
}

/** Asserts ids, sizes and every value bit (NaN positions and -0 included) are equal. */
export function assertSameMatrix(actual: ExpressionMatrix, expected: ExpressionMatrix): void {
  assert.deepEqual(actual.geneIds, expected.geneIds);
  assert.deepEqual(actual.sampleIds, expected.sampleIds);
  assert.equal(actual.nGenes, expected.nGenes);
  assert.equal(actual.nSamples, expected.nSamples);
  assertSameBits(actual.values, expected.values);
}

/** Asserts two Float64Arrays are equal bit for bit; on failure names the first differing index. */
export function assertSameBits(actual: Float64Array, expected: ArrayLike<number>): void {
  assert.equal(actual.length, expected.length, 'number of values');
  const a = new BigUint64Array(Float64Array.from(actual).buffer);
  const e = new BigUint64Array(Float64Array.from(expected).buffer);
  const k = a.findIndex((bits, i) => bits !== e[i]);
  assert.equal(k, -1, k < 0 ? '' : `value ${k}: got ${actual[k]}, expected ${expected[k]}`);
}

/** Asserts `promise` rejects with an InputError whose message starts with `where` and contains every `parts`. */
export async function assertInputError(promise: Promise<unknown>, where: string, ...parts: string[]): Promise<InputError> {
  const error = await promise.then(
    () => assert.fail(`expected an InputError at ${where}`),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
  assert.ok(error.message.startsWith(`${where}: `), `"${error.message}" should start with "${where}: "`);
  for (const part of parts) assert.ok(error.message.includes(part), `"${error.message}" should contain ${part}`);
  assert.ok(error.suggestion, 'an InputError carries a suggestion');
  return error;
}

/** A deterministic pseudo-random number generator (mulberry32) giving numbers in [0, 1). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generated matrix as cell texts: `cells[g][j]` for gene `genes[g]` and sample `samples[j]`. */
export interface MatrixText {
  genes: string[];
  samples: string[];
  cells: string[][];
}

const TOKENS = ['NA', 'NaN', 'nan', '.', '', '0', '-0', '+2', '.5', '1.', '1E5', '1e-3', '-0.5', '77.9', ' 12', '2.5e+10', '-7.25E-300'];

/** Cells of every kind: integers, decimals, exponents, negatives, missing tokens, full-precision doubles. */
export function generateMatrix(nGenes: number, nSamples: number, seed = 1): MatrixText {
  const next = random(seed);
  const cell = (): string => {
    const u = next();
    const x = (next() - 0.3) * 10 ** Math.floor(next() * 40 - 20);
    if (u < 0.15) return TOKENS[Math.floor(next() * TOKENS.length)];
    if (u < 0.35) return String(Math.floor(next() * 5000));
    if (u < 0.55) return x.toFixed(Math.floor(next() * 8));
    if (u < 0.75) return String(x);
    if (u < 0.9) return x.toPrecision(17);
    return x.toExponential(Math.floor(next() * 16));
  };
  const genes = Array.from({ length: nGenes }, (_, g) => `gene-${g + 1}`);
  const samples = Array.from({ length: nSamples }, (_, j) => `S${j + 1}`);
  return { genes, samples, cells: genes.map(() => samples.map(cell)) };
}

/** The matrix as a delimited table: header, then one line per gene; `eol` ends every line. */
export function toDelimited(m: MatrixText, delimiter: string, eol = '\n'): string {
  const lines = [['gene', ...m.samples], ...m.genes.map((gene, g) => [gene, ...m.cells[g]])];
  return lines.map((fields) => fields.join(delimiter) + eol).join('');
}

/** The matrix as a GCT 1.2 file. */
export function toGct(m: MatrixText): string {
  const rows = m.genes.map((gene, g) => [gene, `description of ${gene}`, ...m.cells[g]].join('\t'));
  return ['#1.2', `${m.genes.length}\t${m.samples.length}`, ['Name', 'Description', ...m.samples].join('\t'), ...rows, ''].join('\n');
}

/** Every cell as Number(text), or NaN for a missing-value token: what the readers must return. */
export function expectedValues(m: MatrixText): number[] {
  const missing = new Set(['NA', 'NaN', 'nan', '.', '']);
  return m.cells.flat().map((text) => (missing.has(text.trim()) ? NaN : Number(text)));
}
