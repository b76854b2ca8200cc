/**
 * The checkout's command as the README sets it up: `npx genelmm` (the quick start) still works after a clean
 * rebuild (npm run build: tsc and the bundle), since npx links the package's bin and the build writes dist/ without
 * run bits, so the bin must be a committed executable file, not a built one; and the README's global install makes
 * `genelmm` a command. Runs in a scratch copy of the checkout (the suite's own dist/ stays), with the checkout's
 * node_modules linked, and npm's cache and global folder of its own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/cases.js';
import { tempFiles } from '../helpers/cli.js';
import { VERSION, checkoutFiles, run } from './npm.js';

const files = checkoutFiles();

describe("the checkout's genelmm command", { skip: files ? undefined : 'not a git checkout' }, () => {
  const { dir, cleanup } = tempFiles({});
  const checkout = path.join(dir, 'genelmm');
  const npmDirs = { npm_config_cache: path.join(dir, 'npm-cache'), npm_config_prefix: path.join(dir, 'global') };
  before(() => {
    for (const file of files ?? []) fs.cpSync(path.join(REPO_ROOT, file), path.join(checkout, file));
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
    // The first build is the suite's own (dist/src, and dist/bundle that the bin runs): npx's and npm's installs
    // would only build it again (prepare).
    for (const built of ['dist/src', 'dist/bundle']) fs.cpSync(path.join(REPO_ROOT, built), path.join(checkout, built), { recursive: true });
  });
  after(cleanup);

  it('git records the bin file as executable', () => {
    const bin = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).bin.genelmm as string;
    const entry = spawnSync('git', ['ls-files', '--stage', '--', bin], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout;
    assert.match(entry, /^100755 /, `${bin} must be committed with its run bit (git update-index --chmod=+x ${bin})`);
  });

  it('npx genelmm --version, then rm -rf dist && npm run build, then npx genelmm --version', () => {
    const first = run('npx', ['genelmm', '--version'], checkout, { ...npmDirs, npm_config_ignore_scripts: 'true' });
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout.trim(), VERSION);

    fs.rmSync(path.join(checkout, 'dist'), { recursive: true });
    const build = run('npm', ['run', 'build'], checkout);
    assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
    const again = run('npx', ['genelmm', '--version'], checkout, npmDirs);
    assert.equal(again.status, 0, `after the rebuild: ${again.stderr}`);
    assert.equal(again.stdout.trim(), VERSION);
  });

  it("the README's global install: npm install -g --ignore-scripts . makes genelmm a command", () => {
    const install = run('npm', ['install', '-g', '--ignore-scripts', '.'], checkout, npmDirs);
    assert.equal(install.status, 0, install.stderr);
    assert.doesNotMatch(install.stderr, /warn/, 'a quiet install');
    const PATH = `${path.join(npmDirs.npm_config_prefix, 'bin')}${path.delimiter}${process.env.PATH}`;
    const version = run('genelmm', ['--version'], dir, { PATH });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), VERSION);
  });
});
