/**
 * `npm run bench:validity`: statistical validation of the per-gene inference on simulated data (SPEC §4).
 *
 * For each of three designs, expression matrices are simulated in memory (seeded, y = fixed effects + u_group + e
 * with σ²_g = h2 and σ²_e = 1 − h2) and fitted with fitGenes on the CPU backend, then:
 *   - type-I error of p_lrt (½χ²₀ + ½χ²₁ mixture) and p_rlrt_exact (RLRsim-style exact null, 10,000 simulations)
 *     at α = 0.05 and 0.001 over null genes (h2 = 0), with the Monte Carlo SE √(α(1−α)/N);
 *   - coverage of the 95% profile-likelihood interval [h2_lo, h2_hi] for h2 ∈ {0.1, 0.3, 0.6}, with its SE;
 *   - coverage of the 95% parametric-bootstrap percentile interval [h2_boot_lo, h2_boot_hi] (BOOT_GENES genes
 *     per cell, B = BOOT_B, CPU reference), with its SE;
 *   - the wall time of each part.
 * Writes bench/results/<date>-validity.json and prints the tables in Markdown (bench/README.md, "Statistical
 * validation"). `node dist/bench/validity.js --scale 0.1` runs a tenth of every N, `--seed S` other data (and other exact
 * null simulations); either writes to the temp dir instead.
 *
 * The null genes are fitted in matrices of NULL_CHUNK genes, each with its own seed for the exact null, so that
 * the rate of p_rlrt_exact averages over 100 null simulations rather than riding on one draw of 10,000.
 * For the two balanced designs the exact test is also known in closed form (an F test), and is computed on the same
 * genes: it separates the sampling noise of the simulated genes from the error of p_lrt and p_rlrt_exact.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import betainc from '@stdlib/math-base-special-betainc';
import { fitGenes, type FitResult } from '../src/fit-genes.js';
import type { ExpressionMatrix, SampleSheet } from '../src/io/types.js';
import { STATUSES, statusCode, type Status } from '../src/results/statuses.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_SEED = 20261125;
const ALPHAS = [0.05, 0.001];
const H2S = [0.1, 0.3, 0.6];
const NSIM = 10_000;
const NULL_CHUNK = 1000; // one CPU block; fitted in the calling thread (see NULL_THREADS)
const COVERAGE_CHUNK = 10_000;
/** Genes per (design, h2) cell, and replicates per gene, of the bootstrap intervals' coverage (CPU reference). */
const BOOT_GENES = 2000;
const BOOT_B = 200;
/**
 * The null matrices are small (NULL_CHUNK genes, for many independent exact null simulations), and a fitGenes call
 * with 2 threads starts its worker threads anew, which on the 2-core VM costs more than fitting 1000 genes; so they
 * are fitted on one thread, in the calling thread. The coverage matrices (10,000 genes) use both.
 */
const NULL_THREADS = 1;
const THREADS = Math.max(1, Math.min(2, os.availableParallelism()));

const scaleArg = process.argv.indexOf('--scale');
const SCALE = scaleArg > 0 ? Number(process.argv[scaleArg + 1]) : 1;
if (!(SCALE > 0)) throw new Error('--scale needs a positive number');
const seedArg = process.argv.indexOf('--seed');
const SEED = seedArg > 0 ? Number(process.argv[seedArg + 1]) : DEFAULT_SEED;
if (!Number.isInteger(SEED) || SEED < 0 || SEED > 2 ** 31) throw new Error('--seed needs an integer in [0, 2^31]');

/** xoshiro128**, seeded through splitmix32: independent of the Philox stream of the exact null. */
function generator(seed: number): { uniform: () => number; normal: () => number } {
  let x = seed >>> 0;
  const split = (): number => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = split();
  let s1 = split();
  let s2 = split();
  let s3 = split();
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  // 53-bit uniform in [0, 1).
  const uniform = (): number => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
  let spare = NaN;
  const normal = (): number => {
    if (!Number.isNaN(spare)) {
      const v = spare;
      spare = NaN;
      return v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    spare = v * f;
    return u * f;
  };
  return { uniform, normal };
}

function rotl(v: number, k: number): number {
  return ((v << k) | (v >>> (32 - k))) >>> 0;
}

/** A simulation design: its sample sheet, formula, groups and the fixed part of the mean of each sample. */
interface Design {
  name: string;
  description: string;
  formula: string;
  samples: SampleSheet;
  group: Int32Array;
  nGroups: number;
  fixedMean: Float64Array;
  nNull: number;
  nCoverage: number;
  /**
   * For a balanced design (every group of size perGroup; a within-group covariate whose group mean is the same in
   * every group; a between-group covariate constant within groups): the exact test. There the RLRT is a monotone
   * function of F = (SS_b/d_b)/(SS_w/d_w) for F > 1, so the exact RLRT p-value is P(F_{d_b,d_w} > F) in closed form.
   */
  balanced?: { perGroup: number; within: Float64Array | null; between: Float64Array | null };
}

/** Residual sum of squares of v regressed on x (and on an intercept when `intercept`); x null: on the intercept or nothing. */
function residualSs(v: Float64Array, x: Float64Array | null, intercept: boolean): number {
  const k = v.length;
  let vm = 0;
  let xm = 0;
  if (intercept) {
    for (let i = 0; i < k; i++) vm += v[i] / k;
    if (x) for (let i = 0; i < k; i++) xm += x[i] / k;
  }
  let svv = 0;
  let sxv = 0;
  let sxx = 0;
  for (let i = 0; i < k; i++) {
    const dv = v[i] - vm;
    svv += dv * dv;
    if (x) {
      const dx = x[i] - xm;
      sxv += dx * dv;
      sxx += dx * dx;
    }
  }
  return x ? svv - (sxv * sxv) / sxx : svv;
}

/** The exact test of a balanced design: F, its degrees of freedom, the RLRT it implies and P(F_{d_b,d_w} > F). */
function balancedTest(design: Design, y: Float64Array): { rlrt: number; p: number } {
  const b = design.balanced!;
  const K = design.nGroups;
  const n = y.length;
  const means = new Float64Array(K);
  for (let i = 0; i < n; i++) means[design.group[i]] += y[i] / b.perGroup;
  const dev = Float64Array.from(y, (v, i) => v - means[design.group[i]]);
  let withinDev: Float64Array | null = null;
  if (b.within) {
    const wm = new Float64Array(K);
    for (let i = 0; i < n; i++) wm[design.group[i]] += b.within[i] / b.perGroup;
    withinDev = Float64Array.from(b.within, (v, i) => v - wm[design.group[i]]);
  }
  const ssw = residualSs(dev, withinDev, false);
  const ssb = b.perGroup * residualSs(means, b.between, true);
  const dw = n - K - (b.within ? 1 : 0);
  const db = K - 1 - (b.between ? 1 : 0);
  const F = ssb / db / (ssw / dw);
  if (!(F > 1)) return { rlrt: 0, p: 1 };
  const np = dw + db;
  return { rlrt: np * Math.log((dw + db * F) / np) - db * Math.log(F), p: betainc(dw / (dw + db * F), dw / 2, db / 2, true, false) };
}

function sheet(name: string, ids: string[], columns: [string, string[]][]): SampleSheet {
  return { file: `${name}.samples`, idColumn: 'sample', ids, columns: new Map(columns), lines: ids.map((_, i) => i + 2) };
}

/** The benchmark design: 250 individuals × 2 samples, treatment within individual, age per individual (n = 500). */
function benchDesign(): Design {
  const rand = generator(DEFAULT_SEED + 1);
  const nGroups = 250;
  const n = 2 * nGroups;
  const ids = Array.from({ length: n }, (_, i) => `S${i + 1}`);
  const group = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 2));
  const age = Array.from({ length: nGroups }, () => 20 + Math.floor(50 * rand.uniform()));
  const treated = Array.from({ length: n }, (_, i) => i % 2);
  const fixedMean = Float64Array.from({ length: n }, (_, i) => 5 + 0.5 * treated[i] + 0.02 * age[group[i]]);
  return {
    name: 'bench-250x2', description: '250 individuals × 2 samples, treatment within individual, age per individual (the benchmark design)',
    formula: '~ treatment + age + (1 | individual)',
    samples: sheet('bench', ids, [['individual', ids.map((_, i) => `I${group[i] + 1}`)],
      ['treatment', treated.map((t) => (t ? 'treated' : 'control'))], ['age', ids.map((_, i) => String(age[group[i]]))]]),
    group, nGroups, fixedMean, nNull: 100_000, nCoverage: 10_000,
    balanced: { perGroup: 2, within: Float64Array.from(treated), between: Float64Array.from(age) },
  };
}

/** Dyestuff's shape: 6 batches × 5 samples, intercept only (n = 30). */
function smallDesign(): Design {
  const nGroups = 6;
  const n = 30;
  const ids = Array.from({ length: n }, (_, i) => `S${i + 1}`);
  const group = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 5));
  return {
    name: 'small-6x5', description: '6 groups × 5 samples, intercept only (Dyestuff\'s shape)',
    formula: '~ 1 + (1 | batch)',
    samples: sheet('small', ids, [['batch', ids.map((_, i) => String.fromCharCode(65 + group[i]))]]),
    group, nGroups, fixedMean: new Float64Array(n).fill(1500 / 50), nNull: 100_000, nCoverage: 10_000,
    balanced: { perGroup: 5, within: null, between: null },
  };
}

/** 20 groups of random sizes 1–8 (seeded) with a numeric covariate per sample. */
function unbalancedDesign(): Design {
  const rand = generator(DEFAULT_SEED + 2);
  const nGroups = 20;
  const sizes = Array.from({ length: nGroups }, () => 1 + Math.floor(8 * rand.uniform()));
  sizes[0] = 1; // make sure both ends of the range occur
  sizes[1] = 8;
  const group = Int32Array.from(sizes.flatMap((s, g) => new Array<number>(s).fill(g)));
  const n = group.length;
  const ids = Array.from({ length: n }, (_, i) => `S${i + 1}`);
  const x = Array.from({ length: n }, () => 10 * rand.uniform());
  return {
    name: 'unbalanced-20', description: `20 groups of sizes 1–8 (${sizes.join(',')}), numeric covariate x per sample`,
    formula: '~ x + (1 | g)',
    samples: sheet('unbalanced', ids, [['g', ids.map((_, i) => `G${group[i] + 1}`)], ['x', x.map((v) => v.toFixed(6))]]),
    group, nGroups, fixedMean: Float64Array.from(x.map((v) => 2 + 0.3 * Number(v.toFixed(6)))), nNull: 100_000, nCoverage: 10_000,
  };
}

/** nGenes genes of the design with heritability h2 (σ²_g = h2, σ²_e = 1 − h2). */
function simulate(design: Design, nGenes: number, h2: number, seed: number): ExpressionMatrix {
  const rand = generator(seed);
  const n = design.group.length;
  const values = new Float64Array(nGenes * n);
  const u = new Float64Array(design.nGroups);
  const sg = Math.sqrt(h2);
  const se = Math.sqrt(1 - h2);
  for (let g = 0; g < nGenes; g++) {
    for (let j = 0; j < design.nGroups; j++) u[j] = sg * rand.normal();
    const row = g * n;
    for (let i = 0; i < n; i++) values[row + i] = design.fixedMean[i] + u[design.group[i]] + se * rand.normal();
  }
  return {
    file: `${design.name}-h2-${h2}`, geneIds: Array.from({ length: nGenes }, (_, g) => `G${g + 1}`),
    sampleIds: design.samples.ids, nGenes, nSamples: n, values,
  };
}

function addCounts(into: Record<Status, number>, from: Record<Status, number>): void {
  for (const s of STATUSES) into[s] += from[s];
}

const fittedCodes = [statusCode('ok'), statusCode('singular')];

interface Rate {
  alpha: number;
  rejections: number;
  rate: number;
  /** √(α(1−α)/N), the binomial Monte Carlo SE. */
  se: number;
  /** For p_rlrt_exact: √(α(1−α)(1/N + 1/(nsim·M))), adding the variance of M independent null simulations. */
  seWithNull?: number;
  z: number;
  within2Se: boolean;
}

function rate(rejections: number, n: number, alpha: number, nullDraws?: number): Rate {
  const r = rejections / n;
  const se = Math.sqrt((alpha * (1 - alpha)) / n);
  const seWithNull = nullDraws === undefined ? undefined : Math.sqrt(alpha * (1 - alpha) * (1 / n + 1 / (NSIM * nullDraws)));
  const z = (r - alpha) / (seWithNull ?? se);
  return { alpha, rejections, rate: r, se, ...(seWithNull === undefined ? {} : { seWithNull }), z, within2Se: Math.abs(z) <= 2 };
}

/** Ratio estimate Σd/Σn of a difference in rates from per-cluster net counts d_c over n_c genes, and its cluster-robust SE. */
function pairedDifference(net: number[], tested: number[]): { difference: number; se: number } {
  const N = tested.reduce((a, b) => a + b, 0);
  const M = net.length;
  const difference = net.reduce((a, b) => a + b, 0) / N;
  const ss = net.reduce((a, d, c) => a + (d - difference * tested[c]) ** 2, 0);
  return { difference, se: M > 1 ? Math.sqrt((M / (M - 1)) * ss) / N : NaN };
}

async function typeOne(design: Design, seedBase: number): Promise<Record<string, unknown>> {
  const started = performance.now();
  const nTotal = Math.round(design.nNull * SCALE);
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  const rejLrt = ALPHAS.map(() => 0);
  const rejExact = ALPHAS.map(() => 0);
  let tested = 0;
  let rlrtZero = 0;
  let chunks = 0;
  let fitMs = 0;
  let rlrtExactMs = 0;
  // Balanced designs: the exact F test on the same genes, and per matrix the net discordance with it
  // (rejected by the method only, minus by the F test only), for a paired difference with a cluster-robust SE.
  const rejF = ALPHAS.map(() => 0);
  const netLrt: number[][] = ALPHAS.map(() => []);
  const netExact: number[][] = ALPHAS.map(() => []);
  const testedPerMatrix: number[] = [];
  let maxRlrtDiff = 0;
  let simulateMs = 0;
  for (let done = 0; done < nTotal; done += NULL_CHUNK, chunks++) {
    const nGenes = Math.min(NULL_CHUNK, nTotal - done);
    const t0 = performance.now();
    const matrix = simulate(design, nGenes, 0, seedBase + chunks);
    simulateMs += performance.now() - t0;
    const fit = await fitGenes(matrix, design.samples, design.formula,
      { backend: 'cpu', threads: NULL_THREADS, rlrtExact: NSIM, seed: seedBase + chunks });
    fitMs += fit.timings.fitMs;
    rlrtExactMs += fit.timings.rlrtExactMs;
    addCounts(counts, fit.counts);
    const r = fit.results;
    const testedBefore = tested;
    ALPHAS.forEach((_, k) => {
      netLrt[k].push(0);
      netExact[k].push(0);
    });
    for (let g = 0; g < r.nGenes; g++) {
      if (!fittedCodes.includes(r.status[g])) continue;
      tested++;
      if (!(r.lrt[g] > 0)) rlrtZero++;
      ALPHAS.forEach((a, k) => {
        if (r.pLrt[g] <= a) rejLrt[k]++;
        if (r.pRlrtExact[g] <= a) rejExact[k]++;
      });
      if (design.balanced) {
        const f = balancedTest(design, matrix.values.subarray(g * matrix.nSamples, (g + 1) * matrix.nSamples));
        maxRlrtDiff = Math.max(maxRlrtDiff, Math.abs(f.rlrt - r.lrt[g]));
        ALPHAS.forEach((a, k) => {
          const byF = f.p <= a;
          if (byF) rejF[k]++;
          netExact[k][chunks] += Number(r.pRlrtExact[g] <= a) - Number(byF);
          netLrt[k][chunks] += Number(r.pLrt[g] <= a) - Number(byF);
        });
      }
    }
    testedPerMatrix.push(tested - testedBefore);
  }
  const wallMs = performance.now() - started;
  const out = {
    genes: nTotal, tested, statuses: counts, matrices: chunks, nullSimulations: { nsim: NSIM, draws: chunks },
    rlrtZeroShare: rlrtZero / tested,
    pLrt: ALPHAS.map((a, k) => rate(rejLrt[k], tested, a)),
    pRlrtExact: ALPHAS.map((a, k) => rate(rejExact[k], tested, a, chunks)),
    exactF: design.balanced ? {
      note: 'balanced design: the exact test P(F > F_obs) on the same genes; its deviation from alpha is the sampling noise of ' +
        'these genes. *MinusF = rate of the method minus the F test on the same genes, with a cluster-robust SE over the matrices ' +
        '(genes of one matrix share one exact null simulation)',
      maxAbsRlrtDifference: maxRlrtDiff,
      rates: ALPHAS.map((a, k) => rate(rejF[k], tested, a)),
      pLrtMinusF: ALPHAS.map((a, k) => ({ alpha: a, ...pairedDifference(netLrt[k], testedPerMatrix) })),
      pRlrtExactMinusF: ALPHAS.map((a, k) => ({ alpha: a, ...pairedDifference(netExact[k], testedPerMatrix) })),
    } : null,
    timeMs: { wall: Math.round(wallMs), simulate: Math.round(simulateMs), fit: Math.round(fitMs), rlrtExact: Math.round(rlrtExactMs) },
  };
  console.log(`  null: ${tested} genes tested in ${(wallMs / 1000).toFixed(1)} s; RLRT = 0 for ${(100 * out.rlrtZeroShare).toFixed(1)}%; ` +
    ALPHAS.map((a, k) => `α ${a}: p_lrt ${out.pLrt[k].rate.toFixed(5)}, exact ${out.pRlrtExact[k].rate.toFixed(5)}` +
      (out.exactF ? `, F test ${out.exactF.rates[k].rate.toFixed(5)}` : '')).join('; ') +
    (out.exactF ? `; max |RLRT − RLRT(F)| ${out.exactF.maxAbsRlrtDifference.toExponential(1)}` : ''));
  return out;
}

async function coverage(design: Design, h2: number, seedBase: number): Promise<Record<string, unknown>> {
  const started = performance.now();
  const nTotal = Math.round(design.nCoverage * SCALE);
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  let n = 0;
  let covered = 0;
  let missLow = 0; // the interval lies below the true h2
  let missHigh = 0; // the interval lies above it
  let loZero = 0;
  let hiOne = 0;
  let width = 0;
  let fitMs = 0;
  for (let done = 0, chunk = 0; done < nTotal; done += COVERAGE_CHUNK, chunk++) {
    const nGenes = Math.min(COVERAGE_CHUNK, nTotal - done);
    const fit: FitResult = await fitGenes(simulate(design, nGenes, h2, seedBase + chunk), design.samples, design.formula,
      { backend: 'cpu', threads: THREADS });
    fitMs += fit.timings.fitMs;
    addCounts(counts, fit.counts);
    const r = fit.results;
    for (let g = 0; g < r.nGenes; g++) {
      if (!fittedCodes.includes(r.status[g]) || Number.isNaN(r.h2Lo[g]) || Number.isNaN(r.h2Hi[g])) continue;
      n++;
      if (r.h2Lo[g] <= h2 && h2 <= r.h2Hi[g]) covered++;
      else if (r.h2Hi[g] < h2) missLow++;
      else missHigh++;
      if (r.h2Lo[g] === 0) loZero++;
      if (r.h2Hi[g] === 1) hiOne++;
      width += r.h2Hi[g] - r.h2Lo[g];
    }
  }
  const wallMs = performance.now() - started;
  const cov = covered / n;
  const se = Math.sqrt((0.95 * 0.05) / n);
  const out = {
    h2, genes: nTotal, withInterval: n, statuses: counts, coverage: cov, se, z: (cov - 0.95) / se,
    within2Se: Math.abs(cov - 0.95) <= 2 * se, withinTarget: Math.abs(cov - 0.95) <= 0.01,
    missBelow: missLow / n, missAbove: missHigh / n, loZeroShare: loZero / n, hiOneShare: hiOne / n, meanWidth: width / n,
    timeMs: { wall: Math.round(wallMs), fit: Math.round(fitMs) },
  };
  console.log(`  h2 = ${h2}: coverage ${(100 * cov).toFixed(2)}% ± ${(100 * se).toFixed(2)} of ${n} ` +
    `(interval below h2 ${(100 * out.missBelow).toFixed(2)}%, above ${(100 * out.missAbove).toFixed(2)}%, lo = 0 ${(100 * out.loZeroShare).toFixed(1)}%) ` +
    `in ${(wallMs / 1000).toFixed(1)} s`);
  return out;
}

/** Coverage of the bootstrap percentile interval of h2 over BOOT_GENES simulated genes with true `h2`. */
async function bootstrapCoverage(design: Design, h2: number, seedBase: number): Promise<Record<string, unknown>> {
  const started = performance.now();
  const nGenes = Math.round(BOOT_GENES * SCALE);
  const fit: FitResult = await fitGenes(simulate(design, nGenes, h2, seedBase), design.samples, design.formula,
    { backend: 'cpu', threads: THREADS, bootstrap: BOOT_B, seed: seedBase });
  const r = fit.results;
  let n = 0;
  let covered = 0;
  let missBelow = 0;
  for (let g = 0; g < r.nGenes; g++) {
    if (!fittedCodes.includes(r.status[g]) || Number.isNaN(r.h2BootLo[g])) continue;
    n++;
    if (r.h2BootLo[g] <= h2 && h2 <= r.h2BootHi[g]) covered++;
    else if (r.h2BootHi[g] < h2) missBelow++;
  }
  const cov = covered / n;
  const se = Math.sqrt((0.95 * 0.05) / n);
  const wallMs = performance.now() - started;
  console.log(`  bootstrap h2 = ${h2}: coverage ${(100 * cov).toFixed(2)}% ± ${(100 * se).toFixed(2)} of ${n} ` +
    `(interval below h2 ${(100 * missBelow / n).toFixed(2)}%) in ${(wallMs / 1000).toFixed(1)} s`);
  return { h2, genes: nGenes, withInterval: n, B: BOOT_B, coverage: cov, se, z: (cov - 0.95) / se,
    within2Se: Math.abs(cov - 0.95) <= 2 * se, withinTarget: Math.abs(cov - 0.95) <= 0.01, missBelow: missBelow / n,
    missAbove: (n - covered - missBelow) / n, timeMs: { wall: Math.round(wallMs) } };
}

const pct = (v: number, digits = 2): string => `${(100 * v).toFixed(digits)}%`;
const signedPct = (v: number, digits = 2): string => `${v >= 0 ? '+' : '−'}${pct(Math.abs(v), digits)}`;

function markdown(designs: Record<string, any>[]): string {
  const lines: string[] = [];
  lines.push('| design | n (groups) | null genes | α | p_lrt rate ± SE | p_rlrt_exact rate ± SE | exact F test, same genes | p_lrt − F (SE) | p_rlrt_exact − F (SE) | RLRT = 0 |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const d of designs) {
    const t = d.typeOne;
    ALPHAS.forEach((a, k) => {
      const lrt: Rate = t.pLrt[k];
      const ex: Rate = t.pRlrtExact[k];
      const digits = a < 0.01 ? 3 : 2;
      lines.push(`| ${d.name} | ${d.n} (${d.groups}) | ${t.tested.toLocaleString('en-US')} | ${a} | ` +
        `${pct(lrt.rate, digits)} ± ${pct(lrt.se, digits)} (${lrt.within2Se ? 'within 2 SE' : `z = ${lrt.z.toFixed(1)}`}) | ` +
        `${pct(ex.rate, digits)} ± ${pct(ex.seWithNull!, digits)} (${ex.within2Se ? 'within 2 SE' : `z = ${ex.z.toFixed(1)}`}) | ` +
        (t.exactF ? `${pct(t.exactF.rates[k].rate, digits)} (${t.exactF.rates[k].within2Se ? 'within 2 SE' : `z = ${t.exactF.rates[k].z.toFixed(1)}`}) | ${signedPct(t.exactF.pLrtMinusF[k].difference, digits + 1)} (${pct(t.exactF.pLrtMinusF[k].se, digits + 1)}) | ` +
          `${signedPct(t.exactF.pRlrtExactMinusF[k].difference, digits + 1)} (${pct(t.exactF.pRlrtExactMinusF[k].se, digits + 1)}) | ` : '– | – | – | ') +
        `${k === 0 ? pct(t.rlrtZeroShare, 1) : ''} |`);
    });
  }
  lines.push('');
  lines.push('| design | h2 | genes | coverage ± SE | in 95 ± 1% | interval below h2 | interval above h2 | h2_lo = 0 | mean width |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const d of designs) {
    for (const c of d.coverage) {
      lines.push(`| ${d.name} | ${c.h2} | ${c.withInterval.toLocaleString('en-US')} | ${pct(c.coverage)} ± ${pct(c.se)} | ` +
        `${c.withinTarget ? 'yes' : 'no'} | ${pct(c.missBelow)} | ${pct(c.missAbove)} | ${pct(c.loZeroShare, 1)} | ${c.meanWidth.toFixed(3)} |`);
    }
  }
  lines.push('');
  lines.push('| design | null part s | coverage part s (3 × h2) | exact null simulations s |');
  lines.push('| --- | --- | --- | --- |');
  for (const d of designs) {
    const cov = d.coverage.reduce((s: number, c: any) => s + c.timeMs.wall, 0);
    lines.push(`| ${d.name} | ${(d.typeOne.timeMs.wall / 1000).toFixed(1)} | ${(cov / 1000).toFixed(1)} | ${(d.typeOne.timeMs.rlrtExact / 1000).toFixed(1)} |`);
  }
  return lines.join('\n');
}

const started = performance.now();
const designs = [benchDesign(), smallDesign(), unbalancedDesign()];
const results: Record<string, any>[] = [];
for (const [d, design] of designs.entries()) {
  console.log(`${design.name}: ${design.description}; ${design.formula}; n = ${design.group.length}`);
  const typeOneResult = await typeOne(design, SEED + 1000 * (d + 1) * 1000);
  const coverageResults = [];
  for (const [k, h2] of H2S.entries()) coverageResults.push(await coverage(design, h2, SEED + 1000 * (d + 1) * 1000 + 100_000 * (k + 1)));
  const bootstrapResults = [];
  for (const [k, h2] of H2S.entries()) bootstrapResults.push(await bootstrapCoverage(design, h2, SEED + 1000 * (d + 1) * 1000 + 500_000 + k));
  results.push({
    name: design.name, description: design.description, formula: design.formula, n: design.group.length, groups: design.nGroups,
    typeOne: typeOneResult, coverage: coverageResults, bootstrapCoverage: bootstrapResults,
  });
}
const totalMs = performance.now() - started;

const date = new Date().toISOString();
const report = {
  date,
  machine: { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  backend: 'cpu', threads: THREADS, seed: SEED, scale: SCALE,
  settings: {
    alphas: ALPHAS, h2: H2S, rlrtExactNsim: NSIM, nullGenesPerMatrix: NULL_CHUNK, nullThreads: NULL_THREADS, coverageGenesPerMatrix: COVERAGE_CHUNK,
    simulation: 'y = fixed effects + u_group + e, u ~ N(0, h2), e ~ N(0, 1 − h2); xoshiro128** normals, seeded',
    typeOneSe: 'se = sqrt(alpha (1 − alpha) / N); for p_rlrt_exact seWithNull = sqrt(alpha (1 − alpha) (1/N + 1/(nsim · M))) with M ' +
      'independent null simulations (one per matrix), and within2Se is judged on it',
    coverageSe: 'se = sqrt(0.95 · 0.05 / N); target 95 ± 1%',
    bootstrap: { genesPerCell: BOOT_GENES, B: BOOT_B, intervals: 'percentile, R quantile type 7' },
  },
  designs: results,
  timeMs: { total: Math.round(totalMs) },
};
const file = SCALE === 1 && SEED === DEFAULT_SEED ? path.join(ROOT, 'bench', 'results', `${date.slice(0, 10)}-validity.json`)
  : path.join(os.tmpdir(), `genelmm-validity-scale-${SCALE}-seed-${SEED}.json`);
fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\n${markdown(results)}\n`);
console.log(`total ${(totalMs / 1000).toFixed(1)} s; wrote ${path.relative(ROOT, file)}`);
