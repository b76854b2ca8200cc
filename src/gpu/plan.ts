import type { AdapterReport } from './device.js';
import { SEARCH_OUT_STRIDE } from './fit-declarations.js';

/** Bytes each gene of a batch occupies in each device buffer, and per-run constants. */
export interface BatchShape {
  nObs: number;
  p: number;
  nGroups: number;
  maxSize: number;
}

/**
 * Where a GPU run's batches spent their time: host preparation, upload calls, time the host waited for the GPU
 * (compute and readback not hidden behind host work), host finishing; the compute time alone from timestamp queries
 * where the adapter has them (else null); and, for a WebGPU fit, requesting the adapter and device, compiling the
 * fit's pipelines (from the device on, overlapping the read and the first batch's preparation), and how long the
 * first batch waited for them (0 elsewhere).
 */
export interface GpuTimings {
  prepareMs: number;
  uploadMs: number;
  gpuMs: number;
  finishMs: number;
  computeMs: number | null;
  deviceMs: number;
  pipelinesMs: number;
  pipelinesWaitMs: number;
}

/** Timings with nothing done yet; computeMs 0 where timestamps are to be summed, else null. */
export function noTimings(withTimestamps: boolean): GpuTimings {
  return { prepareMs: 0, uploadMs: 0, gpuMs: 0, finishMs: 0, computeMs: withTimestamps ? 0 : null, deviceMs: 0, pipelinesMs: 0, pipelinesWaitMs: 0 };
}

/** Bytes at the start of a fit batch's readback for its two GPU timestamps (ns). */
export const TIMESTAMP_BYTES = 16;

/** Bytes per gene of the GPU's h2 interval (lo, hi, f32). */
export const INTERVAL_BYTES = 8;

/** Genes per batch: large enough to fill a GPU, small enough to overlap upload, compute and readback. */
export const DEFAULT_BATCH_GENES = 16_384;

/** Bytes per gene of each per-gene buffer (f32). */
export function bytesPerGene(shape: BatchShape): { y: number; sums: number; stats: number; counts: number; beta: number } {
  const m = shape.p + 1;
  return {
    beta: 4 * Math.max(shape.p, 1),
    y: 4 * shape.nObs,
    sums: 4 * shape.nGroups * (shape.p + 2),
    stats: 4 * (shape.maxSize + 1) * m * m,
    counts: 4 * (shape.maxSize + 1),
  };
}

/**
 * Gene counts of the batches for nGenes genes: each batch's largest buffer fits in
 * maxStorageBufferBindingSize and maxBufferSize; dispatches beyond maxComputeWorkgroupsPerDimension fold
 * into 2-D (see dispatchSize), so they do not limit the batch.
 */
export function planBatches(nGenes: number, shape: BatchShape, limits: AdapterReport['limits'],
  maxBatchGenes = DEFAULT_BATCH_GENES): number[] {
  const perGene = bytesPerGene(shape);
  return planBatchesOf(nGenes, Math.max(perGene.y, perGene.sums, perGene.stats, perGene.counts), limits, maxBatchGenes);
}

/**
 * Gene counts of the batches for nGenes genes whose widest per-gene buffer (or texture) takes `widestBytes`: each
 * batch's fits in maxStorageBufferBindingSize and maxBufferSize, and holds at most maxBatchGenes genes.
 */
export function planBatchesOf(nGenes: number, widestBytes: number, limits: AdapterReport['limits'],
  maxBatchGenes = DEFAULT_BATCH_GENES): number[] {
  const byMemory = Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / widestBytes);
  const size = Math.max(1, Math.min(maxBatchGenes, byMemory));
  const batches: number[] = [];
  for (let done = 0; done < nGenes; done += size) batches.push(Math.min(size, nGenes - done));
  return batches;
}

/** `n` items shared out over at most `threads` threads, in contiguous runs as equal as ceil division makes them. */
export function threadShares(n: number, threads: number): { first: number; count: number }[] {
  const size = Math.max(1, Math.ceil(n / threads));
  return Array.from({ length: Math.ceil(n / size) }, (_, t) => ({ first: t * size, count: Math.min(size, n - t * size) }));
}

/**
 * Workgroup counts for one invocation per gene: [x, y] with x ≤ maxPerDimension, and the invocations per
 * row the shaders use to recover the gene index (gid.y · rowInvocations + gid.x).
 */
export function dispatchSize(nGenes: number, workgroupSize: number, maxPerDimension: number):
  { x: number; y: number; rowInvocations: number } {
  const groups = Math.max(1, Math.ceil(nGenes / workgroupSize));
  const x = Math.min(groups, maxPerDimension);
  return { x, y: Math.ceil(groups / x), rowInvocations: x * workgroupSize };
}

/** Where each output of the fit programs lies in a batch's readback (f32 indices past the timestamps), per gene. */
export interface ReadbackLayout {
  p: number;
  stats: number;
  counts: number;
  search: number;
  beta: number;
  interval: number;
  /** Floats per gene of the stats, counts and β_ref outputs. */
  statsPer: number;
  countsPer: number;
  betaPer: number;
}

/** The fit's outputs a readback holds, in this order (the h2 interval last, where the fit made one). */
export const FIT_OUTPUTS = ['stats', 'counts', 'search', 'beta', 'interval'] as const;
export type FitOutput = (typeof FIT_OUTPUTS)[number];

/** Bytes per gene of each of the fit's outputs. */
export function fitOutputBytes(shape: BatchShape): Record<FitOutput, number> {
  const per = bytesPerGene(shape);
  return { stats: per.stats, counts: per.counts, search: SEARCH_OUT_STRIDE * 4, beta: per.beta, interval: INTERVAL_BYTES };
}

/** The readback layout of a batch of `nGenes` device genes: its outputs one after another, in FIT_OUTPUTS' order. */
export function readbackLayout(nGenes: number, shape: BatchShape): ReadbackLayout {
  const bytes = fitOutputBytes(shape);
  const at = {} as Record<FitOutput, number>;
  let floats = 0;
  for (const output of FIT_OUTPUTS) {
    at[output] = floats;
    floats += (nGenes * bytes[output]) / 4;
  }
  return { p: shape.p, ...at, statsPer: bytes.stats / 4, countsPer: bytes.counts / 4, betaPer: bytes.beta / 4 };
}

/** Bytes of a batch's outputs as readbackLayout lays them out, the h2 interval included or not. */
export function readbackBytes(nGenes: number, shape: BatchShape, withInterval: boolean): number {
  const bytes = fitOutputBytes(shape);
  return nGenes * FIT_OUTPUTS.reduce((sum, output) => sum + (output === 'interval' && !withInterval ? 0 : bytes[output]), 0);
}
