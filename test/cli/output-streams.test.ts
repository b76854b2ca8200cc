import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { CLI, runCli, tempFiles, TINY_MATRIX, TINY_SHEET, tinyFitArgs } from '../helpers/cli.js';

/** TINY_MATRIX with a first gene id that a spreadsheet would run as a formula. */
const MATRIX = TINY_MATRIX.replace('\ng1\t', '\n=cmd|calc\t');

describe('--out NAME.gz', () => {
  for (const format of ['csv', 'tsv', 'json']) {
    it(`results.${format}.gz is gzipped ${format}, the same text as results.${format}`, () => {
      const { dir, cleanup } = tempFiles({ 'm.tsv': MATRIX, 's.tsv': TINY_SHEET });
      try {
        const plain = path.join(dir, `r.${format}`);
        assert.equal(runCli(tinyFitArgs(dir, '--out', plain)).status, 0);
        const run = runCli(tinyFitArgs(dir, '--out', `${plain}.gz`));
        assert.equal(run.status, 0, run.stderr);
        const text = gunzipSync(fs.readFileSync(`${plain}.gz`)).toString('utf8');
        assert.equal(text, fs.readFileSync(plain, 'utf8'));
        assert.ok(text.startsWith({ csv: 'gene,status,', tsv: 'gene\tstatus\t', json: '[\n{"gene":' }[format]!), text.slice(0, 40));
      } finally {
        cleanup();
      }
    });
  }
});

describe('CSV output guards against formula injection', () => {
  it("a gene id starting with = gets a leading ' in CSV, not in TSV", () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': MATRIX, 's.tsv': TINY_SHEET });
    try {
      assert.equal(runCli(tinyFitArgs(dir, '--out', path.join(dir, 'r.csv'))).status, 0);
      assert.equal(runCli(tinyFitArgs(dir, '--out', path.join(dir, 'r.tsv'))).status, 0);
      assert.match(fs.readFileSync(path.join(dir, 'r.csv'), 'utf8'), /\n'=cmd\|calc,/);
      assert.match(fs.readFileSync(path.join(dir, 'r.tsv'), 'utf8'), /\n=cmd\|calc\t/);
    } finally {
      cleanup();
    }
  });
});

describe('a closed stdout (genelmm fit ... | head)', () => {
  it('ends quietly with exit 0', async () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': MATRIX, 's.tsv': TINY_SHEET });
    try {
      const child = spawn(process.execPath, [CLI, ...tinyFitArgs(dir)], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy(); // the reader is gone before the first write: every write meets EPIPE
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const code = await new Promise((resolve) => child.on('close', resolve));
      assert.equal(code, 0, stderr);
      assert.equal(stderr, '');
    } finally {
      cleanup();
    }
  });
});

describe('a closed stderr (genelmm fit ... 2>&1 | head -1)', () => {
  it('silences the notes only: the run ends with exit 0, its table and summary written', async () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': MATRIX, 's.tsv': TINY_SHEET });
    try {
      const args = tinyFitArgs(dir, '--out', path.join(dir, 'r.tsv'), '--summary', path.join(dir, 'r.json')).filter((a) => a !== '--quiet');
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.destroy(); // every line genelmm says meets EPIPE
      const code = await new Promise((resolve) => child.on('close', resolve));
      assert.equal(code, 0);
      assert.match(fs.readFileSync(path.join(dir, 'r.tsv'), 'utf8'), /^gene\tstatus\t/);
      assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'r.json'), 'utf8')).genes, 2);
    } finally {
      cleanup();
    }
  });
});

describe('a write that fails (no space left on the device: /dev/full)', () => {
  const full = fs.existsSync('/dev/full');
  it('the table: exit 1, the error names the file and the system error', { skip: !full && 'no /dev/full here' }, () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': MATRIX, 's.tsv': TINY_SHEET });
    try {
      const run = runCli(tinyFitArgs(dir, '--out', '/dev/full'));
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /genelmm: error: could not write \/dev\/full: ENOSPC/);
    } finally {
      cleanup();
    }
  });

  it('standard output (--summary -): exit 1, the error names standard output and the system error', { skip: !full && 'no /dev/full here' }, () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': MATRIX, 's.tsv': TINY_SHEET });
    const stdout = fs.openSync('/dev/full', 'w');
    try {
      const run = spawnSync(process.execPath, [CLI, ...tinyFitArgs(dir, '--out', path.join(dir, 'r.tsv'), '--summary', '-')],
        { encoding: 'utf8', stdio: ['ignore', stdout, 'pipe'], env: { ...process.env, CI: '' } });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /genelmm: error: cannot write to standard output: ENOSPC/);
      assert.match(run.stderr, /the summary with --summary -\) is incomplete/);
    } finally {
      fs.closeSync(stdout);
      cleanup();
    }
  });

  it('the summary after a written table: exit 1, naming the summary and saying the table is whole', { skip: !full && 'no /dev/full here' }, () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': MATRIX, 's.tsv': TINY_SHEET });
    try {
      const out = path.join(dir, 'r.tsv');
      const run = runCli(tinyFitArgs(dir, '--out', out, '--summary', '/dev/full'));
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /could not write \/dev\/full: ENOSPC/);
      assert.match(run.stderr, new RegExp(`the results table \\(${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) was written whole`));
      assert.ok(fs.readFileSync(out, 'utf8').startsWith('gene\tstatus\t'));
    } finally {
      cleanup();
    }
  });
});
