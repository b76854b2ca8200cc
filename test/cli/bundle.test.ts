/**
 * The command as installed (bin/genelmm.js, which runs dist/bundle: the CLI and its worker threads bundled by
 * rolldown.config.mjs) against the unbundled dist/src/cli/main.js the other tests run: a bundle built from the current
 * dist/src, and the same table byte for byte with two worker threads (the bundled worker, found beside the bundled
 * pool). The README's commands run the bundle too (readme.test.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/cases.js';
import { runCli, tempFiles } from '../helpers/cli.js';

const BIN = path.join(REPO_ROOT, 'bin/genelmm.js');

describe('the bundled command (bin/genelmm.js)', () => {
  it('is built from the current dist/src', () => {
    const bundle = fs.statSync(path.join(REPO_ROOT, 'dist/bundle/genelmm.js')).mtimeMs;
    const main = fs.statSync(path.join(REPO_ROOT, 'dist/src/cli/main.js')).mtimeMs;
    assert.ok(bundle >= main, 'dist/bundle is older than dist/src: run npm run build:bundle');
  });

  it('writes the unbundled CLI\'s table byte for byte, on two worker threads', () => {
    const { dir, cleanup } = tempFiles({});
    try {
      const matrix = path.join(REPO_ROOT, 'data/bottomly/bottomly_count_table.tsv');
      const sheet = path.join(REPO_ROOT, 'data/bottomly/bottomly_phenodata.tsv');
      const args = (out: string): string[] => ['fit', '--expr', matrix, '--samples', sheet, '--formula', '~ experiment.number + (1 | strain)',
        '--transform', 'logcpm', '--backend', 'cpu', '--threads', '2', '--quiet', '--out', path.join(dir, out)];
      const bundled = spawnSync(process.execPath, [BIN, ...args('bundled.tsv')], { encoding: 'utf8' });
      assert.equal(bundled.status, 0, bundled.stderr);
      const unbundled = runCli(args('unbundled.tsv'));
      assert.equal(unbundled.status, 0, unbundled.stderr);
      assert.ok(fs.readFileSync(path.join(dir, 'bundled.tsv'), 'utf8') === fs.readFileSync(path.join(dir, 'unbundled.tsv'), 'utf8'));
    } finally {
      cleanup();
    }
  });
});
