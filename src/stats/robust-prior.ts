import { exp, ln } from '../numerics/libm.js';
import { brentRoot } from '../numerics/brent.js';
import { densityF, logPF, pChisqUpper, qFLog } from './distributions.js';
import { quantileType7 } from './quantile.js';
import { fitFDist, meanOf, medianOf, type VariancePrior } from './squeeze-var.js';

/**
 * limma's robust prior (`--ebayes robust`): the scaled F fitted to the genes' variances with the tails of their
 * log-distribution Winsorized, and each gene's own prior df, smaller for a gene whose variance is an outlier.
 */
export interface RobustVariancePrior extends VariancePrior {
  /** [genes] limma's df2.shrunk: each gene's prior df (`df`, limma's df2, where it is no outlier; the prior's own for a gene not fitted). */
  dfShrunk: Float64Array;
}

/** limma's default winsor.tail.p: the shares of the lower and upper tails Winsorized. */
const WINSOR_TAIL: readonly [number, number] = [0.05, 0.1];

/** Nodes of the Gauss–Legendre rule on [0, 1] (statmod's gauss.quad.prob(128, "uniform")) and their weights. */
const QUADRATURE = gaussLegendre01(128);

/**
 * limma's fitFDistRobustly (limma 3.54.1) without a covariate, step for step: genes with a variance that is NA or
 * a df not above 1e-6 take no part (their prior df is limma's df2); variances below 1e-12 of the median are raised to
 * it; limma's fitFDist; variances on other df than the largest carried to it through their F tail probability; the
 * Fisher z = log s² Winsorized at its 5% and 90% quantiles around its 10%-trimmed mean; df2 the root (uniroot, tol
 * 1e-8, on df2 / (1 + df2)) where the Winsorized variance of z equals that of the theoretical F(d1, df2) (a
 * 128-point Gauss–Legendre rule), infinite where even F(d1, ∞) varies more; then each gene's outlier probability
 * from its tail probability against its rank's and the df shrunk towards that of an outlier, made monotone in the
 * tail probability. With fewer than three genes, limma's fitFDist. undefined for no gene.
 */
export function fitFDistRobustly(variances: ArrayLike<number>, df: ArrayLike<number>): RobustVariancePrior | undefined {
  const taking: number[] = [];
  for (let g = 0; g < variances.length; g++) if (!Number.isNaN(variances[g]) && Number.isFinite(df[g]) && df[g] > 1e-6) taking.push(g);
  const n = taking.length;
  const x = taking.map((g) => variances[g]);
  const d1 = taking.map((g) => df[g]);
  if (n === 0) return undefined;
  const median = medianOf(x);
  if (n > 2 && median > 0) for (let i = 0; i < n; i++) x[i] = Math.max(x[i], median * 1e-12);
  const nonRobust = fitFDist(x, d1);
  if (nonRobust === undefined) return undefined; // no finite variance among them
  const dfShrunk = new Float64Array(variances.length).fill(nonRobust.df);
  if (n <= 2 || !(median > 0) || (WINSOR_TAIL[0] < 1 / n && WINSOR_TAIL[1] < 1 / n)) return { ...nonRobust, dfShrunk };
  const { z, df1, ztrend, zwmean, zwvar, funvalInf } = logWinsorizedVariance(x, d1, nonRobust);
  if (funvalInf <= 0) {
    const corrected = ztrend + zwmean - winsorizedMoments(df1, Infinity).mean;
    const fStat = z.map((zi) => exp(zi - corrected));
    const tailP = fStat.map((f) => pChisqUpper(f * df1, df1));
    const rank = averageRanks(fStat);
    const pooled = n * df1;
    const shrunk = new Float64Array(n).fill(Infinity);
    let anyOutlier = false;
    for (let i = 0; i < n; i++) {
      const notOutlier = Math.min(tailP[i] / ((n - rank[i] + 0.5) / n), 1);
      if (notOutlier < 1) {
        shrunk[i] = notOutlier * pooled;
        anyOutlier = true;
      }
    }
    if (anyOutlier) cumulativeMaximum(shrunk, ascendingOrder(tailP));
    return finish(exp(corrected), Infinity, shrunk);
  }
  if (!Number.isFinite(nonRobust.df)) return { ...nonRobust, dfShrunk };
  const fun = (t: number): number => ln(zwvar / winsorizedMoments(df1, linkInverse(t)).variance);
  const lower = nonRobust.df / (1 + nonRobust.df);
  const funvalLow = fun(lower);
  const df2 = funvalLow >= 0 ? nonRobust.df : linkInverse(brentRoot(fun, lower, 1, funvalLow, funvalInf, 1e-8, 1000).x);
  const corrected = ztrend + zwmean - winsorizedMoments(df1, df2).mean;
  const fStat = z.map((zi) => exp(zi - corrected));
  const logTailP = fStat.map((f) => logPF(f, df1, df2, true));
  const rank = averageRanks(fStat);
  const logNotOutlier = logTailP.map((lp, i) => Math.min(lp - (ln(n - rank[i] + 0.5) - ln(n)), 0));
  const shrunk = new Float64Array(n).fill(df2);
  if (logNotOutlier.some((v) => v < 0)) {
    const minLogTailP = logTailP.reduce((least, v) => Math.min(least, v), Infinity);
    const notOutlier = logNotOutlier.map((v) => exp(v));
    if (minLogTailP === -Infinity) {
      for (let i = 0; i < n; i++) shrunk[i] = notOutlier[i] * df2;
    } else {
      let dfOutlier = (ln(0.5) / minLogTailP) * df2;
      const largest = fStat.reduce((most, v) => Math.max(most, v), -Infinity);
      dfOutlier = (ln(0.5) / logPF(largest, df1, dfOutlier, true)) * dfOutlier;
      // limma's −expm1(log P(not outlier)); 1 − P, with libm's exp, loses nothing that matters beside df2's term.
      for (let i = 0; i < n; i++) shrunk[i] = notOutlier[i] * df2 + (1 - notOutlier[i]) * dfOutlier;
    }
    // Ordered by tail probability: the running means' minimum sets the most extreme genes', then a running maximum.
    const order = ascendingOrder(logTailP);
    const ordered = order.map((i) => shrunk[i]);
    let sum = 0;
    let imin = 0;
    let least = Infinity;
    for (let k = 0; k < n; k++) {
      sum += ordered[k];
      if (sum / (k + 1) < least) {
        least = sum / (k + 1);
        imin = k;
      }
    }
    for (let k = 0; k <= imin; k++) ordered[k] = least;
    order.forEach((i, k) => {
      shrunk[i] = ordered[k];
    });
    cumulativeMaximum(shrunk, order);
  }
  return finish(exp(corrected), df2, shrunk);

  /** The prior, with the shrunk df of the genes taking part, and df2 for the others (limma's fit$df2). */
  function finish(s2: number, dfPrior: number, perTaken: Float64Array): RobustVariancePrior {
    dfShrunk.fill(dfPrior);
    taking.forEach((g, i) => {
      dfShrunk[g] = perTaken[i];
    });
    return { df: dfPrior, s2, dfShrunk };
  }
}

/**
 * The Fisher z = log s² of the genes (their variances carried to the largest df first, where the df differ), its
 * trend (10%-trimmed mean), the mean and variance of its Winsorized residuals, and log(their variance / that of
 * F(d1, ∞)): the quantities limma's fitFDistRobustly solves for df2 with.
 */
function logWinsorizedVariance(x: number[], d1: number[], nonRobust: VariancePrior):
  { z: number[]; df1: number; ztrend: number; zwmean: number; zwvar: number; funvalInf: number } {
  const n = x.length;
  const largest = d1.reduce((most, v) => Math.max(most, v), -Infinity);
  // As limma: the df carried to the largest where some are below it, else the first gene's.
  const df1 = d1.some((d) => d < largest - 1e-14) ? largest : d1[0];
  const carried = x.map((v, i) => {
    if (!(d1[i] < largest - 1e-14)) return v;
    const f = v / nonRobust.s2;
    const upper = logPF(f, d1[i], nonRobust.df, true);
    const lower = logPF(f, d1[i], nonRobust.df, false);
    return (upper < lower ? qFLog(upper, df1, nonRobust.df, true) : qFLog(lower, df1, nonRobust.df, false)) * nonRobust.s2;
  });
  const z = carried.map((v) => ln(v));
  const ztrend = trimmedMean(z, WINSOR_TAIL[1]);
  const sorted = Float64Array.from(z, (zi) => zi - ztrend).sort();
  const lo = quantileType7(sorted, WINSOR_TAIL[0]);
  const hi = quantileType7(sorted, 1 - WINSOR_TAIL[1]);
  const winsorized = z.map((zi) => Math.min(Math.max(zi - ztrend, lo), hi));
  const zwmean = meanOf(winsorized);
  const zwvar = (meanOf(winsorized.map((w) => (w - zwmean) ** 2)) * n) / (n - 1);
  return { z, df1, ztrend, zwmean, zwvar, funvalInf: ln(zwvar / winsorizedMoments(df1, Infinity).variance) };
}

/** The mean and variance of log F(d1, d2) Winsorized at its WINSOR_TAIL quantiles (limma's winsorizedMoments). */
function winsorizedMoments(d1: number, d2: number): { mean: number; variance: number } {
  const fq = [qFLog(ln(WINSOR_TAIL[0]), d1, d2, false), qFLog(ln(1 - WINSOR_TAIL[1]), d1, d2, false)];
  const zq = fq.map((f) => ln(f));
  const q = fq.map((f) => f / (1 + f));
  const width = q[1] - q[0];
  const { nodes, weights } = QUADRATURE;
  const zNodes = new Float64Array(nodes.length);
  const density = new Float64Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const node = q[0] + width * nodes[i];
    const fNode = linkInverse(node);
    zNodes[i] = ln(fNode);
    density[i] = densityF(fNode, d1, d2) / (1 - node) ** 2;
  }
  let mean = 0;
  for (let i = 0; i < nodes.length; i++) mean += weights[i] * density[i] * zNodes[i];
  mean = width * mean + (zq[0] * WINSOR_TAIL[0] + zq[1] * WINSOR_TAIL[1]);
  let variance = 0;
  for (let i = 0; i < nodes.length; i++) variance += weights[i] * density[i] * (zNodes[i] - mean) ** 2;
  variance = width * variance + ((zq[0] - mean) ** 2 * WINSOR_TAIL[0] + (zq[1] - mean) ** 2 * WINSOR_TAIL[1]);
  return { mean, variance };
}

/** x / (1 − x): limma's linkinv from df2 / (1 + df2) back to df2. */
function linkInverse(t: number): number {
  return t / (1 - t);
}

/** R's mean(x, trim): the mean of the sorted values lo..hi, lo = ⌊n·trim⌋ + 1, hi = n + 1 − lo (1-based). */
function trimmedMean(values: readonly number[], trim: number): number {
  const sorted = Float64Array.from(values).sort();
  const lo = Math.floor(values.length * trim);
  return meanOf(Array.from(sorted.subarray(lo, values.length - lo)));
}

/** R's rank(x) with ties averaged (1-based). */
function averageRanks(values: readonly number[]): number[] {
  const order = ascendingOrder(values);
  const rank = new Array<number>(values.length);
  for (let k = 0; k < order.length;) {
    let end = k;
    while (end + 1 < order.length && values[order[end + 1]] === values[order[k]]) end++;
    for (let j = k; j <= end; j++) rank[order[j]] = (k + end) / 2 + 1;
    k = end + 1;
  }
  return rank;
}

/** R's order(x): indices by ascending value, ties in index order. */
function ascendingOrder(values: readonly number[]): number[] {
  return Array.from(values, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
}

/** values[order[k]] = max over j ≤ k of values[order[j]] (R's cummax along an order). */
function cumulativeMaximum(values: Float64Array, order: readonly number[]): void {
  let running = -Infinity;
  for (const i of order) {
    running = Math.max(running, values[i]);
    values[i] = running;
  }
}

/**
 * The n-point Gauss–Legendre rule mapped to [0, 1] (weights summing to 1): the roots of P_n by Newton's method
 * from Tricomi's approximation, P_n and P_n′ by the three-term recurrence.
 */
function gaussLegendre01(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < (n + 1) >> 1; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k];
      derivative = (n * (x * p1 - p0)) / (x * x - 1);
      const step = p1 / derivative;
      x -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    const w = 2 / ((1 - x * x) * derivative * derivative);
    nodes[i] = (1 - x) / 2;
    nodes[n - 1 - i] = (1 + x) / 2;
    weights[i] = w / 2;
    weights[n - 1 - i] = w / 2;
  }
  return { nodes, weights };
}
