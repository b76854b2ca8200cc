import type { AdapterReport } from '../gpu/device.js';
import { runDeviceBatches } from '../gpu/device-batches.js';
import { type GpuTimings, noTimings } from '../gpu/plan.js';
import { fitGene } from '../model/fit-gene.js';
import { computeGeneStats } from '../model/gene-stats.js';
import type { FitContext, GenePreparer, ReadyGene } from '../model/prepare.js';
import { copyResults, type GeneResults } from '../results/gene-results.js';
import type { FitJob } from './backend.js';
import { fitBlockCpu, storeFit, storeSkipped } from './cpu-kernel.js';

/** Options both GPU backends take (test hooks included). */
export interface GpuBatchOptions {
  /** Genes per batch at most (default: plan.ts's DEFAULT_BATCH_GENES, less where the device's limits say). */
  maxBatchGenes?: number;
  /** Test hook: lose the device after submitting this many batches, as a driver reset would. */
  loseDeviceAfterBatches?: number;
}

/** What a GPU run did, for the run summary (the WebGPU and the gpu.js backend alike). */
export interface GpuRunReport {
  adapter: AdapterReport;
  batches: number;
  /** Genes whose search ran on the GPU. */
  gpuGenes: number;
  /** Of those, genes refitted in f64 on the CPU because the f32 result failed a check. */
  refinedGenes: number;
  /** Genes fitted on the CPU from the start: aliased columns on their rows, or batches after a GPU failure. */
  cpuGenes: number;
  /** Why the GPU stopped being used, when it did (in the fit, the exact-RLRT null or the bootstrap). */
  failure: string | null;
  /** Designs whose exact-RLRT null was simulated on the CPU: too many distinct eigenvalues, or a failed device. */
  cpuRlrtDesigns: number;
  timings: GpuTimings;
}

/** A report with nothing done yet. */
export function emptyRunReport(adapter: AdapterReport): GpuRunReport {
  return { adapter, batches: 0, gpuGenes: 0, refinedGenes: 0, cpuGenes: 0, failure: null, cpuRlrtDesigns: 0,
    timings: noTimings(adapter.hasTimestamps) };
}

/** A batch as the host prepared it: genes [offset, offset + nGenes), of which deviceGenes go to the device. */
export interface HostBatch {
  offset: number;
  nGenes: number;
  deviceGenes: number;
}

/** The steps of a GPU backend that runGpuBatches drives, batch by batch. */
export interface GpuBatchSteps<H extends HostBatch, D> {
  /**
   * Prepares genes [offset, offset + nGenes) on the host, settling the genes that do not go to the device (not
   * fitted, or fitted on the CPU): stored at once, or (WebGPU's parts held by host threads) when the batch finishes.
   */
  prepare(offset: number, nGenes: number): H | Promise<H>;
  /** Starts the device's work on a batch (deviceGenes > 0); resolves once it is submitted, before it is computed. */
  submit(host: H): D | Promise<D>;
  /** Resolves when the device's results of a batch can be read. */
  wait(device: D): Promise<void>;
  /** Reads the device's results and finishes the batch's genes on the host. */
  finish(host: H, device: D): void | Promise<void>;
  /**
   * Fits on the CPU the genes of a batch the device did not finish (deviceGenes of them: the rest were settled when
   * it was prepared), and stores whatever of the batch is not stored yet; absent, the whole batch is fitted again on
   * the calling thread.
   */
  fitOnCpu?(host: H): Promise<void>;
  /** Frees a batch's device resources, whether it finished or failed. */
  release?(device: D): void;
  /** Why the device must not be trusted any more, or null. */
  failure(): string | null;
  /** Called after each batch is submitted (and the one before it finished), with the batches submitted so far. */
  afterSubmit?(batches: number): void;
}

/**
 * Runs a fit's batches through a GPU backend's steps (runDeviceBatches: the device on one batch while the host
 * finishes the one before and prepares the next). A batch whose device work fails (an error, a lost device) is fitted
 * on the CPU (steps.fitOnCpu, or fitBlockCpu), as is every batch after it, and report.failure says why: no gene is
 * lost. Fills `out` and the report's batches, gpuGenes, cpuGenes, failure and timings (prepare, gpu, finish).
 */
export async function runGpuBatches<H extends HostBatch, D>(job: FitJob, batchSizes: number[], steps: GpuBatchSteps<H, D>,
  report: GpuRunReport, out: GeneResults, onProgress?: (genesDone: number) => void): Promise<void> {
  let next = 0;
  const offsets = batchSizes.map((n) => (next += n) - n);
  let done = 0;
  const run = await runDeviceBatches<H, D>(batchSizes.length, {
    prepare: (index) => steps.prepare(offsets[index], batchSizes[index]),
    forDevice: (host) => host.deviceGenes > 0, // else every gene was settled on the host
    submit: (host) => steps.submit(host),
    wait: (device) => steps.wait(device),
    finish: (host, device) => steps.finish(host, device),
    onCpu: async (host) => {
      const { offset: o, nGenes } = host;
      if (steps.fitOnCpu) await steps.fitOnCpu(host);
      else copyResults(fitBlockCpu(job.context, job.values.subarray(o * job.nSamples, (o + nGenes) * job.nSamples), nGenes), out, o);
    },
    done: (host, onDevice) => {
      // The batch's other genes were settled, and counted, when it was prepared.
      if (onDevice === true) report.gpuGenes += host.deviceGenes;
      if (onDevice === false) report.cpuGenes += host.deviceGenes;
      done += host.nGenes;
      onProgress?.(done);
    },
    release: steps.release && ((device) => steps.release!(device)),
    failure: () => steps.failure(),
    afterSubmit: (batches) => steps.afterSubmit?.(report.batches + batches),
  }, report.timings, report.failure);
  report.batches += run.batches;
  report.failure = run.failure;
}

/**
 * The genes of `values` ([nGenes × nSamples], raw) that go to a GPU, prepared on the host in f64 (filters,
 * transform, missing values, status): genes not fitted are stored in `out` at once, and genes with columns aliased
 * on their rows are fitted on the CPU (counted in `counted.cpuGenes`), as the GPU programs assume the design's full
 * rank. Gene k is `out`'s gene first + k; a yielded gene's y is valid until the next one is yielded.
 */
export function* genesForDevice(context: FitContext, values: Float64Array, nGenes: number, first: number, preparer: GenePreparer,
  out: GeneResults, counted: { cpuGenes: number }): Generator<{ gene: number; ready: ReadyGene }> {
  const nSamples = nGenes > 0 ? values.length / nGenes : 0;
  for (let k = 0; k < nGenes; k++) {
    const g = first + k;
    const prepared = preparer.prepare(values.subarray(k * nSamples, (k + 1) * nSamples));
    if (prepared.status !== 'ready') {
      storeSkipped(out, g, prepared);
    } else if (prepared.pattern.p < context.design.p) {
      storeFit(out, g, context, prepared.pattern, prepared.mean, fitGene(computeGeneStats(prepared.pattern, prepared.y)));
      counted.cpuGenes++;
    } else {
      yield { gene: g, ready: prepared };
    }
  }
}
