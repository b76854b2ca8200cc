import betainc from '@stdlib/math-base-special-betainc';
import betaincinv from '@stdlib/math-base-special-betaincinv';
import gammainc from '@stdlib/math-base-special-gammainc';
import gammaincinv from '@stdlib/math-base-special-gammaincinv';
import gammaln from '@stdlib/math-base-special-gammaln';
import { exp, ln, log1p } from '../numerics/libm.js';
import { regularisedBeta, regularisedBetaOfTinyX, TINY_X } from './incomplete-beta.js';

/**
 * Two-sided p-value of Student's t: 2 P(T_df > |t|) = I_{df/(df+t²)}(df/2, 1/2), the regularised incomplete
 * beta function, accurate far into the tail (no 1 − cdf cancellation) and near 1 (t²/(df + t²) made directly, as R's
 * pt does), and from log x where x = ν/(ν + t²) would underflow. NaN when df is not positive.
 */
export function pTwoSidedT(t: number, df: number): number {
  if (!(df > 0) || Number.isNaN(t)) return NaN;
  const t2 = t * t;
  if (!Number.isFinite(df)) return gammainc(t2 / 2, 0.5, true, true);
  // Where ν/t² is subnormal or t² overflows, x = ν/(ν + t²) from its logarithm, which does not.
  if (!(df / t2 >= TINY_X) && Number.isFinite(t)) return regularisedBetaOfTinyX(ln(df) - 2 * ln(Math.abs(t)), df / 2, 0.5);
  return regularisedBeta(df / (df + t2), t2 / (df + t2), df / 2, 0.5);
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
  return regularisedBeta(d2 / (d2 + d1 * f), (d1 * f) / (d2 + d1 * f), d2 / 2, d1 / 2);
}

/**
 * log P(F > f) (`upper`) or log P(F ≤ f) of F with (d1, d2) degrees of freedom, R's pf(f, d1, d2, lower.tail =
 * !upper, log.p = TRUE); χ²_{d1} / d1 when d2 is infinite.
 */
export function logPF(f: number, d1: number, d2: number, upper: boolean): number {
  if (!(f > 0)) return upper ? 0 : -Infinity;
  if (!Number.isFinite(d2)) return ln(gammainc((d1 * f) / 2, d1 / 2, true, upper));
  return upper ? logBetaInc(d2 / (d2 + d1 * f), d2 / 2, d1 / 2) : logBetaInc((d1 * f) / (d2 + d1 * f), d1 / 2, d2 / 2);
}

/**
 * log I_x(a, b), the regularised incomplete beta's logarithm, finite where I_x underflows (a variance thousands of
 * times the others' in limma's robust prior): there log of x^a (1 − x)^b / (a B(a, b)) · ₂F₁(a + b, 1; a + 1; x),
 * the hypergeometric series summed term by term.
 */
function logBetaInc(x: number, a: number, b: number): number {
  const value = betainc(x, a, b, true, false);
  if (value > 1e-300 || !(x > 0)) return ln(value);
  let term = 1;
  let sum = 1;
  for (let k = 0; k < 100_000 && term > 1e-17 * sum; k++) {
    term *= ((a + b + k) / (a + 1 + k)) * x;
    sum += term;
  }
  return a * ln(x) + b * log1p(-x) - ln(a) - (gammaln(a) + gammaln(b) - gammaln(a + b)) + ln(sum);
}

/**
 * The quantile of F with (d1, d2) degrees of freedom whose upper (`upper`) or lower tail probability is e^logP, R's
 * qf(logP, d1, d2, lower.tail = !upper, log.p = TRUE): as R takes it, (1 / x − 1) d2 / d1 with x the Beta(d2/2, d1/2)
 * quantile of the other tail; χ²_{d1} / d1's when d2 is infinite.
 */
export function qFLog(logP: number, d1: number, d2: number, upper: boolean): number {
  const p = exp(logP);
  if (!Number.isFinite(d2)) return (2 * gammaincinv(p, d1 / 2, upper)) / d1;
  return (1 / betaincinv(p, d2 / 2, d1 / 2, !upper) - 1) * (d2 / d1);
}

/** The density of F with (d1, d2) degrees of freedom at x > 0 (R's df); d1 times χ²_{d1}'s at d1·x when d2 is infinite. */
export function densityF(x: number, d1: number, d2: number): number {
  const a = d1 / 2;
  if (!Number.isFinite(d2)) return d1 * exp((a - 1) * ln(d1 * x) - (d1 * x) / 2 - a * ln(2) - gammaln(a));
  const b = d2 / 2;
  const logBeta = gammaln(a) + gammaln(b) - gammaln(a + b);
  return exp(a * ln(d1 / d2) + (a - 1) * ln(x) - (a + b) * log1p((d1 * x) / d2) - logBeta);
}
