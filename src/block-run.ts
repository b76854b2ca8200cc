/**
 * One run of a fit as its blocks of genes come in (fit-genes.ts reads them): the design, context and backend,
 * built at the first block; each block fitted, bootstrapped and grouped by pattern for the exact RLRT; and, after
 * the last, the run's results in one table of genes with their q-values and exact RLRT p-values.
 */

import type { Backend, GeneExtras } from './backends/backend.js';
import { allocateRunResults } from './backends/cpu-kernel.js';
import type { GpuRunReport } from './backends/gpu-batches.js';
import type { GpuTimings } from './gpu/plan.js';
import { createBackend } from './backends/select.js';
import { termsDeviceLimit } from './gpu/terms-programs.js';
import type { FitOptions, FitResult, Shard } from './fit-options.js';
import type { GeneBlock, MatrixShape, SampleSheet } from './io/types.js';
import { WeightsMatrix } from './io/weights-matrix.js';
import { buildDesign, type Design } from './model/design.js';
import type { Formula } from './model/formula.js';
import { runHypotheses } from './model/hypotheses.js';
import { type Kinship, kinshipBasis, type KinshipBasis, levelKinship } from './model/kinship.js';
import { designInsufficiency, type FitContext, modelChoice, type ModelChoice } from './model/prepare.js';
import { refuseKinshipOptions, refuseMinSamples } from './model/option-checks.js';
import { copyResults, countStatuses, finishResults, type GeneResults } from './results/gene-results.js';
import { type BootstrapReport, parametricBootstrap } from './simulation/bootstrap.js';
import { exactRlrtPValues, type NullSimulator, PatternGroups } from './simulation/rlrt-exact.js';
import { simulatePatternRlrtNull } from './model/inference/rlrt-null.js';
import { type VoomTrend, voomStride } from './model/voom.js';
import type { RobustVariancePrior } from './stats/robust-prior.js';
import type { VariancePrior } from './stats/squeeze-var.js';

/** What the whole matrix tells before any gene is fitted (fit-genes.ts' first pass): its size and library sizes. */
export interface WholeMatrix {
  nGenes: number;
  /** logcpm's library sizes, else null. */
  librarySizes: Float64Array | null;
  /** `--voom`'s trend, from a pass that fitted every gene unweighted (fit-genes.ts). */
  voom?: VoomTrend;
  /** That pass' variance ratios, [nGenes × voomStride] by the matrix's rows (GeneExtras.voomRatios). */
  voomRatios?: Float64Array;
  /** True for that pass itself, which needs each gene's variance components only (FitContext.variancesOnly). */
  trendPass?: boolean;
}

/** A pass' results: the fit's, but for the notices, which the whole fit collects over its passes (fit-genes.ts). */
export type PassResult = Omit<FitResult, 'notices'>;

/** Milliseconds of each phase of a run, summed over its blocks (FitResult.timings). */
export type RunTimings = FitResult['timings'];

/** The genes [first, first + count) of shard `shard` of `nGenes`: ⌊(I − 1)·G / N⌋ up to ⌊I·G / N⌋. */
function shardRange(nGenes: number, shard: Shard | undefined): { first: number; count: number } {
  if (shard === undefined) return { first: 0, count: nGenes };
  const first = Math.floor(((shard.index - 1) * nGenes) / shard.count);
  return { first, count: Math.floor((shard.index * nGenes) / shard.count) - first };
}

/** Samples from which the kinship's decomposition takes long enough (seconds to minutes, O(n³)) to be announced. */
const ANNOUNCED_DECOMPOSITION = 1000;

/** The run's kinship basis, announced first where its decomposition takes a while. */
function startKinship(design: Design, kinship: Kinship, notice: (message: string) => void): KinshipBasis {
  if (design.nObs >= ANNOUNCED_DECOMPOSITION) {
    notice(`decomposing the kinship of the ${design.nObs} samples (once for the run; its time grows as the cube of their number)`);
  }
  return kinshipBasis(design, levelKinship(kinship, design.randomTerms[0], notice));
}

/** What the summary says of `--ebayes`' prior: limma's df.prior and s2.prior, and with `robust` the genes it found outlying. */
function ebayesReport(prior: VariancePrior | RobustVariancePrior): NonNullable<FitResult['ebayes']> {
  const report = { dfPrior: prior.df, s2Prior: prior.s2 };
  if (!('dfShrunk' in prior)) return report; // limma's squeezeVar without robust
  let outliers = 0;
  let smallestDfPrior = prior.df;
  for (const df of prior.dfShrunk) {
    if (df < prior.df) outliers++;
    smallestDfPrior = Math.min(smallestDfPrior, df);
  }
  return { ...report, robust: { outliers, smallestDfPrior } };
}

/** The variance fractions' names (SPEC §3): each random term, each non-intercept column of X, `resid`. */
function varianceFractionNames(design: Design): string[] {
  return [...design.randomTerms.map((t) => t.name), ...design.coefNames.filter((_, j) => j !== design.interceptColumn), 'resid'];
}

export class BlockRun {
  /** Each fitted block's results and its first gene's row in the run's results. */
  private readonly parts: { offset: number; results: GeneResults }[] = [];
  private bootstrapped?: BootstrapReport & { refinedReplicates?: number; cpuGenes?: number; batches?: number; failure?: string | null; timings?: GpuTimings };

  private constructor(
    readonly context: FitContext,
    private readonly model: ModelChoice,
    private readonly backend: Backend,
    /** The whole matrix's rows the run fits: all (count Infinity until the end, without a first pass) or a shard's. */
    private readonly range: { first: number; count: number },
    private readonly options: FitOptions,
    private readonly timings: RunTimings,
    private readonly groups: PatternGroups | undefined,
    /** Samples (columns) of the matrix, used or not. */
    private readonly nSamples: number,
    /** The genes' precision weights (`--weights`), matched to the matrix's samples. */
    private readonly weights: WeightsMatrix | undefined,
    /** The expression matrix's file, for messages. */
    private readonly file: string,
    /** `--voom`'s first-pass variance ratios of every gene of the matrix (WholeMatrix.voomRatios). */
    private readonly voomRatios: Float64Array | undefined,
  ) {}

  /**
   * Builds the design from the matrix's `sampleIds`, the context and the backend (for `estimatedGenes` genes when
   * the count is not known yet), with the design's notices.
   */
  static async start(formula: Formula, samples: SampleSheet, sampleIds: string[], file: string, options: FitOptions,
    whole: WholeMatrix | undefined, estimatedGenes: number, notice: (message: string) => void, timings: RunTimings): Promise<BlockRun> {
    const weights = options.weights && new WeightsMatrix(options.weights);
    weights?.matchSamples(sampleIds, file);
    const design = buildDesign(formula, samples, sampleIds, options);
    design.notices.forEach(notice);
    refuseKinshipOptions(design.randomTerms.length, options);
    refuseMinSamples(options.minSamples, design.nObs, 'samples the model uses');
    if (options.ddf === 'kenward-roger' && design.randomTerms.length === 0) {
      notice('--ddf kenward-roger: the model has no random terms, so its tests are lm\'s, on n − p df');
    }
    const insufficient = designInsufficiency(design, options.kinship !== undefined);
    if (insufficient !== undefined) notice(insufficient);
    const range = whole === undefined ? { first: 0, count: Infinity } : shardRange(whole.nGenes, options.shard);
    const context: FitContext = {
      design,
      transform: options.transform ?? 'none',
      librarySizes: whole?.librarySizes ?? null,
      filters: { minMean: options.minMean, minCount: options.minCount, minSamples: options.minSamples },
      method: options.method,
      varPart: options.varPart,
      firstGene: range.first,
      kinship: options.kinship && startKinship(design, options.kinship, notice),
      hypotheses: runHypotheses(design, options.contrasts ?? [], options.anova ?? false, notice),
      ebayes: options.ebayes,
      voom: whole?.voom,
      ddf: options.ddf,
      variancesOnly: whole?.trendPass,
    };
    const model = modelChoice(context);
    const nGenes = Number.isFinite(range.count) ? range.count : estimatedGenes;
    const backend = await createBackend(options.backend ?? 'auto', {
      threads: options.threads, nGenes, gpu: options.gpu, onNotice: notice,
      // The general core's cost per gene is many times the single-term engine's, and so is a weighted fit's (a class per
      // group) or Kenward-Roger's (O(n³)): they get every thread.
      work: model.engine === 'single-term' && weights === undefined && whole?.voom === undefined && options.ddf !== 'kenward-roger'
        ? nGenes * sampleIds.length : undefined,
      engine: model.engine,
      after: { bootstrap: options.bootstrap !== undefined, rlrtExact: options.rlrtExact !== undefined },
      cpuOnly: cpuOnlyReason(design, model, options.ddf, weights !== undefined ? '--weights' : whole?.voom !== undefined ? '--voom' : undefined),
    });
    const groups = options.rlrtExact === undefined ? undefined : new PatternGroups(context);
    return new BlockRun(context, model, backend, range, options, timings, groups, sampleIds.length, weights, file, whole?.voomRatios);
  }

  /** The backend's simulation of the RLRT null, where it has one (the GPU's, for the single-term engine's patterns). */
  private nullSimulator(): NullSimulator | undefined {
    const { backend } = this;
    if (backend.simulateRlrtNull === undefined) return undefined;
    return async (pattern, nsim, seed) => ('basis' in pattern
      ? simulatePatternRlrtNull(pattern, nsim, seed) : backend.simulateRlrtNull!(pattern, nsim, seed));
  }

  /**
   * Fits the block's genes that are the run's (all, or the shard's), bootstraps them (--bootstrap) and groups them
   * for the exact RLRT, reporting progress against `estimatedGenes` in all while the count is not known.
   */
  async fit(block: GeneBlock, estimatedGenes: number): Promise<void> {
    const { range, options, timings, nSamples } = this;
    // Every block's genes are matched to the weights', the shard's or not, so that none is left unmatched at the end.
    const blockWeights = this.weights?.blockWeights(block, this.context.design.sampleIndex);
    const lo = Math.max(block.first, range.first);
    const hi = Math.min(block.first + block.nGenes, range.first + range.count);
    if (hi <= lo) return;
    const nGenes = hi - lo;
    const [from, to] = [(lo - block.first) * nSamples, (hi - block.first) * nSamples];
    const values = block.values.subarray(from, to);
    const stride = voomStride(this.context.design);
    const extras: GeneExtras = {
      weights: blockWeights?.subarray(from, to),
      voomRatios: this.voomRatios?.subarray(lo * stride, hi * stride),
    };
    const offset = lo - range.first;
    const total = Number.isFinite(range.count) ? range.count : estimatedGenes;
    const progress = (done: number): void => options.onProgress?.(offset + done, total);
    let t = performance.now();
    const results = await this.backend.fit({ context: this.context, values, extras, nGenes, nSamples },
      options.bootstrap === undefined ? progress : undefined);
    timings.fitMs += performance.now() - t;
    t = performance.now();
    this.groups?.add(values, nSamples, results, offset);
    timings.rlrtExactMs += performance.now() - t;
    if (options.bootstrap !== undefined) {
      t = performance.now();
      // Gene g of this block draws from the stream of its row in the whole matrix, as in any other split.
      const context = { ...this.context, firstGene: lo };
      const seed = options.seed ?? 1;
      const onProgress = (done: number, fitted: number): void => progress(fitted > 0 ? Math.round((done / fitted) * nGenes) : nGenes);
      this.addBootstrap(this.backend.bootstrap
        ? await this.backend.bootstrap(context, values, nSamples, results, options.bootstrap, seed, onProgress)
        : parametricBootstrap(context, values, nSamples, results, options.bootstrap, seed, onProgress));
      timings.bootstrapMs += performance.now() - t;
    }
    this.parts.push({ offset, results });
  }

  /** The run's results once every block is fitted: `shape` is the whole matrix's. */
  async finish(shape: MatrixShape): Promise<PassResult> {
    const { context, model, options, timings } = this;
    const { design } = context;
    this.weights?.checkAllMatched(this.file);
    const first = this.range.first;
    const count = Number.isFinite(this.range.count) ? this.range.count : shape.nGenes;
    const results = allocateRunResults(context, count);
    for (const { offset, results: part } of this.parts) copyResults(part, results, offset);
    finishResults(results);
    const t = performance.now();
    const seed = options.seed ?? 1;
    const rlrtExact = this.groups === undefined ? undefined : {
      nsim: options.rlrtExact!, seed,
      ...(await exactRlrtPValues(this.groups, results, options.rlrtExact!, seed, this.nullSimulator())),
    };
    timings.rlrtExactMs += performance.now() - t;
    return {
      geneIds: count === shape.nGenes ? shape.geneIds : shape.geneIds.slice(first, first + count),
      wholeGenes: shape.nGenes,
      matrixSamples: shape.nSamples,
      coefNames: design.coefNames,
      context,
      results,
      backend: this.backend.description,
      gpu: (this.backend as { report?: GpuRunReport }).report,
      kinship: context.kinship?.report,
      counts: countStatuses(results),
      shape: {
        terms: design.randomTerms.map((term) => term.name),
        method: model.method,
        fractions: model.varPart ? varianceFractionNames(design) : [],
        rlrtExact: rlrtExact !== undefined,
        bootstrap: options.bootstrap !== undefined,
        contrasts: context.hypotheses?.contrasts.map((c) => c.name) ?? [],
        anova: context.hypotheses?.anovaLabels ?? [],
        ebayes: results.ebayes === undefined ? false : results.ebayes.robust ? 'robust' : true,
      },
      timings,
      rlrtExact,
      ebayes: results.ebayes?.prior && ebayesReport(results.ebayes.prior),
      bootstrap: options.bootstrap === undefined ? undefined : {
        B: options.bootstrap, seed, ...(this.bootstrapped ?? { genes: 0, failedReplicates: 0 }),
      },
    };
  }

  async dispose(): Promise<void> {
    await this.backend.dispose();
  }

  /** Adds a block's bootstrap report to the run's: counts and GPU timings summed, the first failure kept. */
  private addBootstrap(report: NonNullable<BlockRun['bootstrapped']>): void {
    const sum = this.bootstrapped;
    if (sum === undefined) {
      this.bootstrapped = { ...report, ...(report.timings && { timings: { ...report.timings } }) };
      return;
    }
    sum.genes += report.genes;
    sum.failedReplicates += report.failedReplicates;
    if (report.refinedReplicates !== undefined) sum.refinedReplicates = (sum.refinedReplicates ?? 0) + report.refinedReplicates;
    if (report.cpuGenes !== undefined) sum.cpuGenes = (sum.cpuGenes ?? 0) + report.cpuGenes;
    if (report.batches !== undefined) sum.batches = (sum.batches ?? 0) + report.batches;
    if (report.failure !== undefined) sum.failure ??= report.failure;
    if (report.timings !== undefined && sum.timings !== undefined) {
      for (const key of ['prepareMs', 'uploadMs', 'gpuMs', 'finishMs'] as const) sum.timings[key] += report.timings[key];
    }
  }
}

/**
 * Why the run is fitted on the CPU whatever backend is asked for, or undefined: a several-terms design past the GPU
 * programs' bounds, Kenward–Roger's df (sample space, on the CPU), or precision weights (`weighted`: the option).
 */
function cpuOnlyReason(design: Design, model: ModelChoice, ddf: FitOptions['ddf'], weighted: '--weights' | '--voom' | undefined): string | undefined {
  if (model.engine === 'terms') {
    const limit = termsDeviceLimit(design);
    if (limit !== undefined) return limit;
  }
  if (ddf === 'kenward-roger') return 'Kenward-Roger\'s adjustment is computed in sample space on the CPU';
  if (weighted !== undefined) return `the GPU programs fit unweighted models, and this run has ${weighted}`;
  return undefined;
}
