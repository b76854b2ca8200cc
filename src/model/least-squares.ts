import { choleskyInPlace, choleskySolve } from '../numerics/linalg.js';
import type { Design } from './design.js';
import type { CriterionPattern } from './gene-stats.js';

/**
 * A gene's least-squares fit on X, taken off its values in f64 before the WebGPU backend rounds them to f32: the
 * REML criterion depends on y only through its residual from X's column space, and y − X b keeps that part at
 * f32's relative precision however much of y X explains (a strong sex or batch effect, a large offset without an
 * intercept). The host adds b back to β̂ (GeneStats.betaOffset), which leaves every estimate as it was.
 */
export interface LeastSquares {
  /** The columns of Design.x, and the rows of the pattern it was made for. */
  columns: Int32Array;
  rows: Int32Array;
  /** [p × p] the lower Cholesky factor of XᵀX over them. */
  factor: Float64Array;
}

/** What a pattern gives least squares: its columns and rows, and XᵀX as W + Σ_k s_k B_k (its X parts). */
type FittedPattern = Pick<CriterionPattern, 'p' | 'nSizes' | 'sizes' | 'bxx'> & { wxx: Float64Array; columns: Int32Array; rows: Int32Array };

const fits = new WeakMap<FittedPattern, LeastSquares | undefined>();

/**
 * Least squares on X over a pattern's rows (a group-size pattern's or a kinship's: both give XᵀX as W + Σ_k s_k B_k),
 * made once per pattern; undefined where XᵀX is singular.
 */
export function patternLeastSquares(pattern: FittedPattern): LeastSquares | undefined {
  if (fits.has(pattern)) return fits.get(pattern);
  const { p, nSizes, sizes, wxx, bxx, columns, rows } = pattern;
  const factor = Float64Array.from(wxx);
  for (let k = 0; k < nSizes; k++) for (let e = 0; e < p * p; e++) factor[e] += sizes[k] * bxx[k * p * p + e];
  const fit = p === 0 || choleskyInPlace(factor, p) ? { columns, rows, factor } : undefined;
  fits.set(pattern, fit);
  return fit;
}

/** Replaces `v` (one value a row of the fit, in its rows' order) by its residual y − X b; returns b. */
export function takeFit(design: Design, fit: LeastSquares, v: Float64Array): Float64Array {
  const { columns, rows, factor } = fit;
  const p = columns.length;
  const { x, p: pAll } = design;
  const b = new Float64Array(p);
  for (let i = 0; i < v.length; i++) {
    const at = rows[i] * pAll;
    for (let a = 0; a < p; a++) b[a] += x[at + columns[a]] * v[i];
  }
  choleskySolve(factor, p, p, b);
  for (let i = 0; i < v.length; i++) {
    const at = rows[i] * pAll;
    let fitted = 0;
    for (let a = 0; a < p; a++) fitted += x[at + columns[a]] * b[a];
    v[i] -= fitted;
  }
  return b;
}

const rowFits = new WeakMap<Int32Array, LeastSquares | undefined>();

/**
 * Least squares on the design's `columns` over `rows`, for a pattern whose statistics do not hold XᵀX as a
 * group-size pattern's do (a several-terms pattern's: its columns are Z_2..Z_K's and X's), made once per `rows`
 * (a pattern's own); undefined where XᵀX is singular.
 */
export function rowsLeastSquares(design: Design, columns: Int32Array, rows: Int32Array): LeastSquares | undefined {
  if (rowFits.has(rows)) return rowFits.get(rows);
  const p = columns.length;
  const { x, p: pAll } = design;
  const factor = new Float64Array(p * p);
  for (const row of rows) {
    for (let a = 0; a < p; a++) {
      const xa = x[row * pAll + columns[a]];
      for (let b = 0; b <= a; b++) factor[a * p + b] += xa * x[row * pAll + columns[b]];
    }
  }
  const fit = p === 0 || choleskyInPlace(factor, p) ? { columns, rows, factor } : undefined;
  rowFits.set(rows, fit);
  return fit;
}
