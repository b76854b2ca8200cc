/**
 * Kinship readers (SPEC §1): the same GRM in every format reads as the same matrix (plink2's GCTA binary, its .rel
 * text and .rel.bin, and a .grm.gz and a square TSV/CSV written here), and every bad input is an InputError that
 * names the file and, for text, the line and column.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../src/errors.js';
import { kinshipFiles, readKinship } from '../../src/io/kinship-files.js';
import type { Kinship } from '../../src/model/kinship.js';
import { REPO_ROOT } from '../helpers/cases.js';

const SIM = path.join(REPO_ROOT, 'test/fixtures/kinship/sim');

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'genelmm-kinship-'));
}

/** Entry (i, j) of a kinship. */
function entry(k: Kinship, i: number, j: number): number {
  const [a, b] = i >= j ? [i, j] : [j, i];
  return k.triangle[(a * (a + 1)) / 2 + b];
}

/** Writes `k` as a square table with `delimiter`, its entries as `format` prints them. */
function writeTable(file: string, k: Kinship, delimiter: string, format = (v: number): string => String(v)): void {
  const n = k.ids.length;
  const lines = [['id', ...k.ids].join(delimiter)];
  for (let i = 0; i < n; i++) lines.push([k.ids[i], ...Array.from({ length: n }, (_, j) => format(entry(k, i, j)))].join(delimiter));
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

async function rejects(file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(readKinship(file), (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    assert.match(e.message, pattern);
    return true;
  });
}

describe('kinship readers', () => {
  it('reads plink2\'s GCTA binary, .rel and .rel.bin of one GRM as the same matrix and ids', async () => {
    const gcta = await readKinship(SIM);
    assert.equal(gcta.ids.length, 240);
    assert.equal(gcta.ids[0], 'F01_1');
    assert.ok(gcta.triangle instanceof Float32Array, 'kept in f32, as stored');
    assert.deepEqual(kinshipFiles(SIM), [`${SIM}.grm.bin`, `${SIM}.grm.id`]);
    const relText = await readKinship(`${SIM}.rel`);
    const relBin = await readKinship(`${SIM}.bin`);
    assert.equal(relBin.source, `${SIM}.bin.rel.bin`);
    // f32 storage against f64 (SPEC §6's 1e-6), and plink2's text, which prints 6 significant digits.
    for (const [other, rel] of [[relBin, 1e-6], [relText, 5e-6]] as const) {
      assert.deepEqual(other.ids, gcta.ids);
      let worst = 0;
      for (let i = 0; i < gcta.triangle.length; i++) {
        worst = Math.max(worst, Math.abs(other.triangle[i] - gcta.triangle[i]) / Math.max(Math.abs(gcta.triangle[i]), 1e-3));
      }
      assert.ok(worst < rel, `${other.source}: largest relative difference ${worst}`);
    }
  });

  it('reads a .grm.gz and square TSV and CSV tables exactly', async () => {
    const gcta = await readKinship(SIM);
    const dir = tempDir();
    const n = gcta.ids.length;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) lines.push(`${i + 1}\t${j + 1}\t3000\t${entry(gcta, i, j)}`);
    fs.writeFileSync(path.join(dir, 'k.grm.gz'), gzipSync(lines.join('\n') + '\n'));
    fs.copyFileSync(`${SIM}.grm.id`, path.join(dir, 'k.grm.id'));
    writeTable(path.join(dir, 'k.tsv'), gcta, '\t');
    writeTable(path.join(dir, 'k.csv'), gcta, ',');
    for (const file of [path.join(dir, 'k'), path.join(dir, 'k.tsv'), path.join(dir, 'k.csv')]) {
      const k = await readKinship(file);
      assert.deepEqual(k.ids, gcta.ids, file);
      assert.deepEqual(Array.from(k.triangle), Array.from(gcta.triangle), file);
    }
  });

  it('refuses truncated binaries and id files that disagree with the matrix', async () => {
    const dir = tempDir();
    const bytes = fs.readFileSync(`${SIM}.grm.bin`);
    fs.writeFileSync(path.join(dir, 'cut.grm.bin'), bytes.subarray(0, bytes.length - 8));
    fs.copyFileSync(`${SIM}.grm.id`, path.join(dir, 'cut.grm.id'));
    await rejects(path.join(dir, 'cut'), /cut\.grm\.bin: 115672 bytes, where 240 individuals \(the id file's lines\) need 115680: the file is truncated/);
    fs.copyFileSync(`${SIM}.grm.bin`, path.join(dir, 'more.grm.bin'));
    fs.writeFileSync(path.join(dir, 'more.grm.id'), fs.readFileSync(`${SIM}.grm.id`, 'utf8').split('\n').slice(0, 200).join('\n'));
    await rejects(path.join(dir, 'more'), /more\.grm\.bin: 115680 bytes, where 200 individuals .* the id file and the matrix do not belong together/);
    fs.writeFileSync(path.join(dir, 'dup.grm.id'), 'F1 a\nF1 b\nF2 a\n');
    fs.writeFileSync(path.join(dir, 'dup.grm.bin'), new Uint8Array(24));
    await rejects(path.join(dir, 'dup'), /dup\.grm\.id:3: individual "a" appears twice \(first on line 1\)/);
    await assert.rejects(readKinship(path.join(dir, 'dup')), (e: unknown) => e instanceof InputError
      && /matched to the sample sheet by their individual id \(IID\) alone, so each must be unique/.test(e.suggestion ?? ''));
  });

  it('refuses bad text: a missing pair, an asymmetric or ragged table, rows out of order, a cell that is not a number', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'gap.grm.gz'), gzipSync('1 1 10 1\n2 1 10 0.5\n'));
    fs.writeFileSync(path.join(dir, 'gap.grm.id'), 'f a\nf b\n');
    await rejects(path.join(dir, 'gap'), /gap\.grm\.gz: no entry for the pair 2 2/);
    const table = (name: string, text: string): string => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    await rejects(table('asym.tsv', 'id\ta\tb\na\t1\t0.5\nb\t0.25\t1\n'), /asym\.tsv:3:2: the matrix is not symmetric: entry \(2, 1\) is 0\.25 and \(1, 2\) is 0\.5/);
    await rejects(table('order.tsv', 'id\ta\tb\nb\t1\t0.5\na\t0.5\t1\n'), /order\.tsv:2:1: row 1 is "b", where the header's column 2 is "a"/);
    await rejects(table('cell.tsv', 'id\ta\tb\na\t1\tx\nb\t0.5\t1\n'), /cell\.tsv:2:3: "x" is not a number/);
    await rejects(table('short.tsv', 'id\ta\tb\na\t1\t0.5\n'), /short\.tsv:3: 1 row\(s\) for the 2 ids of the header/);
    await rejects(table('empty.tsv', ''), /empty\.tsv: the file is empty/);
    fs.writeFileSync(path.join(dir, 'none.grm.id'), '\n');
    fs.writeFileSync(path.join(dir, 'none.grm.bin'), '');
    await rejects(path.join(dir, 'none'), /none\.grm\.id: no ids/);
    await rejects(table('space.txt', 'id a b\na 1 0\nb 0 1\n'), /space\.txt:1: the header has no ids \(no tab in it\)/);
  });
});
