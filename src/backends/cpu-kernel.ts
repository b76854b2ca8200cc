import { fitGene, fitVariances, type GeneFit } from '../model/fit-gene.js';
import { computeGeneStats } from '../model/gene-stats.js';
import { weightedGeneStats } from '../model/weighted-stats.js';
import { type KinshipGene, type KinshipPattern, kinshipGeneStatsOf } from '../model/kinship.js';
import { VECTORS_AT_ONCE } from '../numerics/wasm-kernels.js';
import type { DesignPattern } from '../model/pattern.js';
import { asModelWeights, type FitContext, GenePreparer, modelChoice, type SkippedGene } from '../model/prepare.js';
import { fittedValues } from '../model/group-means.js';
import { VoomWeigher, voomStride } from '../model/voom.js';
import type { GeneExtras } from './backend.js';
import { profileAt } from '../model/reml.js';
import { type RunPreparer, runPreparer } from '../model/run-preparer.js';
import { patternHypotheses } from '../model/hypotheses.js';
import { type BetaCovariance, contest1D, contestMD, retestCoefficients } from '../model/inference/wald-tests.js';
import { kenwardRoger } from '../model/inference/kenward-roger.js';
import { fitTermsGene, type TermsFit, termsFitted } from '../model/terms/fit-terms.js';
import type { TermsPattern } from '../model/terms/terms-pattern.js';
import { allocateResults, type GeneResults } from '../results/gene-results.js';
import { statusCode } from '../results/statuses.js';

/** Stores a gene that was not fitted: its status, reason and counts; every estimate stays NA. */
export function storeSkipped(out: GeneResults, g: number, skipped: SkippedGene): void {
  out.status[g] = statusCode(skipped.status);
  out.messages[g] = skipped.message;
  out.n[g] = skipped.n;
  out.nGroups[g] = skipped.nLevels[0] ?? 0;
  for (let k = 0; k < out.nTerms; k++) out.nLevels[g * out.nTerms + k] = skipped.nLevels[k];
  out.mean[g] = skipped.mean;
}

/** Stores a gene's coefficients, [columns.length] in its pattern's order, in the run's columns `columns`. */
function storeCoefficients(out: GeneResults, g: number, columns: Int32Array,
  fit: Pick<GeneFit, 'beta' | 'se' | 'df' | 't' | 'p'>): void {
  for (let a = 0; a < columns.length; a++) {
    const k = g * out.p + columns[a];
    out.beta[k] = fit.beta[a];
    out.se[k] = fit.se[a];
    out.df[k] = fit.df[a];
    out.t[k] = fit.t[a];
    out.pValue[k] = fit.p[a];
  }
}

/** The rows and kept columns of X of a gene's pattern, which its contrasts and F tests are taken on. */
type TestedPattern = Pick<DesignPattern, 'rows' | 'columns'>;

/**
 * Stores a fitted gene's tests of the run's contrasts and terms (context.hypotheses) from its fit's covariance:
 * lmerTest's contest1D and contestMD with Satterthwaite's df (lm's n − p without random terms). A contrast weighing
 * a coefficient aliased on this gene's rows stays NA, as its coefficient does.
 */
function storeTests(out: GeneResults, g: number, context: FitContext, pattern: TestedPattern, cov: BetaCovariance | undefined): void {
  const { hypotheses } = context;
  if (hypotheses === undefined || cov === undefined) return;
  const { contrasts, anova } = patternHypotheses(context.design, hypotheses, pattern.rows, pattern.columns);
  contrasts.forEach((weights, c) => {
    if (weights === null) return;
    const test = contest1D(cov, weights);
    const k = g * out.nContrasts + c;
    out.contrastEstimate[k] = test.estimate;
    out.contrastSe[k] = test.se;
    out.contrastDf[k] = test.df;
    out.contrastT[k] = test.t;
    out.contrastP[k] = test.p;
  });
  anova.forEach(({ l, rows }, a) => {
    const test = contestMD(cov, l, rows);
    const k = g * out.nAnova + a;
    out.anovaF[k] = test.f;
    out.anovaNdf[k] = test.ndf;
    out.anovaDdf[k] = test.ddf;
    out.anovaP[k] = test.p;
  });
}

/**
 * Stores a fitted gene, and its tests of the run's contrasts and terms; coefficients aliased on this gene's rows stay
 * NA, as lme4 drops them.
 */
export function storeFit(out: GeneResults, g: number, context: FitContext, pattern: Pick<DesignPattern, 'n' | 'q'> & TestedPattern,
  mean: number, fit: GeneFit): void {
  out.status[g] = statusCode(fit.status);
  out.messages[g] = fit.message;
  out.n[g] = pattern.n;
  out.nGroups[g] = pattern.q;
  out.mean[g] = mean;
  out.sigma2G[g] = fit.sigma2G;
  out.sigma2E[g] = fit.sigma2E;
  if (out.nModerated > 0) out.rdf[g] = fit.rdf();
  out.h2[g] = fit.h2;
  out.h2Se[g] = fit.h2Se;
  out.h2Lo[g] = fit.h2Lo;
  out.h2Hi[g] = fit.h2Hi;
  out.remlLogLik[g] = fit.remlLogLik;
  out.lrt[g] = fit.lrt;
  out.pLrt[g] = fit.pLrt;
  out.iterations[g] = fit.iterations;
  out.converged[g] = fit.converged ? 1 : 0;
  storeCoefficients(out, g, pattern.columns, fit);
  storeTests(out, g, context, pattern, fit.covariance);
}

/**
 * Stores a gene fitted by the model core for K random terms (fitTermsGene): K = 1 into the single-term fields,
 * K ≥ 2 into the per-term matrices, variance fractions mapped from the pattern's columns to the run's (a fixed
 * effect aliased on this gene's rows keeps NA, as its coefficient does).
 */
export function storeTermsFit(out: GeneResults, g: number, context: FitContext, pattern: TermsPattern, mean: number, fit: TermsFit): void {
  const { nTerms, nFractions } = out;
  const designInterceptColumn = context.design.interceptColumn;
  const K = pattern.K;
  out.status[g] = statusCode(fit.status);
  out.messages[g] = fit.message;
  out.n[g] = pattern.n;
  out.mean[g] = mean;
  out.sigma2E[g] = fit.sigma2E;
  if (out.nModerated > 0) out.rdf[g] = fit.rdf();
  out.remlLogLik[g] = fit.logLik;
  out.iterations[g] = fit.opt.evaluations;
  out.converged[g] = fit.opt.converged ? 1 : 0;
  if (K === 1) {
    out.nGroups[g] = pattern.nLevels[0];
    out.sigma2G[g] = fit.sigma2[0];
    out.h2[g] = fit.h2;
    out.h2Se[g] = fit.h2Se;
    out.lrt[g] = fit.lrt[0];
    out.pLrt[g] = fit.pLrt[0];
  }
  for (let k = 0; k < nTerms; k++) {
    out.nLevels[g * nTerms + k] = pattern.nLevels[k];
    out.sigma2Terms[g * nTerms + k] = fit.sigma2[k];
    out.lrtTerms[g * nTerms + k] = fit.lrt[k];
    out.pLrtTerms[g * nTerms + k] = fit.pLrt[k];
  }
  storeCoefficients(out, g, pattern.columns, fit);
  storeTests(out, g, context, pattern, fit.covariance);
  if (fit.vp === null || fit.vpSe === null || nFractions === 0) return;
  // The fractions' order: terms, the run's non-intercept columns, the residual.
  const fractionOf = (f: number): number => {
    if (f < K) return f;
    if (f === fit.vp!.length - 1) return nFractions - 1;
    let seen = -1;
    for (let a = 0; a < pattern.p; a++) {
      if (pattern.columns[a] !== designInterceptColumn && ++seen === f - K) {
        const column = pattern.columns[a];
        return K + column - (designInterceptColumn >= 0 && column > designInterceptColumn ? 1 : 0);
      }
    }
    return -1;
  };
  for (let f = 0; f < fit.vp.length; f++) {
    const to = fractionOf(f);
    out.vp[g * nFractions + to] = fit.vp[f];
    out.vpSe[g * nFractions + to] = fit.vpSe[f];
  }
}

/**
 * Results for `nGenes` genes of the run's model: per-term columns with two or more random terms, variance
 * fractions (terms, non-intercept columns of X, residual) when asked for.
 */
export function allocateRunResults(context: FitContext, nGenes: number): GeneResults {
  const { design } = context;
  const K = design.randomTerms.length;
  const nFractions = modelChoice(context).varPart ? K + design.p - (design.interceptColumn >= 0 ? 1 : 0) + 1 : 0;
  const { hypotheses } = context;
  return allocateResults(nGenes, design.p, {
    nTerms: K >= 2 ? K : 0, nFractions, nContrasts: hypotheses?.contrasts.length ?? 0, nAnova: hypotheses?.anovaTerms.length ?? 0,
    // Without random terms --ebayes is limma's eBayes, whose df are capped at the pooled df; dream's are not.
    ...(context.ebayes !== undefined && context.ebayes !== false && { ebayes: { capAtPooled: K === 0, robust: context.ebayes === 'robust' } }),
  });
}

/**
 * `--ddf kenward-roger`: replaces a mixed model's Satterthwaite tests by Kenward–Roger's (kenward-roger.ts) in `fit`:
 * its covariance gains the adjustment (for its contrasts and F tests), its coefficients the adjusted SEs, df, t and
 * p. `gamma`: the fit's σ²_k of each term, then σ², on y's scale. Where Σ is not positive definite the Satterthwaite
 * tests stay, as lmerTest falls back to them.
 */
function applyKenwardRoger(context: FitContext, pattern: Pick<DesignPattern, 'rows' | 'columns'>, gamma: number[],
  fit: Pick<GeneFit, 'covariance' | 'se' | 'df' | 't' | 'p'>): void {
  const cov = fit.covariance;
  if (cov === undefined || cov.residualDf !== undefined) return; // lm's tests: n − p df
  const { design } = context;
  const { rows, columns } = pattern;
  const [n, p] = [rows.length, columns.length];
  const x = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let a = 0; a < p; a++) x[i * p + a] = design.x[rows[i] * design.p + columns[a]];
  const levels = design.randomTerms.map((term) => Int32Array.from(rows, (row) => term.codes[row]));
  const unit = cov.scale * cov.scale; // the covariance's scale is the statistics'
  const kr = kenwardRoger({ n, p, x, levels }, gamma.map((g) => g / unit), cov.vcov);
  if (kr === undefined) return;
  fit.covariance = { ...cov, kenwardRoger: kr };
  retestCoefficients(fit.covariance, fit);
}

/**
 * `--voom`: a gene's weights from its unweighted REML fitted values (voom.ts' steps 1 and 4) at the variance ratios
 * its first-pass fit found (`ratios`, [voomStride]: σ²_k / σ² of each term), as its model takes them
 * (asModelWeights); undefined where the first pass did not fit it (the gene is then `failed`: voomUnfitted).
 */
export function voomWeightsOf(context: FitContext, pattern: DesignPattern | TermsPattern, y: Float64Array, voom: VoomWeigher,
  ratios: Float64Array): Float64Array | undefined {
  const { design } = context;
  const K = design.randomTerms.length;
  if (Number.isNaN(ratios[0])) return undefined;
  let fitted: Float64Array | undefined;
  if ('base' in pattern) fitted = termsFitted(pattern, y, Array.from(ratios.subarray(0, K), Math.sqrt));
  else {
    // The one-intercept engine's fit at λ = σ²_g / σ²: β̂_λ, then the groups' conditional modes.
    const stats = computeGeneStats(pattern, y);
    const profile = profileAt(stats, ratios[0]);
    fitted = profile && fittedValues(pattern, y, profile.beta.map((b) => b * stats.scale), ratios[0]);
  }
  if (fitted === undefined) return undefined;
  return asModelWeights(voom.weights(fitted, pattern.rows), K);
}

/** A gene voom has no weights for (voomWeightsOf): `failed`, not fitted unweighted in a weighted run. */
function voomUnfitted(n: number, nLevels: Int32Array, mean: number): SkippedGene {
  return { status: 'failed', message: 'voom has no weights for this gene: its unweighted fit (the trend\'s pass) failed', n, nLevels, mean };
}

/** What storeFit reports of a kinship gene: n, its observed samples, not the basis' rows; n_groups, the individuals with data, not the rank of Z K Zᵀ. */
export function kinshipStored(pattern: KinshipPattern): Parameters<typeof storeFit>[3] {
  return { n: pattern.rows.length, q: pattern.nLevels, columns: pattern.columns, rows: pattern.rows };
}

/**
 * The f64 reference for a block of genes: prepare, fit and test each one (the CPU "Impl" kernel; the
 * worker threads, the single-threaded path and the GPU's refinement all call it). values: [nGenes × nSamples];
 * extras: the genes' precision weights (`--weights`; not with a kinship) or voom's first-pass ratios (GeneExtras).
 */
export function fitBlockCpu(context: FitContext, values: Float64Array, nGenes: number,
  preparer: RunPreparer = runPreparer(context), extras?: GeneExtras): GeneResults {
  const nSamples = values.length / Math.max(nGenes, 1);
  const out = allocateRunResults(context, nGenes);
  const model = modelChoice(context);
  const voom = context.voom && new VoomWeigher(context.voom, context.librarySizes!, context.design.sampleIndex);
  const stride = voomStride(context.design);
  // Kinship genes wait until VECTORS_AT_ONCE of them are ready, so that they are rotated together (kinshipGeneStatsOf).
  const waiting: (KinshipGene & { g: number; mean: number })[] = [];
  const fitWaiting = (): void => {
    const stats = kinshipGeneStatsOf(waiting);
    waiting.forEach(({ g, pattern, mean }, i) => storeFit(out, g, context, kinshipStored(pattern), mean, fitGene(stats[i])));
    waiting.length = 0;
  };
  for (let g = 0; g < nGenes; g++) {
    const raw = values.subarray(g * nSamples, (g + 1) * nSamples);
    const rawWeights = extras?.weights?.subarray(g * nSamples, (g + 1) * nSamples);
    const ratios = extras?.voomRatios?.subarray(g * stride, (g + 1) * stride);
    if (model.engine === 'terms') {
      const prepared = (preparer as GenePreparer<TermsPattern>).prepare(raw, rawWeights);
      if (prepared.status !== 'ready') storeSkipped(out, g, prepared);
      else {
        const w = prepared.weights ?? (voom && voomWeightsOf(context, prepared.pattern, prepared.y, voom, ratios!));
        if (voom && w === undefined) {
          storeSkipped(out, g, voomUnfitted(prepared.pattern.n, prepared.pattern.nLevels, prepared.mean));
          continue;
        }
        const fit = fitTermsGene(prepared.pattern, prepared.y, { method: model.method, varPart: model.varPart }, w);
        if (context.ddf === 'kenward-roger') applyKenwardRoger(context, prepared.pattern, [...fit.sigma2, fit.sigma2E], fit);
        storeTermsFit(out, g, context, prepared.pattern, prepared.mean, fit);
      }
    } else if (model.engine === 'kinship') {
      const prepared = (preparer as GenePreparer<KinshipPattern>).prepare(raw);
      if (prepared.status !== 'ready') storeSkipped(out, g, prepared);
      else {
        waiting.push({ g, pattern: prepared.pattern, y: Float64Array.from(prepared.y), mean: prepared.mean });
        if (waiting.length === VECTORS_AT_ONCE) fitWaiting();
      }
    } else {
      const prepared = (preparer as GenePreparer<DesignPattern>).prepare(raw, rawWeights);
      if (prepared.status !== 'ready') storeSkipped(out, g, prepared);
      else {
        const { pattern, y } = prepared;
        const w = prepared.weights ?? (voom && voomWeightsOf(context, pattern, y, voom, ratios!));
        if (voom && w === undefined) {
          storeSkipped(out, g, voomUnfitted(pattern.n, Int32Array.of(pattern.q), prepared.mean));
          continue;
        }
        const stats = w ? weightedGeneStats(pattern, y, w) : computeGeneStats(pattern, y);
        const fit = context.variancesOnly ? fitVariances(stats) : fitGene(stats);
        if (context.ddf === 'kenward-roger') applyKenwardRoger(context, pattern, [fit.sigma2G, fit.sigma2E], fit);
        storeFit(out, g, context, pattern, prepared.mean, fit);
      }
    }
  }
  if (waiting.length > 0) fitWaiting();
  return out;
}
