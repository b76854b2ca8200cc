/** The options and the result of a fit (fitGenes, fitGeneSource), shared by the run's layers. */

import type { BackendChoice, BackendDescription } from './backends/backend.js';
import type { GpuRunReport } from './backends/gpu-batches.js';
import type { GpuTimings } from './gpu/plan.js';
import type { WebGpuOptions } from './backends/webgpu.js';
import type { ContrastSpec } from './model/contrasts.js';
import type { DesignOptions } from './model/design.js';
import type { Kinship, KinshipReport } from './model/kinship.js';
import type { Ddf, FitContext, GeneFilters } from './model/prepare.js';
import type { Method } from './model/terms/criterion.js';
import type { Transform } from './model/transform.js';
import type { ExpressionMatrix } from './io/types.js';
import type { GeneResults } from './results/gene-results.js';
import type { Status } from './results/statuses.js';
import type { ResultShape } from './results/results-table.js';

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
  /** CPU threads; default: the available cores, or one for a small job (select.ts' ONE_THREAD_MAX_WORK). */
  threads?: number;
  /** Batch size and test hooks of the GPU backends (webgpu; gpujs takes maxBatchGenes and loseDeviceAfterBatches). */
  gpu?: WebGpuOptions;
  /**
   * The kinship of the random term's levels (`--kinship`, SPEC §1): GCTA's GREML model, the term's covariance
   * σ²_g K; h2 is then narrow-sense (V(G)/Vp). Read it with readKinship.
   */
  kinship?: Kinship;
  /**
   * Linear combinations of the coefficients tested on every gene as lmerTest's contest1D (`--contrast NAME=EXPR`,
   * see contrasts.ts; parseContrastSpec splits the option's text).
   */
  contrasts?: ContrastSpec[];
  /** The F test of every fixed term of two or more columns, as lmerTest's anova() (type III) (`--anova`). */
  anova?: boolean;
  /**
   * Empirical Bayes moderated tests of every coefficient and contrast (`--ebayes`, SPEC §4): limma's squeezeVar
   * across the run's genes with dream's residual df, then dream's moderated t (limma's eBayes without random terms).
   * 'robust': limma's robust = TRUE (`--ebayes robust`), each gene with its own prior df (column df_prior).
   */
  ebayes?: boolean | 'robust';
  /**
   * Precision weights (`--weights`, SPEC §1): a matrix of the expression matrix's genes and samples, in any order
   * (read it with readMatrix), positive and finite where a value is observed; Var(e_i) = σ² / w_i. Rescaled to mean 1
   * per gene with random terms, as given without (limma's lmFit). Not with a kinship, the exact RLRT or the bootstrap.
   */
  weights?: ExpressionMatrix;
  /**
   * voom's precision weights (`--voom`, SPEC §2; voomWithDreamWeights): the genes' log-CPM (the transform is logcpm)
   * fitted unweighted by REML, the lowess trend of √σ̂ against the mean log2 count, then each gene weighed by it
   * (model/voom.ts). Counts only (a negative value is an input error); not with `weights`.
   */
  voom?: boolean;
  /**
   * The df of every Wald test (`--ddf`): Satterthwaite's (default) or Kenward–Roger's, which also adjusts Var(β̂)
   * (pbkrtest's vcovAdj, as lmerTest's ddf = "Kenward-Roger"); REML only; computed in sample space, per gene.
   */
  ddf?: Ddf;
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
  /**
   * Called as genes finish (fitted, and bootstrapped with --bootstrap). genesTotal is exact once known (in memory,
   * after a first pass, at the end) and estimated from the share of the file read before that.
   */
  onProgress?: (genesDone: number, genesTotal: number) => void;
  /** Values per block of genes held in memory (default BLOCK_VALUES); results do not depend on it. */
  blockValues?: number;
  /** Called with each thing the user should know (dropped samples, a counts-without-transform warning). */
  onNotice?: (message: string) => void;
}

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** The fits of a whole matrix (or of its shard), one entry per gene in input order. */
export interface FitResult {
  geneIds: string[];
  /** Genes in the whole matrix (more than geneIds with a shard). */
  wholeGenes: number;
  /** Samples (columns) in the matrix, used by the design or not. */
  matrixSamples: number;
  coefNames: string[];
  /** The design, transform and library sizes every gene was prepared with. */
  context: FitContext;
  results: GeneResults;
  backend: BackendDescription;
  /** What the GPU did (batches, refined genes, failures), when a GPU backend (webgpu or gpujs) ran. */
  gpu?: GpuRunReport;
  /** The kinship read (`kinship`), and what was done to it. */
  kinship?: KinshipReport;
  counts: Record<Status, number>;
  /** The output table's columns besides the coefficients: the random terms, method, fractions, options. */
  shape: ResultShape;
  /**
   * Milliseconds spent reading the matrix (both passes, when there is a first; reading overlaps the fit of the
   * block before), building the design and the backend (prepare), fitting the genes (fit), simulating the exact
   * RLRT and bootstrapping.
   */
  timings: { readMs: number; prepareMs: number; fitMs: number; rlrtExactMs: number; bootstrapMs: number };
  /** Null simulations per design of the exact RLRT, and the designs (missing-value patterns) simulated; absent without it. */
  rlrtExact?: { nsim: number; seed: number; patterns: number };
  /**
   * Bootstrap replicates per gene, the seed, the genes bootstrapped and the replicates whose refit failed (left
   * out of the quantiles); absent without it.
   */
  bootstrap?: {
    B: number; seed: number; genes: number; failedReplicates: number; refinedReplicates?: number;
    /**
     * On the GPU: genes bootstrapped on the CPU (aliased columns, or left when the device failed), why it failed, and
     * the device batches.
     */
    cpuGenes?: number; failure?: string | null; batches?: number;
    /** On the GPU: where its batches spent their time (prepare, upload, gpu, finish). */
    timings?: GpuTimings;
  };
  /**
   * `--ebayes`' prior of the genes' residual variances (limma's df.prior, Infinity where the variances vary no
   * more than sampling explains, and s2.prior); absent without it, or where no gene was fitted. `robust`
   * (`--ebayes robust`): the genes whose own prior df is below df.prior (outlying variances) and the smallest.
   */
  ebayes?: { dfPrior: number; s2Prior: number; robust?: { outliers: number; smallestDfPrior: number } };
  /**
   * `--voom`'s mean–variance trend: its span, the genes it was fitted to, its lowess curve (x the mean log2 count,
   * y √σ̂; at most 200 of its points), and the genes' points it was fitted to (limma's voom plot); absent without it.
   */
  voom?: {
    span: number; genes: number; trend: { x: number[]; y: number[] }; points: { x: Float64Array; y: Float64Array };
    /** [geneIds.length × voomStride] the trend pass' σ²_k / σ² of each gene of the run (voomWeightsOf's `ratios`). */
    ratios: Float64Array;
  };
  notices: string[];
}

