import { pTwoSidedT } from './distributions.js';
import { fitFDistRobustly, type RobustVariancePrior } from './robust-prior.js';
import { fitFDist, posteriorVariance, type VariancePrior } from './squeeze-var.js';

/** One tested column over the genes: its t statistics and df ([nGenes] accessors, NaN where untested). */
export interface TestedColumn {
  t: (g: number) => number;
  df: (g: number) => number;
}

/** The moderated tests of every column, [nGenes] each, and the prior they were moderated with. */
export interface ModeratedTests {
  prior: VariancePrior | RobustVariancePrior | undefined;
  t: Float64Array[];
  p: Float64Array[];
}

/**
 * `--ebayes` (SPEC §4): limma's squeezeVar over the genes' residual variances σ̂² with their residual df (dream's
 * rdf for a mixed model, n − p for a linear one), then, for each gene and tested column, the moderated t
 *
 *     t̃ = β̂ / (SE · √(s²_post / σ̂²)) = t · √(σ̂² / s²_post)   on   df + df_prior degrees of freedom,
 *
 * df the test's own (Satterthwaite's for a mixed model): variancePartition's eBayes for dream fits. With
 * `capAtPooled` (a fixed-effects model, where this is limma's eBayes) the df are at most Σ rdf, as limma caps them.
 * `robust` (`--ebayes robust`): limma's squeezeVar(robust = TRUE), each gene with its own prior df (robust-prior.ts).
 */
export function moderatedTests(nGenes: number, sigma2: (g: number) => number, rdf: (g: number) => number,
  columns: readonly TestedColumn[], capAtPooled: boolean, robust = false): ModeratedTests {
  const variances = Float64Array.from({ length: nGenes }, (_, g) => sigma2(g));
  const dfs = Float64Array.from({ length: nGenes }, (_, g) => rdf(g));
  const prior = robust ? fitFDistRobustly(variances, dfs) : fitFDist(variances, dfs);
  let pooled = Infinity;
  if (capAtPooled) {
    pooled = 0;
    for (const d of dfs) if (!Number.isNaN(d)) pooled += d;
  }
  const t = columns.map(() => new Float64Array(nGenes).fill(NaN));
  const p = columns.map(() => new Float64Array(nGenes).fill(NaN));
  if (prior === undefined) return { prior, t, p };
  for (let g = 0; g < nGenes; g++) {
    if (!(variances[g] > 0) || !(dfs[g] >= 0)) continue;
    const genePrior = robust ? { df: (prior as RobustVariancePrior).dfShrunk[g], s2: prior.s2 } : prior;
    const shrink = Math.sqrt(variances[g] / posteriorVariance(variances[g], dfs[g], genePrior));
    columns.forEach((column, c) => {
      t[c][g] = column.t(g) * shrink;
      p[c][g] = pTwoSidedT(t[c][g], Math.min(column.df(g) + genePrior.df, pooled));
    });
  }
  return { prior, t, p };
}
