import type { DesignPattern } from '../model/pattern.js';
import type { FitContext, ReadyGene } from '../model/prepare.js';
import { type RunPreparer, runPreparer } from '../model/run-preparer.js';
import { type GeneResults, isFitted } from '../results/gene-results.js';

/**
 * The genes a step after the fit works on (status ok or singular), each prepared again as the fit prepared it,
 * in gene order, with its engine's pattern and transformed values (valid until the next gene is yielded).
 * values: the raw matrix, [results.nGenes × nSamples]. `preparer`: one that outlives the call, so that genes
 * of several calls (blocks of a run) share its DesignPattern objects.
 */
export function* fittedGenes<P = DesignPattern>(context: FitContext, values: Float64Array, nSamples: number, results: GeneResults,
  preparer: RunPreparer = runPreparer(context)): Generator<{ gene: number; ready: ReadyGene<P> }> {
  for (let g = 0; g < results.nGenes; g++) {
    if (!isFitted(results, g)) continue;
    const prepared = preparer.prepare(values.subarray(g * nSamples, (g + 1) * nSamples));
    // Always ready: the fit prepared the same values. P names the run's engine's pattern (the caller knows it).
    if (prepared.status === 'ready') yield { gene: g, ready: prepared as ReadyGene<unknown> as ReadyGene<P> };
  }
}
