import { fitGene } from '../model/fit-gene.js';
import { computeGeneStats } from '../model/gene-stats.js';
import { type FitContext, GenePreparer } from '../model/prepare.js';
import { allocateResults, type GeneResults, statusCode } from '../results.js';

/**
 * The f64 reference for a block of genes: prepare, fit and test each one (the CPU "Impl" kernel; the
 * worker threads and the single-threaded path both call it). values: [nGenes × nSamples], gene-major.
 */
export function fitBlockCpu(context: FitContext, values: Float64Array, nGenes: number,
  preparer = new GenePreparer(context)): GeneResults {
  const { design } = context;
  const nSamples = values.length / Math.max(nGenes, 1);
  const p = design.p;
  const out = allocateResults(nGenes, p);
  for (let g = 0; g < nGenes; g++) {
    const prepared = preparer.prepare(values.subarray(g * nSamples, (g + 1) * nSamples));
    if (prepared.status !== 'ready') {
      out.status[g] = statusCode(prepared.status);
      out.messages[g] = prepared.message;
      out.n[g] = prepared.n;
      out.nGroups[g] = prepared.nGroups;
      out.mean[g] = prepared.mean;
      continue;
    }
    const { pattern } = prepared;
    const fit = fitGene(computeGeneStats(pattern, prepared.y));
    out.status[g] = statusCode(fit.status);
    out.messages[g] = fit.message;
    out.n[g] = pattern.n;
    out.nGroups[g] = pattern.q;
    out.mean[g] = prepared.mean;
    out.sigma2G[g] = fit.sigma2G;
    out.sigma2E[g] = fit.sigma2E;
    out.h2[g] = fit.h2;
    out.remlLogLik[g] = fit.remlLogLik;
    out.lrt[g] = fit.lrt;
    out.pLrt[g] = fit.pLrt;
    out.iterations[g] = fit.iterations;
    out.converged[g] = fit.converged ? 1 : 0;
    // Columns aliased on this gene's rows stay NA, as lme4 drops them.
    for (let a = 0; a < pattern.p; a++) {
      const k = g * p + pattern.columns[a];
      out.beta[k] = fit.beta[a];
      out.se[k] = fit.se[a];
      out.df[k] = fit.df[a];
      out.t[k] = fit.t[a];
      out.pValue[k] = fit.p[a];
    }
  }
  return out;
}
