/**
 * The WebGPU backend at its edges: the cases every GPU backend shares (test/helpers/gpu-edge-cases.ts: batch
 * boundaries, batches mixing every status, one gene, one group), and dispatches folded into 2-D. Every test fits
 * the same input on the cpu backend and asserts SPEC §6's GPU row (compareResults) with identical statuses, plus
 * what the GPU report says happened. Skipped, with the reason, where no adapter answers; failed in CI.
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { FitOptions, FitResult } from '../../src/fit-genes.js';
import { dispatchSize } from '../../src/gpu/plan.js';
import { FIXTURES_LME4, loadCase, type ReferenceCase } from '../helpers/cases.js';
import { fitCpu, type Input } from '../helpers/inputs.js';
import { fitOn, sharedEdgeCases } from '../helpers/gpu-edge-cases.js';
import { assertGpuMatchesCpu, assertRanOnGpu, assertSameAsOneBatch, itOn, webgpuBackend } from '../conformance/backends.js';

const webgpu = await webgpuBackend();

/** The shaders' workgroup size (gene-stats, moment-start, reml-search). */
const WORKGROUP_SIZE = 64;

const fitGpu = (input: Input, gpu: FitOptions['gpu'] = {}): Promise<FitResult> => fitOn('webgpu', input, gpu);

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
  sharedEdgeCases({ ...webgpu, name: 'webgpu' }, sim300Runs);

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

  for (const [effect, offset, formula] of [[10_000, 0, '~ treatment + (1 | individual)'], [0, 1000, '~ 0 + treatment + (1 | individual)']] as const) {
    itOn(webgpu, `a fixed part far larger than the rest (${formula}, treatment effect ${effect}, offset ${offset}), missing values too: within SPEC §6`, async () => {
      // y is packed in f32: the host takes each gene's least-squares fit on X off in f64 first, or f32 rounds the
      // residual part away (σ²_group was off by 4e-5 relative at a sex effect of 10,000 on the kinship fixtures).
      const { input } = await sim300Runs();
      const treated = input.samples.columns.get('treatment')!;
      const level = treated.find((t) => t !== treated[0]);
      const column = input.matrix.sampleIds.map((id) => input.samples.ids.indexOf(id));
      const { nSamples } = input.matrix;
      const values = input.matrix.values.map((v, at) => (at % 37 === 5 ? NaN : v + offset + (treated[column[at % nSamples]] === level ? effect : 0)));
      const shifted = { ...input, matrix: { ...input.matrix, values }, formula };
      const gpu = await fitGpu(shifted);
      const report = assertRanOnGpu(gpu);
      assertGpuMatchesCpu(`effect ${effect}, offset ${offset}`, await fitCpu(shifted), gpu);
      assert.ok(report.refinedGenes <= 3, `refined ${report.refinedGenes} of ${report.gpuGenes}`);
    });
  }
});
