/**
 * `npm run bench:web [-- backend ...]`: the web app on the 40,000 × 500 benchmark matrix in headless Chromium
 * (Debian's, WebGPU through its SwiftShader unless the machine has a GPU), as a user would run it: the matrix and
 * sample sheet given to the page as files, the formula typed, one backend chosen (default: cpu, webgpu, gpujs).
 * The page's own clock gives the phases: read (the file parsed in the worker), fit (fitGenes in the worker), run
 * (click to results in the page) and draw (results to the table and plots painted). Writes
 * bench/results/<date>-web-<backend>.json and refreshes the web table in bench/README.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFiles, openApp } from '../test/web/browser.js';
import { BENCH_SPEC, writeSynthetic } from './synthetic.js';
import { refreshWebTable } from './table.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BENCH = path.join(ROOT, 'bench');
const FORMULA = '~ treatment + age + (1 | individual)';
const backends = process.argv.length > 2 ? process.argv.slice(2) : ['cpu', 'webgpu', 'gpujs'];

const data = writeSynthetic(path.join(BENCH, 'data'), BENCH_SPEC);
for (const backend of backends) {
  console.log(`the web app, --backend ${backend} ...`);
  const app = await openApp();
  try {
    const { page } = app;
    await loadFiles(page, data.expr, data.samples);
    await page.fill('#formula', FORMULA);
    await page.selectOption('#transform', 'none');
    await page.selectOption('#backend', backend);
    await page.click('#run');
    await page.waitForFunction(() => document.getElementById('results')!.dataset.drawMs !== undefined ||
      document.getElementById('run-error')!.textContent !== '', null, { timeout: 3_600_000 });
    const error = await page.textContent('#run-error');
    if (error) throw new Error(`the run failed: ${error}`);
    const phases = await page.$eval('#results', (e) => ({ ...e.dataset }));
    const used = (await page.textContent('#backend-used')) ?? '';
    const counts = await page.$$eval('#status-counts .chip', (chips) =>
      Object.fromEntries(chips.map((c) => [c.getAttribute('data-status'), Number(c.textContent!.replace(/[^0-9]/g, ''))])));
    const result = {
      date: new Date().toISOString(),
      machine: { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      browser: await page.evaluate(() => navigator.userAgent),
      backend: { asked: backend, used },
      sizes: { genes: BENCH_SPEC.nGenes, samples: BENCH_SPEC.nGroups * BENCH_SPEC.perGroup, groups: BENCH_SPEC.nGroups, formula: FORMULA },
      statuses: counts,
      appPhasesMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k.replace(/Ms$/, ''), Number(v)])),
    };
    const name = `${result.date.slice(0, 10)}-web-${backend}.json`;
    fs.writeFileSync(path.join(BENCH, 'results', name), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify({ used, phasesMs: result.appPhasesMs }, null, 2));
    console.log(`wrote bench/results/${name}`);
  } finally {
    await app.close();
  }
}
refreshWebTable(BENCH);
console.log('refreshed bench/README.md');
