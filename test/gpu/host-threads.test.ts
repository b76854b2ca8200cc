/**
 * The WebGPU backend's host work (each batch's preparation and f64 finish) on a pool of worker threads, a part of
 * each batch per thread, overlapped with the device: the same table byte for byte as on the calling thread (the same
 * f64 code on the same inputs and device results), on every lme4 conformance case, on a batch mixing every status,
 * and on a 2,100-gene matrix with missing values, constant genes and boundary fits; and a device lost with parts
 * held by the workers loses no gene. Skipped, with the reason, where no adapter answers; failed in CI.
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { type FitOptions, type FitResult, fitGenes, fitTable } from '../../src/fit-genes.js';
import { caseNames, FIXTURES_LME4, loadCase } from '../helpers/cases.js';
import { fitCpu, type Input, mixedInput } from '../helpers/inputs.js';
import { STATUSES } from '../../src/results/statuses.js';
import { acquireGpu } from '../../src/gpu/device.js';
import { assertGpuMatchesCpu, assertRanOnGpu, exactDifferences, itOn, webgpuBackend } from '../conformance/backends.js';

const webgpu = await webgpuBackend();

/** The input on webgpu with its host work on `threads` threads. */
function fitWebGpu(input: Input, threads: number, gpu: FitOptions['gpu'] = {}): Promise<FitResult> {
  return fitGenes(input.matrix, input.samples, input.formula, { backend: 'webgpu', threads, gpu });
}

/** Each gene's status, in gene order. */
const statusesOf = (fit: FitResult): string[] => Array.from(fit.results.status, (code) => STATUSES[code]);

/** The output table's lines. */
const tableOf = (fit: FitResult): string[] => [...fitTable(fit).rows].map((row) => row.join('\t'));

/** Asserts the pooled run's table equals the one-thread run's, line for line, and that the pool did the run. */
function assertSameTable(label: string, oneThread: FitResult, pooled: FitResult): void {
  assert.match(pooled.backend.device, /host 2 threads/, `${label}: the host work ran on two threads`);
  assert.match(oneThread.backend.device, /host 1 thread\b/, `${label}: the reference ran on the calling thread`);
  const [a, b] = [tableOf(oneThread), tableOf(pooled)];
  const differ = a.flatMap((line, g) => (line === b[g] ? [] : [`${line}\n  ≠ ${b[g]}`]));
  assert.equal(b.length, a.length, `${label}: one row per gene`);
  assert.deepEqual(differ, [], `${label}: the pooled rows equal the one-thread rows`);
  assert.deepEqual({ ...pooled.gpu!, timings: undefined, adapter: undefined }, { ...oneThread.gpu!, timings: undefined, adapter: undefined },
    `${label}: the same batches, GPU genes, refined and CPU genes`);
}

/**
 * sim300's genes seven times over (2,100), each copy rescaled and shifted, a tenth of them with cells missing, and
 * every 97th gene constant: every status and many missing-value patterns, in 57 batches of 37.
 */
async function largeInput(): Promise<Input> {
  const sim300 = await loadCase(FIXTURES_LME4, 'sim300');
  const { matrix } = sim300;
  const copies = 7;
  const nGenes = matrix.nGenes * copies;
  const values = new Float64Array(nGenes * matrix.nSamples);
  for (let g = 0; g < nGenes; g++) {
    const source = matrix.values.subarray((g % matrix.nGenes) * matrix.nSamples, (g % matrix.nGenes + 1) * matrix.nSamples);
    const copy = Math.floor(g / matrix.nGenes);
    for (let i = 0; i < matrix.nSamples; i++) {
      const missing = g % 10 === 3 && (i * 7 + g) % 13 === 0;
      values[g * matrix.nSamples + i] = g % 97 === 0 ? 2.5 : missing ? NaN : source[i] * (1 + copy / 4) + copy;
    }
  }
  const geneIds = Array.from({ length: nGenes }, (_, g) => `${matrix.geneIds[g % matrix.nGenes]}_${Math.floor(g / matrix.nGenes)}`);
  return { ...sim300, matrix: { ...matrix, geneIds, nGenes, values } };
}

describe(`webgpu host work on worker threads (${webgpu.reason})`, () => {
  itOn(webgpu, 'more fixed effects than the GPU programs hold: the job is fitted on the host threads, the cpu run\'s table', async () => {
    const sim300 = await loadCase(FIXTURES_LME4, 'sim300');
    const columns = new Map(sim300.samples.columns);
    columns.set('batch16', sim300.samples.ids.map((_, i) => `b${i % 16}`));
    const input = { ...sim300, samples: { ...sim300.samples, columns }, formula: sim300.formula.replace('~', '~ batch16 +') };
    const fit = await fitWebGpu(input, 2);
    const report = assertRanOnGpu(fit);
    assert.match(report.failure ?? '(none)', /fixed effects exceed the GPU programs' limit of 15/);
    assert.equal(report.cpuGenes, input.matrix.nGenes);
    assert.match(fit.backend.device, /host 2 threads/);
    const cpu = await fitGenes(input.matrix, input.samples, input.formula, { backend: 'cpu', threads: 2 });
    assert.deepEqual(tableOf(fit), tableOf(cpu), 'the cpu backend\'s table');
  });

  for (const name of caseNames(FIXTURES_LME4)) {
    itOn(webgpu, `${name}: two host threads give the one-thread table, batches of 37`, async () => {
      const input = await loadCase(FIXTURES_LME4, name);
      assertSameTable(name, await fitWebGpu(input, 1, { maxBatchGenes: 37 }), await fitWebGpu(input, 2, { maxBatchGenes: 37 }));
    });
  }

  itOn(webgpu, 'a batch mixing every status, in batches of 2 and 3: parts with no gene for the device are settled as prepared', async () => {
    const input = mixedInput();
    for (const maxBatchGenes of [2, 3]) {
      const pooled = await fitWebGpu(input, 2, { maxBatchGenes });
      assertSameTable(`mixed, batches of ${maxBatchGenes}`, await fitWebGpu(input, 1, { maxBatchGenes }), pooled);
      assert.deepEqual(pooled.results.messages, (await fitCpu(input)).results.messages, 'the same message for every gene as the cpu run');
    }
  });

  itOn(webgpu, '2,100 genes with missing values, constant genes and boundary fits: the same table, and SPEC §6 against the cpu run', async () => {
    const input = await largeInput();
    const pooled = await fitWebGpu(input, 2, { maxBatchGenes: 37 });
    assertSameTable('2,100 genes', await fitWebGpu(input, 1, { maxBatchGenes: 37 }), pooled);
    const counts = pooled.counts;
    assert.ok(counts.constant >= 21 && counts.singular > 0 && counts.ok > 1000, `every kind of gene is there: ${JSON.stringify(counts)}`);
    assertGpuMatchesCpu('2,100 genes, pooled', await fitCpu(input), pooled);
    const { deviceMs, pipelinesMs, pipelinesWaitMs } = pooled.gpu!.timings;
    assert.ok(deviceMs > 0 && pipelinesMs > 0, `the device and the pipelines' times are reported (${deviceMs}, ${pipelinesMs} ms)`);
    assert.ok(pipelinesWaitMs <= pipelinesMs, `the fit waited ${pipelinesWaitMs} ms of the ${pipelinesMs} ms the pipelines took`);
  });

  itOn(webgpu, 'the GPU bootstrap finished on two host threads equals one thread\'s, batch after batch, and reports its phases', async () => {
    const input = await loadCase(FIXTURES_LME4, 'sim300');
    const gpu = { maxBatchGenes: 37, maxBootstrapColumns: 70 }; // 7 genes × 10 replicates a batch
    const blockGenes = 100; // three blocks, each bootstrapped on its own
    const run = (threads: number): Promise<FitResult> => fitGenes(input.matrix, input.samples, input.formula,
      { backend: 'webgpu', threads, gpu, bootstrap: 10, seed: 5, blockValues: blockGenes * input.matrix.nSamples });
    const [oneThread, pooled] = [await run(1), await run(2)];
    assertSameTable('bootstrap', oneThread, pooled);
    const boot = pooled.bootstrap!;
    assert.deepEqual({ ...boot, timings: undefined }, { ...oneThread.bootstrap!, timings: undefined }, 'the same bootstrap report');
    assert.equal(boot.failure, null, 'no failure');
    const fitted = (from: number): number => statusesOf(pooled).slice(from, from + blockGenes).filter((s) => s === 'ok' || s === 'singular').length;
    const batches = [0, 100, 200].reduce((sum, from) => sum + Math.ceil(fitted(from) / 7), 0);
    assert.equal(boot.batches, batches, 'the batches of every block are counted');
    assert.ok(boot.timings !== undefined && boot.timings.finishMs > 0 && boot.timings.gpuMs >= 0 && boot.timings.uploadMs > 0,
      `the bootstrap's phases are reported: ${JSON.stringify(boot.timings)}`);
    assert.ok(pooled.results.h2BootLo.some((v) => Number.isFinite(v)), 'genes have bootstrap intervals');
  });

  itOn(webgpu, 'with --bootstrap and --rlrt-exact, every program is compiled off the thread as the backend is chosen: none at its first batch', async () => {
    const input = await loadCase(FIXTURES_LME4, 'sim300');
    const gpu = await acquireGpu();
    assert.ok(!('unavailable' in gpu));
    // pipelineFor compiles on the calling thread (createComputePipeline) only what compilePipelines has not compiled.
    const device = Object.getPrototypeOf(gpu.device) as { createComputePipeline: (...args: unknown[]) => unknown };
    const compile = device.createComputePipeline;
    const compiledLate: string[] = [];
    device.createComputePipeline = function (this: unknown, ...args: unknown[]) {
      compiledLate.push(String((args[0] as { label?: string }).label));
      return compile.apply(this, args);
    };
    try {
      const fit = await fitGenes(input.matrix, input.samples, input.formula,
        { backend: 'webgpu', threads: 1, bootstrap: 5, rlrtExact: 200, seed: 3 });
      assertRanOnGpu(fit);
      assert.equal(fit.gpu!.cpuRlrtDesigns, 0, 'the exact-RLRT null was simulated on the GPU');
      assert.ok(fit.bootstrap!.timings !== undefined && fit.bootstrap!.batches! > 0, 'the bootstrap ran on the GPU');
    } finally {
      device.createComputePipeline = compile;
      gpu.device.destroy();
    }
    assert.deepEqual(compiledLate, [], 'no pipeline was compiled at its first use');
  });

  /** A webgpu fit of `input` with `options`, the program labelled `label` failing to compile (createComputePipelineAsync rejects). */
  async function fitWithProgramFailing(input: Input, label: string, options: FitOptions): Promise<FitResult> {
    const gpu = await acquireGpu();
    assert.ok(!('unavailable' in gpu));
    const device = Object.getPrototypeOf(gpu.device) as { createComputePipelineAsync: (...args: unknown[]) => Promise<unknown> };
    gpu.device.destroy();
    const compile = device.createComputePipelineAsync;
    device.createComputePipelineAsync = function (this: unknown, ...args: unknown[]) {
      if ((args[0] as { label?: string }).label === label) return Promise.reject(new Error('made to fail by the test'));
      return compile.apply(this, args);
    };
    try {
      return await fitGenes(input.matrix, input.samples, input.formula, { ...options, backend: 'webgpu' });
    } finally {
      device.createComputePipelineAsync = compile;
    }
  }

  itOn(webgpu, 'an exact-RLRT null program that fails to compile moves that phase to the CPU, and the fit stays on the GPU', async () => {
    const input = await loadCase(FIXTURES_LME4, 'sim300');
    const fit = await fitWithProgramFailing(input, 'rlrt-null', { threads: 1, rlrtExact: 200, seed: 3 });
    const report = assertRanOnGpu(fit);
    assert.equal(report.cpuGenes, 0, 'every gene was fitted on the GPU');
    assert.ok(report.gpuGenes > 0);
    assert.ok(report.cpuRlrtDesigns > 0, 'the null was simulated on the CPU');
    assert.match(report.failure ?? '', /made to fail by the test \(compiling the exact-RLRT null's GPU program\)/, 'the failure is reported with its phase');
    const cpu = await fitGenes(input.matrix, input.samples, input.formula, { backend: 'cpu', threads: 1, rlrtExact: 200, seed: 3 });
    assert.deepEqual(Array.from(fit.results.pRlrtExact), Array.from(cpu.results.pRlrtExact), 'the CPU null\'s p-values');
  });

  itOn(webgpu, 'a bootstrap program that fails to compile moves the bootstrap alone to the CPU: every block\'s fit stays on the GPU', async () => {
    const input = await loadCase(FIXTURES_LME4, 'sim300');
    const options = { threads: 1, bootstrap: 10, rlrtExact: 200, seed: 5, blockValues: 100 * input.matrix.nSamples } as const;
    const fit = await fitWithProgramFailing(input, 'bootstrap-draw', options);
    const report = assertRanOnGpu(fit);
    assert.equal(report.cpuGenes, 0, 'the three blocks\' genes were fitted on the GPU');
    assert.equal(report.failure, null, 'the run\'s GPU did not fail');
    assert.equal(report.cpuRlrtDesigns, 0, 'the exact-RLRT null ran on the GPU');
    const boot = fit.bootstrap!;
    assert.match(boot.failure ?? '', /made to fail by the test \(compiling the bootstrap's GPU program\)/);
    assert.equal(boot.cpuGenes, boot.genes, 'every gene was bootstrapped on the CPU');
    // The CPU's draws from the GPU fit's estimates: the cpu run's intervals to the GPU rows' 1e-4 (SPEC §6).
    const cpu = await fitGenes(input.matrix, input.samples, input.formula, { ...options, backend: 'cpu' });
    for (const column of ['h2BootLo', 'h2BootHi'] as const) {
      const far = Array.from(fit.results[column]).flatMap((v, g) => {
        const expected = cpu.results[column][g];
        return Number.isNaN(v) && Number.isNaN(expected) || Math.abs(v - expected) <= 1e-4 ? [] : [`gene ${g}: ${v} against ${expected}`];
      });
      assert.deepEqual(far, [], column);
    }
    assert.ok(fit.results.h2BootLo.some((v) => Number.isFinite(v)), 'genes have bootstrap intervals');
  });

  itOn(webgpu, 'device lost with parts held by the workers: every gene fitted once, the rest on the CPU as the cpu run', async () => {
    const input = await largeInput();
    const cpu = await fitCpu(input);
    const pooled = await fitWebGpu(input, 2, { maxBatchGenes: 300, loseDeviceAfterBatches: 3 });
    const report = assertRanOnGpu(pooled);
    assert.match(report.failure ?? '(none)', /lost|destroy/i, 'the report names the loss');
    assert.equal(report.gpuGenes + report.cpuGenes, input.matrix.nGenes - pooled.counts.constant - pooled.counts.insufficient,
      `each fitted gene once, on the GPU (${report.gpuGenes}) or the CPU (${report.cpuGenes})`);
    assert.ok(report.cpuGenes >= 1100, `the batches from the fourth on moved to the CPU (${report.cpuGenes} genes)`);
    const nGenes = input.matrix.nGenes;
    const afterLoss = Array.from({ length: 1200 }, (_, i) => nGenes - 1200 + i);
    const diffs = exactDifferences(input.matrix.geneIds, cpu.results, pooled.results, afterLoss);
    assert.deepEqual(diffs, [], `the genes of the last four batches equal the cpu run exactly:\n${diffs.slice(0, 20).join('\n')}`);
    assertGpuMatchesCpu('device lost, pooled', cpu, pooled);
  });
});
