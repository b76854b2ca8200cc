/**
 * `node dist/bench/gpujs-webgl2.js`: the gpu.js backend in WebGL2 mode, where only a browser has it: the bundled
 * example (Bottomly et al., log-CPM, `~ strain + (1 | experiment.number)`) fitted in a Web Worker of headless
 * Chromium (Debian's, SwiftShader's GL on this machine: software rendering) from the same minified bundle the
 * browser test uses; the fit phase timed in the worker, with the GPU report. Writes
 * bench/results/<date>-gpujs-webgl2.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FitJob } from '../src/backends/backend.js';
import { readMatrix, readSampleSheet } from '../src/io/read-files.js';
import { buildDesign } from '../src/model/design.js';
import { parseFormula } from '../src/model/formula.js';
import { librarySizes } from '../src/model/transform.js';
import { bundleForBrowser, openBrowserPage } from '../test/helpers/browser.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FORMULA = '~ strain + (1 | experiment.number)';

const WORKER = `import { GpuJsBackend } from '/bundle.js';
self.onmessage = async ({ data }) => {
  const backend = await GpuJsBackend.create('bench', {});
  if ('unavailable' in backend) return self.postMessage({ unavailable: backend.unavailable });
  const runs = [];
  for (let i = 0; i < data.repeats; i++) {
    const t = performance.now();
    await backend.fit(data.job);
    runs.push({ fitMs: performance.now() - t, report: backend.report });
  }
  self.postMessage({ device: backend.description.device, runs });
};`;

const matrix = await readMatrix(path.join(ROOT, 'data/bottomly/bottomly_count_table.tsv'));
const samples = await readSampleSheet(path.join(ROOT, 'data/bottomly/bottomly_phenodata.tsv'));
const design = buildDesign(parseFormula(FORMULA), samples, matrix.sampleIds);
const job: FitJob = {
  context: { design, transform: 'logcpm', librarySizes: librarySizes(matrix.values, matrix.nGenes, matrix.nSamples), filters: {} },
  values: matrix.values, nGenes: matrix.nGenes, nSamples: matrix.nSamples,
};
const bundle = await bundleForBrowser('dist/src/backends/gpujs.js');
const browser = await openBrowserPage(bundle.dir, { '/worker.js': WORKER });
try {
  const reply = await browser.page.evaluate(({ job: j }) => new Promise<any>((resolve) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const worker = new Worker('/worker.js', { type: 'module' });
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => resolve({ error: event.message });
    worker.postMessage({ job: j, repeats: 3 });
  }), { job });
  if (reply.error || reply.unavailable) throw new Error(reply.error ?? reply.unavailable);
  const result = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), node: process.version },
    backend: { name: 'gpujs', device: reply.device, mode: 'webgl2', where: 'Web Worker of headless Chromium' },
    sizes: { genes: matrix.nGenes, samples: matrix.nSamples, formula: FORMULA, transform: 'logcpm' },
    runs: reply.runs,
  };
  const name = `${result.date.slice(0, 10)}-gpujs-webgl2.json`;
  fs.writeFileSync(path.join(ROOT, 'bench/results', name), `${JSON.stringify(result, null, 2)}\n`);
  for (const run of reply.runs) {
    console.log(`fit ${run.fitMs.toFixed(0)} ms; ${run.report.gpuGenes} genes on the GPU, ${run.report.refinedGenes} refined, ` +
      `host prepare ${run.report.timings.prepareMs.toFixed(0)} ms, GPU calls ${run.report.timings.gpuMs.toFixed(0)} ms, ` +
      `host finish ${run.report.timings.finishMs.toFixed(0)} ms`);
  }
  console.log(`${reply.device}; wrote bench/results/${name}`);
} finally {
  await browser.close();
  fs.rmSync(bundle.dir, { recursive: true, force: true });
}
