/// <reference types="@webgpu/types" />
import { errorText } from '../errors.js';
import { groupSizeRange } from '../model/design.js';
import type { DesignPattern } from '../model/pattern.js';
import { copyResults, type GeneResults } from '../results/gene-results.js';
import type { Backend, BackendDescription, FitJob } from './backend.js';
import { allocateRunResults } from './cpu-kernel.js';
import { WorkerPool } from './cpu-threads.js';
import { emptyRunReport, type GpuBatchOptions, type GpuRunReport, type HostBatch, runGpuBatches } from './gpu-batches.js';
import { batchColumns } from './webgpu-host.js';
import { type FinishTask, inThreadTasks, type TaskRunner } from './worker-tasks.js';
import { type AdapterReport, acquireGpu, describeAdapter, type GpuContext, type GpuUnavailable } from '../gpu/device.js';
import { assertReplicates, type BootstrapReport, parametricBootstrap } from '../simulation/bootstrap.js';
import { bootstrapDrawProgram, bootstrapOnGpu, type GpuBootstrapReport } from '../gpu/bootstrap.js';
import { copyFitOutputs, encodeFitPrograms, FIT_PROGRAMS, uploadFitConstants } from '../gpu/fit-programs.js';
import { copyKinshipOutputs, encodeKinshipPrograms, KINSHIP_BATCH_BYTES, type KinshipConstants, KINSHIP_PROGRAMS, kinshipReadbackBytes, kinshipReadbackLayout, rotationBytes,
  uploadKinshipConstants } from '../gpu/kinship-programs.js';
import type { KinshipBasis } from '../model/kinship.js';
import { batchUpload, compilePipelines, drainBuffers, type GpuProgram, releaseBuffers } from '../gpu/program.js';
import { type BatchShape, DEFAULT_BATCH_GENES, noTimings, planBatches, planBatchesOf, readbackBytes, readbackLayout, threadShares, TIMESTAMP_BYTES } from '../gpu/plan.js';
import { GPU_MAX_M } from '../gpu/fit-declarations.js';
import { encodeTermsPrograms, TERMS_PROGRAMS, termsDeviceLimit, termsReadbackBytes, termsWidestBytes, uploadTermsConstants } from '../gpu/terms-programs.js';
import { type FitContext, type ModelChoice, modelChoice } from '../model/prepare.js';
import { RLRT_NULL_MAX_J, rlrtNullProgram, simulateRlrtNullGpu } from '../gpu/rlrt-null.js';
import { rlrtEigenvalues, rlrtLambdaGrid, rlrtNullSetup, simulatePatternRlrtNull } from '../model/inference/rlrt-null.js';

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

/** The GPU phases a run asks for after its fit, whose programs are compiled with the fit's (compileFitPrograms). */
export interface AfterFit {
  /** `--bootstrap`: the replicates' draws (bootstrap-draw.wgsl). */
  bootstrap?: boolean;
  /** `--rlrt-exact`: the exact-RLRT null (rlrt-null.wgsl). */
  rlrtExact?: boolean;
}

/** A part of a batch, prepared and finished by one host thread: its id there, and its genes' place in the batch. */
interface BatchPart {
  id: number;
  thread: number;
  offset: number;
  nGenes: number;
  /** Its genes that went to the device, and the batch column of the first. */
  count: number;
  first: number;
  /** Its results are in (finished from the device's results, or on the CPU). */
  finished?: boolean;
}

/** A batch as the host threads prepared it. */
interface WebGpuHostBatch extends HostBatch {
  parts: BatchPart[];
  /** [nObs × deviceGenes], sample-major. */
  y: Float32Array<ArrayBuffer>;
}

/**
 * What fit() does on the device for one engine: the batches' sizes, each batch's programs and the copies of its
 * outputs, the readback's size and how the host threads read it (a FinishTask's device, less `first`), and the
 * constants' release after a job.
 */
interface DeviceEngine {
  batches(nGenes: number): number[];
  readbackBytes(deviceGenes: number): number;
  /** Records a batch's programs and copies its outputs into `staging` past the timestamps; returns the buffers made. */
  encode(encoder: GPUCommandEncoder, deviceGenes: number, y: GPUBuffer, staging: GPUBuffer, timestamps?: GPUQuerySet): GPUBuffer[];
  finishing(readback: Float32Array, deviceGenes: number): DistributiveOmit<NonNullable<FinishTask['device']>, 'first'>;
  release(): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** GPU buffers of one batch, and the readback of its results. */
interface DeviceBatch {
  buffers: GPUBuffer[];
  staging: GPUBuffer;
  /** The batch's two timestamp queries, where the adapter has them. */
  timestamps: GPUQuerySet | undefined;
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

  /** The host threads of the run's context; their count is the backend's `threads`. */
  private host?: { context: FitContext; tasks: TaskRunner };
  /** Batch parts handed out so far (their ids on the host threads). */
  private parts = 0;
  /**
   * The fit's pipelines, and apart from them each of those of the GPU phases after it (AfterFit, by program name),
   * compiling since the backend was chosen (compileFitPrograms): a phase whose program fails to compile runs on the
   * CPU, and the fit and the other phase still on the GPU.
   */
  private pipelines?: { fit: Promise<void>; after: Map<string, Promise<void>> };
  /** The kinship programs' constants of the run's basis, uploaded at its first job. */
  private kinship?: { basis: KinshipBasis; constants: KinshipConstants; destroy: () => void };

  private constructor(private readonly gpu: GpuContext, reason: string, private readonly options: WebGpuOptions,
    readonly threads: number, private readonly programs: GpuProgram[], private readonly afterPrograms: GpuProgram[]) {
    this.description = { name: 'webgpu', device: `${describeAdapter(gpu.adapter)}; host ${threads} thread${threads > 1 ? 's' : ''}`, reason };
    this.report = emptyRunReport(gpu.adapter);
  }

  /**
   * A backend on the best adapter, or why there is none; its host work (preparation and f64 finish of each batch)
   * runs on `threads` threads: worker threads from 2 on, the calling thread for 1. `engine`: the run's engine, whose
   * programs are the ones to compile.
   */
  static async create(reason: string, options: WebGpuOptions = {}, threads = 1, engine: ModelChoice['engine'] = 'single-term',
    after: AfterFit = {}): Promise<WebGpuBackend | GpuUnavailable> {
    const t = performance.now();
    const gpu = await acquireGpu();
    if ('unavailable' in gpu) return gpu;
    const programs = { 'single-term': FIT_PROGRAMS, terms: TERMS_PROGRAMS, kinship: KINSHIP_PROGRAMS }[engine];
    // The bootstrap's draws and the exact-RLRT null run on the GPU for the single-term engine only.
    const afterPrograms: GpuProgram[] = [];
    if (engine === 'single-term' && after.bootstrap === true) afterPrograms.push(bootstrapDrawProgram);
    if (engine === 'single-term' && after.rlrtExact === true) afterPrograms.push(rlrtNullProgram);
    const backend = new WebGpuBackend(gpu, reason, options, threads, programs, afterPrograms);
    backend.report.timings.deviceMs = performance.now() - t;
    return backend;
  }

  /**
   * Starts compiling the fit's pipelines, and those of the GPU phases the run asks for after it (AfterFit), off the
   * main thread (createComputePipelineAsync), once: called as soon as
   * this backend is chosen, so the compilation overlaps the read and the first batch's preparation (not for an
   * adapter `auto` turns down). Resolves when the fit's are ready; a failure is the first batch's, which goes to the
   * CPU. The later phases' (afterFitPrograms) compile alongside.
   */
  compileFitPrograms(): Promise<void> {
    if (this.pipelines === undefined) {
      const t = performance.now();
      const fit = compilePipelines(this.gpu.device, this.programs).then(() => {
        this.report.timings.pipelinesMs = performance.now() - t;
      });
      const after = new Map(this.afterPrograms.map((program) => [program.name, compilePipelines(this.gpu.device, [program])]));
      // Awaited by the first batch's submit, the bootstrap's and the exact-RLRT null's start.
      [fit, ...after.values()].forEach((compiling) => compiling.catch(() => undefined));
      this.pipelines = { fit, after };
    }
    return this.pipelines.fit;
  }

  /**
   * A later phase's program compiled (compileFitPrograms; one the run did not announce is compiled at its first use),
   * with the fit's where the phase refits with them; rejects where one failed to compile.
   */
  private async phaseProgram(program: GpuProgram, withFit: boolean): Promise<void> {
    const fit = this.compileFitPrograms();
    if (withFit) await fit;
    await this.pipelines!.after.get(program.name);
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
    const tasks = await this.hostTasks(job.context);
    const values = tasks.share(job.values);
    const engine = this.deviceEngine(job.context);
    if (typeof engine === 'string') {
      // The whole job on the CPU, on the host threads (as --backend cpu would run it).
      this.report.failure = engine;
      this.report.cpuGenes += job.nGenes;
      await Promise.all(threadShares(job.nGenes, tasks.threads).map(async ({ first, count }, t) => {
        const { results } = await tasks.request(t, { kind: 'fit', nGenes: count, values: values.subarray(first * job.nSamples, (first + count) * job.nSamples) });
        copyResults(results, out, first);
      }));
      onProgress?.(job.nGenes);
      return out;
    }
    /** Finishes a batch's parts from its readback, or (none) on the CPU; a part done once is not asked again. */
    const finish = async (host: WebGpuHostBatch, readback?: Float32Array): Promise<void> => {
      const device = readback && engine.finishing(readback, host.deviceGenes);
      const parts = host.parts.filter((part) => part.count > 0 && !part.finished);
      const replies = await Promise.allSettled(parts.map((part) =>
        tasks.request(part.thread, { kind: 'finish', part: part.id, device: device && { ...device, first: part.first } })));
      replies.forEach((reply, k) => {
        if (reply.status === 'rejected') return;
        copyResults(reply.value.results, out, parts[k].offset);
        this.report.refinedGenes += reply.value.refined;
        parts[k].finished = true;
      });
      const failed = replies.find((reply) => reply.status === 'rejected');
      if (failed) throw failed.reason;
    };
    try {
      await runGpuBatches(job, engine.batches(job.nGenes), {
        prepare: (offset, nGenes) => this.prepareBatch(offset, nGenes, job.nSamples, values, tasks, design.nObs, out),
        submit: async (host) => {
          const t = performance.now();
          await this.compileFitPrograms();
          this.report.timings.pipelinesWaitMs += performance.now() - t;
          return this.submit(host, engine);
        },
        wait: (device) => device.done,
        finish: (host, device) => finish(host, this.readback(device.staging, tasks)),
        fitOnCpu: (host) => finish(host),
        release: (device) => {
          releaseBuffers(this.gpu.device, device.buffers);
          device.staging.destroy();
          device.timestamps?.destroy();
        },
        failure: () => this.gpu.failure,
        afterSubmit: (batches) => {
          if (this.options.loseDeviceAfterBatches === batches) this.gpu.device.destroy();
        },
      }, this.report, out, onProgress);
    } finally {
      engine.release();
      drainBuffers(this.gpu.device);
    }
    return out;
  }

  /**
   * How the device fits the run's model (the group-size programs, the several-terms programs, or the kinship programs
   * on the run's basis, whose constants are uploaded once and kept for the run's later jobs), or why it cannot (the
   * job goes to the CPU).
   */
  private deviceEngine(context: FitContext): DeviceEngine | string {
    const { design, kinship } = context;
    const { device, adapter } = this.gpu;
    const model = modelChoice(context);
    if (model.engine === 'terms') {
      const limit = termsDeviceLimit(design);
      if (limit !== undefined) return limit;
      const constants = uploadTermsConstants(device, design, model.method);
      return {
        batches: (nGenes) => planBatchesOf(nGenes, termsWidestBytes(constants.shape), adapter.limits, this.options.maxBatchGenes),
        readbackBytes: termsReadbackBytes,
        encode: (encoder, n, y, staging, timestamps) =>
          encodeTermsPrograms(device, encoder, n, y, constants, staging, TIMESTAMP_BYTES, this.maxPerDimension, timestamps),
        finishing: (readback) => ({ readback, terms: true }),
        release: () => Object.values(constants.buffers).forEach((b) => b.destroy()),
      };
    }
    if (design.p + 1 > GPU_MAX_M) return `${design.p} fixed effects exceed the GPU programs' limit of ${GPU_MAX_M - 1}`;
    const maxBytes = Math.min(adapter.limits.maxStorageBufferBindingSize, adapter.limits.maxBufferSize);
    if (kinship !== undefined) {
      if (rotationBytes(kinship) > maxBytes) {
        return `the kinship's rotation of ${kinship.n} samples (${rotationBytes(kinship)} bytes in f32) exceeds the device's buffers of ${maxBytes}`;
      }
      if (this.kinship?.basis !== kinship) {
        this.kinship?.destroy();
        const constants = uploadKinshipConstants(device, design, kinship);
        this.kinship = { basis: kinship, constants, destroy: () => Object.values(constants.buffers).forEach((b) => b.destroy()) };
      }
      const { constants } = this.kinship;
      return {
        batches: (nGenes) => planBatchesOf(nGenes, 4 * design.nObs, adapter.limits,
          Math.min(this.options.maxBatchGenes ?? DEFAULT_BATCH_GENES, Math.max(1, Math.floor(KINSHIP_BATCH_BYTES / (4 * design.nObs))))),
        readbackBytes: (n) => kinshipReadbackBytes(n, design.nObs),
        encode: (encoder, n, y, staging, timestamps) => {
          const fit = encodeKinshipPrograms(device, encoder, n, y, constants,
            { perGene: this.maxPerDimension, tiles: adapter.limits.maxComputeWorkgroupsPerDimension }, timestamps);
          copyKinshipOutputs(encoder, fit, staging, TIMESTAMP_BYTES, n, design.nObs); // after the two timestamps, 8-byte aligned
          return fit.all;
        },
        finishing: (readback, n) => ({ readback, kinship: kinshipReadbackLayout(n) }),
        release: () => undefined, // kept for the run's next job; dispose destroys them
      };
    }
    const shape: BatchShape = { nObs: design.nObs, p: design.p, nGroups: design.randomTerms[0].levels.length, maxSize: groupSizeRange(design).largest };
    const { buffers: constants, scaling } = uploadFitConstants(device, design);
    return {
      batches: (nGenes) => planBatches(nGenes, shape, adapter.limits, this.options.maxBatchGenes),
      readbackBytes: (n) => readbackBytes(n, shape, true),
      encode: (encoder, n, y, staging, timestamps) => {
        const fit = encodeFitPrograms(device, encoder, shape, n, y, constants, this.maxPerDimension, { recentred: true, interval: true, timestamps });
        copyFitOutputs(encoder, fit, staging, TIMESTAMP_BYTES, n, shape); // after the two timestamps, 8-byte aligned
        return fit.all;
      },
      finishing: (readback, n) => ({ readback, layout: readbackLayout(n, shape), scaling }),
      release: () => Object.values(constants).forEach((b) => b.destroy()),
    };
  }

  /** The host threads of a run: started at its first job, kept for its later jobs (the blocks of a streamed run). */
  private async hostTasks(context: FitContext): Promise<TaskRunner> {
    if (this.host?.context !== context) {
      await this.host?.tasks.close();
      this.host = { context, tasks: this.threads > 1 ? new WorkerPool(context, this.threads) : inThreadTasks(context) };
    }
    return this.host.tasks;
  }

  /**
   * Prepares genes [offset, offset + nGenes) on the host threads, a part each, in f64 (webgpu-host.ts' preparePart):
   * genes not fitted and genes with columns aliased on their rows are stored at once, from the parts none of whose
   * genes go to the device (the others hold theirs until finished); the rest are packed as one f32 upload.
   */
  private async prepareBatch(offset: number, nGenes: number, nSamples: number, values: Float64Array, tasks: TaskRunner, nObs: number,
    out: GeneResults): Promise<WebGpuHostBatch> {
    const ranges = threadShares(nGenes, tasks.threads).map(({ first, count }, t) => ({ thread: t, offset: offset + first, nGenes: count }));
    const uploads = await Promise.all(ranges.map((range) => tasks.request(range.thread, {
      kind: 'prepare', part: this.parts + range.thread, nGenes: range.nGenes,
      values: values.subarray(range.offset * nSamples, (range.offset + range.nGenes) * nSamples),
    })));
    let first = 0;
    const parts = ranges.map((range, t) => {
      const upload = uploads[t];
      this.report.cpuGenes += upload.cpuGenes;
      if (upload.results) copyResults(upload.results, out, range.offset);
      const part: BatchPart = { ...range, id: this.parts + t, count: upload.count, first };
      first += upload.count;
      return part;
    });
    this.parts += ranges.length;
    return { offset, nGenes, deviceGenes: first, parts, y: batchColumns(uploads, nObs) };
  }

  /** Uploads a batch and records its programs (engine.encode), the copies to a staging buffer and the timestamps. */
  private submit(host: WebGpuHostBatch, engine: DeviceEngine): DeviceBatch {
    const { device } = this.gpu;
    const n = host.deviceGenes;
    const t = performance.now();
    const y = batchUpload(device, host.y);
    this.report.timings.uploadMs += performance.now() - t;
    const timestamps = this.gpu.adapter.hasTimestamps ? device.createQuerySet({ type: 'timestamp', count: 2 }) : undefined;
    const resolved = timestamps ? device.createBuffer({ size: TIMESTAMP_BYTES, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : undefined;
    const staging = device.createBuffer({ size: TIMESTAMP_BYTES + engine.readbackBytes(n), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = device.createCommandEncoder({ label: 'genelmm batch' });
    let made: GPUBuffer[] = [];
    // A throw from here to the map request (encoding, finishing, submitting) leaves no buffer of the batch behind.
    try {
      made = engine.encode(encoder, n, y, staging, timestamps);
      if (timestamps && resolved) {
        encoder.resolveQuerySet(timestamps, 0, 2, resolved, 0);
        encoder.copyBufferToBuffer(resolved, 0, staging, 0, TIMESTAMP_BYTES);
      }
      device.queue.submit([encoder.finish()]);
      const done = staging.mapAsync(GPUMapMode.READ);
      return { buffers: [y, ...made, ...(resolved ? [resolved] : [])], staging, timestamps, done };
    } catch (e) {
      [y, staging, ...made, ...(resolved ? [resolved] : [])].forEach((b) => b.destroy());
      timestamps?.destroy();
      throw e;
    }
  }

  /** A batch's mapped readback past its timestamps, where the host threads read it; the compute time taken from the timestamps. */
  private readback(staging: GPUBuffer, tasks: TaskRunner): Float32Array {
    const mapped = staging.getMappedRange();
    if (this.report.timings.computeMs !== null) {
      const [begin, end] = new BigUint64Array(mapped, 0, 2);
      this.report.timings.computeMs += Number(end - begin) / 1e6;
    }
    const readback = tasks.share(new Float32Array(mapped.slice(TIMESTAMP_BYTES)));
    staging.unmap();
    return readback;
  }

  /**
   * The exact RLRT null of one design on the GPU (rlrt-null.wgsl), drawn from the CPU's Philox stream; designs
   * with more distinct eigenvalues than the program holds, or a failed device, simulate on the CPU (counted in
   * report.cpuRlrtDesigns). A device that fails here sets report.failure, as in the fit.
   */
  async simulateRlrtNull(pattern: DesignPattern, nsim: number, seed: number): Promise<Float64Array> {
    const setup = rlrtNullSetup(rlrtEigenvalues(pattern), pattern.n, pattern.p, rlrtLambdaGrid(), pattern.q);
    // The null runs after every block's fit: a failure here moves no fit to the CPU.
    const compiled = this.phaseProgram(rlrtNullProgram, false).then(() => true, (e: unknown) => {
      this.report.failure ??= `${errorText(e)} (compiling the exact-RLRT null's GPU program)`;
      return false;
    });
    if (!this.gpu.failure && setup.values.length <= RLRT_NULL_MAX_J && await compiled) {
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
    // The GPU bootstrap refits by the group-size programs; a kinship's replicates are drawn and refitted on the CPU.
    if (context.kinship !== undefined) return parametricBootstrap(context, values, nSamples, results, B, seed, onProgress);
    if (this.gpu.failure || this.report.failure) return parametricBootstrap(context, values, nSamples, results, B, seed, onProgress);
    try {
      await this.phaseProgram(bootstrapDrawProgram, true);
    } catch (e) {
      // The device is sound: the bootstrap alone goes to the CPU, its report saying why (the run's failure would send
      // later blocks' fits there too).
      const cpu = parametricBootstrap(context, values, nSamples, results, B, seed, onProgress);
      this.bootstrapReport = { ...cpu, refinedReplicates: 0, cpuGenes: cpu.genes, batches: 0,
        failure: `${errorText(e)} (compiling the bootstrap's GPU program)`, timings: noTimings(this.gpu.adapter.hasTimestamps) };
      return this.bootstrapReport;
    }
    // The fit's host threads (the bootstrap's context differs from the fit's by its first gene only, which its
    // finish does not use), or new ones where the fit had none.
    const tasks = this.host?.tasks ?? await this.hostTasks(context);
    this.bootstrapReport = await bootstrapOnGpu(this.gpu, context, values, nSamples, results, B, seed, {
      maxPerDimension: this.maxPerDimension,
      maxBatchColumns: this.options.maxBootstrapColumns,
      loseDeviceAfterBatches: this.options.loseDeviceAfterBootstrapBatches,
    }, {
      threads: tasks.threads,
      share: (readback) => tasks.share(readback),
      finish: (thread, genes, first, batch) => tasks.request(thread, { kind: 'bootstrap', genes, first, batch }),
    }, onProgress);
    if (this.bootstrapReport.failure !== null) this.report.failure ??= `${this.bootstrapReport.failure} (in the bootstrap)`;
    return this.bootstrapReport;
  }

  async dispose(): Promise<void> {
    await this.host?.tasks.close();
    this.host = undefined;
    this.kinship?.destroy();
    this.kinship = undefined;
    this.gpu.device.destroy();
  }
}

