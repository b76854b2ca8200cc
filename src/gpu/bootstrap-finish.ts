import { type BootstrapModel, bootstrapReplicate, type BootstrapWork, bootstrapWork } from '../simulation/bootstrap.js';
import { SEARCH_METHOD, SEARCH_OUT, SEARCH_OUT_STRIDE } from './fit-declarations.js';
import { F32_LAMBDA_LIMIT } from './host-finish.js';

/** One gene of a GPU bootstrap: its model, and the scale d of its replicates on the device (y* / d). */
export interface BootstrapGene {
  gene: number;
  model: BootstrapModel;
  scale: number;
}

/**
 * A batch of a GPU bootstrap as read back: the search output (SEARCH_OUT) of each (gene, replicate) column, column
 * k · replicates + r for its gene k, replicates [firstReplicate, firstReplicate + replicates) of the batch's genes;
 * with the seed's key, for the replicates refitted on the CPU.
 */
export interface ReplicateReadback {
  readback: Float32Array;
  replicates: number;
  firstReplicate: number;
  key: Uint32Array;
}

/** Replicate estimates of some genes of a batch, [genes × replicates] each, NaN where a replicate's refit failed. */
export interface ReplicateEstimates {
  h2: Float64Array;
  sigma2G: Float64Array;
  sigma2E: Float64Array;
  /** Replicates refitted in f64 on the CPU from the same draws, because the device's fit failed its check. */
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
 * The estimates of every replicate of `genes`, the batch's genes from `first` on, as the device fitted them
 * (replicateOnDevice); a replicate whose device fit fails its check is refitted in f64 on the CPU from the same draws
 * (bootstrapReplicate) and counted. Runs on a host thread of the pool, or the calling thread.
 */
export function finishReplicates(genes: BootstrapGene[], first: number, batch: ReplicateReadback): ReplicateEstimates {
  const { readback, replicates, firstReplicate, key } = batch;
  const size = genes.length * replicates;
  const estimates: ReplicateEstimates = { h2: new Float64Array(size), sigma2G: new Float64Array(size), sigma2E: new Float64Array(size), refined: 0 };
  genes.forEach(({ model, scale }, j) => {
    let work: BootstrapWork | undefined;
    for (let r = 0; r < replicates; r++) {
      const at = j * replicates + r;
      const column = (first + j) * replicates + r;
      const out = readback.subarray(column * SEARCH_OUT_STRIDE, (column + 1) * SEARCH_OUT_STRIDE);
      if (!replicateOnDevice(out, model, scale, estimates, at)) {
        estimates.refined++;
        work ??= bootstrapWork(model);
        const refit = bootstrapReplicate(model, key, firstReplicate + r, work);
        estimates.h2[at] = refit.h2;
        estimates.sigma2G[at] = refit.sigma2G;
        estimates.sigma2E[at] = refit.sigma2E;
      }
    }
  });
  return estimates;
}

/**
 * A replicate's estimates from the device's search output `out` (in units of d = scale), stored at `at`: h2 = λ̂ /
 * (1 + λ̂), σ²_e = d² r(λ̂) / (n − p), σ²_g = λ̂ σ²_e, as refitReplicate finds them in f64. False, storing nothing,
 * where the device's fit fails the check the fit's own genes get before their f64 polish (a search that did not
 * converge or fell back to golden section, λ̂ past F32_LAMBDA_LIMIT, or no residual), or ended on a grid point
 * (SEARCH_METHOD.grid), which the fit's polish would move. The bootstrap skips that polish:
 * its percentile ends carry Monte Carlo error far above the f32 search's (λ̂ to about 1e-7 in h, bench/README.md),
 * and an order statistic moves no more than the replicates do.
 */
function replicateOnDevice(out: Float32Array, model: BootstrapModel, scale: number, estimates: ReplicateEstimates, at: number): boolean {
  const lambda = out[SEARCH_OUT.lambda];
  const r = out[SEARCH_OUT.residual];
  const method = out[SEARCH_OUT.method];
  if (out[SEARCH_OUT.converged] !== 1 || (method !== SEARCH_METHOD.root && method !== SEARCH_METHOD.boundary)
    || !(lambda >= 0 && lambda <= F32_LAMBDA_LIMIT)
    || !(r > 0 && r < Infinity)) {
    return false;
  }
  const { n, p } = model.pattern;
  const sigma2E = (r * scale * scale) / (n - p);
  estimates.h2[at] = lambda / (1 + lambda);
  estimates.sigma2G[at] = lambda * sigma2E;
  estimates.sigma2E[at] = sigma2E;
  return true;
}
