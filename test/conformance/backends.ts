/// <reference types="@webgpu/types" />
/**
 * The backends the conformance suite runs on, and what the GPU tests share: availability (skip with the
 * reason, or fail in CI), and GPU-against-CPU comparisons whose failures name the gene, the column, the
 * expected and the actual value.
 */
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { type ComparedShape, compareResults, type Comparison, formatComparison } from '../../src/results/compare.js';
import type { FitResult } from '../../src/fit-genes.js';
import { describeAdapter, probeAdapter } from '../../src/gpu/device.js';
import { probeGpuJs } from '../../src/gpujs/device.js';
import { type GeneResults, sliceResults } from '../../src/results/gene-results.js';
import { STATUSES } from '../../src/results/statuses.js';

export type BackendName = 'cpu' | 'webgpu' | 'gpujs';

/** A backend the suite knows, whether this machine can run it, and why (or why not). */
export interface TestBackend {
  name: BackendName;
  available: boolean;
  reason: string;
}

/**
 * CI sets CI=true; there SwiftShader is installed, so a missing WebGPU adapter (for webgpu, and for gpujs in its
 * webgpu mode on Dawn) is a failure, not a skip.
 */
export function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

let found: Promise<TestBackend[]> | undefined;

/**
 * Every backend of the suite: the CPU always; WebGPU where an adapter answers (probeAdapter); gpu.js where it has
 * a mode here (probeGpuJs: webgpu on Dawn in Node).
 */
export function findBackends(): Promise<TestBackend[]> {
  found ??= (async () => {
    const adapter = await probeAdapter();
    const gpujs = await probeGpuJs();
    return [
      { name: 'cpu', available: true, reason: 'the f64 reference, always available' },
      'unavailable' in adapter
        ? { name: 'webgpu', available: false, reason: adapter.unavailable }
        : { name: 'webgpu', available: true, reason: describeAdapter(adapter) },
      'unavailable' in gpujs
        ? { name: 'gpujs', available: false, reason: gpujs.unavailable }
        : { name: 'gpujs', available: true, reason: `gpu.js ${gpujs.mode} on ${describeAdapter(gpujs.adapter)}` },
    ];
  })();
  return found;
}

/** The entry of findBackends for one backend. */
export async function testBackend(name: BackendName): Promise<TestBackend> {
  return (await findBackends()).find((b) => b.name === name)!;
}

/** The WebGPU entry of findBackends. */
export async function webgpuBackend(): Promise<TestBackend> {
  return testBackend('webgpu');
}

/**
 * node:test options for a test on `backend`: `{ skip: reason }` where it is unavailable, so the test is
 * reported as skipped with the reason and never counted as passed. In CI an unavailable backend is not
 * skipped: the test runs and requireAvailable fails it.
 */
export function skipUnlessAvailable(backend: TestBackend): { skip?: string } {
  return backend.available || inCi() ? {} : { skip: `${backend.name} unavailable: ${backend.reason}` };
}

/** Fails the running test when `backend` is unavailable (reached only in CI, see skipUnlessAvailable). */
export function requireAvailable(backend: TestBackend): void {
  assert.ok(backend.available, `${backend.name} is unavailable in CI (CI=${process.env.CI}), where it must run: ${backend.reason}`);
}

/** `it` on one backend: skipped with the reason where it is unavailable, failed in CI. */
export function itOn(backend: TestBackend, name: string, fn: (t: TestContext) => Promise<void> | void): void {
  it(name, skipUnlessAvailable(backend), async (t) => {
    requireAvailable(backend);
    await fn(t);
  });
}

/**
 * A run that was asked for a GPU backend really ran there: fitGenes falls back to the CPU (with a notice) when no
 * device is had.
 */
export function assertRanOnGpu(fit: FitResult, backend: Exclude<BackendName, 'cpu'> = 'webgpu'): NonNullable<FitResult['gpu']> {
  assert.equal(fit.backend.name, backend, `the ${backend} backend ran (notices: ${fit.notices.join('; ') || 'none'})`);
  assert.ok(fit.gpu !== undefined, 'a GPU run has a GPU report');
  return fit.gpu;
}

const PER_GENE_COLUMNS: Record<string, keyof GeneResults> = {
  h2: 'h2', h2_se: 'h2Se', h2_lo: 'h2Lo', h2_hi: 'h2Hi', sigma2_group: 'sigma2G', sigma2_resid: 'sigma2E', reml_loglik: 'remlLogLik', lrt: 'lrt',
  p_lrt: 'pLrt', q_lrt: 'qLrt',
};
const PER_COEF_COLUMNS: Record<string, keyof GeneResults> = { beta: 'beta', se: 'se', df: 'df', t: 't', p: 'pValue', q: 'qValue' };

const PER_TERM_COLUMNS: Record<string, keyof GeneResults> = { sigma2: 'sigma2Terms', lrt: 'lrtTerms', p_lrt: 'pLrtTerms' };
const PER_FRACTION_COLUMNS: Record<string, keyof GeneResults> = { vp: 'vp', vp_se: 'vpSe' };

/** The value of a compareResults column (h2, sigma2_group, beta_<coef>, p_<coef>, sigma2_<term>, vp_<fraction>, …) at gene g. */
export function valueAt(r: GeneResults, coefNames: string[], column: string, g: number, shape: ComparedShape = { contrasts: [], anova: [] }): number {
  const perGene = PER_GENE_COLUMNS[column];
  if (perGene !== undefined) return (r[perGene] as Float64Array)[g];
  for (const [names, fields, width] of [[shape.terms ?? [], PER_TERM_COLUMNS, r.nTerms], [shape.fractions ?? [], PER_FRACTION_COLUMNS, r.nFractions]] as const) {
    for (const [prefix, field] of Object.entries(fields)) {
      const k = names.findIndex((name) => column === `${prefix}_${name}`);
      if (k >= 0 && width > 0) return (r[field] as Float64Array)[g * width + k];
    }
  }
  const cut = column.indexOf('_');
  const field = PER_COEF_COLUMNS[column.slice(0, cut)];
  const k = coefNames.indexOf(column.slice(cut + 1));
  assert.ok(field !== undefined && k >= 0, `column ${column} is a result column`);
  return (r[field] as Float64Array)[g * r.p + k];
}

/**
 * Every gene and column where `actual` misses SPEC §6 against `expected`, as "gene column: expected …,
 * actual …". Each gene is judged by compareResults on that gene alone, so the tolerances stay in
 * src/results/compare.ts.
 */
export function gpuDisagreements(geneIds: string[], coefNames: string[], expected: GeneResults, actual: GeneResults,
  shape: ComparedShape = { contrasts: [], anova: [] }): string[] {
  const lines: string[] = [];
  for (let g = 0; g < expected.nGenes; g++) {
    const one = compareResults([geneIds[g]], coefNames, sliceResults(expected, g, g + 1), sliceResults(actual, g, g + 1), {}, shape);
    if (one.ok) continue;
    for (const s of one.statusMismatches) {
      lines.push(`${s.gene} status: expected ${s.expected}, actual ${s.actual} (${actual.messages[g] ?? 'no message'})`);
    }
    for (const c of one.columns) {
      if (!c.failures) continue;
      const e = valueAt(expected, coefNames, c.column, g, shape);
      const a = valueAt(actual, coefNames, c.column, g, shape);
      lines.push(`${geneIds[g]} ${c.column}: expected ${e}, actual ${a} (|Δ| ${Math.abs(a - e).toExponential(2)})`);
    }
  }
  return lines;
}

/**
 * Asserts SPEC §6's GPU row: `gpu` agrees with `cpu` on every gene (statuses identical). On failure the
 * message lists each gene and column past the tolerance with its expected and actual value, then the
 * per-column summary. Returns the comparison, for printing.
 */
export function assertGpuMatchesCpu(label: string, cpu: FitResult, gpu: FitResult): Comparison {
  assert.equal(gpu.results.nGenes, cpu.results.nGenes, `${label}: one result per gene`);
  const comparison = compareResults(cpu.geneIds, cpu.coefNames, cpu.results, gpu.results, {}, cpu.shape);
  if (!comparison.ok) {
    const lines = gpuDisagreements(cpu.geneIds, cpu.coefNames, cpu.results, gpu.results, cpu.shape);
    assert.fail(`${label}: GPU against CPU past SPEC §6 (expected = CPU, actual = GPU):\n${lines.slice(0, 40).join('\n')}` +
      `${lines.length > 40 ? `\n… and ${lines.length - 40} more` : ''}\n${formatComparison(comparison)}`);
  }
  const statuses = (r: GeneResults): string[] => [...r.status].map((s, g) => `${cpu.geneIds[g]} ${STATUSES[s]}`);
  assert.deepEqual(statuses(gpu.results), statuses(cpu.results), `${label}: statuses identical`);
  return comparison;
}

/** The columns a gene's own fit sets (not the q-values, which depend on every gene of the run). */
const OWN_COLUMNS = ['status', 'n', 'nGroups', 'mean', 'sigma2G', 'sigma2E', 'h2', 'remlLogLik', 'lrt', 'pLrt',
  'iterations', 'converged', 'messages'] as const;
const OWN_COEF_COLUMNS = ['beta', 'se', 'df', 't', 'pValue'] as const;

/**
 * Where genes `genes` of `actual` are not bit-for-bit those of `expected` (NaN equals NaN), as
 * "gene column: expected …, actual …".
 */
export function exactDifferences(geneIds: string[], expected: GeneResults, actual: GeneResults, genes: Iterable<number>): string[] {
  const lines: string[] = [];
  const p = expected.p;
  for (const g of genes) {
    for (const key of OWN_COLUMNS) {
      const e = expected[key][g];
      const a = actual[key][g];
      if (!Object.is(e, a)) lines.push(`${geneIds[g]} ${key}: expected ${e}, actual ${a}`);
    }
    for (const key of OWN_COEF_COLUMNS) {
      for (let k = 0; k < p; k++) {
        const e = expected[key][g * p + k];
        const a = actual[key][g * p + k];
        if (!Object.is(e, a)) lines.push(`${geneIds[g]} ${key}[${k}]: expected ${e}, actual ${a}`);
      }
    }
  }
  return lines;
}

/** Asserts that a gene's GPU result does not depend on its batch or on the workgroup that computed it. */
export function assertSameAsOneBatch(label: string, oneBatch: FitResult, gpu: FitResult): void {
  const all = Array.from({ length: gpu.results.nGenes }, (_, g) => g);
  const diffs = exactDifferences(gpu.geneIds, oneBatch.results, gpu.results, all);
  assert.deepEqual(diffs, [], `${label}: every gene bit for bit as in one 1-D batch (expected = one batch):\n${diffs.slice(0, 20).join('\n')}`);
}

/** "refined r of n GPU genes (x%)". */
export function refinedFraction(report: NonNullable<FitResult['gpu']>): string {
  const share = report.gpuGenes === 0 ? 0 : (100 * report.refinedGenes) / report.gpuGenes;
  return `refined ${report.refinedGenes} of ${report.gpuGenes} GPU genes (${share.toFixed(1)}%)`;
}
