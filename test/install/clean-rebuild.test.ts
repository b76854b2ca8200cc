/**
 * `npx genelmm` (as the README's quick start runs it) still works after a clean rebuild: npx links the package's
 * bin, and tsc writes dist/ without run bits, so the bin must be a committed executable file, not a built one.
 * Runs in a scratch copy of the checkout (the suite's own dist/ stays), with the checkout's node_modules linked.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/cases.js';
import { VERSION, checkoutFiles, run, tempDir } from './npm.js';

const files = checkoutFiles();

describe('npx genelmm and a clean rebuild', () => {
  it('git records the bin file as executable', { skip: files ? undefined : 'not a git checkout' }, () => {
    const bin = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).bin.genelmm as string;
    const entry = spawnSync('git', ['ls-files', '--stage', '--', bin], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout;
    assert.match(entry, /^100755 /, `${bin} must be committed with its run bit (git update-index --chmod=+x ${bin})`);
  });

  it('npx genelmm --version, then rm -rf dist && npm run build, then npx genelmm --version', { skip: files ? undefined : 'not a git checkout' }, () => {
    const { dir, cleanup } = tempDir('genelmm-rebuild-');
    try {
      const checkout = path.join(dir, 'genelmm');
      for (const file of files ?? []) fs.cpSync(path.join(REPO_ROOT, file), path.join(checkout, file));
      fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
      // The first build is the suite's own (dist/src); npx's install would only rebuild it (prepare), so skip that.
      fs.cpSync(path.join(REPO_ROOT, 'dist/src'), path.join(checkout, 'dist/src'), { recursive: true });
      const cache = { npm_config_cache: path.join(dir, 'npm-cache') };
      const first = run('npx', ['genelmm', '--version'], checkout, { ...cache, npm_config_ignore_scripts: 'true' });
      assert.equal(first.status, 0, first.stderr);
      assert.equal(first.stdout.trim(), VERSION);

      fs.rmSync(path.join(checkout, 'dist'), { recursive: true });
      const build = run('npm', ['run', 'build'], checkout);
      assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
      const again = run('npx', ['genelmm', '--version'], checkout, cache);
      assert.equal(again.status, 0, `after the rebuild: ${again.stderr}`);
      assert.equal(again.stdout.trim(), VERSION);
    } finally {
      cleanup();
    }
  });
});
