import assert from 'node:assert/strict';
import { after, describe } from 'node:test';
import { parametricBootstrap } from '../../src/simulation/bootstrap.js';
import { compareResults, formatComparison, GPU_TOLERANCE } from '../../src/results/compare.js';
import { fitGenes } from '../../src/fit-genes.js';
import { bootstrapOnGpu, type GpuBootstrapReport } from '../../src/gpu/bootstrap.js';
import { finishReplicates } from '../../src/gpu/bootstrap-finish.js';
import { acquireGpu, type GpuContext } from '../../src/gpu/device.js';
import { type GeneResults, sliceResults } from '../../src/results/gene-results.js';
import { assertRanOnGpu, itOn, webgpuBackend } from '../conformance/backends.js';
import { FIXTURES_LME4, loadCase } from '../helpers/cases.js';

const webgpu = await webgpuBackend();

/** A deep copy of `r`, so two bootstraps can fill their columns from the same fit. */
function copyOf(r: GeneResults): GeneResults {
  const whole = sliceResults(r, 0, r.nGenes);
  return Object.fromEntries(Object.entries(whole).map(([k, v]) => [k, ArrayBuffer.isView(v) ? (v as Float64Array).slice() : v])) as unknown as GeneResults;
}

describe('the parametric bootstrap on the GPU reproduces the CPU reference', () => {
  let device: GpuContext | undefined;
  after(() => device?.device.destroy());

  /** Bootstraps the first fit of fixture `name` on the CPU and on the GPU from the same draws, the GPU's host on this thread. */
  const bothWays = async (name: string, B: number, seed: number, maxBatchColumns?: number) => {
    const c = await loadCase(FIXTURES_LME4, name);
    const fit = await fitGenes(c.matrix, c.samples, c.formula, { backend: 'cpu', threads: 1 });
    const cpu = copyOf(fit.results);
    const gpuResults = copyOf(fit.results);
    parametricBootstrap(fit.context, c.matrix.values, c.matrix.nSamples, cpu, B, seed);
    if (device === undefined) {
      const acquired = await acquireGpu();
      assert.ok(!('unavailable' in acquired));
      device = acquired;
    }
    const onThisThread = { threads: 1, share: (r: Float32Array) => r,
      finish: async (_thread: number, ...args: Parameters<typeof finishReplicates>) => finishReplicates(...args) };
    const report = await bootstrapOnGpu(device, fit.context, c.matrix.values, c.matrix.nSamples, gpuResults, B, seed,
      { maxPerDimension: 65535, maxBatchColumns }, onThisThread);
    return { c, cpu, gpu: gpuResults, report };
  };

  itOn(webgpu, 'from the same fit, each replicate\'s device estimates are the CPU refit within SPEC §6 (B = 1: the interval ends are the refits)', async () => {
    const { c, cpu, gpu, report } = await bothWays('missing', 1, 11);
    assert.equal(report.genes, 8);
    // At most one of the 8 refitted: the estimates compared below are the device's (7 of the genes miss values).
    assert.ok(report.refinedReplicates <= 1, `${report.refinedReplicates} of ${report.genes} replicates refitted on the CPU`);
    const failures: string[] = [];
    for (let g = 0; g < cpu.nGenes; g++) {
      const floor = GPU_TOLERANCE.absFloor * (cpu.sigma2GBootLo[g] + cpu.sigma2EBootLo[g]);
      for (const [column, a, b, tol] of [
        ['h2', cpu.h2BootLo[g], gpu.h2BootLo[g], GPU_TOLERANCE.h2Abs],
        ['sigma2_group', cpu.sigma2GBootLo[g], gpu.sigma2GBootLo[g], Math.max(GPU_TOLERANCE.rel * cpu.sigma2GBootLo[g], floor)],
        ['sigma2_resid', cpu.sigma2EBootLo[g], gpu.sigma2EBootLo[g], Math.max(GPU_TOLERANCE.rel * cpu.sigma2EBootLo[g], floor)],
      ] as const) {
        if (!(Math.abs(a - b) <= tol)) failures.push(`${c.matrix.geneIds[g]} ${column}: CPU ${a}, GPU ${b}`);
      }
    }
    assert.deepEqual(failures, [], failures.join('\n'));
  });

  for (const maxBatchColumns of [undefined, 7]) {
    const batches = maxBatchColumns === undefined ? 'one batch' : 'batches of 7 replicates';
    itOn(webgpu, `a replicate whose device fit fails its check (λ̂ past f32's resolution of h) is refitted on the CPU from the same draws, counted (${batches})`, async () => {
      const B = 20;
      const { cpu, gpu, report } = await bothWays('nearone', B, 3, maxBatchColumns);
      assert.ok(report.genes > 0);
      if (maxBatchColumns !== undefined) assert.equal(report.batches, report.genes * Math.ceil(B / maxBatchColumns), 'each gene\'s replicates in 3 batches');
      assert.equal(report.refinedReplicates, report.genes * B, 'every replicate of these genes has h2 within 1e-3 of 1');
      for (const column of ['h2BootLo', 'h2BootHi', 'sigma2GBootLo', 'sigma2GBootHi', 'sigma2EBootLo', 'sigma2EBootHi'] as const) {
        assert.deepEqual(gpu[column], cpu[column], `${column}: the CPU's own refits of the same replicates, bit for bit`);
      }
    });
  }

  for (const name of ['sim300', 'missing', 'covariates']) {
    itOn(webgpu, `fitGenes on the GPU bootstraps there, within SPEC §6 of the CPU run, ≤ 1% of replicates refitted (${name}, B = 50)`, async () => {
      const c = await loadCase(FIXTURES_LME4, name);
      const options = { threads: 1, bootstrap: 50, seed: 5 };
      const gpuFit = await fitGenes(c.matrix, c.samples, c.formula, { ...options, backend: 'webgpu' });
      assertRanOnGpu(gpuFit);
      const cpuFit = await fitGenes(c.matrix, c.samples, c.formula, { ...options, backend: 'cpu' });
      const comparison = compareResults(c.matrix.geneIds, cpuFit.coefNames, cpuFit.results, gpuFit.results);
      assert.ok(comparison.ok, formatComparison(comparison));
      assert.ok(comparison.columns.some((d) => d.column === 'h2_boot_lo' && d.failures === 0), 'the bootstrap columns are compared');
      const { genes, refinedReplicates } = gpuFit.bootstrap as GpuBootstrapReport;
      assert.ok(refinedReplicates <= 0.01 * genes * options.bootstrap, `${refinedReplicates} of ${genes * options.bootstrap} replicates refitted on the CPU`);
    });
  }
});
