import betainc from '@stdlib/math-base-special-betainc';
import gammainc from '@stdlib/math-base-special-gammainc';

/**
 * Two-sided p-value of Student's t: 2 P(T_df > |t|) = I_{df/(df+t²)}(df/2, 1/2), the regularised incomplete
 * beta function, accurate far into the tail (no 1 − cdf cancellation). NaN when df is not positive.
 */
export function pTwoSidedT(t: number, df: number): number {
  if (!(df > 0) || Number.isNaN(t)) return NaN;
  if (!Number.isFinite(df)) return gammainc((t * t) / 2, 0.5, true, true);
  return betainc(df / (df + t * t), df / 2, 0.5, true, false);
}

/** Upper tail of χ² with `k` degrees of freedom: P(χ²_k > x) = Q(k/2, x/2), the regularised upper gamma. */
export function pChisqUpper(x: number, k: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  return gammainc(x / 2, k / 2, true, true);
}

/**
 * Upper tail of F with (d1, d2) degrees of freedom: P(F > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2), accurate far into the
 * tail; χ²_{d1} / d1 when d2 is infinite. NaN when a df is not positive.
 */
export function pFUpper(f: number, d1: number, d2: number): number {
  if (!(d1 > 0) || !(d2 > 0) || Number.isNaN(f)) return NaN;
  if (f <= 0) return 1;
  if (!Number.isFinite(d2)) return pChisqUpper(d1 * f, d1);
  return betainc(d2 / (d2 + d1 * f), d2 / 2, d1 / 2, true, false);
}
