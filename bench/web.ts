/**
 * `npm run bench:web [-- backend ...] [--stream] [--wide]`: the web app on the 40,000 × 500 benchmark matrix in headless Chromium
 * (Debian's, WebGPU through its SwiftShader unless the machine has a GPU), as a user would run it: the matrix and
 * sample sheet given to the page as files, the formula typed, one backend chosen (default: cpu, webgpu, gpujs).
 * The page's own clock gives the phases: read (the file parsed in the worker), fit (fitGenes in the worker), run
 * (click to results in the page) and draw (results to the table and plots painted), with the peak of the summed
 * resident memory of Chromium's processes. `--stream` opens the app at `?hold-mb=0` (the matrix streamed from its
 * file by the run, as a file larger than HOLD_BYTES is); `--wide` takes `npm run bench -- wide`'s 56,000 × 17,000
 * gzipped matrix instead (streamed: 7.6 GB as f64). Writes bench/results/<date>-web-<backend>[-streamed|-wide].json and
 * refreshes the web table in bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFiles, openApp } from '../test/web/browser.js';
import { BENCH_SPEC, writeSynthetic } from './synthetic.js';
import { WIDE_SPEC } from './wide.js';
import { refreshWebTable } from './table.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BENCH = path.join(ROOT, 'bench');
const FORMULA = '~ treatment + age + (1 | individual)';
const args = process.argv.slice(2);
const named = args.filter((a) => !a.startsWith('--'));
const backends = named.length > 0 ? named : ['cpu', 'webgpu', 'gpujs'];
const wide = args.includes('--wide');
const spec = wide ? WIDE_SPEC : BENCH_SPEC;

/** Summed resident memory (MB) of the Chromium processes of the app's profile, sampled every half second until stopped. */
function chromiumMemory(): { stop(): number } {
  let peak = 0;
  const sample = (): void => {
    const lines = execFileSync('ps', ['-eo', 'rss=,args='], { encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n');
    const kb = lines.filter((l) => l.includes('genelmm-chromium-')).reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0]), 0);
    peak = Math.max(peak, kb / 1024);
  };
  const timer = setInterval(sample, 500);
  return { stop: () => (clearInterval(timer), Math.round(peak)) };
}

const data = writeSynthetic(path.join(BENCH, 'data', ...(wide ? ['wide'] : [])), spec);
for (const backend of backends) {
  console.log(`the web app, --backend ${backend} ...`);
  const app = await openApp({ query: args.includes('--stream') ? '?hold-mb=0' : '' });
  const memory = chromiumMemory();
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
    const matrix = /streamed/.test(await page.textContent('#matrix-loaded') ?? '') ? 'streamed' : 'held';
    const used = (await page.textContent('#backend-used')) ?? '';
    const counts = await page.$$eval('#status-counts .chip', (chips) =>
      Object.fromEntries(chips.map((c) => [c.getAttribute('data-status'), Number(c.textContent!.replace(/[^0-9]/g, ''))])));
    const result = {
      date: new Date().toISOString(),
      machine: { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      browser: await page.evaluate(() => navigator.userAgent),
      backend: { asked: backend, used },
      sizes: { genes: spec.nGenes, samples: spec.nGroups * spec.perGroup, groups: spec.nGroups, formula: FORMULA,
        fileMB: Math.round(fs.statSync(data.expr).size / 1e6) },
      matrix,
      chromiumPeakMB: memory.stop(),
      statuses: counts,
      appPhasesMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k.replace(/Ms$/, ''), Number(v)])),
    };
    const name = `${result.date.slice(0, 10)}-web-${backend}${wide ? '-wide' : matrix === 'streamed' ? '-streamed' : ''}.json`;
    fs.writeFileSync(path.join(BENCH, 'results', name), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify({ used, matrix, phasesMs: result.appPhasesMs, chromiumPeakMB: result.chromiumPeakMB }, null, 2));
    console.log(`wrote bench/results/${name}`);
  } finally {
    memory.stop();
    await app.close();
  }
}
refreshWebTable(BENCH);
console.log('refreshed bench/README.md');
