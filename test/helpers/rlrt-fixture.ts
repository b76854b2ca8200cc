/** What the exact-RLRT tests share: a gene of an RLRsim fixture (make-rlrt-exact.R, make-kinship-rlrt.R) and the Monte Carlo bound. */

/** One gene's exactRLRT result, as the fixture scripts write it. */
export interface RlrtGene {
  gene: string;
  n: number;
  p: number;
  K: number;
  rlrt: number;
  p_value: number;
  nsim: number;
  mu: number[];
  /** The null sample's mass at 0 and quantiles; empty (or null) when exactRLRT simulated nothing (RLRT = 0). */
  null: { p0: number; probs: number[]; quantiles: number[] } | Record<string, never> | null;
}

/** The Monte Carlo bound of issue #4 on the difference of two simulated tail shares p, each from ≥ nsim draws. */
export function monteCarloBound(p: number, nsim: number): number {
  return 4 * Math.sqrt((p * (1 - p)) / nsim) + 2 / nsim;
}
