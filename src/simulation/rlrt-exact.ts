import type { KinshipPattern } from '../model/kinship.js';
import type { FitContext } from '../model/prepare.js';
import { type RunPreparer, runPreparer } from '../model/run-preparer.js';
import { fittedGenes } from './fitted-genes.js';
import type { DesignPattern } from '../model/pattern.js';
import type { GeneResults } from '../results/gene-results.js';
import { bhAdjust } from '../stats/qvalues.js';
import { exactRlrtPValue, simulatePatternRlrtNull } from '../model/inference/rlrt-null.js';

/** Draws of a design's RLRT null, sorted: simulatePatternRlrtNull's contract. */
export type NullSimulator = (pattern: DesignPattern | KinshipPattern, nsim: number, seed: number) => Promise<Float64Array>;

/** Default number of null simulations of `--rlrt-exact` (RLRsim's default). */
export const RLRT_EXACT_DEFAULT_NSIM = 10_000;

/**
 * The fitted genes of a run grouped by missing-value pattern, gathered block by block: the exact RLRT's null
 * depends on the design only, so it is simulated once per pattern (all genes without missing values share one).
 */
export class PatternGroups {
  readonly genes = new Map<DesignPattern | KinshipPattern, number[]>();
  private readonly preparer: RunPreparer;

  constructor(private readonly context: FitContext) {
    this.preparer = runPreparer(context);
  }

  /** Adds the fitted genes of `results` (values: their raw rows, [results.nGenes × nSamples]) as genes offset + g. */
  add(values: Float64Array, nSamples: number, results: GeneResults, offset: number): void {
    for (const { gene, ready } of fittedGenes<DesignPattern | KinshipPattern>(this.context, values, nSamples, results, this.preparer)) {
      const genes = this.genes.get(ready.pattern) ?? [];
      genes.push(offset + gene);
      this.genes.set(ready.pattern, genes);
    }
  }
}

/**
 * Exact finite-sample RLRT p-values (Crainiceanu & Ruppert 2004, as RLRsim's exactRLRT) for every gene of
 * `groups`: each pattern's null is simulated with `nsim` draws of the Philox stream of `seed`, and each gene's
 * p-value is the share of null values above its RLRT. Fills pRlrtExact and qRlrtExact (BH) of `results`, the run's
 * results that the groups' gene numbers index. `simulate`: a backend's own simulation of the same Philox stream
 * (the GPU's), else the f64 CPU reference.
 */
export async function exactRlrtPValues(groups: PatternGroups, results: GeneResults, nsim: number, seed: number,
  simulate: NullSimulator = async (pattern, n, s) => simulatePatternRlrtNull(pattern, n, s),
  onProgress?: (patternsDone: number, patternsTotal: number) => void): Promise<{ patterns: number }> {
  let done = 0;
  for (const [pattern, genes] of groups.genes) {
    const nullSorted = await simulate(pattern, nsim, seed);
    for (const g of genes) results.pRlrtExact[g] = exactRlrtPValue(nullSorted, results.lrt[g]);
    done++;
    onProgress?.(done, groups.genes.size);
  }
  results.qRlrtExact.set(bhAdjust(results.pRlrtExact));
  return { patterns: groups.genes.size };
}
