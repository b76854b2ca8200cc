/// <reference types="@webgpu/types" />
import { errorText } from '../errors.js';
import { groupSizeRange } from '../model/design.js';
import { fitGene } from '../model/fit-gene.js';
import { computeGeneStats, yScaleOf } from '../model/gene-stats.js';
import type { DesignPattern } from '../model/pattern.js';
import { type FitContext, GenePreparer, type ReadyGene } from '../model/prepare.js';
import { copyResults, type GeneResults } from '../results/gene-results.js';
import type { Backend, BackendDescription, FitJob } from './backend.js';
import { allocateRunResults, fitBlockCpu, storeFit } from './cpu-kernel.js';
import { emptyRunReport, genesForDevice, type GpuBatchOptions, type GpuRunReport, type HostBatch, runGpuBatches } from './gpu-batches.js';
import { type AdapterReport, acquireGpu, describeAdapter, type GpuContext, type GpuUnavailable } from '../gpu/device.js';
import { assertReplicates, type BootstrapReport, parametricBootstrap } from '../simulation/bootstrap.js';
import { bootstrapOnGpu, type GpuBootstrapReport } from '../gpu/bootstrap.js';
import { type DesignScaling, encodeFitPrograms, uploadFitConstants } from '../gpu/fit-programs.js';
import { MISSING_F32 } from '../gpu/gene-stats.js';
import { finishGpuFit, hostStats, type PackedColumn } from '../gpu/host-finish.js';
import { bytesPerGene, type BatchShape, planBatches } from '../gpu/plan.js';
import { SEARCH_OUT, SEARCH_OUT_STRIDE } from '../gpu/reml-search.js';
import { RLRT_NULL_MAX_J, simulateRlrtNullGpu } from '../gpu/rlrt-null.js';
import { rlrtEigenvalues, rlrtLambdaGrid, rlrtNullSetup, simulatePatternRlrtNull } from '../model/inference/rlrt-null.js';

/** Bytes per gene of the GPU's h2 interval (lo, hi, f32). */
const INTERVAL_BYTES = 8;

/** Bytes at the start of each batch's readback for its two GPU timestamps (ns). */
const TIMESTAMP_BYTES = 16;

/** The largest p + 1 the WGSL programs hold in their private arrays (MAX_M). */
export const GPU_MAX_M = 16;

/** Options of the WebGPU backend. */
export interface WebGpuOptions extends GpuBatchOptions {
  /** Test hook: fold dispatches into 2-D past this many workgroups (default: the adapter's limit). */
  maxWorkgroupsPerDimension?: number;
  /** Test hook: bootstrap (gene, replicate) columns per batch at most (default: what the device's limits allow). */
  maxBootstrapColumns?: number;
  /** Test hook: lose the device after submitting this many bootstrap batches, as a driver reset would. */
  loseDeviceAfterBootstrapBatches?: number;
  /** Test hook: lose the device as the exact-RLRT null of the first design is simulated. */
  loseDeviceInRlrtNull?: boolean;
}

/** One ready gene of a batch: where it goes, and how its values were centred (c) and scaled (d). */
interface PackedGene extends PackedColumn {
  gene: number;
  mean: number;
}

/** A batch as the host prepared it. */
interface WebGpuHostBatch extends HostBatch {
  packed: PackedGene[];
  /** [nObs × packed.length], sample-major. */
  y: Float32Array<ArrayBuffer>;
}

/** GPU buffers of one batch, and the readback of its results. */
interface DeviceBatch {
  buffers: GPUBuffer[];
  staging: GPUBuffer;
  done: Promise<void>;
}

/**
 * The WebGPU backend: per-gene statistics, moment start and REML search run in WGSL, thousands of genes per
 * dispatch. The host then finishes each gene in f64 from the GPU's statistics: two Newton steps from the GPU's
 * λ̂ (polishLambda), then the estimates and tests (estimatesAt). A gene whose f32 result fails an f64 check is
 * refitted from scratch on the CPU and counted; a lost device sends the unfinished batches to the CPU, and, after the
 * fit, the exact-RLRT null and the bootstrap's remaining genes. No gene is lost either way.
 */
export class WebGpuBackend implements Backend {
  readonly description: BackendDescription;
  report: GpuRunReport;
  /** What the last GPU bootstrap did (refined replicates, batches). */
  bootstrapReport?: GpuBootstrapReport;

  private constructor(private readonly gpu: GpuContext, reason: string, private readonly options: WebGpuOptions) {
    this.description = { name: 'webgpu', device: describeAdapter(gpu.adapter), reason };
    this.report = emptyRunReport(gpu.adapter);
  }

  /** A backend on the best adapter, or why there is none. */
  static async create(reason: string, options: WebGpuOptions = {}): Promise<WebGpuBackend | GpuUnavailable> {
    const gpu = await acquireGpu();
    return 'unavailable' in gpu ? gpu : new WebGpuBackend(gpu, reason, options);
  }

  get adapter(): AdapterReport {
    return this.gpu.adapter;
  }

  /** Workgroups per dispatch dimension before folding into 2-D (the adapter's, or the test hook's). */
  private get maxPerDimension(): number {
    return this.options.maxWorkgroupsPerDimension ?? this.gpu.adapter.limits.maxComputeWorkgroupsPerDimension;
  }

  async fit(job: FitJob, onProgress?: (genesDone: number) => void): Promise<GeneResults> {
    const { design } = job.context;
    const out = allocateRunResults(job.context, job.nGenes);
    if (design.p + 1 > GPU_MAX_M) {
      this.report.failure = `${design.p} fixed effects exceed the GPU programs' limit of ${GPU_MAX_M - 1}`;
      this.report.cpuGenes += job.nGenes;
      copyResults(fitBlockCpu(job.context, job.values, job.nGenes), out, 0);
      onProgress?.(job.nGenes);
      return out;
    }
    const preparer = new GenePreparer(job.context);
    const shape: BatchShape = {
      nObs: design.nObs,
      p: design.p,
      nGroups: design.randomTerms[0].levels.length,
      maxSize: groupSizeRange(design).largest,
    };
    const { buffers: constants, scaling } = uploadFitConstants(this.gpu.device, design);
    try {
      await runGpuBatches(job, planBatches(job.nGenes, shape, this.gpu.adapter.limits, this.options.maxBatchGenes), {
        prepare: (offset, nGenes) => this.prepareBatch(offset, nGenes, job, preparer, out),
        submit: (host) => this.submit(host, shape, constants),
        wait: (device) => device.done,
        finish: (host, device) => this.finishBatch(host, device.staging, shape, scaling, preparer, job, out),
        release: (device) => {
          device.buffers.forEach((b) => b.destroy());
          device.staging.destroy();
        },
        failure: () => this.gpu.failure,
        afterSubmit: (batches) => {
          if (this.options.loseDeviceAfterBatches === batches) this.gpu.device.destroy();
        },
      }, this.report, out, onProgress);
    } finally {
      constants.forEach((b) => b.destroy());
    }
    return out;
  }

  /**
   * Prepares genes [offset, offset + nGenes) on the host in f64: statuses, NAs, transform; packs the genes to
   * fit as centred, scaled f32 with MISSING in their missing rows. Genes not fitted are stored at once;
   * genes with columns aliased on their rows are fitted on the CPU.
   */
  private prepareBatch(offset: number, nGenes: number, job: FitJob, preparer: GenePreparer, out: GeneResults): WebGpuHostBatch {
    const { design } = job.context;
    const nObs = design.nObs;
    const packed: PackedGene[] = [];
    const columns: Float32Array[] = [];
    for (const { gene: g, ready: prepared } of genesForDevice(job, offset, nGenes, preparer, out, this.report)) {
      const { pattern, y } = prepared;
      const shift = design.interceptColumn >= 0 ? prepared.mean : 0;
      const unit = yScaleOf(y, shift); // a power of two: the sum of squares neither under- nor overflows
      let ss = 0;
      for (let i = 0; i < y.length; i++) ss += ((y[i] - shift) / unit) ** 2;
      const scale = unit * Math.sqrt(ss / y.length) || 1;
      const column = new Float32Array(nObs).fill(MISSING_F32);
      for (let i = 0; i < y.length; i++) column[pattern.rows[i]] = (y[i] - shift) / scale;
      columns.push(column);
      packed.push({ gene: g, pattern, mean: prepared.mean, shift, scale });
    }
    const y = new Float32Array(nObs * packed.length);
    columns.forEach((column, k) => {
      for (let i = 0; i < nObs; i++) y[i * packed.length + k] = column[i];
    });
    return { offset, nGenes, deviceGenes: packed.length, packed, y };
  }

  /** Uploads a batch and records its three programs and the copies to a staging buffer. */
  private submit(host: WebGpuHostBatch, shape: BatchShape, constants: GPUBuffer[]): DeviceBatch {
    const { device } = this.gpu;
    const n = host.packed.length;
    const per = bytesPerGene(shape);
    const t = performance.now();
    const y = device.createBuffer({ size: Math.max(4, host.y.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(y, 0, host.y);
    this.report.timings.uploadMs += performance.now() - t;
    const timestamps = this.gpu.adapter.hasTimestamps ? device.createQuerySet({ type: 'timestamp', count: 2 }) : undefined;
    const resolved = timestamps ? device.createBuffer({ size: TIMESTAMP_BYTES, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : undefined;
    const staging = device.createBuffer({ size: TIMESTAMP_BYTES + n * (per.stats + per.counts + SEARCH_OUT_STRIDE * 4 + per.beta + INTERVAL_BYTES),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = device.createCommandEncoder({ label: 'genelmm batch' });
    const { stats, counts, out, beta, interval, all } = encodeFitPrograms(device, encoder, shape, n, y, constants, this.maxPerDimension, timestamps, true);
    const regions: [GPUBuffer, number][] = [[stats, per.stats], [counts, per.counts], [out, SEARCH_OUT_STRIDE * 4], [beta, per.beta], [interval!, INTERVAL_BYTES]];
    let at = TIMESTAMP_BYTES; // the two timestamps first, 8-byte aligned
    for (const [buffer, bytes] of regions) {
      encoder.copyBufferToBuffer(buffer, 0, staging, at, n * bytes);
      at += n * bytes;
    }
    if (timestamps && resolved) {
      encoder.resolveQuerySet(timestamps, 0, 2, resolved, 0);
      encoder.copyBufferToBuffer(resolved, 0, staging, 0, TIMESTAMP_BYTES);
    }
    device.queue.submit([encoder.finish()]);
    const done = staging.mapAsync(GPUMapMode.READ);
    return { buffers: [y, ...all, ...(resolved ? [resolved] : [])], staging, done };
  }

  /** Turns a batch's GPU results into estimates (f64, at the GPU's λ̂), refining on the CPU what fails a check. */
  private finishBatch(host: WebGpuHostBatch, staging: GPUBuffer, shape: BatchShape, scaling: DesignScaling,
    preparer: GenePreparer, job: FitJob, out: GeneResults): void {
    const n = host.packed.length;
    const per = bytesPerGene(shape);
    const mapped = staging.getMappedRange().slice(0);
    staging.unmap();
    const data = new Float32Array(mapped, TIMESTAMP_BYTES);
    if (this.report.timings.computeMs !== null) {
      const [begin, end] = new BigUint64Array(mapped, 0, 2);
      this.report.timings.computeMs += Number(end - begin) / 1e6;
    }
    const statsAt = 0;
    const countsAt = (n * per.stats) / 4;
    const searchAt = countsAt + (n * per.counts) / 4;
    const betaAt = searchAt + n * SEARCH_OUT_STRIDE;
    const intervalAt = betaAt + (n * per.beta) / 4;
    host.packed.forEach((packed, k) => {
      const gpuStats = data.subarray(statsAt + (k * per.stats) / 4, statsAt + ((k + 1) * per.stats) / 4);
      const counts = data.subarray(countsAt + (k * per.counts) / 4, countsAt + ((k + 1) * per.counts) / 4);
      const o = searchAt + k * SEARCH_OUT_STRIDE;
      const betaRef = data.subarray(betaAt + (k * per.beta) / 4, betaAt + (k * per.beta) / 4 + shape.p);
      const stats = hostStats(packed, gpuStats, counts, betaRef, scaling);
      const [lo, hi] = data.subarray(intervalAt + 2 * k, intervalAt + 2 * k + 2);
      const fit = stats === undefined ? 'group sizes differ from the host' : finishGpuFit(stats, {
        lambda: data[o + SEARCH_OUT.lambda],
        converged: data[o + SEARCH_OUT.converged] === 1 && data[o + SEARCH_OUT.method] !== 2,
        evaluations: data[o + SEARCH_OUT.evaluations],
        interval: lo >= 0 ? { lo, hi } : undefined,
      });
      if (typeof fit === 'string') {
        this.report.refinedGenes++;
        const raw = job.values.subarray(packed.gene * job.nSamples, (packed.gene + 1) * job.nSamples);
        const again = preparer.prepare(raw) as ReadyGene;
        storeFit(out, packed.gene, job.context, again.pattern, again.mean, fitGene(computeGeneStats(again.pattern, again.y)));
        return;
      }
      storeFit(out, packed.gene, job.context, packed.pattern, packed.mean, fit);
    });
  }

  /**
   * The exact RLRT null of one design on the GPU (rlrt-null.wgsl), drawn from the CPU's Philox stream; designs
   * with more distinct eigenvalues than the program holds, or a failed device, simulate on the CPU (counted in
   * report.cpuRlrtDesigns). A device that fails here sets report.failure, as in the fit.
   */
  async simulateRlrtNull(pattern: DesignPattern, nsim: number, seed: number): Promise<Float64Array> {
    const setup = rlrtNullSetup(rlrtEigenvalues(pattern), pattern.n, pattern.p, rlrtLambdaGrid(), pattern.q);
    if (!this.gpu.failure && setup.values.length <= RLRT_NULL_MAX_J) {
      if (this.options.loseDeviceInRlrtNull) this.gpu.device.destroy();
      try {
        const draws = await simulateRlrtNullGpu(this.gpu, setup, nsim, seed);
        if (this.gpu.failure) throw new Error(this.gpu.failure);
        return Float64Array.from(draws).sort();
      } catch (e) {
        // A lost device rejects mapAsync with an empty AbortError; the loss itself says why.
        this.report.failure ??= `${this.gpu.failure ?? errorText(e)} (in the exact-RLRT null)`;
      }
    }
    this.report.cpuRlrtDesigns++;
    return simulatePatternRlrtNull(pattern, nsim, seed);
  }

  /**
   * The parametric bootstrap on the GPU (src/gpu/bootstrap.ts): the CPU's draws, refitted by the fit's own
   * programs; after a device failure, the f64 CPU reference.
   */
  async bootstrap(context: FitContext, values: Float64Array, nSamples: number, results: GeneResults, B: number,
    seed: number, onProgress?: (genesDone: number, genesTotal: number) => void): Promise<BootstrapReport> {
    assertReplicates(B);
    if (this.gpu.failure) return parametricBootstrap(context, values, nSamples, results, B, seed, onProgress);
    this.bootstrapReport = await bootstrapOnGpu(this.gpu, context, values, nSamples, results, B, seed, {
      maxPerDimension: this.maxPerDimension,
      maxBatchColumns: this.options.maxBootstrapColumns,
      loseDeviceAfterBatches: this.options.loseDeviceAfterBootstrapBatches,
    }, onProgress);
    if (this.bootstrapReport.failure !== null) this.report.failure ??= `${this.bootstrapReport.failure} (in the bootstrap)`;
    return this.bootstrapReport;
  }

  async dispose(): Promise<void> {
    this.gpu.device.destroy();
  }
}

