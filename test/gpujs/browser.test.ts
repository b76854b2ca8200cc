/**
 * The gpu.js backend where the web app runs it: in a Web Worker of headless Chromium, in webgl2 mode (SwiftShader's
 * GL here), from a minified browser bundle of dist/src/backends/gpujs.js served under the app's script policy (no
 * eval). Every lme4 case and the mixed batch are fitted there, in batches small enough to cross boundaries, and
 * compared in Node with the cpu backend (SPEC §6, statuses identical). This is what runs the kernels in webgl2: the
 * same source as webgpu mode. The bundled example runs there too, in batches of the default size, which a texture's
 * width limits. Skipped, with the reason, where there is no Chromium; failed in CI.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FitJob } from '../../src/backends/backend.js';
import type { GpuJsOptions } from '../../src/backends/gpujs.js';
import type { GpuRunReport } from '../../src/backends/gpu-batches.js';
import { type FitResult, fitGenes } from '../../src/fit-genes.js';
import { EXAMPLE } from '../../src/cli/paths.js';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import { librarySizes } from '../../src/model/transform.js';
import { buildDesign } from '../../src/model/design.js';
import { parseFormula } from '../../src/model/formula.js';
import { finishResults, type GeneResults } from '../../src/results.js';
import { browserUnavailable, type BrowserPage, bundleForBrowser, openBrowserPage } from '../helpers/browser.js';
import { caseNames, FIXTURES_LME4, loadCase, SHARED_LME4 } from '../helpers/cases.js';
import { fitCpu, type Input, mixedInput } from '../helpers/inputs.js';
import { assertGpuMatchesCpu, inCi, refinedFraction } from '../conformance/backends.js';

const unavailable = await browserUnavailable();
const options = unavailable === null || inCi() ? {} : { skip: `no browser: ${unavailable}` };

/** Genes per batch in the browser: sim300's 300 genes make 7 batches. */
const BATCH = 45;

/** The worker: fits each job it is sent on a GpuJsBackend and posts the results back. */
const WORKER = `import { GpuJsBackend } from '/bundle.js';
self.onmessage = async ({ data }) => {
  try {
    const backend = await GpuJsBackend.create('in a Web Worker', data.options);
    if ('unavailable' in backend) return self.postMessage({ unavailable: backend.unavailable });
    const runs = [];
    for (const job of data.jobs) runs.push({ results: await backend.fit(job), report: backend.report });
    self.postMessage({ mode: backend.mode, description: backend.description, runs });
    await backend.dispose();
  } catch (e) {
    self.postMessage({ error: e instanceof Error ? e.stack : String(e) });
  }
};`;

interface WorkerReply {
  error?: string;
  unavailable?: string;
  mode?: string;
  description?: FitResult['backend'];
  runs?: { results: GeneResults; report: GpuRunReport }[];
}

/** The job fitGenes would hand a backend for an input (transform none, no filters). */
function jobOf(input: Input): FitJob {
  const design = buildDesign(parseFormula(input.formula), input.samples, input.matrix.sampleIds);
  return { context: { design, transform: 'none', librarySizes: null, filters: {} }, values: input.matrix.values,
    nGenes: input.matrix.nGenes, nSamples: input.matrix.nSamples };
}

describe('gpujs in a browser: webgl2 mode in a Web Worker, against the cpu backend', options, () => {
  let browser: BrowserPage | undefined;
  let bundleDir: string | undefined;
  /** Fits each job on one GpuJsBackend in a fresh worker of the page. */
  const fitInWorker = (jobs: FitJob[], backendOptions: GpuJsOptions): Promise<WorkerReply> =>
    browser!.page.evaluate(({ jobs: j, backendOptions: o }) => new Promise<WorkerReply>((resolve) => {
      const worker = new Worker('/worker.js', { type: 'module' });
      worker.onmessage = (event: MessageEvent<WorkerReply>) => {
        resolve(event.data);
        worker.terminate();
      };
      worker.onerror = (event) => resolve({ error: `worker error: ${event.message}` });
      worker.postMessage({ jobs: j, options: o });
    }), { jobs, backendOptions });
  before(async () => {
    assert.equal(unavailable, null, `a browser is needed in CI: ${unavailable}`);
    const bundle = await bundleForBrowser('dist/src/backends/gpujs.js');
    bundleDir = bundle.dir;
    browser = await openBrowserPage(bundle.dir, { '/worker.js': WORKER });
  });
  after(async () => {
    await browser?.close();
    if (bundleDir) fs.rmSync(bundleDir, { recursive: true, force: true });
  });

  it('every lme4 case and the mixed batch: webgl2 on the page\'s renderer, within SPEC §6 of the cpu run', async () => {
    const resolved: [string, Input][] = [];
    for (const [dir, name] of [...caseNames(SHARED_LME4).map((n) => [SHARED_LME4, n]), ...caseNames(FIXTURES_LME4).map((n) => [FIXTURES_LME4, n])]) {
      resolved.push([name, await loadCase(dir, name)]);
    }
    resolved.push(['mixed', mixedInput()]);
    const reply = await fitInWorker(resolved.map(([, input]) => jobOf(input)), { maxBatchGenes: BATCH });
    assert.equal(reply.error, undefined, reply.error);
    assert.equal(reply.unavailable, undefined, `gpu.js in the worker: ${reply.unavailable}`);
    assert.equal(reply.mode, 'webgl2', 'a browser with WebGL2 runs gpu.js in webgl2 mode');
    assert.match(reply.description!.device, /gpu\.js webgl2/);
    console.log(`browser worker: ${reply.description!.device}`);
    for (const [k, [name, input]] of resolved.entries()) {
      const { results, report } = reply.runs![k];
      finishResults(results);
      const cpu = await fitCpu(input);
      const gpu: FitResult = { ...cpu, results, backend: reply.description!, gpu: report };
      assert.equal(report.failure, null, `${name}: no GPU failure`);
      assert.ok(report.gpuGenes > 0, `${name}: genes ran on the GPU`);
      if (name === 'sim300') assert.equal(report.batches, Math.ceil(300 / BATCH), `${name}: batches of ${BATCH}`);
      assertGpuMatchesCpu(`${name} (webgl2)`, cpu, gpu);
      console.log(`${name} (webgl2): ${report.batches} batch(es), ${refinedFraction(report)}, ${report.cpuGenes} on the CPU`);
    }
  });

  it('the bundled example in batches of the default size, split where an output would be wider than a texture', async () => {
    const matrix = await readMatrix(EXAMPLE.expr);
    const samples = await readSampleSheet(EXAMPLE.samples);
    const design = buildDesign(parseFormula(EXAMPLE.formula), samples, matrix.sampleIds);
    const job: FitJob = { context: { design, transform: 'logcpm', filters: {},
      librarySizes: librarySizes(matrix.values, matrix.nGenes, matrix.nSamples) }, values: matrix.values, nGenes: matrix.nGenes,
    nSamples: matrix.nSamples };
    const reply = await fitInWorker([job], {});
    assert.equal(reply.error, undefined, reply.error);
    assert.equal(reply.mode, 'webgl2');
    const { results, report } = reply.runs![0];
    finishResults(results);
    const width = report.adapter.limits.maxComputeWorkgroupsPerDimension; // the texture width, in webgl2
    assert.equal(report.failure, null, 'no GPU failure');
    assert.ok(report.batches >= Math.ceil(13_932 / width), `batches no wider than a texture of ${width} (${report.batches} batches)`);
    const cpu = await fitGenes(matrix, samples, EXAMPLE.formula, { transform: 'logcpm', backend: 'cpu', threads: 1 });
    assertGpuMatchesCpu('example (webgl2)', cpu, { ...cpu, results, backend: reply.description!, gpu: report });
    console.log(`example (webgl2): ${report.batches} batch(es), ${refinedFraction(report)}, ${report.cpuGenes} on the CPU`);
  });
});
