import type { BootstrapReport } from '../simulation/bootstrap.js';
import type { DesignPattern } from '../model/pattern.js';
import type { FitContext } from '../model/prepare.js';
import type { GeneResults } from '../results/gene-results.js';

/** Names accepted by `--backend`. */
export const BACKEND_NAMES = ['auto', 'webgpu', 'gpujs', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_NAMES)[number];

/** A whole matrix to fit. values: [nGenes × nSamples], gene-major, raw (untransformed), NaN = missing. */
export interface FitJob {
  context: FitContext;
  values: Float64Array;
  /** What the genes carry besides their values (`--weights`, `--voom`); only the CPU backend takes them. */
  extras?: GeneExtras;
  nGenes: number;
  nSamples: number;
}

/**
 * Per-gene inputs of a job besides its values: precision weights ([nSamples] a gene, as the values: `--weights`) and
 * the variance ratios of `--voom`'s first pass ([voomStride(design)] a gene: σ²_k / σ² of each term, NaN where the
 * gene was not fitted).
 */
export interface GeneExtras {
  weights?: Float64Array;
  voomRatios?: Float64Array;
}

/** The extras of genes [from, to) of a job of `nSamples` samples and voom stride `stride`. */
export function sliceExtras(extras: GeneExtras | undefined, from: number, to: number, nSamples: number, stride: number): GeneExtras | undefined {
  return extras && {
    weights: extras.weights?.subarray(from * nSamples, to * nSamples),
    voomRatios: extras.voomRatios?.subarray(from * stride, to * stride),
  };
}

/** What a backend says about itself in `genelmm info` and the run summary. */
export interface BackendDescription {
  name: Exclude<BackendChoice, 'auto'>;
  /** The device: CPU model and thread count, or GPU adapter vendor / architecture / description. */
  device: string;
  /** Why this backend was chosen (for `auto`) or that it was asked for. */
  reason: string;
}

/** A compute backend: fits every gene of a job and returns one result per gene, in input order. */
export interface Backend {
  readonly description: BackendDescription;
  fit(job: FitJob, onProgress?: (genesDone: number) => void): Promise<GeneResults>;
  /**
   * `nsim` draws of the exact RLRT null of one design, sorted (simulatePatternRlrtNull's contract), where the
   * backend has its own; absent, the f64 CPU reference simulates.
   */
  simulateRlrtNull?(pattern: DesignPattern, nsim: number, seed: number): Promise<Float64Array>;
  /**
   * The parametric bootstrap of every fitted gene (parametricBootstrap's contract: fills the bootstrap columns of
   * `results`), where the backend has its own; absent, the f64 CPU reference runs.
   */
  bootstrap?(context: FitContext, values: Float64Array, nSamples: number, results: GeneResults, B: number, seed: number,
    onProgress?: (genesDone: number, genesTotal: number) => void): Promise<BootstrapReport>;
  /** Frees threads or devices. */
  dispose(): Promise<void>;
}
