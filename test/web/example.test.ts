/**
 * The web app end to end on the bundled example, in headless Chromium: fitted on WebGPU (SwiftShader) and on the
 * CPU, its downloads equal the CLI's output for the same options byte for byte, the page asks nothing of any
 * origin but its own, and once loaded it needs no server at all.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONTENT_SECURITY_POLICY } from '../../src/content-security-policy.js';
import { compareResults, formatComparison } from '../../src/results/compare.js';
import { runCli, tempFiles } from '../helpers/cli.js';
import { readResultsTsv } from '../helpers/results-tsv.js';
import { type AppSession, download, fit, loadExample, openApp, skipUnlessBrowser } from './browser.js';

/** genelmm fit --example's output with `args`, as text. */
function cliOutput(...args: string[]): string {
  const { dir, cleanup } = tempFiles({});
  try {
    const run = runCli(['fit', '--example', '--quiet', '--out', 'out.txt', ...args], dir);
    assert.equal(run.status, 0, run.stderr);
    return fs.readFileSync(path.join(dir, 'out.txt'), 'utf8');
  } finally {
    cleanup();
  }
}

/** Where two texts first differ, as "line N: expected … / actual …". */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  const line = a.findIndex((l, i) => l !== e[i]);
  return line < 0 ? `${a.length} against ${e.length} lines` : `line ${line + 1}:\n  expected ${e[line]}\n  actual   ${a[line]}`;
}

describe('the web app on the bundled example (headless Chromium)', skipUnlessBrowser(), () => {
  let app: AppSession;
  before(async () => {
    app = await openApp();
    await loadExample(app.page);
  });
  after(async () => app?.close());

  it('shows the example loaded: its size, its formula and the log-CPM transform', async () => {
    assert.match(await app.page.textContent('#matrix-loaded') ?? '', /bottomly_count_table\.tsv: 36,536 genes × 21 samples/);
    assert.match(await app.page.textContent('#samples-loaded') ?? '', /21 samples, ids in "sample\.id"/);
    assert.equal(await app.page.inputValue('#formula'), '~ strain + (1 | experiment.number)');
    assert.equal(await app.page.inputValue('#transform'), 'logcpm');
    assert.ok(await app.page.isChecked('#fixed-strain'), 'the pickers show the formula: strain fixed');
  });

  it('fits on WebGPU, and the download equals genelmm fit --example --backend webgpu byte for byte', async () => {
    const used = await fit(app.page, 'webgpu');
    assert.match(used, /^backend: webgpu on /, 'the browser\'s WebGPU ran, not a fallback');
    assert.match(await app.page.textContent('#gpu-phases') ?? '',
      /^GPU fit: host prepare \d+ m?s, upload .*, waiting for the GPU .*, host finish \d.*; device .*, pipelines \d.* \(the fit waited .*\)$/,
      'the page shows the GPU fit\'s phases as the CLI\'s summary does');
    const { name, text } = await download(app.page, 'tsv');
    assert.equal(name, 'genelmm-example.tsv');
    const cli = cliOutput('--backend', 'webgpu');
    assert.ok(text === cli, `the download differs from the CLI's output at ${firstDifference(text, cli)}`);
  });

  it('bootstraps on WebGPU: the page shows the bootstrap\'s GPU phases, and its intervals are the CLI\'s within SPEC §6', async () => {
    await app.page.fill('#bootstrap', '2');
    try {
      const used = await fit(app.page, 'webgpu');
      assert.match(used, /^backend: webgpu on /, 'the browser\'s WebGPU ran, not a fallback');
      assert.match(await app.page.textContent('#bootstrap-run') ?? '',
        /^bootstrap: 2 replicates for each of [\d,]+ fitted genes; on the GPU, \d+ replicate\(s\) refitted in f64 on the CPU \(host prepare .*, host finish [^;]*\)$/,
        'the page shows the GPU bootstrap\'s phases as the CLI\'s summary does');
      // The replicates' estimates are the device's f32 ones, which Chromium's SwiftShader and Node's may round apart.
      const web = readResultsTsv((await download(app.page, 'tsv')).text);
      const cli = readResultsTsv(cliOutput('--backend', 'webgpu', '--bootstrap', '2'));
      const comparison = compareResults(cli.geneIds, cli.coefNames, cli.results, web.results);
      assert.ok(comparison.ok, formatComparison(comparison));
      assert.ok(comparison.columns.some((d) => d.column === 'h2_boot_lo'), 'the bootstrap intervals are compared');
    } finally {
      await app.page.fill('#bootstrap', '');
    }
  });

  it('fits on the CPU (f64), and its TSV, CSV and JSON equal the CLI\'s byte for byte', async () => {
    const used = await fit(app.page, 'cpu');
    assert.match(used, /^backend: cpu on /);
    for (const format of ['tsv', 'csv', 'json'] as const) {
      const { name, text } = await download(app.page, format);
      assert.equal(name, `genelmm-example.${format}`);
      const cli = cliOutput('--backend', 'cpu', '--format', format);
      assert.ok(text === cli, `${format}: the download differs from the CLI's output at ${firstDifference(text, cli)}`);
    }
  });

  it('asks nothing of any origin but its own, and is served with its Content-Security-Policy', async () => {
    assert.ok(app.requests.length > 5, `the page made its requests (${app.requests.length})`);
    const foreign = app.requests.filter((url) => !url.startsWith(app.server.url));
    assert.deepEqual(foreign, [], 'requests beyond the app\'s origin');
    const response = await app.page.request.get(app.server.url);
    assert.equal(response.headers()['content-security-policy'], `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`);
    const meta = await app.page.$eval('meta[http-equiv="Content-Security-Policy"]', (e) => e.getAttribute('content'));
    assert.equal(meta, CONTENT_SECURITY_POLICY, 'the page carries the policy itself, for any other server');
    assert.deepEqual(app.errors, [], 'no console errors');
  });

  it('works offline once loaded: with the server gone, it fits again and asks for nothing', async () => {
    await app.server.close();
    const before = app.requests.length;
    const used = await fit(app.page, 'cpu');
    assert.match(used, /^backend: cpu on /);
    assert.deepEqual(app.requests.slice(before), [], 'no request once loaded');
  });
});
