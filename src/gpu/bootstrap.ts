/// <reference types="@webgpu/types" />
import { bootstrapGeneOnCpu, bootstrapModelOf, type BootstrapReport, bootstrapScratch, storeBootstrapIntervals } from '../simulation/bootstrap.js';
import { groupSizeRange } from '../model/design.js';
import type { FitContext } from '../model/prepare.js';
import { fittedGenes } from '../simulation/fitted-genes.js';
import type { GeneResults } from '../results/gene-results.js';
import { philoxKey } from '../stats/philox.js';
import type { GpuContext } from './device.js';
import { encodeFitPrograms, uploadFitConstants } from './fit-programs.js';
import { MISSING_F32, SEARCH_OUT_STRIDE } from './fit-declarations.js';
import type { BootstrapGene, ReplicateFinisher } from './bootstrap-finish.js';
import { runDeviceBatches } from './device-batches.js';
import { type BatchShape, type GpuTimings, noTimings, planBatches, threadShares } from './plan.js';
import { PHILOX_CONSTANTS } from './philox.js';
import { batchBuffers, drainBuffers, encodeProgram, type GpuProgram, releaseBuffers, uploadBuffer } from './program.js';

/**
 * shaders/bootstrap-draw.wgsl (with philox.wgsl): the replicate responses y*, one invocation per (gene, replicate)
 * column.
 */
export const bootstrapDrawProgram: GpuProgram = {
  name: 'bootstrap-draw',
  shaders: ['philox', 'bootstrap-draw'],
  workgroupSize: 64,
  // The batch's genes, replicates per gene in it and its first replicate; the group levels L (residual draws are
  // numbered after the group draws); the seed's key.
  uniform: { struct: 'DrawParams', fields: [['nObs', 'u32'], ['nGenes', 'u32'], ['replicates', 'u32'], ['firstReplicate', 'u32'],
    ['nLevels', 'u32'], ['key0', 'u32'], ['key1', 'u32']] },
  bindings: [
    { name: 'observed', element: 'u32', access: 'read', doc: '[nGenes × nObs] 1 where the gene has a value, else 0' },
    { name: 'sigma', element: 'f32', access: 'read', doc: '[nGenes × 2] σ̂_g / d, σ̂_e / d' },
    { name: 'geneIndex', element: 'u32', access: 'read', doc: '[nGenes] the gene\'s row of the whole matrix (its stream)' },
    { name: 'groupOf', element: 'u32', access: 'read', doc: '[nObs] group level of each design row' },
    { name: 'y', element: 'f32', access: 'read_write', doc: '[nObs × nGenes·replicates], sample-major' },
  ],
  constants: { ...PHILOX_CONSTANTS, MISSING: ['f32', MISSING_F32] },
};

/** What a GPU bootstrap did beyond the CPU's report. */
export interface GpuBootstrapReport extends BootstrapReport {
  /** Replicates refitted in f64 on the CPU from the same draws, because the device's fit failed its check. */
  refinedReplicates: number;
  /** Genes bootstrapped on the CPU: columns aliased on their rows, and every gene left when the device failed. */
  cpuGenes: number;
  batches: number;
  /** Why the GPU stopped being used (a lost device, an error), when it did; the genes left went to the CPU. */
  failure: string | null;
  /**
   * Where its time went: prepareMs the genes' models (and the CPU bootstrap of genes with aliased columns), uploadMs
   * encoding and submitting each batch (its chunk's inputs uploaded with its first), gpuMs waiting for the device,
   * finishMs taking the device's estimates and refitting the replicates that failed, on the host threads.
   */
  timings: GpuTimings;
}

/** Test hooks and limits of bootstrapOnGpu. */
export interface GpuBootstrapOptions {
  /** Workgroups per dispatch dimension before folding into 2-D. */
  maxPerDimension: number;
  /** (gene, replicate) columns per batch at most (default: what the device's limits allow). */
  maxBatchColumns?: number;
  /** Test hook: lose the device after submitting this many batches, as a driver reset would. */
  loseDeviceAfterBatches?: number;
}

/**
 * The parametric bootstrap of parametricBootstrap (src/simulation/bootstrap.ts) with the replicates drawn and refitted on
 * the GPU: the same Philox draws, then the fit's own programs (encodeFitPrograms, one pass, without the interval) on
 * (gene, replicate) columns, whose estimates come from the device's search alone (finishReplicates, on the host
 * threads of `finisher`, a share of each batch's genes a thread, while the device computes the next batch); only
 * the search's output is read back, and a column whose device fit fails its check is refitted on the CPU from the
 * same draws and counted. Genes go in chunks, each one or more batches of its replicates. When the device fails
 * (lost, an error), every chunk not yet finished is bootstrapped on the CPU (bootstrapGeneOnCpu, the f64 reference)
 * and report.failure says why: no gene is lost.
 */
export async function bootstrapOnGpu(gpu: GpuContext, context: FitContext, values: Float64Array, nSamples: number,
  results: GeneResults, B: number, seed: number, options: GpuBootstrapOptions, finisher: ReplicateFinisher,
  onProgress?: (genesDone: number, genesTotal: number) => void): Promise<GpuBootstrapReport> {
  const { design } = context;
  const { device } = gpu;
  const { maxPerDimension } = options;
  const key = philoxKey(seed);
  const report: GpuBootstrapReport = { genes: 0, failedReplicates: 0, refinedReplicates: 0, cpuGenes: 0, batches: 0, failure: gpu.failure,
    timings: noTimings(false) };
  const began = performance.now();
  const models: BootstrapGene[] = [];
  const scratch = bootstrapScratch(B);
  for (const { gene: g, ready } of fittedGenes(context, values, nSamples, results)) {
    const { pattern } = ready;
    const model = bootstrapModelOf(context, ready, g, results);
    report.genes++;
    if (pattern.p < design.p) {
      // The GPU programs fit every design column; this gene's rows alias one, so it is bootstrapped on the CPU.
      report.failedReplicates += bootstrapGeneOnCpu(model, key, B, scratch, results);
      report.cpuGenes++;
      continue;
    }
    models.push({ gene: g, model, scale: Math.hypot(model.sigmaG, model.sigmaE) || 1 });
  }

  const shape: BatchShape = {
    nObs: design.nObs, p: design.p, nGroups: design.randomTerms[0].levels.length,
    maxSize: groupSizeRange(design).largest,
  };
  const columns = planBatches(Math.max(1, models.length * B), shape, gpu.adapter.limits, options.maxBatchColumns)[0];
  const replicatesPerBatch = Math.min(B, columns);
  const genesPerBatch = Math.max(1, Math.floor(columns / replicatesPerBatch));
  const { buffers: constants } = uploadFitConstants(device, design);
  report.timings.prepareMs += performance.now() - began;

  /**
   * A chunk of genes: its device inputs (from its first batch on), its replicates' estimates, its batches left, and
   * whether one of them went to the CPU.
   */
  interface Chunk {
    genes: BootstrapGene[];
    inputs?: { observed: GPUBuffer; sigma: GPUBuffer; geneIndex: GPUBuffer };
    estimates: { h2: Float64Array; sigma2G: Float64Array; sigma2E: Float64Array; count: number }[];
    counts: { refined: number; failed: number };
    left: number;
    failed?: boolean;
  }
  const chunks: Chunk[] = [];
  for (let first = 0; first < models.length; first += genesPerBatch) {
    const genes = models.slice(first, first + genesPerBatch);
    chunks.push({ genes, estimates: genes.map(() => ({ h2: new Float64Array(B), sigma2G: new Float64Array(B), sigma2E: new Float64Array(B), count: 0 })),
      counts: { refined: 0, failed: 0 }, left: Math.ceil(B / replicatesPerBatch) });
  }
  const batches = chunks.flatMap((chunk) => Array.from({ length: chunk.left }, (_, i) => ({
    chunk, firstReplicate: i * replicatesPerBatch, replicates: Math.min(replicatesPerBatch, B - i * replicatesPerBatch) })));
  type Batch = (typeof batches)[number];
  type Submitted = { buffers: GPUBuffer[]; staging: GPUBuffer; ready: Promise<void> };

  /** Uploads a chunk's inputs at its first batch, then draws and fits the batch's columns and copies them out. */
  const submit = ({ chunk, firstReplicate, replicates }: Batch): Submitted => {
    const t = performance.now();
    chunk.inputs ??= (() => {
      const observed = new Uint32Array(chunk.genes.length * design.nObs);
      chunk.genes.forEach(({ model }, k) => {
        for (const row of model.pattern.rows) observed[k * design.nObs + row] = 1;
      });
      return {
        observed: uploadBuffer(device, observed),
        sigma: uploadBuffer(device, Float32Array.from(chunk.genes.flatMap(({ model, scale }) => [model.sigmaG / scale, model.sigmaE / scale]))),
        geneIndex: uploadBuffer(device, Uint32Array.from(chunk.genes, ({ model }) => model.streamGene)),
      };
    })();
    const n = chunk.genes.length * replicates;
    const encoder = device.createCommandEncoder({ label: 'genelmm bootstrap' });
    const { make, made } = batchBuffers(device, encoder);
    const buffers: GPUBuffer[] = [];
    let staging: GPUBuffer | undefined;
    // A throw from here to the map request leaves no buffer of the batch behind.
    try {
      const y = make(n * design.nObs * 4);
      buffers.push(encodeProgram(device, encoder, bootstrapDrawProgram, n, { nObs: design.nObs, nGenes: chunk.genes.length, replicates,
        firstReplicate, nLevels: design.randomTerms[0].levels.length, key0: key[0], key1: key[1] },
      { ...chunk.inputs, groupOf: constants.groupOf, y }, maxPerDimension));
      // Drawn without their fixed part (bootstrap-draw.wgsl), the replicates have nothing for a second pass to take out.
      const fit = encodeFitPrograms(device, encoder, shape, n, y, constants, maxPerDimension, { recentred: false, interval: false });
      buffers.push(...fit.all);
      const searchBytes = n * SEARCH_OUT_STRIDE * 4;
      staging = device.createBuffer({ size: searchBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      encoder.copyBufferToBuffer(fit.out, 0, staging, 0, searchBytes);
      device.queue.submit([encoder.finish()]);
      const ready = staging.mapAsync(GPUMapMode.READ);
      ready.catch(() => undefined); // awaited when the batch completes; a loss meanwhile must not go unhandled
      report.timings.uploadMs += performance.now() - t;
      return { buffers: [...made, ...buffers], staging, ready };
    } catch (e) {
      [...made, ...buffers, ...(staging ? [staging] : [])].forEach((b) => b.destroy());
      throw e;
    }
  };

  /** Reads a batch back and finishes its replicates on the host threads, a share of its genes each. */
  const finish = async ({ chunk, firstReplicate, replicates }: Batch, { staging }: Submitted): Promise<void> => {
    const readback = finisher.share(new Float32Array(staging.getMappedRange().slice(0)));
    staging.unmap();
    const batch = { readback, replicates, firstReplicate, key };
    const parts = threadShares(chunk.genes.length, finisher.threads);
    const replies = await Promise.all(parts.map(({ first, count }, t) => finisher.finish(t, chunk.genes.slice(first, first + count), first, batch)));
    replies.forEach((estimates, t) => {
      chunk.counts.refined += estimates.refined;
      for (let j = 0; j < estimates.h2.length / replicates; j++) {
        const acc = chunk.estimates[parts[t].first + j];
        for (let r = 0; r < replicates; r++) {
          const at = j * replicates + r;
          if (Number.isNaN(estimates.h2[at])) {
            chunk.counts.failed++;
            continue;
          }
          acc.h2[acc.count] = estimates.h2[at];
          acc.sigma2G[acc.count] = estimates.sigma2G[at];
          acc.sigma2E[acc.count++] = estimates.sigma2E[at];
        }
      }
    });
  };

  let done = report.cpuGenes;
  onProgress?.(done, report.genes);
  /**
   * A chunk whose batches are all done: its intervals stored when every batch finished on the device, else (a batch
   * went to the CPU, or the device was lost after the last readback) the whole chunk bootstrapped on the CPU.
   */
  const settle = (chunk: Chunk): void => {
    if (chunk.inputs) Object.values(chunk.inputs).forEach((b) => b.destroy());
    if (!chunk.failed && gpu.failure === null) {
      chunk.genes.forEach(({ gene }, k) => {
        const acc = chunk.estimates[k];
        storeBootstrapIntervals(results, gene, acc.h2, acc.sigma2G, acc.sigma2E, acc.count);
      });
      report.refinedReplicates += chunk.counts.refined;
      report.failedReplicates += chunk.counts.failed;
    } else {
      for (const { model } of chunk.genes) report.failedReplicates += bootstrapGeneOnCpu(model, key, B, scratch, results);
      report.cpuGenes += chunk.genes.length;
    }
    done += chunk.genes.length;
    onProgress?.(done, report.genes);
  };
  try {
    const run = await runDeviceBatches<Batch, Submitted>(batches.length, {
      prepare: (index) => batches[index],
      forDevice: () => true,
      submit,
      wait: (submitted) => submitted.ready,
      finish,
      onCpu: (batch) => {
        batch.chunk.failed = true;
      },
      done: (batch) => {
        if (--batch.chunk.left === 0) settle(batch.chunk);
      },
      release: ({ buffers, staging }) => {
        releaseBuffers(device, buffers);
        staging.destroy();
      },
      failure: () => gpu.failure,
      afterSubmit: (submitted) => {
        if (options.loseDeviceAfterBatches === submitted) device.destroy();
      },
    }, report.timings, report.failure);
    report.batches += run.batches;
    report.failure = run.failure ?? gpu.failure; // a device lost after the last readback: its chunk was redone on the CPU
  } finally {
    Object.values(constants).forEach((b) => b.destroy());
    drainBuffers(device);
  }
  return report;
}
