import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { writeTextAtomic } from '../../src/io/atomic-file.js';
import { type Cell, formatTable, formatTableChunks, type Table } from '../../src/io/table-format.js';
import { writeTable } from '../../src/io/table-writer.js';
import { tempDir } from './helpers.js';

const table: Table = {
  columns: ['gene', 'n', 'x', 'ok', 'message'],
  rows: [
    ['g1', 5, 0.1 + 0.2, true, null],
    ['g,2', NaN, 1e-7, false, 'say "hi"'],
    ['g3', -0, 1e21, null, 'tab\there'],
    ['g4', Infinity, -Infinity, true, 'two\nlines'],
  ],
};

describe('formatTable', () => {
  it('writes TSV with NA, TRUE/FALSE, shortest round-trip numbers, and quotes only where needed', () => {
    assert.equal(
      formatTable(table, 'tsv'),
      'gene\tn\tx\tok\tmessage\n' +
        'g1\t5\t0.30000000000000004\tTRUE\tNA\n' +
        'g,2\tNA\t1e-7\tFALSE\t"say ""hi"""\n' +
        'g3\t0\t1e+21\tNA\t"tab\there"\n' +
        'g4\tInf\t-Inf\tTRUE\t"two\nlines"\n',
    );
  });

  it('writes CSV quoting fields with a comma, a quote or a line break (RFC 4180)', () => {
    assert.equal(
      formatTable(table, 'csv'),
      'gene,n,x,ok,message\n' +
        'g1,5,0.30000000000000004,TRUE,NA\n' +
        '"g,2",NA,1e-7,FALSE,"say ""hi"""\n' +
        'g3,0,1e+21,NA,tab\there\n' +
        'g4,Inf,-Inf,TRUE,"two\nlines"\n',
    );
  });

  it("writes a CSV text cell that a spreadsheet would run (=, +, -, @, tab, CR first) with a leading ', numbers as they are", () => {
    const risky: Table = {
      columns: ['gene', 'x', 'message'],
      rows: [['=1+1', -0.5, '-2 groups'], ['+g', -Infinity, '@SUM(A1)'], ['\tg', 1, '\rx'], ['g-1', -1e-7, 'a=b']],
    };
    assert.equal(formatTable(risky, 'csv'),
      "gene,x,message\n'=1+1,-0.5,'-2 groups\n'+g,-Inf,'@SUM(A1)\n'\tg,1,\"'\rx\"\ng-1,-1e-7,a=b\n");
    assert.ok(formatTable(risky, 'tsv').includes('\n=1+1\t-0.5\t-2 groups\n'), 'TSV unchanged');
    assert.equal((JSON.parse(formatTable(risky, 'json')) as Record<string, Cell>[])[0].gene, '=1+1', 'JSON unchanged');
  });

  it('writes JSON as an array of row objects, null for NA', () => {
    const text = formatTable(table, 'json');
    assert.ok(text.startsWith('[\n{"gene":"g1","n":5,"x":0.30000000000000004,"ok":true,"message":null},\n'));
    assert.ok(text.endsWith('\n]\n'));
    const rows = JSON.parse(text) as Record<string, Cell>[];
    assert.deepEqual(rows[1], { gene: 'g,2', n: null, x: 1e-7, ok: false, message: 'say "hi"' });
    assert.deepEqual(rows[3], { gene: 'g4', n: null, x: null, ok: true, message: 'two\nlines' });
    assert.equal(formatTable({ columns: ['a'], rows: [] }, 'json'), '[]\n');
  });

  it('writes every double so that Number() gives it back exactly', () => {
    const values = [Math.PI, 1 / 3, 5e-324, 1.7976931348623157e308, -123456.789e-200, 2 ** 53 + 2];
    const lines = formatTable({ columns: ['v'], rows: values.map((v) => [v]) }, 'csv').trim().split('\n').slice(1);
    assert.deepEqual(lines.map(Number), values);
  });

  it('produces a large table in bounded chunks', () => {
    const row = Array.from({ length: 40 }, (_, k) => k + 0.123456789);
    const big: Table = { columns: row.map((_, k) => `c${k}`), rows: Array.from({ length: 40000 }, () => row) };
    const sizes = [...formatTableChunks(big, 'tsv')].map((chunk) => chunk.length);
    assert.ok(sizes.length > 100, `${sizes.length} chunks`);
    assert.ok(Math.max(...sizes) < 70000, `largest chunk ${Math.max(...sizes)}`);
  });

  it('refuses a row whose length differs from the columns', () => {
    assert.throws(() => formatTable({ columns: ['a', 'b'], rows: [[1]] }, 'tsv'), /1 cells for 2 columns/);
  });
});

describe('writeTable', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const failingRows = (good: number): Iterable<Cell[]> => ({
    *[Symbol.iterator]() {
      for (let k = 0; k < good; k++) yield [`g${k}`, k];
      throw new Error('fit crashed');
    },
  });

  it('writes the formatted text to a file and leaves no temporary file', async () => {
    for (const format of ['tsv', 'csv', 'json'] as const) {
      const path = join(dir, `out.${format}`);
      await writeTable(path, table, format);
      assert.equal(readFileSync(path, 'utf8'), formatTable(table, format));
    }
    const big: Table = { columns: ['gene', 'v'], rows: Array.from({ length: 30000 }, (_, k) => [`gene${k}`, k / 7]) };
    await writeTable(join(dir, 'big.tsv'), big, 'tsv');
    assert.equal(readFileSync(join(dir, 'big.tsv'), 'utf8'), formatTable(big, 'tsv'));
    assert.deepEqual(readdirSync(dir).sort(), ['big.tsv', 'out.csv', 'out.json', 'out.tsv']);
  });

  it('leaves neither destination nor temporary file when the rows fail mid-write', async () => {
    const sub = join(dir, 'fail');
    mkdirSync(sub);
    const path = join(sub, 'result.tsv');
    await assert.rejects(writeTable(path, { columns: ['gene', 'v'], rows: failingRows(50000) }, 'tsv'), /fit crashed/);
    assert.equal(existsSync(path), false);
    assert.deepEqual(readdirSync(sub), []);
  });

  it('leaves an existing destination untouched when the write fails', async () => {
    const path = join(dir, 'keep.tsv');
    writeFileSync(path, 'previous result\n');
    await assert.rejects(writeTable(path, { columns: ['gene', 'v'], rows: failingRows(10) }, 'csv'), /fit crashed/);
    assert.equal(readFileSync(path, 'utf8'), 'previous result\n');
    assert.equal(readdirSync(dir).filter((name) => name.includes('.tmp-')).length, 0);
  });

  it('replaces an existing destination on success, and writeTextAtomic writes text', async () => {
    const path = join(dir, 'summary.json');
    writeFileSync(path, 'old');
    await writeTextAtomic(path, '{"ok":true}\n');
    assert.equal(readFileSync(path, 'utf8'), '{"ok":true}\n');
  });

  it('fails when the directory does not exist, creating nothing', async () => {
    await assert.rejects(writeTable(join(dir, 'missing', 'out.tsv'), table, 'tsv'), { code: 'ENOENT' });
  });

  it("reports a write that fails while the next chunk is awaited as that write's error, not as an unhandled rejection",
    { skip: !existsSync('/dev/full') && 'this system has no /dev/full' }, () => {
      const link = join(dir, 'full.tsv');
      symlinkSync('/dev/full', link); // written through: every write fails with ENOSPC
      const module = pathToFileURL(join(import.meta.dirname, '../../src/io/table-writer.js')).href;
      const script = `const { writeChunks } = await import(${JSON.stringify(module)});
        async function* chunks() { yield 'a\\n'.repeat(1000); await new Promise((r) => setTimeout(r, 100)); yield 'b\\n'; }
        try { await writeChunks(${JSON.stringify(link)}, chunks()); console.log('written'); } catch (e) { console.log(e.code, e.message); }`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /^ENOSPC could not write .*full\.tsv/);
    });

  it('writes to stdout for "-"', () => {
    const module = pathToFileURL(join(import.meta.dirname, '../../src/io/table-writer.js')).href;
    const script = `const { writeTable } = await import(${JSON.stringify(module)});
      await writeTable('-', { columns: ['a', 'b'], rows: [[1, 'x'], [null, true]] }, 'csv');`;
    assert.equal(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }), 'a,b\n1,x\nNA,TRUE\n');
  });
});
