/**
 * The WebGPU backend at its edges: batch boundaries, dispatches folded into 2-D, batches mixing every status,
 * one gene, one group. Every test fits the same input on the cpu backend and asserts SPEC §6's GPU row
 * (compareResults) with identical statuses, plus what the GPU report says happened. Skipped, with the
 * reason, where no adapter answers; failed in CI.
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { type FitOptions, type FitResult, fitGenes } from '../../src/fit-genes.js';
import { dispatchSize } from '../../src/gpu/plan.js';
import { FIXTURES_LME4, loadCase, type ReferenceCase } from '../helpers/cases.js';
import { fitCpu, genesOf, type Input, mixedInput, statusesOf } from '../helpers/inputs.js';
import { assertGpuMatchesCpu, assertRanOnGpu, assertSameAsOneBatch, itOn, webgpuBackend } from '../conformance/backends.js';

const webgpu = await webgpuBackend();

/** The shaders' workgroup size (gene-stats, moment-start, reml-search). */
const WORKGROUP_SIZE = 64;

const fitGpu = (input: Input, gpu: FitOptions['gpu'] = {}, options: FitOptions = {}): Promise<FitResult> =>
  fitGenes(input.matrix, input.samples, input.formula, { ...options, backend: 'webgpu', threads: 1, gpu });

let sim300: Promise<{ input: ReferenceCase; cpu: FitResult; oneBatch: FitResult }> | undefined;

/** sim300 (300 genes, 120 samples), its cpu run, and its GPU run in one batch with 1-D dispatches; made once. */
function sim300Runs(): Promise<{ input: ReferenceCase; cpu: FitResult; oneBatch: FitResult }> {
  sim300 ??= (async () => {
    const input = await loadCase(FIXTURES_LME4, 'sim300');
    const cpu = await fitCpu(input);
    const oneBatch = await fitGpu(input);
    const report = assertRanOnGpu(oneBatch);
    assert.equal(report.batches, 1, 'the reference GPU run is one batch');
    assert.equal(dispatchSize(input.matrix.nGenes, WORKGROUP_SIZE, report.adapter.limits.maxComputeWorkgroupsPerDimension).y, 1,
      'the reference GPU run dispatches in 1-D');
    return { input, cpu, oneBatch };
  })();
  return sim300;
}

describe(`webgpu edge cases, each against the cpu backend (${webgpu.reason})`, () => {
  itOn(webgpu, 'a batch boundary splits the genes: sim300 in batches of 37', async () => {
    const { input, cpu, oneBatch } = await sim300Runs();
    const gpu = await fitGpu(input, { maxBatchGenes: 37 });
    const report = assertRanOnGpu(gpu);
    assert.equal(report.batches, Math.ceil(300 / 37), 'batches of 37 genes');
    assert.ok(report.batches > 1);
    assert.equal(report.failure, null);
    assert.equal(report.gpuGenes, 300, 'every gene went through the GPU');
    assertGpuMatchesCpu('sim300 in batches of 37', cpu, gpu);
    assertSameAsOneBatch('sim300 in batches of 37', oneBatch, gpu);
  });

  itOn(webgpu, 'dispatches folded into 2-D: at most 2 workgroups a row, 300 genes in one batch', async () => {
    const { input, cpu, oneBatch } = await sim300Runs();
    const folded = dispatchSize(300, WORKGROUP_SIZE, 2);
    assert.ok(folded.y > 1, `300 genes need ${folded.x} × ${folded.y} workgroups: folded`);
    const gpu = await fitGpu(input, { maxWorkgroupsPerDimension: 2, maxBatchGenes: 10_000 });
    const report = assertRanOnGpu(gpu);
    assert.equal(report.batches, 1, 'one batch, so its dispatch must fold');
    assert.equal(report.failure, null);
    assert.equal(report.gpuGenes, 300, 'every gene went through the GPU');
    assertGpuMatchesCpu('sim300 folded into 2-D', cpu, gpu);
    // A gene the folded dispatch missed would fail the host's checks and be refitted on the CPU, passing the
    // comparison above; equality with the 1-D run (refined genes included) rules that out.
    assert.equal(report.refinedGenes, oneBatch.gpu!.refinedGenes, 'no more genes refitted than in 1-D');
    assertSameAsOneBatch('sim300 folded into 2-D', oneBatch, gpu);
  });

  itOn(webgpu, 'one batch mixing NAs, constant, all-zero, insufficient, singular and aliased genes', async () => {
    const input = mixedInput();
    const cpu = await fitCpu(input);
    assert.deepEqual(statusesOf(cpu), input.expected, 'the cpu run has one gene of each kind');
    const gpu = await fitGpu(input);
    const report = assertRanOnGpu(gpu);
    assert.equal(report.batches, 1);
    assert.equal(report.failure, null);
    assert.equal(report.cpuGenes, 1, 'the gene with treatment aliased on its rows is fitted on the CPU');
    assert.equal(report.gpuGenes, 5, 'the other ok and singular genes are fitted on the GPU');
    assertGpuMatchesCpu('mixed batch', cpu, gpu);
    assert.deepEqual(gpu.results.messages, cpu.results.messages, 'the same message for every gene');
    assert.deepEqual([...gpu.results.n], [...cpu.results.n], 'the same observations for every gene');
  });

  itOn(webgpu, 'a batch with no gene for the GPU (constant, insufficient) is not a GPU failure', async () => {
    const input = mixedInput();
    const cpu = await fitCpu(input);
    // Batches of 2: [normal_1, normal_with_na], [all_zero, constant_five], [na_heavy, all_na], …
    const gpu = await fitGpu(input, { maxBatchGenes: 2 });
    const report = assertRanOnGpu(gpu);
    assert.equal(report.failure, null, 'no GPU failure');
    assert.equal(report.batches, 3, 'the three batches with genes to fit on the GPU are submitted');
    assert.equal(report.gpuGenes, 5);
    assert.equal(report.cpuGenes, 1, 'only the aliased gene is fitted on the CPU');
    assertGpuMatchesCpu('mixed, batches of 2', cpu, gpu);
    assert.deepEqual(gpu.results.messages, cpu.results.messages, 'the same message for every gene');
  });

  itOn(webgpu, 'one gene', async () => {
    const { input } = await sim300Runs();
    const one = { ...input, matrix: genesOf(input.matrix, 117, 118) };
    const cpu = await fitCpu(one);
    const gpu = await fitGpu(one);
    const report = assertRanOnGpu(gpu);
    assert.deepEqual({ batches: report.batches, gpuGenes: report.gpuGenes, cpuGenes: report.cpuGenes, failure: report.failure },
      { batches: 1, gpuGenes: 1, cpuGenes: 0, failure: null });
    assert.equal(gpu.results.nGenes, 1);
    assertGpuMatchesCpu('one gene', cpu, gpu);
  });

  itOn(webgpu, 'one sample group: every gene insufficient on both backends, no GPU error', async () => {
    const { input } = await sim300Runs();
    const oneGroup: Input = {
      ...input,
      matrix: genesOf(input.matrix, 0, 5),
      samples: { ...input.samples, columns: new Map([...input.samples.columns].map(([name, cells]) =>
        [name, name === 'individual' ? cells.map(() => 'everyone') : cells])) },
    };
    const cpu = await fitCpu(oneGroup);
    const gpu = await fitGpu(oneGroup);
    const report = assertRanOnGpu(gpu);
    for (const fit of [cpu, gpu]) {
      assert.deepEqual(Object.values(statusesOf(fit)), Array(5).fill('insufficient'), `${fit.backend.name}: every gene insufficient`);
    }
    assert.deepEqual(gpu.results.messages, cpu.results.messages);
    assert.equal(report.failure, null, 'no GPU error');
    assert.deepEqual({ batches: report.batches, gpuGenes: report.gpuGenes, cpuGenes: report.cpuGenes },
      { batches: 0, gpuGenes: 0, cpuGenes: 0 }, 'nothing to fit, on the GPU or the CPU');
    assertGpuMatchesCpu('one group', cpu, gpu);
  });
});
