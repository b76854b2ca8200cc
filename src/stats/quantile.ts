/**
 * The `prob` quantile of the ascending values `sorted` as R's `quantile(x, prob, type = 7)` computes it, step for
 * step (R 4.x quantile.default): index = 1 + (m − 1)·prob, lo = ⌊index⌋, hi = ⌈index⌉ (1-based), and
 * Q = (1 − h)·x_lo + h·x_hi with h = index − lo, where R interpolates only when index > lo and x_hi ≠ x_lo
 * (else Q = x_lo). NaN for no values. `sorted` must hold no NaN.
 */
export function quantileType7(sorted: ArrayLike<number>, prob: number): number {
  const m = sorted.length;
  if (m === 0) return NaN;
  const index = 1 + Math.max(m - 1, 0) * prob;
  const lo = Math.floor(index);
  const hi = Math.ceil(index);
  const q = sorted[lo - 1];
  if (!(index > lo && sorted[hi - 1] !== q)) return q;
  const h = index - lo;
  return (1 - h) * q + h * sorted[hi - 1];
}
