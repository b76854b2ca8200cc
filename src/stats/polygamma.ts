import { ln } from '../numerics/libm.js';

/**
 * The digamma, trigamma and tetragamma functions ψ, ψ′, ψ″ for x > 0 (R's digamma, trigamma and psigamma(x, 2)),
 * which limma's squeezeVar reads: the recurrences ψ⁽ᵏ⁾(x) = ψ⁽ᵏ⁾(x + 1) − (−1)ᵏ k! / x^(k+1) carry x to at least
 * SHIFT_TO, where the asymptotic series (Abramowitz & Stegun 6.3.18, 6.4.11 and 6.4.12) are exact to rounding.
 */
const SHIFT_TO = 12;

/** ψ(x) = d log Γ(x) / dx. */
export function digamma(x: number): number {
  let shift = 0;
  for (; x < SHIFT_TO; x++) shift -= 1 / x;
  const r = 1 / (x * x);
  const series = r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r * (1 / 240 - r * (1 / 132 - r * (691 / 32760 - r / 12))))));
  return shift + ln(x) - 0.5 / x - series;
}

/** ψ′(x). */
export function trigamma(x: number): number {
  let shift = 0;
  for (; x < SHIFT_TO; x++) shift += 1 / (x * x);
  const r = 1 / (x * x);
  const series = 1 / 6 - r * (1 / 30 - r * (1 / 42 - r * (1 / 30 - r * (5 / 66 - r * (691 / 2730 - (r * 7) / 6)))));
  return shift + 1 / x + r / 2 + (r / x) * series;
}

/** ψ″(x). */
export function tetragamma(x: number): number {
  let shift = 0;
  for (; x < SHIFT_TO; x++) shift -= 2 / (x * x * x);
  const r = 1 / (x * x);
  const series = 1 / 6 - r * (1 / 6 - r * (3 / 10 - r * (5 / 6 - (r * 691) / 210)));
  return shift - r - r / x - (r * r) / 2 + r * r * r * series;
}
