import type { BackendChoice, BackendDescription } from './backends/backend.js';
import type { GpuRunReport } from './backends/gpu-batches.js';
import type { WebGpuOptions } from './backends/webgpu.js';
import { createBackend } from './backends/select.js';
import type { ExpressionMatrix, SampleSheet } from './io/types.js';
import { buildDesign, type Design, type DesignOptions } from './model/design.js';
import { type Formula, parseFormula } from './model/formula.js';
import { designInsufficiency, type FitContext, type GeneFilters, modelChoice, refuseSingleTermOptions } from './model/prepare.js';
import type { Method } from './model/terms/criterion.js';
import { librarySizes, looksLikeCounts, type Transform } from './model/transform.js';
import { countStatuses, finishResults, type GeneResults, type Status } from './results/gene-results.js';
import { exactRlrtPValues } from './simulation/rlrt-exact.js';
import { parametricBootstrap } from './simulation/bootstrap.js';
import type { Table } from './io/table-format.js';
import { type ResultShape, resultTable } from './results/results-table.js';

/** Options of fitGenes; every field has the CLI's default. */
export interface FitOptions extends DesignOptions, GeneFilters {
  /** `none` (default), `log2p1` or `logcpm`. */
  transform?: Transform;
  /** `reml` (default) or `ml`: lme4's REML criterion or its deviance (SPEC §3). */
  method?: Method;
  /** Variance fractions and their SEs (`--var-part`); always on with two or more random terms. */
  varPart?: boolean;
  /** `auto` (default), `webgpu`, `gpujs` or `cpu`. */
  backend?: BackendChoice;
  /** CPU threads; default: the available cores. */
  threads?: number;
  /** Batch size and test hooks of the GPU backends (webgpu; gpujs takes maxBatchGenes and loseDeviceAfterBatches). */
  gpu?: WebGpuOptions;
  /** Simulations of the exact RLRT null distribution per design (`--rlrt-exact`); none when absent. */
  rlrtExact?: number;
  /**
   * Parametric-bootstrap replicates per fitted gene (`--bootstrap`): 95% percentile intervals of h2, σ²_g and
   * σ²_e (see bootstrap.ts), on the host after the fit; none when absent.
   */
  bootstrap?: number;
  /** Seed of the Philox stream of every simulation (`--seed`, default 1). */
  seed?: number;
  /**
   * Fit only shard `index` (1-based) of `count` contiguous gene ranges (`--shard I/N`, see shardRange). Library
   * sizes and the counts check still read every gene, and simulations draw from each gene's stream in the whole
   * matrix, so the shards of a run are together its whole run.
   */
  shard?: Shard;
  /** Called as genes finish. */
  onProgress?: (genesDone: number, genesTotal: number) => void;
  /** Called as genes finish their bootstrap (genesTotal: the fitted genes), first with 0 done. */
  onBootstrapProgress?: (genesDone: number, genesTotal: number) => void;
  /** Called with each thing the user should know (dropped samples, a counts-without-transform warning). */
  onNotice?: (message: string) => void;
}

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** The genes [first, first + count) of shard `shard` of `nGenes`: ⌊(I − 1)·G / N⌋ up to ⌊I·G / N⌋. */
function shardRange(nGenes: number, shard: Shard | undefined): { first: number; count: number } {
  if (shard === undefined) return { first: 0, count: nGenes };
  const first = Math.floor(((shard.index - 1) * nGenes) / shard.count);
  return { first, count: Math.floor((shard.index * nGenes) / shard.count) - first };
}

/** The genes [first, first + count) of `matrix`, sharing its values. */
function genesOf(matrix: ExpressionMatrix, { first, count }: { first: number; count: number }): ExpressionMatrix {
  if (first === 0 && count === matrix.nGenes) return matrix;
  return {
    ...matrix,
    geneIds: matrix.geneIds.slice(first, first + count),
    nGenes: count,
    values: matrix.values.subarray(first * matrix.nSamples, (first + count) * matrix.nSamples),
  };
}

/** The fits of a whole matrix (or of its shard), one entry per gene in input order. */
export interface FitResult {
  geneIds: string[];
  /** Genes in the whole matrix (more than geneIds with a shard). */
  wholeGenes: number;
  coefNames: string[];
  /** The design, transform and library sizes every gene was prepared with. */
  context: FitContext;
  results: GeneResults;
  backend: BackendDescription;
  /** What the GPU did (batches, refined genes, failures), when a GPU backend (webgpu or gpujs) ran. */
  gpu?: GpuRunReport;
  counts: Record<Status, number>;
  /** The output table's columns besides the coefficients: the random terms, method, fractions, options. */
  shape: ResultShape;
  /**
   * Milliseconds spent building the design (prepare), fitting every gene (fit), simulating the exact RLRT and
   * bootstrapping.
   */
  timings: { prepareMs: number; fitMs: number; rlrtExactMs: number; bootstrapMs: number };
  /** Null simulations per design of the exact RLRT, and the designs (missing-value patterns) simulated; absent without it. */
  rlrtExact?: { nsim: number; seed: number; patterns: number };
  /**
   * Bootstrap replicates per gene, the seed, the genes bootstrapped and the replicates whose refit failed (left
   * out of the quantiles); absent without it.
   */
  bootstrap?: {
    B: number; seed: number; genes: number; failedReplicates: number; refinedReplicates?: number;
    /** On the GPU: genes bootstrapped on the CPU (aliased columns, or left when the device failed), and why it failed. */
    cpuGenes?: number; failure?: string | null;
  };
  notices: string[];
}

/**
 * Fits `y ~ fixed + (1 | group)` by REML to every gene of `matrix` (genes in rows), with covariates from
 * `samples`. Genes that cannot be fitted get a status and a message, never an exception; bad input (unknown
 * columns, samples missing from the sheet, an unsupported formula) throws InputError or UsageError.
 */
export async function fitGenes(whole: ExpressionMatrix, samples: SampleSheet, formula: string | Formula,
  options: FitOptions = {}): Promise<FitResult> {
  const started = performance.now();
  const notices: string[] = [];
  const notice = (message: string): void => {
    notices.push(message);
    options.onNotice?.(message);
  };
  const parsed = typeof formula === 'string' ? parseFormula(formula) : formula;
  refuseSingleTermOptions(parsed.random.length, options);
  const design = buildDesign(parsed, samples, whole.sampleIds, options);
  design.notices.forEach(notice);
  const insufficient = designInsufficiency(design);
  if (insufficient !== undefined) notice(insufficient);
  const transform = options.transform ?? 'none';
  if (transform === 'none' && looksLikeCounts(whole.values)) {
    notice('the matrix looks like raw counts (non-negative integers, maximum above 1000) and --transform is none; ' +
      'consider --transform logcpm or log2p1');
  }
  const context: FitContext = {
    design,
    transform,
    librarySizes: transform === 'logcpm' ? librarySizes(whole.values, whole.nGenes, whole.nSamples) : null,
    filters: { minMean: options.minMean, minCount: options.minCount, minSamples: options.minSamples },
    method: options.method,
    varPart: options.varPart,
  };
  const genes = shardRange(whole.nGenes, options.shard);
  const matrix = genesOf(whole, genes);
  context.firstGene = genes.first;
  const model = modelChoice(context);
  const backend = await createBackend(options.backend ?? 'auto', {
    threads: options.threads, nGenes: matrix.nGenes, gpu: options.gpu, onNotice: notice,
    cpuOnly: model.engine === 'terms' ? 'the GPU programs fit one random intercept by REML, and this model is fitted by the general core' : undefined,
  });
  const prepared = performance.now();
  try {
    const results = await backend.fit(
      { context, values: matrix.values, nGenes: matrix.nGenes, nSamples: matrix.nSamples },
      (done) => options.onProgress?.(done, matrix.nGenes),
    );
    finishResults(results);
    const fitted = performance.now();
    const rlrtExact = options.rlrtExact === undefined ? undefined : {
      nsim: options.rlrtExact,
      seed: options.seed ?? 1,
      ...(await exactRlrtPValues(context, matrix.values, matrix.nSamples, results, options.rlrtExact, options.seed ?? 1,
        backend.simulateRlrtNull?.bind(backend))),
    };
    const simulated = performance.now();
    const bootstrap = options.bootstrap === undefined ? undefined : {
      B: options.bootstrap,
      seed: options.seed ?? 1,
      ...(backend.bootstrap
        ? await backend.bootstrap(context, matrix.values, matrix.nSamples, results, options.bootstrap, options.seed ?? 1, options.onBootstrapProgress)
        : parametricBootstrap(context, matrix.values, matrix.nSamples, results, options.bootstrap, options.seed ?? 1, options.onBootstrapProgress)),
    };
    return {
      geneIds: matrix.geneIds,
      wholeGenes: whole.nGenes,
      coefNames: design.coefNames,
      context,
      results,
      backend: backend.description,
      gpu: (backend as { report?: GpuRunReport }).report,
      counts: countStatuses(results),
      shape: {
        terms: design.randomTerms.map((t) => t.name),
        method: model.method,
        fractions: model.varPart ? varianceFractionNames(design) : [],
        rlrtExact: rlrtExact !== undefined,
        bootstrap: bootstrap !== undefined,
      },
      timings: {
        prepareMs: prepared - started, fitMs: fitted - prepared, rlrtExactMs: simulated - fitted, bootstrapMs: performance.now() - simulated,
      },
      rlrtExact,
      bootstrap,
      notices,
    };
  } finally {
    await backend.dispose();
  }
}

/** The variance fractions' names (SPEC §3): each random term, each non-intercept column of X, `resid`. */
function varianceFractionNames(design: Design): string[] {
  return [...design.randomTerms.map((t) => t.name), ...design.coefNames.filter((_, j) => j !== design.interceptColumn), 'resid'];
}

/** The SPEC §5 output table of a fit. */
export function fitTable(fit: FitResult): Table {
  return resultTable(fit.geneIds, fit.coefNames, fit.results, fit.shape);
}
