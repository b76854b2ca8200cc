import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLI, runCli, tempFiles, TINY_MATRIX, TINY_SHEET, tinyFitArgs } from '../helpers/cli.js';


describe('outputs never replace what they point at (SPEC §5)', () => {
  it('a FIFO given as --out is written to, and stays a FIFO', async () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': TINY_MATRIX, 's.tsv': TINY_SHEET });
    try {
      const fifo = path.join(dir, 'results.fifo');
      execFileSync('mkfifo', [fifo]);
      const reader = spawn('cat', [fifo]);
      let read = '';
      reader.stdout.on('data', (b: Buffer) => (read += b.toString()));
      const readerDone = new Promise((resolve) => reader.on('close', resolve));
      const run = spawn(process.execPath, [CLI, ...tinyFitArgs(dir, '--out', fifo)]);
      let stderr = '';
      run.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const status = await new Promise((resolve) => run.on('close', resolve));
      reader.kill(); // still blocked in open() when nothing wrote to the FIFO
      await readerDone;
      assert.equal(status, 0, stderr);
      assert.ok(fs.existsSync(fifo) && fs.lstatSync(fifo).isFIFO(), 'the FIFO is still a FIFO');
      assert.match(read, /^gene\tstatus\t/, 'the reader got the table');
      assert.deepEqual(fs.readdirSync(dir).sort(), ['m.tsv', 'results.fifo', 's.tsv'], 'no temporary file left');
    } finally {
      cleanup();
    }
  });

  it('a character device given as --out stays a device', (t) => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': TINY_MATRIX, 's.tsv': TINY_SHEET });
    try {
      const device = path.join(dir, 'null');
      try {
        execFileSync('mknod', [device, 'c', '1', '3'], { stdio: 'ignore' }); // a copy of /dev/null, safe to lose
      } catch {
        t.skip('mknod is not permitted here (needs root), so no device of our own to write to');
        return;
      }
      const run = runCli(tinyFitArgs(dir, '--out', device, '--summary', device));
      assert.equal(run.status, 0, run.stderr);
      assert.ok(fs.lstatSync(device).isCharacterDevice(), 'still a character device, not a regular file');
      assert.deepEqual(fs.readdirSync(dir).sort(), ['m.tsv', 'null', 's.tsv'], 'no temporary file left');
    } finally {
      cleanup();
    }
  });

  it('a descriptor given as --out (/dev/fd/1, here a shell pipe) is written to directly', (t) => {
    if (!fs.existsSync('/dev/fd/1')) {
      t.skip('no /dev/fd on this system');
      return;
    }
    const { dir, cleanup } = tempFiles({ 'm.tsv': TINY_MATRIX, 's.tsv': TINY_SHEET });
    try {
      // Node's own child stdout is a socket, which /dev/fd/1 cannot reopen; a shell pipe is what users have.
      const run = spawnSync('sh', ['-c', '"$@" | cat', 'sh', process.execPath, CLI, ...tinyFitArgs(dir, '--out', '/dev/fd/1')],
        { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, '');
      assert.match(run.stdout, /^gene\tstatus\t.*\ng2\t/s);
    } finally {
      cleanup();
    }
  });

  it('a symlinked --out is written through: the link stays a link and its target gets the table', () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': TINY_MATRIX, 's.tsv': TINY_SHEET });
    try {
      fs.mkdirSync(path.join(dir, 'store'));
      fs.writeFileSync(path.join(dir, 'store', 'real.tsv'), 'old\n');
      fs.symlinkSync('store/real.tsv', path.join(dir, 'link.tsv'));
      const run = runCli(tinyFitArgs(dir, '--out', path.join(dir, 'link.tsv')));
      assert.equal(run.status, 0, run.stderr);
      assert.ok(fs.lstatSync(path.join(dir, 'link.tsv')).isSymbolicLink(), 'the link is still a link');
      assert.match(fs.readFileSync(path.join(dir, 'store', 'real.tsv'), 'utf8'), /^gene\tstatus\t.*\ng1\t/s);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'store')), ['real.tsv'], 'no temporary file left beside the target');
    } finally {
      cleanup();
    }
  });

  it('a symlinked --out into a missing folder: the error names that folder, not the link\'s', () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': TINY_MATRIX, 's.tsv': TINY_SHEET });
    try {
      fs.symlinkSync('gone/real.tsv', path.join(dir, 'dangling.tsv'));
      const run = runCli(tinyFitArgs(dir, '--out', path.join(dir, 'dangling.tsv')));
      assert.equal(run.status, 2, run.stderr);
      assert.ok(run.stderr.includes(`the folder ${path.join(fs.realpathSync(dir), 'gone')} (where its symbolic link leads) does not exist`), run.stderr);
    } finally {
      cleanup();
    }
  });

  it('a descriptor that leads to an input (--out /dev/stdin < the matrix), or two outputs on one file through stdout, is a usage error', () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': TINY_MATRIX, 's.tsv': TINY_SHEET });
    try {
      const viaStdin = spawnSync('sh', ['-c', 'exec "$@" < "$0"', path.join(dir, 'm.tsv'), process.execPath, CLI,
        ...tinyFitArgs(dir, '--out', '/dev/stdin')], { encoding: 'utf8' });
      assert.equal(viaStdin.status, 2, viaStdin.stderr);
      assert.match(viaStdin.stderr, /--out.*--expr.*same file/s);
      assert.equal(fs.readFileSync(path.join(dir, 'm.tsv'), 'utf8'), TINY_MATRIX, 'the matrix is untouched');
      const both = spawnSync('sh', ['-c', 'exec "$@" > "$0"', path.join(dir, 'both.txt'), process.execPath, CLI,
        ...tinyFitArgs(dir, '--out', '/dev/stdout', '--summary', '/dev/stdout')], { encoding: 'utf8' });
      assert.equal(both.status, 2, both.stderr);
      assert.match(both.stderr, /--summary.*--out.*same file/s);
    } finally {
      cleanup();
    }
  });

  it('a file replaced keeps its permissions', () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': TINY_MATRIX, 's.tsv': TINY_SHEET, 'r.tsv': 'old\n' });
    try {
      fs.chmodSync(path.join(dir, 'r.tsv'), 0o640);
      const run = runCli(tinyFitArgs(dir, '--out', path.join(dir, 'r.tsv')));
      assert.equal(run.status, 0, run.stderr);
      assert.equal(fs.statSync(path.join(dir, 'r.tsv')).mode & 0o7777, 0o640);
      assert.match(fs.readFileSync(path.join(dir, 'r.tsv'), 'utf8'), /^gene\tstatus\t/);
    } finally {
      cleanup();
    }
  });

  it('--summary - writes the summary to stdout when --out is a file, and is refused when the table goes there too', () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': TINY_MATRIX, 's.tsv': TINY_SHEET });
    try {
      const run = runCli(tinyFitArgs(dir, '--out', path.join(dir, 'r.tsv'), '--summary', '-'));
      assert.equal(run.status, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout).genes, 2);
      assert.ok(!fs.existsSync(path.join(dir, '-')), 'no file named -');
      const both = runCli(tinyFitArgs(dir, '--summary', '-'));
      assert.equal(both.status, 2, both.stderr);
      assert.match(both.stderr, /--summary - and the results table would both go to stdout/);
    } finally {
      cleanup();
    }
  });

  const CLASHES: { title: string; args: (dir: string) => string[]; names: RegExp[] }[] = [
    { title: '--out is --expr', args: (dir) => ['--out', path.join(dir, 'm.tsv')], names: [/--out/, /--expr/] },
    { title: '--out is --samples by another spelling', args: (dir) => ['--out', `${dir}/./sub/../s.tsv`], names: [/--out/, /--samples/] },
    { title: '--out is a symlink to --expr', args: (dir) => ['--out', path.join(dir, 'alias.tsv')], names: [/--out/, /--expr/] },
    { title: '--summary is --samples', args: (dir) => ['--summary', path.join(dir, 's.tsv')], names: [/--summary/, /--samples/] },
    { title: '--summary is --out (a new file)', args: (dir) => ['--out', path.join(dir, 'r.tsv'), '--summary', path.join(dir, 'r.tsv')],
      names: [/--summary/, /--out/] },
  ];
  for (const c of CLASHES) {
    it(`a usage error, with the input untouched, when ${c.title}`, () => {
      const { dir, cleanup } = tempFiles({ 'm.tsv': TINY_MATRIX, 's.tsv': TINY_SHEET });
      try {
        fs.mkdirSync(path.join(dir, 'sub'));
        fs.symlinkSync('m.tsv', path.join(dir, 'alias.tsv'));
        const run = runCli(tinyFitArgs(dir, ...c.args(dir)));
        assert.equal(run.status, 2, `exit 2, got ${run.status}: ${run.stderr}`);
        for (const name of c.names) assert.match(run.stderr, name);
        assert.match(run.stderr, /same file/);
        assert.equal(fs.readFileSync(path.join(dir, 'm.tsv'), 'utf8'), TINY_MATRIX);
        assert.equal(fs.readFileSync(path.join(dir, 's.tsv'), 'utf8'), TINY_SHEET);
        assert.deepEqual(fs.readdirSync(dir).sort(), ['alias.tsv', 'm.tsv', 's.tsv', 'sub'], 'nothing written');
      } finally {
        cleanup();
      }
    });
  }
});
