import { UPPER_LAMBDA } from '../model/lambda-search.js';
import { profileAt } from '../model/reml.js';
import { type BootstrapModel, bootstrapReplicate, type BootstrapWork, bootstrapWork } from '../simulation/bootstrap.js';
import { SEARCH_METHOD, SEARCH_OUT, SEARCH_OUT_STRIDE } from './fit-declarations.js';
import type { DesignScaling } from './fit-programs.js';
import { hostStats, polishLambda } from './host-finish.js';
import type { ReadbackLayout } from './plan.js';

/** One gene of a GPU bootstrap: its model, and the centring c and scale d of its columns on the device. */
export interface BootstrapGene {
  gene: number;
  model: BootstrapModel;
  shift: number;
  scale: number;
}

/**
 * A batch of a GPU bootstrap as read back (stats, counts, search output and β_ref of each column, laid out as
 * `layout` says): replicates [firstReplicate, firstReplicate + replicates) of the batch's genes, column
 * k · replicates + r for its gene k; with the seed's key and the design's scaling.
 */
export interface ReplicateReadback {
  readback: Float32Array;
  layout: ReadbackLayout;
  replicates: number;
  firstReplicate: number;
  key: Uint32Array;
  scaling: DesignScaling;
}

/** Replicate estimates of some genes of a batch, [genes × replicates] each, NaN where a replicate's refit failed. */
export interface ReplicateEstimates {
  h2: Float64Array;
  sigma2G: Float64Array;
  sigma2E: Float64Array;
  /** Replicates refitted in f64 on the CPU from the same draws, because the f32 search did not settle them. */
  refined: number;
}

/**
 * The host threads that finish a GPU bootstrap's batches (the backend's pool, or the calling thread): how many, the
 * readback where all of them can read it, and finishReplicates run on one of them.
 */
export interface ReplicateFinisher {
  threads: number;
  share(readback: Float32Array): Float32Array;
  finish(thread: number, genes: BootstrapGene[], first: number, batch: ReplicateReadback): Promise<ReplicateEstimates>;
}

/**
 * The estimates of every replicate of `genes`, the batch's genes from `first` on, finished in f64 as the fit's genes
 * are (hostStats, polishLambda, profileAt); a column that fails the fit's f64 checks is refitted on the CPU from the
 * same draws (bootstrapReplicate). Runs on a host thread of the pool, or the calling thread.
 */
export function finishReplicates(genes: BootstrapGene[], first: number, batch: ReplicateReadback): ReplicateEstimates {
  const { readback, layout, replicates, firstReplicate, key, scaling } = batch;
  const size = genes.length * replicates;
  const estimates: ReplicateEstimates = { h2: new Float64Array(size), sigma2G: new Float64Array(size), sigma2E: new Float64Array(size), refined: 0 };
  const region = (start: number, per: number, column: number): Float32Array => readback.subarray(start + column * per, start + (column + 1) * per);
  genes.forEach(({ model, shift, scale }, j) => {
    const packed = { pattern: model.pattern, shift, scale };
    let work: BootstrapWork | undefined;
    for (let r = 0; r < replicates; r++) {
      const c = (first + j) * replicates + r;
      const out = region(layout.search, SEARCH_OUT_STRIDE, c);
      const stats = hostStats(packed, region(layout.stats, layout.statsPer, c), region(layout.counts, layout.countsPer, c),
        region(layout.beta, layout.betaPer, c).subarray(0, layout.p), scaling);
      const lambda = stats === undefined ? 'group sizes differ from the host'
        : polishLambda(stats, out[SEARCH_OUT.lambda], out[SEARCH_OUT.converged] === 1 && out[SEARCH_OUT.method] !== SEARCH_METHOD.golden);
      const profile = stats !== undefined && typeof lambda === 'number' && lambda <= UPPER_LAMBDA ? profileAt(stats, lambda) : undefined;
      let estimate: { h2: number; sigma2G: number; sigma2E: number };
      if (typeof lambda === 'number' && profile !== undefined && profile.r > 0) {
        const sigma2E = profile.sigma2E * stats!.scale ** 2; // on y's scale (GeneStats.scale)
        estimate = { h2: lambda / (1 + lambda), sigma2G: lambda * sigma2E, sigma2E };
      } else {
        estimates.refined++;
        work ??= bootstrapWork(model);
        estimate = bootstrapReplicate(model, key, firstReplicate + r, work);
      }
      const at = j * replicates + r;
      estimates.h2[at] = estimate.h2;
      estimates.sigma2G[at] = estimate.sigma2G;
      estimates.sigma2E[at] = estimate.sigma2E;
    }
  });
  return estimates;
}
