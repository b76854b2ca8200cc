import { fitGene } from '../model/fit-gene.js';
import { computeGeneStats, yScaleOf } from '../model/gene-stats.js';
import type { FitContext, GenePreparer, ReadyGene } from '../model/prepare.js';
import { patternLeastSquares, takeFit } from '../model/least-squares.js';
import type { GeneResults } from '../results/gene-results.js';
import type { DesignScaling } from '../gpu/fit-programs.js';
import { finishGpuFit, hostStats, type PackedColumn } from '../gpu/host-finish.js';
import type { ReadbackLayout } from '../gpu/plan.js';
import { MISSING_F32, SEARCH_METHOD, SEARCH_OUT, SEARCH_OUT_STRIDE } from '../gpu/fit-declarations.js';
import { allocateRunResults, storeFit } from './cpu-kernel.js';
import { genesForDevice } from './gpu-batches.js';

/**
 * The WebGPU fit's host work on one part of a batch, in f64, on whichever thread holds the part (a worker of the
 * pool, or the calling thread): preparePart packs its genes for the device and settles the rest; finishPart turns
 * the device's results into estimates; refitPart fits its packed genes on the CPU instead, when the device failed.
 * A part keeps its missing-value patterns, so the thread that prepared it finishes it.
 */

/**
 * A gene of a part that goes to the device: its place in the part, how its values were centred (c) and scaled (d),
 * and the least-squares fit on X taken off them before they were rounded to f32 (least-squares.ts; in units of d).
 */
interface PackedGene extends PackedColumn {
  gene: number;
  mean: number;
  fixed: Float64Array;
}

/** A part of a batch as its thread prepared it, kept there until it is finished (Packed: what a packed gene keeps). */
export interface DevicePart<Packed = PackedGene> {
  /** [nGenes × nSamples] the part's raw values. */
  values: Float64Array;
  nSamples: number;
  packed: Packed[];
  /** The part's results: its settled genes at once, its packed genes once finished. */
  results: GeneResults;
}

/** A part's upload: its packed genes' values, [nObs × capacity] sample-major, columns [0, count) in use. */
export interface PartColumns {
  columns: Float32Array;
  capacity: number;
  count: number;
  /** Genes of the part fitted on the CPU from the start (columns aliased on their rows). */
  cpuGenes: number;
}

/**
 * Prepares a part's genes in f64 (statuses, NAs, transform): genes not fitted and genes with columns aliased on
 * their rows (the GPU programs assume the design's full rank) are stored in the part's results at once; the others
 * are packed as centred, scaled f32 with MISSING in their missing rows.
 */
export function preparePart(context: FitContext, values: Float64Array, nGenes: number, preparer: GenePreparer):
  { part: DevicePart; upload: PartColumns } {
  const nObs = context.design.nObs;
  const nSamples = nGenes > 0 ? values.length / nGenes : 0;
  const results = allocateRunResults(context, nGenes);
  const part: DevicePart = { values, nSamples, packed: [], results };
  const columns = new Float32Array(nObs * nGenes).fill(MISSING_F32);
  const counted = { cpuGenes: 0 };
  for (const { gene, ready } of genesForDevice(context, values, nGenes, 0, preparer, results, counted)) {
    const { pattern, y } = ready;
    const shift = context.design.interceptColumn >= 0 ? ready.mean : 0;
    const unit = yScaleOf(y, shift); // a power of two: the sum of squares neither under- nor overflows
    const v = new Float64Array(y.length);
    for (let i = 0; i < y.length; i++) v[i] = (y[i] - shift) / unit;
    const fit = patternLeastSquares(pattern);
    let fixed = fit === undefined ? new Float64Array(pattern.p) : takeFit(context.design, fit, v);
    let ss = 0;
    for (let i = 0; i < v.length; i++) ss += v[i] ** 2;
    if (!(ss > 0)) {
      // y lies in X's column space: nothing is left to keep, so nothing is taken off.
      for (let i = 0; i < y.length; i++) v[i] = (y[i] - shift) / unit;
      fixed = new Float64Array(pattern.p);
      for (let i = 0; i < v.length; i++) ss += v[i] ** 2;
    }
    const scale = unit * Math.sqrt(ss / y.length) || 1;
    const k = part.packed.length;
    for (let i = 0; i < y.length; i++) columns[pattern.rows[i] * nGenes + k] = (v[i] * unit) / scale;
    part.packed.push({ gene, pattern, mean: ready.mean, shift, scale, fixed: fixed.map((b) => (b * unit) / scale) });
  }
  return { part, upload: { columns, capacity: nGenes, count: part.packed.length, cpuGenes: counted.cpuGenes } };
}

/**
 * The device's input of a batch: its parts' columns side by side, [nObs × Σ count] sample-major, part after part.
 */
export function batchColumns(uploads: PartColumns[], nObs: number): Float32Array<ArrayBuffer> {
  const total = uploads.reduce((sum, u) => sum + u.count, 0);
  const y = new Float32Array(nObs * total);
  let first = 0;
  for (const { columns, capacity, count } of uploads) {
    for (let i = 0; i < nObs; i++) y.set(columns.subarray(i * capacity, i * capacity + count), i * total + first);
    first += count;
  }
  return y;
}

/** A packed gene fitted again from its raw values, on the CPU in f64. */
function refitGene(context: FitContext, part: DevicePart, gene: number, preparer: GenePreparer): void {
  const raw = part.values.subarray(gene * part.nSamples, (gene + 1) * part.nSamples);
  const again = preparer.prepare(raw) as ReadyGene;
  storeFit(part.results, gene, context, again.pattern, again.mean, fitGene(computeGeneStats(again.pattern, again.y)));
}

/**
 * Turns the device's results of a part (its packed genes are the batch's columns from `first` on) into estimates, in
 * f64 at the GPU's λ̂; a gene whose f32 result fails an f64 check is refitted on the CPU. Returns how many were.
 */
export function finishPart(context: FitContext, part: DevicePart, readback: Float32Array, layout: ReadbackLayout, first: number,
  scaling: DesignScaling, preparer: GenePreparer): number {
  let refined = 0;
  part.packed.forEach((packed, j) => {
    const k = first + j;
    const gpuStats = readback.subarray(layout.stats + k * layout.statsPer, layout.stats + (k + 1) * layout.statsPer);
    const counts = readback.subarray(layout.counts + k * layout.countsPer, layout.counts + (k + 1) * layout.countsPer);
    const betaRef = readback.subarray(layout.beta + k * layout.betaPer, layout.beta + k * layout.betaPer + layout.p);
    const o = layout.search + k * SEARCH_OUT_STRIDE;
    const [lo, hi] = readback.subarray(layout.interval + 2 * k, layout.interval + 2 * k + 2);
    const stats = hostStats(packed, gpuStats, counts, betaRef, scaling);
    // The statistics of y − X b are those of y with b added to β̂ (the criterion does not change).
    if (stats !== undefined) for (let a = 0; a < packed.fixed.length; a++) stats.betaOffset[a] += packed.fixed[a];
    const fit = stats === undefined ? 'group sizes differ from the host' : finishGpuFit(stats, {
      lambda: readback[o + SEARCH_OUT.lambda],
      converged: readback[o + SEARCH_OUT.converged] === 1 && readback[o + SEARCH_OUT.method] !== SEARCH_METHOD.golden,
      evaluations: readback[o + SEARCH_OUT.evaluations],
      interval: lo >= 0 ? { lo, hi } : undefined,
    });
    if (typeof fit === 'string') {
      refined++;
      refitGene(context, part, packed.gene, preparer);
    } else {
      storeFit(part.results, packed.gene, context, packed.pattern, packed.mean, fit);
    }
  });
  return refined;
}

/** Fits a part's packed genes on the CPU, as its batch's device work failed. */
export function refitPart(context: FitContext, part: DevicePart, preparer: GenePreparer): void {
  for (const { gene } of part.packed) refitGene(context, part, gene, preparer);
}
