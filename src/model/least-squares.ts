import { choleskyInPlace, choleskySolve } from '../numerics/linalg.js';
import type { Design } from './design.js';

/**
 * A gene's least-squares fit on X, taken off its values in f64 before the GPU backends round them to f32: the
 * REML criterion depends on y only through its residual from X's column space, and y − X b keeps that part at
 * f32's relative precision however much of y X explains (a strong sex or batch effect, a large offset without an
 * intercept). The host adds b back to β̂ (GeneStats.betaOffset), which leaves every estimate as it was.
 */
export interface LeastSquares {
  /** The columns of Design.x, and its rows (undefined: every row, in order). */
  columns: Int32Array;
  rows?: Int32Array;
  /** [p × p] the lower Cholesky factor of XᵀX over them. */
  factor: Float64Array;
}

/** Least squares on `design`'s columns `columns` over `rows`, given XᵀX there ([p × p]); undefined where it is singular. */
export function leastSquares(columns: Int32Array, rows: Int32Array | undefined, xtx: Float64Array): LeastSquares | undefined {
  const p = columns.length;
  const factor = Float64Array.from(xtx);
  return p === 0 || choleskyInPlace(factor, p) ? { columns, rows, factor } : undefined;
}

/** Replaces `v` (one value a row of the fit, in its rows' order) by its residual y − X b; returns b. */
export function takeFit(design: Design, fit: LeastSquares, v: Float64Array): Float64Array {
  const { columns, rows, factor } = fit;
  const p = columns.length;
  const { x, p: pAll } = design;
  const b = new Float64Array(p);
  for (let i = 0; i < v.length; i++) {
    const at = (rows === undefined ? i : rows[i]) * pAll;
    for (let a = 0; a < p; a++) b[a] += x[at + columns[a]] * v[i];
  }
  choleskySolve(factor, p, p, b);
  for (let i = 0; i < v.length; i++) {
    const at = (rows === undefined ? i : rows[i]) * pAll;
    let fitted = 0;
    for (let a = 0; a < p; a++) fitted += x[at + columns[a]] * b[a];
    v[i] -= fitted;
  }
  return b;
}
