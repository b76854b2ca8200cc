import assert from 'node:assert/strict';
import { after, describe } from 'node:test';
import { parametricBootstrap } from '../../src/simulation/bootstrap.js';
import { compareResults, formatComparison } from '../../src/results/compare.js';
import { fitGenes } from '../../src/fit-genes.js';
import { bootstrapOnGpu } from '../../src/gpu/bootstrap.js';
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

  itOn(webgpu, 'from the same fit, every replicate refit equals the CPU one (B = 1: the interval ends are the refits)', async () => {
    const c = await loadCase(FIXTURES_LME4, 'missing');
    const fit = await fitGenes(c.matrix, c.samples, c.formula, { backend: 'cpu', threads: 1 });
    const cpu = copyOf(fit.results);
    const gpuResults = copyOf(fit.results);
    const { context } = fit;
    parametricBootstrap(context, c.matrix.values, c.matrix.nSamples, cpu, 1, 11);
    const acquired = await acquireGpu();
    assert.ok(!('unavailable' in acquired));
    device = acquired;
    const onThisThread = { threads: 1, share: (r: Float32Array) => r,
      finish: async (_thread: number, ...args: Parameters<typeof finishReplicates>) => finishReplicates(...args) };
    const report = await bootstrapOnGpu(device, context, c.matrix.values, c.matrix.nSamples, gpuResults, 1, 11, { maxPerDimension: 65535 },
      onThisThread);
    assert.equal(report.genes, 8);
    const failures: string[] = [];
    for (let g = 0; g < cpu.nGenes; g++) {
      for (const [column, a, b, tol] of [
        ['h2', cpu.h2BootLo[g], gpuResults.h2BootLo[g], 1e-5],
        ['sigma2_group', cpu.sigma2GBootLo[g], gpuResults.sigma2GBootLo[g], 1e-4 * Math.abs(cpu.sigma2GBootLo[g]) + 1e-7],
        ['sigma2_resid', cpu.sigma2EBootLo[g], gpuResults.sigma2EBootLo[g], 1e-5 * Math.abs(cpu.sigma2EBootLo[g])],
      ] as const) {
        if (!(Math.abs(a - b) <= tol)) failures.push(`${c.matrix.geneIds[g]} ${column}: CPU ${a}, GPU ${b}`);
      }
    }
    assert.deepEqual(failures, [], failures.join('\n'));
  });

  itOn(webgpu, 'fitGenes on the GPU bootstraps there, within SPEC §6 of the CPU run (sim300, B = 50)', async () => {
    const c = await loadCase(FIXTURES_LME4, 'sim300');
    const options = { threads: 1, bootstrap: 50, seed: 5 };
    const gpuFit = await fitGenes(c.matrix, c.samples, c.formula, { ...options, backend: 'webgpu' });
    assertRanOnGpu(gpuFit);
    const cpuFit = await fitGenes(c.matrix, c.samples, c.formula, { ...options, backend: 'cpu' });
    const comparison = compareResults(c.matrix.geneIds, cpuFit.coefNames, cpuFit.results, gpuFit.results);
    assert.ok(comparison.ok, formatComparison(comparison));
    assert.ok(comparison.columns.some((d) => d.column === 'h2_boot_lo' && d.failures === 0), 'the bootstrap columns are compared');
  });
});
