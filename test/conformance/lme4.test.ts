/**
 * One list of cases, every backend (STYLE habit 3): each case of the lme4 classics and of
 * test/fixtures/lme4 runs on the cpu backend, judged against lme4/lmerTest, and on the webgpu and gpujs backends,
 * judged against lme4's singular flags and the cpu run (SPEC §6). A backend without an adapter is skipped with the
 * reason (failed in CI).
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { type FitResult, fitGenes } from '../../src/fit-genes.js';
import { formatComparison } from '../../src/results/compare.js';
import { STATUSES } from '../../src/results/statuses.js';
import { caseNames, CLASSICS_LME4, FIXTURES_LME4, loadCase, type ReferenceCase } from '../helpers/cases.js';
import { assertGpuMatchesCpu, assertRanOnGpu, type BackendName, findBackends, itOn, refinedFraction } from './backends.js';
import { CPU_VS_LME4 as TOL, TOLERANCES } from './tolerances.js';

function variance(y: number[]): number {
  const m = y.reduce((a, b) => a + b, 0) / y.length;
  return y.reduce((a, b) => a + (b - m) ** 2, 0) / (y.length - 1);
}

/**
 * Fits a case on the CPU backend and lists every disagreement with lme4/lmerTest beyond SPEC §6, as
 * "gene column: expected … actual …". Genes where lme4 stopped early (estimates apart but genelmm's
 * likelihood at least as high) are returned separately and skip the inference comparison.
 */
async function compareWithLme4(c: ReferenceCase): Promise<{ failures: string[]; earlyStops: string[]; maxDev: Record<string, number> }> {
  const fit = await cpuFit(c);
  const r = fit.results;
  const failures: string[] = [];
  const earlyStops: string[] = [];
  const maxDev: Record<string, number> = {};
  const note = (column: string, dev: number): void => {
    maxDev[column] = Math.max(maxDev[column] ?? 0, dev);
  };
  for (const ref of c.genes) {
    const g = c.matrix.geneIds.indexOf(ref.gene);
    assert.ok(g >= 0, `gene ${ref.gene} of the reference is in the matrix`);
    const fail = (column: string, expected: unknown, actual: unknown): void => {
      failures.push(`${c.name} ${ref.gene} ${column}: expected ${expected}, actual ${actual}`);
    };
    const status = STATUSES[r.status[g]];
    const y = Array.from(c.matrix.values.subarray(g * c.matrix.nSamples, (g + 1) * c.matrix.nSamples)).filter((v) => !Number.isNaN(v));
    const varY = variance(y);

    if (status !== (ref.isSingular ? 'singular' : 'ok')) {
      fail('status', ref.isSingular ? 'singular' : 'ok', `${status} (${r.messages[g]})`);
      continue;
    }
    const dLogLik = r.remlLogLik[g] - ref.logLik_reml;
    note('reml_loglik (abs)', Math.abs(dLogLik));
    if (Math.abs(dLogLik) > TOL.remlLogLikAbs) fail('reml_loglik', ref.logLik_reml, r.remlLogLik[g]);

    const estimates: [string, number, number, number][] = [
      ['sigma2_group', Object.entries(ref.varcomp).find(([k]) => k !== 'Residual')![1], r.sigma2G[g], varY],
      ['sigma2_resid', ref.varcomp.Residual, r.sigma2E[g], varY],
    ];
    const names = fit.coefNames;
    assert.deepEqual(names, ref.fixef_names, `${c.name}: coefficient names as R's model.matrix`);
    const p = names.length;
    ref.fixef.Estimate.forEach((b, k) => estimates.push([`beta_${names[k]}`, b, r.beta[g * p + k], Math.sqrt(varY)]));
    const off = estimates.filter(([column, expected, actual, scale]) => {
      const dev = Math.abs(actual - expected);
      note(`${column.startsWith('beta') ? 'beta' : column} (rel)`, dev / Math.max(Math.abs(expected), TOL.estimateAbsFloor * scale));
      return !(dev <= Math.max(TOL.estimateRel * Math.abs(expected), TOL.estimateAbsFloor * scale));
    });
    if (off.length > 0) {
      if (r.remlLogLik[g] >= ref.logLik_reml - TOL.earlyStopLogLik) {
        earlyStops.push(`${ref.gene} (${off.map(([col]) => col).join(', ')}; ΔlogLik ${dLogLik})`);
        continue;
      }
      for (const [column, expected, actual] of off) fail(column, expected, actual);
      continue;
    }
    for (let k = 0; k < p; k++) {
      const i = g * p + k;
      const checks: [string, number, number, number][] = [
        ['se', ref.fixef['Std. Error'][k], r.se[i], TOL.seRel],
        ['df', ref.fixef.df[k], r.df[i], TOL.dfRel],
        ['p', ref.fixef['Pr(>|t|)'][k], r.pValue[i], TOL.pRel],
      ];
      for (const [what, expected, actual, tol] of checks) {
        const rel = Math.abs(actual - expected) / Math.abs(expected);
        note(`${what} (rel)`, rel);
        if (!(rel <= tol)) fail(`${what}_${names[k]}`, expected, actual);
      }
    }
  }
  return { failures, earlyStops, maxDev };
}

const cpuFits = new Map<string, Promise<FitResult>>();

/** The case's cpu run, made once: the cpu check and the webgpu check (its reference) share it. */
function cpuFit(c: ReferenceCase): Promise<FitResult> {
  let fit = cpuFits.get(c.matrix.file);
  if (fit === undefined) {
    fit = fitGenes(c.matrix, c.samples, c.formula, { backend: 'cpu', threads: 1 });
    cpuFits.set(c.matrix.file, fit);
  }
  return fit;
}

/** cpu: SPEC §6's CPU rows, against lme4/lmerTest. */
async function checkCpu(c: ReferenceCase): Promise<void> {
  const { failures, earlyStops, maxDev } = await compareWithLme4(c);
  const devs = Object.entries(maxDev).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ');
  console.log(`${c.name}: ${c.genes.length} genes; largest deviations: ${devs}` +
    (earlyStops.length ? `; lme4 stopped early on ${earlyStops.length}: ${earlyStops.join('; ')}` : ''));
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.ok(earlyStops.length <= Math.ceil(0.02 * c.genes.length),
    `lme4 stopped early on at most 2% of genes, found ${earlyStops.length}: ${earlyStops.join('; ')}`);
}

/** Genes each GPU backend ran and the host refitted, over every case so far. */
const gpuTotals = { webgpu: { gpuGenes: 0, refinedGenes: 0 }, gpujs: { gpuGenes: 0, refinedGenes: 0 } };
/**
 * The share of a GPU's genes the host may refit in f64 over the cases (issue 3's target). A refitted gene equals the
 * cpu run exactly, so without this bound a kernel whose every answer the host refuses would pass the suite.
 */
const MAX_REFINED_SHARE = 0.01;

/**
 * A GPU backend (webgpu, gpujs): statuses equal lme4's singular flags, and every gene agrees with the cpu run
 * within SPEC §6's GPU row. Prints the largest differences per column and the share of genes the host refitted in
 * f64.
 */
async function checkGpu(backend: 'webgpu' | 'gpujs', c: ReferenceCase): Promise<void> {
  const gpu = await fitGenes(c.matrix, c.samples, c.formula, { backend, threads: 1 });
  const report = assertRanOnGpu(gpu, backend);
  const cpu = await cpuFit(c);
  const comparison = assertGpuMatchesCpu(c.name, cpu, gpu);
  console.log(`${c.name} (${backend} against cpu): ${report.batches} batch(es), ${refinedFraction(report)}, ` +
    `${report.cpuGenes} on the CPU; largest differences:\n${formatComparison(comparison)}`);
  const failures = c.genes.flatMap((ref) => {
    const g = gpu.geneIds.indexOf(ref.gene);
    const expected = ref.isSingular ? 'singular' : 'ok';
    const actual = STATUSES[gpu.results.status[g]];
    return actual === expected ? [] : [`${c.name} ${ref.gene} status: expected ${expected} (lme4), actual ${actual} (${gpu.results.messages[g]})`];
  });
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.equal(report.failure, null, `${c.name}: no GPU failure`);
  assert.ok(report.gpuGenes > 0, `${c.name}: the GPU fitted genes (gpuGenes ${report.gpuGenes}, cpuGenes ${report.cpuGenes})`);
  // A λ̂ above 1e3 (h2 > 0.999, the nearone case) is beyond f32's resolution of h: the host refits such genes by
  // design (polishLambda), so they count neither way.
  const beyondF32 = c.genes.filter((ref) => {
    const g = cpu.geneIds.indexOf(ref.gene);
    return cpu.results.sigma2G[g] > 1e3 * cpu.results.sigma2E[g];
  }).length;
  gpuTotals[backend].gpuGenes += report.gpuGenes - beyondF32;
  gpuTotals[backend].refinedGenes += report.refinedGenes - beyondF32;
}

const CHECKS: Record<BackendName, (c: ReferenceCase) => Promise<void>> = {
  cpu: checkCpu,
  webgpu: (c) => checkGpu('webgpu', c),
  gpujs: (c) => checkGpu('gpujs', c),
};

const suites: [string, string][] = [
  ['lme4 classics', CLASSICS_LME4],
  ['generated fixtures', FIXTURES_LME4],
];

for (const backend of await findBackends()) {
  describe(`${backend.name} backend against ${TOLERANCES[backend.name].against} (${backend.reason})`, () => {
    for (const [title, dir] of suites) {
      describe(title, () => {
        for (const name of caseNames(dir)) itOn(backend, name, async () => CHECKS[backend.name](await loadCase(dir, name)));
      });
    }
    if (backend.name !== 'cpu') {
      const totals = gpuTotals[backend.name];
      itOn(backend, `the host refits at most ${100 * MAX_REFINED_SHARE}% of the GPU's genes over the cases`, () => {
        assert.ok(totals.gpuGenes > 300, `the cases ran on the GPU (${totals.gpuGenes} genes)`);
        assert.ok(totals.refinedGenes <= MAX_REFINED_SHARE * totals.gpuGenes,
          `refitted ${totals.refinedGenes} of ${totals.gpuGenes} genes`);
      });
    }
  });
}
