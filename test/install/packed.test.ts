/**
 * The packed tarball is the whole product: installed with `--omit=dev` into an empty folder (the install reaches
 * only npm's registry, or npm's cache), it runs `genelmm --help`, `genelmm fit --example` and serves the web app;
 * and it holds nothing from tests or benchmarks.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/cases.js';
import { tempFiles } from '../helpers/cli.js';
import { assertServesApp, startServeProcess } from '../helpers/serve-process.js';
import { run } from './npm.js';

/** What may be in the package: the command, the built library and web app, the shaders and the example data. */
const SHIPPED = /^(package\.json|README\.md|LICENSE|bin\/genelmm\.js|dist\/src\/.+|dist\/bundle\/[\w-]+\.js|dist\/web\/.+|shaders\/[\w-]+\.wgsl|data\/.+|workflow\/(Snakefile|config\.yaml|profiles\/slurm\/config\.yaml))$/;

describe('the packed tarball', () => {
  const { dir, cleanup } = tempFiles({});
  const app = path.join(dir, 'app');
  let packed: { filename: string; files: { path: string; mode: number }[] };
  before(() => {
    // The suite has just built dist/ (npm test), so pack it as it is rather than building again (prepare).
    const pack = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], REPO_ROOT);
    assert.equal(pack.status, 0, pack.stderr);
    packed = JSON.parse(pack.stdout)[0];
  });
  after(cleanup);

  it('holds the command, the library, the web app, the shaders, the example and the workflow, and no tests or benchmarks', () => {
    const paths = packed.files.map((file) => file.path);
    assert.deepEqual(paths.filter((file) => !SHIPPED.test(file)), []);
    for (const needed of ['bin/genelmm.js', 'dist/bundle/genelmm.js', 'dist/bundle/cpu-worker.js', 'dist/src/cli/main.js', 'dist/src/index.js', 'dist/src/index.d.ts',
      'dist/web/index.html', 'shaders/reml-search.wgsl', 'data/bottomly/bottomly_count_table.tsv', 'workflow/Snakefile']) {
      assert.ok(paths.includes(needed), `${needed} is not in the package`);
    }
    assert.equal(packed.files.find((file) => file.path === 'bin/genelmm.js')?.mode, 0o755);
    const sources = paths.filter((file) => file.endsWith('.js')).map((file) => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8'));
    assert.ok(!sources.some((text) => /from '(\.\.\/)+(test|bench)\//.test(text)), 'shipped code imports test or bench code');
  });

  it('installs with --omit=dev into an empty folder and runs genelmm --help, fit --example and serve', async () => {
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), '{ "private": true }\n');
    const install = run('npm', ['install', '--omit=dev', '--prefer-offline', path.join(dir, packed.filename)], app);
    assert.equal(install.status, 0, `${install.stdout}\n${install.stderr}`);
    const genelmm = path.join(app, 'node_modules/.bin/genelmm');
    assert.equal(fs.realpathSync(genelmm), path.join(fs.realpathSync(app), 'node_modules/genelmm/bin/genelmm.js'));

    const help = run(genelmm, ['--help'], app);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: genelmm /);
    assert.match(help.stdout, /\n {2}fit \[options\]/);

    const fit = run(genelmm, ['fit', '--example'], app);
    assert.equal(fit.status, 0, fit.stderr);
    const rows = fs.readFileSync(path.join(app, 'genelmm-example.tsv'), 'utf8').trimEnd().split('\n');
    assert.equal(rows.length - 1, 36_536, 'one row per gene of the bundled example');

    const server = await startServeProcess(genelmm, ['serve', '--port', '0'], app);
    try {
      await assertServesApp(server.url);
    } finally {
      server.stop();
    }
  });
});
