/**
 * `--voom`: precision weights from the mean–variance trend of log-CPM, as variancePartition's voomWithDreamWeights
 * computes them (limma's voom with the gene's mixed model in place of lmFit; SPEC §2):
 *
 *   1. every gene is fitted unweighted, by REML, on its log-CPM (prior count 0.5);
 *   2. s_g = mean log-CPM + mean_s log2(L_s + 1) − log2(10⁶) (the mean log2 count), and √σ̂_g;
 *   3. f = lowess(s, √σ̂, f = 0.5), interpolated linearly and held constant beyond its ends (approxfun, rule = 2);
 *   4. w_gi = 1 / f(ŷ_gi + log2(L_i + 1) − log2(10⁶))⁴, ŷ_gi the gene's fitted log-CPM (its predict(), random
 *      effects included): the fitted log2 count of the observation.
 *
 * The weights then weigh the gene's fit of the run's model (weighted-stats.ts), as dream weighs its lmer fits.
 */
import { UsageError } from '../errors.js';
import { log2 } from '../numerics/libm.js';
import { type Curve, interpolator, lowess } from '../numerics/lowess.js';
import type { Transform } from './transform.js';

/** voomWithDreamWeights' span of the lowess. */
export const VOOM_SPAN = 0.5;

/** log2(10⁶): from counts per million to counts. */
const LOG2_MILLION = log2(1e6);

/** Variance ratios kept per gene from the first pass: one per random term, one without any (unused then). */
export function voomStride(design: { randomTerms: readonly unknown[] }): number {
  return Math.max(1, design.randomTerms.length);
}

/** The trend of step 3, with what it was fitted to; structured-cloneable, for the workers. */
export interface VoomTrend {
  span: number;
  /** The genes it was fitted to (those fitted in step 1). */
  genes: number;
  /** The lowess curve: x the genes' mean log2 counts, sorted; y the fitted √σ̂. */
  curve: Curve;
  /** The genes' points: mean log2 count and √σ̂, in gene order. */
  points: Curve;
}

/** The trend of the genes' mean log2 counts `meanLogCount` (step 2's s) and residual SDs `sigma` (σ̂, not √σ̂). */
export function voomTrend(meanLogCount: ArrayLike<number>, sigma: ArrayLike<number>): VoomTrend {
  const sy = Float64Array.from(sigma, Math.sqrt);
  return { span: VOOM_SPAN, genes: sy.length, curve: lowess(meanLogCount, sy, VOOM_SPAN), points: { x: Float64Array.from(meanLogCount), y: sy } };
}

/** Step 2's s of a gene from its mean log-CPM and the mean of log2(L + 1) over the design's samples. */
export function meanLogCount(meanLogCpm: number, meanLogLibrary: number): number {
  return meanLogCpm + meanLogLibrary - LOG2_MILLION;
}

/** The weights of step 4 from a trend, one interpolator (and one log2(L + 1) per design row) a block of genes. */
export class VoomWeigher {
  private readonly at: (x: number) => number;
  /** [design rows] log2(L + 1) − log2(10⁶) of each row's sample. */
  private readonly offset: Float64Array;

  /** `librarySizes`: L of each sample of the matrix; `sampleIndex`: the matrix sample of each design row. */
  constructor(trend: VoomTrend, librarySizes: Float64Array, sampleIndex: Int32Array) {
    this.at = interpolator(trend.curve);
    this.offset = Float64Array.from(sampleIndex, (s) => log2(librarySizes[s] + 1) - LOG2_MILLION);
  }

  /** [n] the weights of a gene's observations, design rows `rows`, from their fitted log-CPM `fitted`. */
  weights(fitted: Float64Array, rows: Int32Array): Float64Array {
    const out = new Float64Array(fitted.length);
    for (let i = 0; i < fitted.length; i++) {
      const sqrtSd = this.at(fitted[i] + this.offset[rows[i]]);
      const variance = sqrtSd * sqrtSd; // (√σ)⁴ as R's ^4 takes it: squared, then squared again
      out[i] = 1 / (variance * variance);
    }
    return out;
  }
}

/** `--voom`'s transform, logcpm (UsageError where another is asked for, or with --weights); undefined without --voom. */
export function voomTransform(options: { voom?: boolean; weights?: unknown; transform?: Transform }): Transform | undefined {
  if (options.voom !== true) return undefined;
  if (options.weights !== undefined) {
    throw new UsageError('--voom computes the precision weights, and --weights gives them: give one of the two',
      'drop --weights to fit voom\'s weights, or --voom to fit yours');
  }
  if (options.transform !== undefined && options.transform !== 'none' && options.transform !== 'logcpm') {
    throw new UsageError(`--voom fits log-CPM (voom's transform of counts), not --transform ${options.transform}`,
      'drop --transform, or give --transform logcpm');
  }
  return 'logcpm';
}
