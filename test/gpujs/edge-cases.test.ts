/**
 * The gpu.js backend at its edges (in Node: gpu.js's webgpu mode on Dawn): the cases every GPU backend shares
 * (test/helpers/gpu-edge-cases.ts: batch boundaries, batches mixing every status and missing-value pattern, one
 * gene, one group, a device lost mid-run), p = 0 and p = 1, a gene the host must refine, and backend selection. Every fit is compared with the cpu backend on the same input (SPEC §6's GPU row,
 * statuses identical), plus what the GPU report says happened. Skipped, with the reason, where gpu.js has no
 * device; failed in CI.
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { GpuJsBackend } from '../../src/backends/gpujs.js';
import { AUTO_GPU_MIN_GENES, createBackend } from '../../src/backends/select.js';
import type { FitOptions, FitResult } from '../../src/fit-genes.js';
import { FIXTURES_LME4, loadCase } from '../helpers/cases.js';
import { deviceLossCases, fitOn, sharedEdgeCases, type Sim300Runs } from '../helpers/gpu-edge-cases.js';
import { fitCpu, genesOf, type Input } from '../helpers/inputs.js';
import { assertGpuMatchesCpu, assertRanOnGpu, exactDifferences, itOn, testBackend } from '../conformance/backends.js';

const gpujs = await testBackend('gpujs');

const fitGpuJs = (input: Input, gpu: FitOptions['gpu'] = {}): Promise<FitResult> => fitOn('gpujs', input, gpu);

let sim300: Promise<Sim300Runs> | undefined;

/** sim300 (300 genes, 120 samples), its cpu run and its gpu.js run in one batch; made once. */
function sim300Runs(): Promise<Sim300Runs> {
  sim300 ??= (async () => {
    const input = await loadCase(FIXTURES_LME4, 'sim300');
    const cpu = await fitCpu(input);
    const oneBatch = await fitGpuJs(input);
    assert.equal(assertRanOnGpu(oneBatch, 'gpujs').batches, 1, 'the reference gpu.js run is one batch');
    return { input, cpu, oneBatch };
  })();
  return sim300;
}

/**
 * 6 groups × 4 samples: a gene whose groups differ 10⁴ times more than its samples within a group (λ̂ ≈ 10⁵, beyond
 * what f32 resolves of h = λ / (1 + λ), so polishLambda refuses it and the host refits it), between two ordinary
 * genes.
 */
function refinementInput(): Input {
  const nSamples = 24;
  const sampleIds = Array.from({ length: nSamples }, (_, i) => `s${i + 1}`);
  const groupEffect = [-1, 0.5, 1.2, -0.3, 0.8, -1.1];
  const within = [0.3, -0.2, 0.5, -0.6, 0.1, -0.4, 0.2, 0.35];
  const gene = (scale: number, shift: number): number[] =>
    sampleIds.map((_, i) => 10 + groupEffect[Math.floor(i / 4)] + scale * within[(i * 5 + shift) % within.length]);
  return {
    matrix: { file: 'refine.tsv', geneIds: ['ordinary_1', 'lambda_1e5', 'ordinary_2'], sampleIds, nGenes: 3, nSamples,
      values: Float64Array.from([...gene(1, 0), ...gene(0.003, 1), ...gene(1.5, 3)]) },
    samples: { file: 'refine.samples.tsv', idColumn: 'sample', ids: sampleIds,
      columns: new Map([['group', sampleIds.map((_, i) => `g${Math.floor(i / 4)}`)]]), lines: sampleIds.map((_, i) => i + 2) },
    formula: '~ 1 + (1 | group)',
  };
}

describe(`gpujs edge cases, each against the cpu backend (${gpujs.reason})`, () => {
  sharedEdgeCases({ ...gpujs, name: 'gpujs' }, sim300Runs);
  deviceLossCases({ ...gpujs, name: 'gpujs' }, sim300Runs, [1, 2]);

  itOn(gpujs, 'p = 0 (~ 0 + (1 | g)) and p = 1 (~ 1 + (1 | g))', async () => {
    const { input } = await sim300Runs();
    for (const formula of ['~ 0 + (1 | individual)', '~ 1 + (1 | individual)']) {
      const case_ = { ...input, matrix: genesOf(input.matrix, 0, 60), formula };
      const gpu = await fitGpuJs(case_);
      const report = assertRanOnGpu(gpu, 'gpujs');
      assert.deepEqual({ gpuGenes: report.gpuGenes, cpuGenes: report.cpuGenes, failure: report.failure },
        { gpuGenes: 60, cpuGenes: 0, failure: null }, formula);
      assertGpuMatchesCpu(formula, await fitCpu(case_), gpu);
    }
  });

  itOn(gpujs, 'a gene whose f32 result the host refuses is refitted on the CPU, exactly as the cpu backend fits it', async () => {
    const input = refinementInput();
    const cpu = await fitCpu(input);
    assert.ok(cpu.results.sigma2G[1] / cpu.results.sigma2E[1] > 1e3, `λ̂ of lambda_1e5 is beyond 1e3 (${cpu.results.sigma2G[1] / cpu.results.sigma2E[1]})`);
    const gpu = await fitGpuJs(input);
    const report = assertRanOnGpu(gpu, 'gpujs');
    assert.deepEqual({ gpuGenes: report.gpuGenes, refinedGenes: report.refinedGenes, failure: report.failure },
      { gpuGenes: 3, refinedGenes: 1, failure: null });
    assertGpuMatchesCpu('refinement', cpu, gpu);
    const diffs = exactDifferences(gpu.geneIds, cpu.results, gpu.results, [1]);
    assert.deepEqual(diffs, [], `the refined gene equals the cpu run bit for bit:\n${diffs.join('\n')}`);
  });

  itOn(gpujs, '--backend gpujs runs gpu.js; auto takes it only on a hardware GPU in webgl2 mode, never in Node', async () => {
    const named = await createBackend('gpujs', { nGenes: 10, threads: 1 });
    try {
      assert.ok(named instanceof GpuJsBackend, `--backend gpujs: ${named.description.name} (${named.description.reason})`);
      assert.equal(named.mode, 'webgpu', 'in Node, gpu.js runs in webgpu mode (Dawn)');
    } finally {
      await named.dispose();
    }
    const auto = await createBackend('auto', { nGenes: AUTO_GPU_MIN_GENES, threads: 1 });
    try {
      assert.notEqual(auto.description.name, 'gpujs', `auto: ${auto.description.reason}`);
    } finally {
      await auto.dispose();
    }
  });
});
