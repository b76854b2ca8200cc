import { groupSizeRange } from '../model/design.js';
import { fitGene } from '../model/fit-gene.js';
import { computeGeneStats, type GeneStats } from '../model/gene-stats.js';
import type { DesignPattern } from '../model/pattern.js';
import { type FitContext, GenePreparer } from '../model/prepare.js';
import { spectralGene, spectralResidual, type SpectralGene } from '../model/spectral.js';
import { momentLambda } from '../model/starting-values.js';
import type { GeneResults } from '../results/gene-results.js';
import { type AdapterReport, describeAdapter, type GpuUnavailable } from '../gpu/device.js';
import { finishGpuFit } from '../gpu/host-finish.js';
import { DEFAULT_BATCH_GENES, planBatchesOf } from '../gpu/plan.js';
import { acquireGpuJs, type GpuJsContext, type GpuJsKernel, type GpuJsMode } from '../gpujs/device.js';
import { compileProgram } from '../gpujs/program.js';
import { remlGridProgram } from '../gpujs/reml-grid.js';
import { remlSearchProgram, SEARCH_METHOD, SEARCH_ROW } from '../gpujs/reml-search.js';
import { CLASS_STRIDE, GENE_STRIDE, GRID_POINTS, packSpectral, type SpectralUpload } from '../gpujs/upload.js';
import type { Backend, BackendDescription, FitJob } from './backend.js';
import { allocateRunResults, storeFit } from './cpu-kernel.js';
import { emptyRunReport, genesForDevice, type GpuBatchOptions, type GpuRunReport, type HostBatch, runGpuBatches } from './gpu-batches.js';

/** Options of the gpu.js backend: batch size and the device-loss test hook. */
export type GpuJsOptions = GpuBatchOptions;

/**
 * The most eigenvalue classes a gene may have on the GPU: the kernels' loop bound (their loopMaxIterations). A
 * gene of a design with more (thousands of distinct group sizes) is fitted on the CPU.
 */
export const GPUJS_MAX_CLASSES = remlGridProgram.settings.loopMaxIterations;

/** One gene of a batch that goes to the GPU, with what its host finish needs. */
interface GpuJsGene {
  gene: number;
  pattern: DesignPattern;
  mean: number;
  stats: GeneStats;
}

/** A batch as the host prepared it, and its upload. */
interface GpuJsHostBatch extends HostBatch {
  genes: GpuJsGene[];
  upload: SpectralUpload;
}

/** The device's work on a batch: the search's output, [3][nGenes] of (4 floats), once read back. */
interface GpuJsDeviceBatch {
  results: Promise<unknown>;
  output?: ArrayLike<ArrayLike<number>>[];
}

/**
 * The gpu.js backend: the fallback GPU path for browsers without WebGPU (gpu.js on WebGL2, also in a Web Worker),
 * and in Node gpu.js's webgpu mode on Dawn, so that CI runs it. The host prepares each gene in f64 (statistics,
 * their spectral form, the moment start: src/model/spectral.ts); two kernels find λ̂ and the 95% profile interval
 * of h2 in f32 (src/gpujs/reml-grid.ts, reml-search.ts), thousands of genes per call; the host finishes every gene
 * in f64 as the WebGPU backend does (finishGpuFit: two Newton steps from the GPU's λ̂, then estimatesAt, so SE, df
 * and p-values are f64). A gene whose f32 result fails an f64 check is refitted on the CPU and counted as refined;
 * genes with columns aliased on their rows are fitted on the CPU; a kernel or device failure sends the unfinished
 * batches to the CPU. No gene is lost. The exact RLRT's null and the bootstrap run on the CPU reference.
 */
export class GpuJsBackend implements Backend {
  readonly description: BackendDescription;
  report: GpuRunReport;
  private kernels: { grid: GpuJsKernel; search: GpuJsKernel } | undefined;
  /** Whether the kernels have run once, and so are compiled. */
  private built = false;

  private constructor(private readonly context: GpuJsContext, reason: string, private readonly options: GpuJsOptions) {
    this.description = { name: 'gpujs', device: `${describeAdapter(context.adapter)}, gpu.js ${context.mode}`, reason };
    this.report = emptyRunReport(context.adapter);
  }

  /** A backend on gpu.js's best mode here (see acquireGpuJs; webgl2 only if so asked), or why there is none. */
  static async create(reason: string, options: GpuJsOptions = {}, webgl2Only = false): Promise<GpuJsBackend | GpuUnavailable> {
    const context = await acquireGpuJs(webgl2Only);
    return 'unavailable' in context ? context : new GpuJsBackend(context, reason, options);
  }

  /** webgl2 or webgpu. */
  get mode(): GpuJsMode {
    return this.context.mode;
  }

  /** The device gpu.js runs on, described as a WebGPU adapter is. */
  get adapter(): AdapterReport {
    return this.context.adapter;
  }

  async fit(job: FitJob, onProgress?: (genesDone: number) => void): Promise<GeneResults> {
    const { design } = job.context;
    const out = allocateRunResults(job.context, job.nGenes);
    const preparer = new GenePreparer(job.context);
    // Classes per gene at most: each distinct group size gives a pure eigenvalue and up to p mixed ones.
    const maxClasses = Math.min(GPUJS_MAX_CLASSES, (design.p + 1) * Math.min(design.randomTerms[0].levels.length, groupSizeRange(design).largest));
    const widest = 4 * Math.max(CLASS_STRIDE * maxClasses, 2 * (GRID_POINTS.length + 1), 4 * 3);
    const maxBatchGenes = Math.min(this.options.maxBatchGenes ?? DEFAULT_BATCH_GENES, this.context.maxOutputWidth);
    await runGpuBatches(job, planBatchesOf(job.nGenes, widest, this.context.adapter.limits, maxBatchGenes), {
      prepare: (offset, nGenes) => this.prepareBatch(offset, nGenes, job, preparer, out),
      submit: (host) => this.submit(host),
      wait: async (device) => {
        device.output = (await device.results) as ArrayLike<ArrayLike<number>>[];
      },
      finish: (host, device) => this.finishBatch(host, device.output!, out, job.context),
      failure: () => this.context.failure(),
      afterSubmit: (batches) => {
        if (this.options.loseDeviceAfterBatches === batches) this.context.lose();
      },
    }, this.report, out, onProgress);
    return out;
  }

  /**
   * Prepares genes [offset, offset + nGenes) on the host in f64: statuses, NAs, transform, then each fitted gene's
   * statistics, spectral form and moment start, packed for the kernels. Genes not fitted are stored at once; genes
   * with columns aliased on their rows, an XᵀX that f64 cannot factor, no residual variance under X, or more
   * eigenvalue classes than the kernels loop over are fitted on the CPU (which says what it makes of them).
   */
  private prepareBatch(offset: number, nGenes: number, job: FitJob, preparer: GenePreparer, out: GeneResults): GpuJsHostBatch {
    const genes: GpuJsGene[] = [];
    const spectral: { spectral: SpectralGene; lambdaStart: number }[] = [];
    for (const { gene: g, ready } of genesForDevice(job.context, job.values.subarray(offset * job.nSamples, (offset + nGenes) * job.nSamples), nGenes, offset,
      preparer, out, this.report)) {
      const { pattern, mean } = ready;
      const stats = computeGeneStats(pattern, ready.y);
      const gene = spectralGeneOrUndefined(stats);
      if (gene === undefined || gene.e.length > GPUJS_MAX_CLASSES || !(spectralResidual(gene, 0) > 0)) {
        storeFit(out, g, job.context, pattern, mean, fitGene(stats));
        this.report.cpuGenes++;
        continue;
      }
      genes.push({ gene: g, pattern, mean, stats });
      spectral.push({ spectral: gene, lambdaStart: momentLambda(stats) });
    }
    return { offset, nGenes, deviceGenes: genes.length, genes, upload: packSpectral(spectral) };
  }

  /** The kernels, compiled on first use and kept: one compilation serves every batch and every fit. */
  private kernelsFor(): { grid: GpuJsKernel; search: GpuJsKernel } {
    this.kernels ??= { grid: compileProgram(this.context.gpu, remlGridProgram), search: compileProgram(this.context.gpu, remlSearchProgram) };
    return this.kernels;
  }

  /**
   * Runs the grid kernel, then the search on its output (kept on the device); resolves once both are submitted. In
   * webgl2 mode gpu.js's calls block until their output is read back, so the time is the GPU's, not the upload's.
   */
  private async submit(host: GpuJsHostBatch): Promise<GpuJsDeviceBatch> {
    const { grid, search } = this.kernelsFor();
    const { upload } = host;
    const t = performance.now();
    const classes = this.context.input(upload.classes, [CLASS_STRIDE, upload.nClasses, upload.nGenes]);
    const genes = this.context.input(upload.genes, [GENE_STRIDE, upload.nGenes]);
    const nShared = GRID_POINTS.length;
    grid.setOutput(remlGridProgram.output(upload.nGenes, nShared + 1));
    search.setOutput(remlSearchProgram.output(upload.nGenes, nShared + 1));
    const gridOut = await grid(classes, genes, GRID_POINTS, upload.nClasses, nShared);
    const results = Promise.resolve(search(classes, genes, GRID_POINTS, gridOut, upload.nClasses, nShared));
    // Awaited when the batch completes, maybe after other work; a failure meanwhile is not an unhandled rejection.
    results.catch(() => undefined);
    // The grid's output buffer serves every batch, so the next batch's grid must not run before this search. Once
    // built, a gpu.js kernel submits within the call; its first call waits for its compilation first, so the first
    // batch is not overlapped with the next.
    if (!this.built) {
      await results;
      this.built = true;
    }
    const ms = performance.now() - t;
    if (this.context.mode === 'webgl2') this.report.timings.gpuMs += ms;
    else this.report.timings.uploadMs += ms;
    return { results };
  }

  /** Turns a batch's GPU results into estimates in f64 at the GPU's λ̂, refitting on the CPU what fails a check. */
  private finishBatch(host: GpuJsHostBatch, output: ArrayLike<ArrayLike<number>>[], out: GeneResults, context: FitContext): void {
    host.genes.forEach(({ gene, pattern, mean, stats }, k) => {
      const search = output[0][k];
      const lo = output[1][k][0];
      const hi = output[2][k][0];
      let fit = finishGpuFit(stats, {
        lambda: search[SEARCH_ROW.lambda],
        converged: search[SEARCH_ROW.converged] === 1 && search[SEARCH_ROW.method] !== SEARCH_METHOD.none,
        evaluations: search[SEARCH_ROW.evaluations],
        interval: lo >= 0 ? { lo, hi } : undefined,
      });
      if (typeof fit === 'string') {
        this.report.refinedGenes++;
        fit = fitGene(stats);
      }
      storeFit(out, gene, context, pattern, mean, fit);
    });
  }

  async dispose(): Promise<void> {
    this.kernels?.grid.destroy();
    this.kernels?.search.destroy();
    this.kernels = undefined;
    this.built = false;
    await this.context.gpu.destroy();
  }
}

/** spectralGene, or undefined where XᵀX of the gene's rows is not positive definite in f64 (spectralBasis's RangeError). */
function spectralGeneOrUndefined(stats: GeneStats<DesignPattern>): SpectralGene | undefined {
  try {
    return spectralGene(stats);
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}
