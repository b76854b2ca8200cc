/**
 * The backend chain of the web app, end to end in headless Chromium: gpu.js forced on WebGL2 (the path for browsers
 * without WebGPU) on the bundled example and on every lme4 case, judged against the cpu backend within SPEC §6 with
 * statuses identical; `auto` on this machine's software adapters; and WebGPU asked for where the browser has none.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FitResult, fitGenes } from '../../src/fit-genes.js';
import { assertGpuMatchesCpu } from '../conformance/backends.js';
import { caseNames, CLASSICS_LME4, FIXTURES_LME4, loadCase, REPO_ROOT } from '../helpers/cases.js';
import { readResultsTsv } from '../helpers/results-tsv.js';
import { EXAMPLE } from '../../src/example.js';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import { type AppSession, download, fit, loadExample, loadFiles, openApp, skipUnlessBrowser } from './browser.js';

/** The download of the page's last run as a FitResult beside `cpu`, for assertGpuMatchesCpu. */
async function downloaded(app: AppSession, cpu: FitResult): Promise<FitResult> {
  const table = readResultsTsv((await download(app.page, 'tsv')).text);
  assert.deepEqual(table.geneIds, cpu.geneIds);
  assert.deepEqual(table.coefNames, cpu.coefNames);
  return { ...cpu, results: table.results };
}

describe('the web app\'s backend chain (headless Chromium)', skipUnlessBrowser(), () => {
  let app: AppSession;
  before(async () => {
    app = await openApp();
  });
  after(async () => app?.close());

  it('gpu.js forced on WebGL2: the example in batches no wider than a texture, within SPEC §6 of the CPU', async () => {
    await loadExample(app.page);
    const used = await fit(app.page, 'gpujs');
    assert.match(used, /^backend: gpujs on .*WebGL2.*gpu\.js webgl2/, 'gpu.js ran in webgl2 mode, not a fallback');
    assert.match(used, /13,932 genes on the GPU in [2-9] batches/, 'the fitted genes on the GPU, in more than one batch');
    const matrix = await readMatrix(path.join(REPO_ROOT, EXAMPLE.expr));
    const samples = await readSampleSheet(path.join(REPO_ROOT, EXAMPLE.samples));
    const cpu = await fitGenes(matrix, samples, EXAMPLE.formula, { transform: EXAMPLE.transform, backend: 'cpu' });
    assertGpuMatchesCpu('example (gpu.js, WebGL2, in the app)', cpu, await downloaded(app, cpu));
  });

  it('gpu.js forced on WebGL2: every lme4 case, within SPEC §6 of the CPU', async () => {
    for (const [dir, name] of [...caseNames(CLASSICS_LME4).map((n) => [CLASSICS_LME4, n]), ...caseNames(FIXTURES_LME4).map((n) => [FIXTURES_LME4, n])]) {
      const c = await loadCase(dir, name);
      await loadFiles(app.page, path.join(dir, `${name}.expr.tsv`), path.join(dir, `${name}.samples.tsv`));
      await app.page.fill('#formula', c.formula);
      await app.page.selectOption('#transform', 'none');
      assert.match(await fit(app.page, 'gpujs'), /^backend: gpujs on /, name);
      const cpu = await fitGenes(c.matrix, c.samples, c.formula, { backend: 'cpu', threads: 1 });
      assertGpuMatchesCpu(`${name} (gpu.js, WebGL2, in the app)`, cpu, await downloaded(app, cpu));
    }
  });

  it('auto on software adapters only (SwiftShader\'s WebGPU and WebGL2) fits on the CPU, and says why', async () => {
    await loadExample(app.page);
    const used = await fit(app.page, 'auto');
    assert.match(used, /^backend: cpu on .*\(auto: .*software/);
  });

  it('WebGPU asked for in a browser without it: the CPU, with a notice, and the same results', async () => {
    const without = await openApp({ webgpu: false });
    try {
      await loadExample(without.page);
      const used = await fit(without.page, 'webgpu');
      assert.match(used, /^backend: cpu on .*\(no WebGPU adapter/);
      assert.match(await without.page.textContent('#notices') ?? '', /fitting on the CPU instead/);
      const fallback = (await download(without.page, 'tsv')).text;
      await fit(app.page, 'cpu');
      assert.ok(fallback === (await download(app.page, 'tsv')).text, 'the fallback\'s download equals a CPU run\'s');
    } finally {
      await without.close();
    }
  });
});
