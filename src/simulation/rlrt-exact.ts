import type { FitContext } from '../model/prepare.js';
import { fittedGenes } from './fitted-genes.js';
import type { DesignPattern } from '../model/pattern.js';
import type { GeneResults } from '../results/gene-results.js';
import { bhAdjust } from '../stats/qvalues.js';
import { exactRlrtPValue, simulatePatternRlrtNull } from '../model/inference/rlrt-null.js';

/** Draws of a design's RLRT null, sorted: simulatePatternRlrtNull's contract. */
export type NullSimulator = (pattern: DesignPattern, nsim: number, seed: number) => Promise<Float64Array>;

/** Default number of null simulations of `--rlrt-exact` (RLRsim's default). */
export const RLRT_EXACT_DEFAULT_NSIM = 10_000;

/**
 * Exact finite-sample RLRT p-values (Crainiceanu & Ruppert 2004, as RLRsim's exactRLRT) for every gene that
 * was fitted: the null distribution depends on the design only, so it is simulated once per missing-value
 * pattern (all genes without missing values share one) with `nsim` draws of the Philox stream of `seed`, and
 * each gene's p-value is the share of null values above its RLRT. Fills pRlrtExact and qRlrtExact (BH).
 * values: the raw matrix, [nGenes × nSamples], used to find each gene's missing-value pattern. `simulate`: a
 * backend's own simulation of the same Philox stream (the GPU's), else the f64 CPU reference.
 */
export async function exactRlrtPValues(context: FitContext, values: Float64Array, nSamples: number, results: GeneResults,
  nsim: number, seed: number, simulate: NullSimulator = async (pattern, n, s) => simulatePatternRlrtNull(pattern, n, s),
  onProgress?: (patternsDone: number, patternsTotal: number) => void): Promise<{ patterns: number }> {
  const byPattern = new Map<DesignPattern, number[]>();
  for (const { gene, ready } of fittedGenes(context, values, nSamples, results)) {
    const genes = byPattern.get(ready.pattern) ?? [];
    genes.push(gene);
    byPattern.set(ready.pattern, genes);
  }
  let done = 0;
  for (const [pattern, genes] of byPattern) {
    const nullSorted = await simulate(pattern, nsim, seed);
    for (const g of genes) results.pRlrtExact[g] = exactRlrtPValue(nullSorted, results.lrt[g]);
    done++;
    onProgress?.(done, byPattern.size);
  }
  results.qRlrtExact.set(bhAdjust(results.pRlrtExact));
  return { patterns: byPattern.size };
}
