/**
 * Parametric bootstrap of the variance components (`--bootstrap B`): for every fitted gene (status ok or
 * singular), B data sets are simulated from the gene's REML fit on its own rows and refitted exactly as the CPU
 * path fits a gene, and the 2.5% and 97.5% quantiles (R's type 7) of the B refits are its 95% percentile
 * intervals of h2, σ²_g and σ²_e.
 *
 * Replicate b (0-based, b = 0..B−1) of gene g (its row of the expression matrix, 0-based) draws, for the
 * observations i = 1..n of the gene's DesignPattern (its missing values dropped),
 *
 *     y*_i = (X β̂)_i + σ̂_g · z[group level of i] + σ̂_e · z[L + design row of i],
 *
 * where β̂, σ̂²_g = σ̂_g², σ̂²_e = σ̂_e² are the gene's reported estimates, L = Design.groupLevels.length, a
 * group level is the index into Design.groupLevels, a design row the index into Design.x (the samples the
 * formula uses, in matrix column order), and z[d] is bootstrap normal draw d of the Philox stream (philox.ts,
 * tag 2):
 *
 *     z[d] = Box–Muller normal d mod 4 of philox4x32([⌊d/4⌋, b, 2, g], [seed mod 2³², ⌊seed/2³²⌋])
 *          = bootstrapNormalAt(seed, g, b, d).
 *
 * So u*_j = σ̂_g z[j] is shared by every observation of group j, each observation gets its own e*_i, and any draw
 * is recomputable alone from (seed, g, b, d): a GPU thread per (gene, replicate) reproduces the stream draw for
 * draw. A draw's address does not depend on which other values of the gene are missing. Every replicate fills
 * z[0 .. L + nObs − 1], ⌈(L + nObs)/4⌉ Philox calls, used or not.
 *
 * The refit is the CPU path's: computeGeneStats on the gene's pattern, searchLambda, then at λ̂ profileAt's
 * σ²_e = r/(n − p), σ²_g = λ̂ σ²_e and h2 = λ̂/(1 + λ̂) (0 when the replicate is singular). A replicate whose refit
 * the CPU path would report as failed (no residual variance left) is left out of the quantiles and counted.
 */
import { UsageError } from '../errors.js';
import type { Design } from '../model/design.js';
import { computeGeneStats, type GeneStats } from '../model/gene-stats.js';
import { type KinshipPattern, kinshipGeneStats } from '../model/kinship.js';
import { searchLambda } from '../model/lambda-search.js';
import type { DesignPattern } from '../model/pattern.js';
import type { FitContext, ReadyGene } from '../model/prepare.js';
import { fittedGenes } from './fitted-genes.js';
import { kinshipBootstrapModel, kinshipBootstrapReplicate } from './kinship-bootstrap.js';
import { profileAt } from '../model/reml.js';
import { type GeneResults, isFitted } from '../results/gene-results.js';
import { bootstrapNormalBlock, philoxKey } from '../stats/philox.js';
import { quantileType7 } from '../stats/quantile.js';

/** The quantiles of the percentile intervals: a 95% interval. */
export const BOOTSTRAP_PROBS = [0.025, 0.975] as const;

/** What every replicate of one gene is drawn from: its fit, on its own rows. */
export interface BootstrapModel {
  /** The gene's row of the results. */
  gene: number;
  /** Its row of the whole matrix (FitContext.firstGene + gene): counter word 3 of its draws. */
  streamGene: number;
  pattern: DesignPattern;
  /** [pattern.n] (X β̂)_i of each observation, on the scale of y. */
  fitted: Float64Array;
  /** [pattern.n] draw index of each observation's group effect: its group level. */
  groupDraw: Int32Array;
  /** [pattern.n] draw index of each observation's residual: L + its design row. */
  residualDraw: Int32Array;
  /** Draws per replicate, L + nObs. */
  draws: number;
  /** √σ̂²_g and √σ̂²_e. */
  sigmaG: number;
  sigmaE: number;
}

/**
 * The bootstrap model of gene `gene` fitted on `pattern` (the rows of `design` it uses). beta: [pattern.p] β̂ in
 * pattern column order (GeneResults holds it at columns[a] of the design's coefficients); sigmaG, sigmaE: √σ̂²_g, √σ̂²_e.
 */
export function bootstrapModel(design: Design, pattern: DesignPattern, gene: number, beta: ArrayLike<number>,
  sigmaG: number, sigmaE: number, streamGene = gene): BootstrapModel {
  const { n, p, rows, columns } = pattern;
  const nLevels = design.randomTerms[0].levels.length;
  const fitted = new Float64Array(n);
  const groupDraw = new Int32Array(n);
  const residualDraw = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    let s = 0;
    for (let a = 0; a < p; a++) s += design.x[row * design.p + columns[a]] * beta[a];
    fitted[i] = s;
    groupDraw[i] = design.randomTerms[0].codes[row];
    residualDraw[i] = nLevels + row;
  }
  return { gene, streamGene, pattern, fitted, groupDraw, residualDraw, draws: nLevels + design.nObs, sigmaG, sigmaE };
}

/** Scratch of bootstrapReplicate for one model; after a call, `y` holds that replicate's y*. */
export interface BootstrapWork {
  /** [pattern.n] y* of the last replicate drawn. */
  y: Float64Array;
  /** [4·⌈draws/4⌉] z[d] of the last replicate drawn. */
  z: Float64Array;
  block: Float64Array;
  words: Uint32Array;
}

/** Scratch for replicates of `model`. */
export function bootstrapWork(model: BootstrapModel): BootstrapWork {
  return replicateWork(model.pattern.n, model.draws);
}

/** Scratch for replicates of `values` values each, drawn from `draws` normal numbers. */
export function replicateWork(values: number, draws: number): BootstrapWork {
  return { y: new Float64Array(values), z: new Float64Array(4 * Math.ceil(draws / 4)), block: new Float64Array(4), words: new Uint32Array(4) };
}

/** work.z ← z[0 .. z.length − 1] of replicate `replicate` of the gene whose stream row is `streamGene` (file comment). */
export function drawNormals(key: Uint32Array, streamGene: number, replicate: number, work: BootstrapWork): Float64Array {
  const { z, block, words } = work;
  for (let k = 0; k < z.length; k += 4) {
    bootstrapNormalBlock(key, streamGene, replicate, k >>> 2, block, words);
    z[k] = block[0];
    z[k + 1] = block[1];
    z[k + 2] = block[2];
    z[k + 3] = block[3];
  }
  return z;
}

/** One replicate's REML estimates; all NaN when its refit failed (no residual variance). */
export interface ReplicateFit {
  lambda: number;
  sigma2G: number;
  sigma2E: number;
  h2: number;
}

/** y*_i = (X β̂)_i + σ̂_g z[groupDraw_i] + σ̂_e z[residualDraw_i] of replicate `replicate` (file comment), into work.y. */
export function drawReplicate(model: BootstrapModel, key: Uint32Array, replicate: number, work: BootstrapWork): Float64Array {
  const { y } = work;
  const z = drawNormals(key, model.streamGene, replicate, work);
  const { fitted, groupDraw, residualDraw, sigmaG, sigmaE } = model;
  for (let i = 0; i < y.length; i++) y[i] = fitted[i] + sigmaG * z[groupDraw[i]] + sigmaE * z[residualDraw[i]];
  return y;
}

/**
 * Replicate `replicate` of `model` under `key` (philoxKey(seed)): draws y* (left in work.y) and refits it as the
 * CPU path does (file comment). The loop of parametricBootstrap calls exactly this.
 */
export function bootstrapReplicate(model: BootstrapModel, key: Uint32Array, replicate: number,
  work: BootstrapWork = bootstrapWork(model)): ReplicateFit {
  return refitReplicate(computeGeneStats(model.pattern, drawReplicate(model, key, replicate, work)));
}

/** A replicate's REML refit from its statistics, as the CPU path fits a gene (file comment). */
export function refitReplicate(stats: GeneStats): ReplicateFit {
  const search = searchLambda(stats);
  const profile = profileAt(stats, search.lambda);
  if (profile === undefined || !(profile.r > 0) || search.atUpperBound) return { lambda: NaN, sigma2G: NaN, sigma2E: NaN, h2: NaN };
  const lambda = search.lambda;
  const sigma2E = profile.sigma2E * stats.scale ** 2; // on y's scale (GeneStats.scale)
  return { lambda, sigma2G: lambda * sigma2E, sigma2E, h2: lambda / (1 + lambda) };
}

/** What a bootstrap run did. */
export interface BootstrapReport {
  /** Genes bootstrapped (status ok or singular). */
  genes: number;
  /** Replicates whose refit failed and were left out of their gene's quantiles. */
  failedReplicates: number;
}

function sortedQuantiles(values: Float64Array, count: number): [number, number] {
  const sorted = values.subarray(0, count).sort();
  return [quantileType7(sorted, BOOTSTRAP_PROBS[0]), quantileType7(sorted, BOOTSTRAP_PROBS[1])];
}

/** Throws UsageError unless B is a positive integer number of replicates. */
export function assertReplicates(B: number): void {
  if (!Number.isInteger(B) || B < 1) throw new UsageError(`the number of bootstrap replicates must be a positive integer, not ${B}`);
}

/** Stores gene g's percentile intervals from its first `count` replicate estimates (the arrays are sorted in place). */
export function storeBootstrapIntervals(results: GeneResults, g: number, h2: Float64Array, sigma2G: Float64Array,
  sigma2E: Float64Array, count: number): void {
  [results.h2BootLo[g], results.h2BootHi[g]] = sortedQuantiles(h2, count);
  [results.sigma2GBootLo[g], results.sigma2GBootHi[g]] = sortedQuantiles(sigma2G, count);
  [results.sigma2EBootLo[g], results.sigma2EBootHi[g]] = sortedQuantiles(sigma2E, count);
}

/**
 * The parametric bootstrap of every gene of `results` with status ok or singular, genes in order, on this
 * thread: B replicates each (file comment), under `seed`. Fills h2BootLo/Hi, sigma2GBootLo/Hi and
 * sigma2EBootLo/Hi; other genes keep NaN. values: the raw matrix, [nGenes × nSamples], from which each gene's
 * missing-value pattern is found again. onProgress is called after each gene.
 */
export function parametricBootstrap(context: FitContext, values: Float64Array, nSamples: number, results: GeneResults,
  B: number, seed: number, onProgress?: (genesDone: number, genesTotal: number) => void): BootstrapReport {
  assertReplicates(B);
  const key = philoxKey(seed);
  let total = 0;
  for (let g = 0; g < results.nGenes; g++) if (isFitted(results, g)) total++;
  const scratch = bootstrapScratch(B);
  let failedReplicates = 0;
  let bootstrapped = 0;
  onProgress?.(0, total);
  for (const { gene, ready } of fittedGenes<DesignPattern | KinshipPattern>(context, values, nSamples, results)) {
    if ('basis' in ready.pattern) {
      const { pattern } = ready;
      const model = kinshipBootstrapModel(pattern, streamGeneOf(context, gene), fittedBeta(pattern, gene, results),
        ...fittedSigmas(gene, results, () => kinshipGeneStats(pattern, ready.y)));
      const work = replicateWork(pattern.n, 2 * pattern.n);
      failedReplicates += bootstrapGene(gene, B, (b) => kinshipBootstrapReplicate(model, key, b, work), scratch, results);
    } else {
      failedReplicates += bootstrapGeneOnCpu(bootstrapModelOf(context, ready as ReadyGene, gene, results), key, B, scratch, results);
    }
    bootstrapped++;
    onProgress?.(bootstrapped, total);
  }
  return { genes: bootstrapped, failedReplicates };
}

/** Per-replicate estimates of one gene at a time: [B] h2, σ²_g and σ²_e. */
export interface BootstrapScratch {
  h2: Float64Array;
  sigma2G: Float64Array;
  sigma2E: Float64Array;
}

/** Scratch for B replicates. */
export function bootstrapScratch(B: number): BootstrapScratch {
  return { h2: new Float64Array(B), sigma2G: new Float64Array(B), sigma2E: new Float64Array(B) };
}

/** The bootstrap model of a fitted gene from its row of `results` (β̂ in pattern column order, σ̂²s). */
export function bootstrapModelOf(context: FitContext, ready: ReadyGene, gene: number, results: GeneResults): BootstrapModel {
  const { pattern } = ready;
  return bootstrapModel(context.design, pattern, gene, fittedBeta(pattern, gene, results),
    ...fittedSigmas(gene, results, () => computeGeneStats(pattern, ready.y)), streamGeneOf(context, gene));
}

/** A fitted gene's β̂ in its pattern's column order (GeneResults holds it at the design's columns). */
function fittedBeta(pattern: { columns: Int32Array }, gene: number, results: GeneResults): Float64Array {
  return Float64Array.from(pattern.columns, (c) => results.beta[gene * results.p + c]);
}

/** The whole matrix's row of the run's gene `gene`: the draws' counter word 3. */
function streamGeneOf(context: FitContext, gene: number): number {
  return (context.firstGene ?? 0) + gene;
}

/** The smallest normal double: below it a variance has lost precision, or underflowed to 0. */
const NORMAL_MIN = 2 ** -1022;

/**
 * √σ̂²_g and √σ̂²_e of a fitted gene (`geneStats`: its statistics, made only when needed). Where y's scale puts the variances outside f64's normal range (reported as
 * 0 or Inf, or subnormal) while the standard deviations are representable, they are taken again in the gene's
 * unit (GeneStats.scale) at λ̂ = h2 / (1 − h2), so the replicates are drawn at the fit's variance ratio.
 */
function fittedSigmas(gene: number, results: GeneResults, geneStats: () => GeneStats): [number, number] {
  const sigma2G = results.sigma2G[gene];
  const sigma2E = results.sigma2E[gene];
  const h2 = results.h2[gene];
  const inRange = (v: number): boolean => v >= NORMAL_MIN && v < Infinity;
  if (inRange(sigma2E) && (inRange(sigma2G) || (sigma2G === 0 && h2 === 0))) return [Math.sqrt(sigma2G), Math.sqrt(sigma2E)];
  const stats = geneStats();
  const lambda = h2 / (1 - h2);
  const sigmaE = Math.sqrt(profileAt(stats, lambda)?.sigma2E ?? NaN) * stats.scale;
  return [Math.sqrt(lambda) * sigmaE, sigmaE];
}

/**
 * B replicates of one gene on the CPU (bootstrapReplicate, b = 0..B − 1) and its percentile intervals into
 * `results`; returns the replicates whose refit failed and were left out.
 */
export function bootstrapGeneOnCpu(model: BootstrapModel, key: Uint32Array, B: number, scratch: BootstrapScratch,
  results: GeneResults): number {
  const work = bootstrapWork(model);
  return bootstrapGene(model.gene, B, (b) => bootstrapReplicate(model, key, b, work), scratch, results);
}

/** B replicates (`replicate(b)`, b = 0..B − 1) of gene `gene`: its percentile intervals into `results`; returns the failed ones. */
function bootstrapGene(gene: number, B: number, replicate: (b: number) => ReplicateFit, scratch: BootstrapScratch,
  results: GeneResults): number {
  let count = 0;
  for (let b = 0; b < B; b++) {
    const fit = replicate(b);
    if (Number.isNaN(fit.h2)) continue;
    scratch.h2[count] = fit.h2;
    scratch.sigma2G[count] = fit.sigma2G;
    scratch.sigma2E[count] = fit.sigma2E;
    count++;
  }
  storeBootstrapIntervals(results, gene, scratch.h2, scratch.sigma2G, scratch.sigma2E, count);
  return B - count;
}
