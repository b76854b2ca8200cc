/** The Monte Carlo bound of issue #4 on the difference of two simulated tail shares p, each from ≥ nsim draws. */
export function monteCarloBound(p: number, nsim: number): number {
  return 4 * Math.sqrt((p * (1 - p)) / nsim) + 2 / nsim;
}
