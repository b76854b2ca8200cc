import { exp, ln } from '../numerics/libm.js';
import { digamma, tetragamma, trigamma } from './polygamma.js';

/** limma's prior of the genes' variances: a scaled inverse χ² with `df` degrees of freedom and scale `s2`. */
export interface VariancePrior {
  /** df_prior: Infinity where the variances vary no more than sampling explains (every gene's posterior is s2). */
  df: number;
  s2: number;
}

/**
 * limma's fitFDist without a covariate (limma 3.54, the `legacy` method of later releases): the moments of
 * log s² fitted to those of a scaled F(d, d0). Genes with a variance that is not finite, negative or with df ≤ 1e-15
 * take no part. Variances are floored at 1e-5 times their median (limma warns when any is 0). undefined for no gene.
 */
export function fitFDist(variances: ArrayLike<number>, df: ArrayLike<number>): VariancePrior | undefined {
  const x: number[] = [];
  const d: number[] = [];
  for (let g = 0; g < variances.length; g++) {
    if (Number.isFinite(df[g]) && df[g] > 1e-15 && Number.isFinite(variances[g]) && variances[g] > -1e-15) {
      x.push(Math.max(variances[g], 0));
      d.push(df[g]);
    }
  }
  const n = x.length;
  if (n === 0) return undefined;
  if (n === 1) return { df: 0, s2: x[0] };
  let median = medianOf(x);
  if (median === 0) median = 1;
  const e = x.map((v, g) => ln(Math.max(v, 1e-5 * median)) - digamma(d[g] / 2) + ln(d[g] / 2));
  const mean = meanOf(e);
  let evar = e.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  evar -= meanOf(d.map((v) => trigamma(v / 2)));
  if (evar > 0) {
    const df2 = 2 * trigammaInverse(evar);
    return { df: df2, s2: exp(mean + digamma(df2 / 2) - ln(df2 / 2)) };
  }
  return { df: Infinity, s2: meanOf(x.map((v) => Math.max(v, 1e-5 * median))) };
}

/** limma's squeezeVar: the posterior variance (d s² + d0 s0²) / (d + d0) of one gene; s0² where d0 is infinite. */
export function posteriorVariance(variance: number, df: number, prior: VariancePrior): number {
  return Number.isFinite(prior.df) ? (df * variance + prior.df * prior.s2) / (df + prior.df) : prior.s2;
}

/** limma's trigammaInverse: the y > 0 with ψ′(y) = x, by its Newton iteration on 1/ψ′ from y = 0.5 + 1/x. */
export function trigammaInverse(x: number): number {
  if (!(x >= 0)) return NaN;
  if (x > 1e7) return 1 / Math.sqrt(x);
  if (x < 1e-6) return 1 / x;
  let y = 0.5 + 1 / x;
  for (let iteration = 1; ; iteration++) {
    const tri = trigamma(y);
    const step = (tri * (1 - tri / x)) / tetragamma(y);
    y += step;
    if (-step / y < 1e-8 || iteration > 50) return y;
  }
}

/** R's mean: the sum over n, refined by the mean of the deviations from it. */
export function meanOf(values: readonly number[]): number {
  const first = values.reduce((s, v) => s + v, 0) / values.length;
  return first + values.reduce((s, v) => s + (v - first), 0) / values.length;
}

/** R's median: the middle value, or the mean of the two middle values. */
export function medianOf(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const half = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
}
