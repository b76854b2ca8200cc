/**
 * A GPU device lost in the middle of a run (the backend's test hooks destroy it, as a driver reset would): the run
 * completes, says why the GPU stopped, and does the rest on the CPU, so every gene has its row and its values. In
 * the fit (test/helpers/gpu-edge-cases.ts, shared with the gpujs backend), and after it: in the exact-RLRT null
 * and in the bootstrap. Skipped, with the reason, where no adapter answers; failed in CI.
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { parametricBootstrap } from '../../src/simulation/bootstrap.js';
import { type RunSummary, summaryLines } from '../../src/cli/summary.js';
import type { FitResult } from '../../src/fit-genes.js';
import { type GeneResults, isFitted, sliceResults } from '../../src/results/gene-results.js';
import { exactRlrtPValues, PatternGroups } from '../../src/simulation/rlrt-exact.js';
import { FIXTURES_LME4, loadCase, type ReferenceCase } from '../helpers/cases.js';
import { fitCpu, genesOf } from '../helpers/inputs.js';
import { deviceLossCases, fitOn } from '../helpers/gpu-edge-cases.js';
import { assertRanOnGpu, itOn, webgpuBackend } from '../conformance/backends.js';

const webgpu = await webgpuBackend();

let sim300: Promise<{ input: ReferenceCase; cpu: FitResult }> | undefined;
const loadSim300 = (): Promise<{ input: ReferenceCase; cpu: FitResult }> => {
  sim300 ??= (async () => {
    const input = await loadCase(FIXTURES_LME4, 'sim300');
    return { input, cpu: await fitCpu(input) };
  })();
  return sim300;
};

/** A deep copy of `r`, so a CPU reference can fill its columns from the same fit. */
function copyOf(r: GeneResults): GeneResults {
  const whole = sliceResults(r, 0, r.nGenes);
  return Object.fromEntries(Object.entries(whole).map(([k, v]) => [k, ArrayBuffer.isView(v) ? (v as Float64Array).slice() : v])) as unknown as GeneResults;
}

/** The run summary's fields that summaryLines reads for a GPU fit. */
function summaryOf(fit: FitResult): RunSummary {
  return {
    genelmm: '0', date: '', inputs: { expr: 'x', samples: 'y', formula: 'f', transform: 'none' }, genes: fit.geneIds.length,
    samples: { inMatrix: 0, used: 0, groups: 0 }, model: { method: 'reml', terms: [], varPart: false }, coefficients: fit.coefNames, backend: fit.backend, gpu: fit.gpu, statuses: fit.counts,
    timings: { readMs: 0, prepareMs: 0, fitMs: 0, rlrtExactMs: 0, bootstrapMs: 0, writeMs: 0, totalMs: 0 }, peakRssMB: 0, notices: [], output: '-',
  };
}

describe(`webgpu device loss (${webgpu.reason})`, () => {
  deviceLossCases({ ...webgpu, name: 'webgpu' }, loadSim300, [1, 2]);

  itOn(webgpu, 'device lost in the bootstrap: the genes left are bootstrapped on the CPU, as the CPU reference does', async () => {
    const { input } = await loadSim300();
    const small = { ...input, matrix: genesOf(input.matrix, 0, 40) };
    const B = 10;
    // 50 columns a batch: 5 genes × 10 replicates, so 8 batches; the device is lost after the second is submitted.
    const fit = await fitOn('webgpu', small, { maxBootstrapColumns: 50, loseDeviceAfterBootstrapBatches: 2 }, { bootstrap: B, seed: 3 });
    const report = assertRanOnGpu(fit);
    const boot = fit.bootstrap!;
    assert.match(boot.failure ?? '(none)', /lost|destroy/i, 'the bootstrap report names the loss');
    assert.match(report.failure ?? '(none)', /bootstrap/, 'the run report says the GPU failed in the bootstrap');
    assert.equal(report.cpuGenes, 0, 'the fit itself ran on the GPU');
    const fitted = Array.from({ length: small.matrix.nGenes }, (_, g) => g).filter((g) => isFitted(fit.results, g));
    assert.equal(boot.genes, fitted.length);
    assert.ok(boot.cpuGenes! >= fitted.length - 10 && boot.cpuGenes! <= fitted.length - 5,
      `the genes after the first one or two batches went to the CPU (${boot.cpuGenes} of ${fitted.length})`);
    // The CPU reference bootstrap from the same fit: the genes moved to the CPU (the last cpuGenes) equal it exactly.
    const reference = copyOf(fit.results);
    parametricBootstrap(fit.context, small.matrix.values, small.matrix.nSamples, reference, B, 3);
    const moved = fitted.slice(fitted.length - boot.cpuGenes!);
    const differ = moved.filter((g) => fit.results.h2BootLo[g] !== reference.h2BootLo[g] || fit.results.h2BootHi[g] !== reference.h2BootHi[g] ||
      fit.results.sigma2GBootHi[g] !== reference.sigma2GBootHi[g] || fit.results.sigma2EBootLo[g] !== reference.sigma2EBootLo[g]);
    assert.deepEqual(differ.map((g) => small.matrix.geneIds[g]), [], 'the genes bootstrapped on the CPU equal the CPU reference exactly');
    const lines = summaryLines({ ...summaryOf(fit), bootstrap: boot });
    assert.match(lines.join('\n'), new RegExp(`bootstrap: .*; ${boot.cpuGenes} gene\\(s\\) bootstrapped on the CPU \\(device lost`),
      'the summary says how many genes moved to the CPU, and why');
    const missing = fitted.filter((g) => !Number.isFinite(fit.results.h2BootLo[g]) || !Number.isFinite(fit.results.sigma2EBootHi[g]));
    assert.deepEqual(missing.map((g) => small.matrix.geneIds[g]), [], 'every fitted gene has its bootstrap intervals');
  });

  itOn(webgpu, 'device lost in the exact-RLRT null: the null is simulated on the CPU, the p-values are the CPU reference\'s', async () => {
    const { input } = await loadSim300();
    const small = { ...input, matrix: genesOf(input.matrix, 0, 40) };
    const fit = await fitOn('webgpu', small, { loseDeviceInRlrtNull: true }, { rlrtExact: 2000, seed: 4 });
    const report = assertRanOnGpu(fit);
    assert.match(report.failure ?? '(none)', /(lost|destroy).*RLRT/i, 'the run report names the loss, in the exact-RLRT null');
    assert.equal(report.cpuRlrtDesigns, fit.rlrtExact!.patterns, 'every design was simulated on the CPU');
    const lines = summaryLines({ ...summaryOf(fit), rlrtExact: fit.rlrtExact }).join('\n');
    assert.match(lines, /^gpu: .*device lost.*\(in the exact-RLRT null\)/m, 'the summary says why the GPU stopped');
    assert.match(lines, new RegExp(`^exact RLRT: .*; ${report.cpuRlrtDesigns} design\\(s\\) simulated on the CPU`, 'm'),
      'the summary says the null moved to the CPU');
    const reference = copyOf(fit.results);
    const groups = new PatternGroups(fit.context);
    groups.add(small.matrix.values, small.matrix.nSamples, reference, 0);
    await exactRlrtPValues(groups, reference, 2000, 4);
    assert.deepEqual([...fit.results.pRlrtExact], [...reference.pRlrtExact], 'p_rlrt_exact equals the CPU reference exactly');
    assert.ok(fit.results.pRlrtExact.some((p) => Number.isFinite(p)), 'genes have exact p-values');
  });
});
