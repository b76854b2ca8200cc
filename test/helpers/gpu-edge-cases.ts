/**
 * The edge cases every GPU backend must pass, registered for one backend by its test file (test/gpu/ for webgpu,
 * test/gpujs/ for gpujs): batch boundaries, batches mixing every status, one gene, one group, and a device lost in
 * the middle of a run. Each fit is compared with the cpu backend on the same input (SPEC §6's GPU row, statuses
 * identical), plus what the GPU report says happened.
 */
import assert from 'node:assert/strict';
import type { FitOptions, FitResult } from '../../src/fit-genes.js';
import { fitGenes, fitTable } from '../../src/fit-genes.js';
import { type ReferenceCase } from './cases.js';
import { fitCpu, genesOf, type Input, mixedInput, statusesOf } from './inputs.js';
import { assertGpuMatchesCpu, assertRanOnGpu, assertSameAsOneBatch, exactDifferences, itOn, type TestBackend } from '../conformance/backends.js';

/** A GPU backend of the suite. */
export type GpuBackendName = 'webgpu' | 'gpujs';

/** sim300, its cpu run and its GPU run in one batch (the test file's, with its own checks of that run). */
export interface Sim300Runs {
  input: ReferenceCase;
  cpu: FitResult;
  oneBatch: FitResult;
}

/** Genes per batch where batches are to split sim300: its 300 genes make 9 batches. */
export const BATCH = 37;

/** The input fitted on `backend`, one CPU thread, with the GPU options (batch size, test hooks) and any other options. */
export function fitOn(backend: GpuBackendName, input: Input, gpu: FitOptions['gpu'] = {}, options: FitOptions = {}): Promise<FitResult> {
  return fitGenes(input.matrix, input.samples, input.formula, { ...options, backend, threads: 1, gpu });
}

/** Registers the shared edge cases for `backend` in the calling describe. */
export function sharedEdgeCases(backend: TestBackend & { name: GpuBackendName }, sim300Runs: () => Promise<Sim300Runs>): void {
  const name = backend.name;
  itOn(backend, `a batch boundary splits the genes: sim300 in batches of ${BATCH}, each gene as in one batch`, async () => {
    const { input, cpu, oneBatch } = await sim300Runs();
    const gpu = await fitOn(name, input, { maxBatchGenes: BATCH });
    const report = assertRanOnGpu(gpu, name);
    assert.deepEqual({ batches: report.batches, gpuGenes: report.gpuGenes, failure: report.failure },
      { batches: Math.ceil(300 / BATCH), gpuGenes: 300, failure: null }, 'every gene went through the GPU, in batches');
    assertGpuMatchesCpu(`sim300 in batches of ${BATCH}`, cpu, gpu);
    assertSameAsOneBatch(`sim300 in batches of ${BATCH}`, oneBatch, gpu);
  });

  itOn(backend, 'one batch mixing NAs, constant, all-zero, insufficient, singular and aliased genes', async () => {
    const input = mixedInput();
    const cpu = await fitCpu(input);
    assert.deepEqual(statusesOf(cpu), input.expected, 'the cpu run has one gene of each kind');
    const gpu = await fitOn(name, input);
    const report = assertRanOnGpu(gpu, name);
    assert.deepEqual({ batches: report.batches, failure: report.failure, cpuGenes: report.cpuGenes, gpuGenes: report.gpuGenes },
      { batches: 1, failure: null, cpuGenes: 1, gpuGenes: 5 },
      'the gene with treatment aliased on its rows is fitted on the CPU, the other ok and singular genes on the GPU');
    assertGpuMatchesCpu('mixed batch', cpu, gpu);
    assert.deepEqual(gpu.results.messages, cpu.results.messages, 'the same message for every gene');
    assert.deepEqual([...gpu.results.n], [...cpu.results.n], 'the same observations for every gene');
  });

  itOn(backend, 'a batch with no gene for the GPU (constant, insufficient) is not a GPU failure', async () => {
    const input = mixedInput();
    const cpu = await fitCpu(input);
    // Batches of 2: [normal_1, normal_with_na], [all_zero, constant_five], [na_heavy, all_na], …
    const gpu = await fitOn(name, input, { maxBatchGenes: 2 });
    const report = assertRanOnGpu(gpu, name);
    assert.deepEqual({ batches: report.batches, failure: report.failure, cpuGenes: report.cpuGenes, gpuGenes: report.gpuGenes },
      { batches: 3, failure: null, cpuGenes: 1, gpuGenes: 5 }, 'the three batches with genes for the GPU are submitted');
    assertGpuMatchesCpu('mixed, batches of 2', cpu, gpu);
    assert.deepEqual(gpu.results.messages, cpu.results.messages, 'the same message for every gene');
  });

  itOn(backend, 'one gene', async () => {
    const { input } = await sim300Runs();
    const one = { ...input, matrix: genesOf(input.matrix, 117, 118) };
    const gpu = await fitOn(name, one);
    const report = assertRanOnGpu(gpu, name);
    assert.deepEqual({ batches: report.batches, gpuGenes: report.gpuGenes, cpuGenes: report.cpuGenes, failure: report.failure },
      { batches: 1, gpuGenes: 1, cpuGenes: 0, failure: null });
    assert.equal(gpu.results.nGenes, 1);
    assertGpuMatchesCpu('one gene', await fitCpu(one), gpu);
  });

  itOn(backend, 'one sample group: every gene insufficient on both backends, no GPU error', async () => {
    const { input } = await sim300Runs();
    const oneGroup: Input = {
      ...input,
      matrix: genesOf(input.matrix, 0, 5),
      samples: { ...input.samples, columns: new Map([...input.samples.columns].map(([column, cells]) =>
        [column, column === 'individual' ? cells.map(() => 'everyone') : cells])) },
    };
    const cpu = await fitCpu(oneGroup);
    const gpu = await fitOn(name, oneGroup);
    const report = assertRanOnGpu(gpu, name);
    for (const fit of [cpu, gpu]) {
      assert.deepEqual(Object.values(statusesOf(fit)), Array(5).fill('insufficient'), `${fit.backend.name}: every gene insufficient`);
    }
    assert.deepEqual(gpu.results.messages, cpu.results.messages);
    assert.deepEqual({ batches: report.batches, gpuGenes: report.gpuGenes, cpuGenes: report.cpuGenes, failure: report.failure },
      { batches: 0, gpuGenes: 0, cpuGenes: 0, failure: null }, 'nothing to fit, on the GPU or the CPU; no GPU error');
    assertGpuMatchesCpu('one group', cpu, gpu);
  });
}

/**
 * Registers, for `backend`, a device lost after each of `afterBatches` submitted batches of sim300 (the backend's
 * loseDeviceAfterBatches hook, as a driver reset would): the run completes and names the loss; each gene is fitted
 * once; the batches finished before the loss keep their GPU fits, the one in flight may (its readback may have
 * completed), none after it can; the rest equal the cpu run exactly; one row per gene, in order.
 */
export function deviceLossCases(backend: TestBackend & { name: GpuBackendName }, sim300: () => Promise<{ input: ReferenceCase; cpu: FitResult }>,
  afterBatches: number[]): void {
  for (const after of afterBatches) {
    itOn(backend, `device lost after batch ${after}: the run completes, the rest of the genes on the CPU`, async () => {
      const { input, cpu } = await sim300();
      const nGenes = input.matrix.nGenes;
      const gpu = await fitOn(backend.name, input, { maxBatchGenes: BATCH, loseDeviceAfterBatches: after });
      const report = assertRanOnGpu(gpu, backend.name);
      const label = `device lost after ${after} batch(es)`;
      assert.match(report.failure ?? '(none)', /lost|destroy/i, `${label}: the report names the loss`);
      assert.ok(report.cpuGenes > 0, `${label}: genes were fitted on the CPU after the loss (cpuGenes ${report.cpuGenes})`);
      assert.equal(report.gpuGenes + report.cpuGenes, nGenes,
        `${label}: each gene fitted once, on the GPU (${report.gpuGenes}) or the CPU (${report.cpuGenes})`);
      assert.ok(report.gpuGenes % BATCH === 0 && report.gpuGenes >= BATCH * (after - 1) && report.gpuGenes <= BATCH * after,
        `${label}: the GPU genes are the whole batches before the loss (${report.gpuGenes})`);
      // Batches finish in order and none after the loss is trusted, so the CPU's genes are the last cpuGenes.
      const afterLoss = Array.from({ length: report.cpuGenes }, (_, i) => nGenes - report.cpuGenes + i);
      const diffs = exactDifferences(input.matrix.geneIds, cpu.results, gpu.results, afterLoss);
      assert.deepEqual(diffs, [], `${label}: the genes fitted on the CPU after the loss equal the cpu run exactly ` +
        `(expected = cpu backend):\n${diffs.slice(0, 20).join('\n')}`);
      assertGpuMatchesCpu(label, cpu, gpu);
      const rows = [...fitTable(gpu).rows];
      assert.deepEqual(rows.map((row) => row[0]), input.matrix.geneIds, `${label}: one row per gene, in input order`);
    });
  }
}
