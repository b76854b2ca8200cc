import type { AdapterReport } from './device.js';

/** Bytes each gene of a batch occupies in each device buffer, and per-run constants. */
export interface BatchShape {
  nObs: number;
  p: number;
  nGroups: number;
  maxSize: number;
}

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
