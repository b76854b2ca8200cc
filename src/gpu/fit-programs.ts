/// <reference types="@webgpu/types" />
import type { Design } from '../model/design.js';
import { H_GRID } from '../model/lambda-search.js';
import { geneStatsProgram } from './gene-stats.js';
import { h2IntervalProgram } from './h2-interval.js';
import { momentStartProgram } from './moment-start.js';
import { bytesPerGene, type BatchShape, FIT_OUTPUTS, type FitOutput, fitOutputBytes } from './plan.js';
import { H_MAX_F32, SEARCH_OUT_STRIDE } from './fit-declarations.js';
import { encodeProgram, encodeWithBuffers, type GpuProgram, uploadBuffer } from './program.js';
import { remlBetaProgram } from './reml-beta.js';
import { remlSearchProgram } from './reml-search.js';

/** The programs of a fit (encodeFitPrograms), compiled when the device is had. */
export const FIT_PROGRAMS: GpuProgram[] = [geneStatsProgram, momentStartProgram, remlSearchProgram, remlBetaProgram, h2IntervalProgram];

/** The device buffers of one batch's fit, for the copies that follow. */
export interface FitBuffers {
  stats: GPUBuffer;
  counts: GPUBuffer;
  out: GPUBuffer;
  beta: GPUBuffer;
  /** [n × 2] lo, hi of the 95% profile interval of h2, when asked for. */
  interval?: GPUBuffer;
  /** Every buffer made here, for releaseBuffers after the readback. */
  all: GPUBuffer[];
}

/**
 * Which passes encodeFitPrograms records: the second pass on y − x·β̂ (`recentred`: a gene's fixed part is most of
 * its values, and f32 keeps their digits only once it is taken out), the h2 interval (`interval`), and the
 * timestamps around them all.
 */
export interface FitPasses {
  recentred: boolean;
  interval: boolean;
  timestamps?: GPUQuerySet;
}

/**
 * Records the REML fit of `n` columns of `y` ([nObs × n], sample-major, MISSING where absent) into `encoder`:
 * statistics, moment start and search of y; where `passes.recentred`, β̂ at λ̂, then statistics and search again of
 * y − x·β̂ (gene-stats.wgsl), from λ̂; where `passes.interval`, the profile interval of h2 at the final λ̂
 * (h2-interval.wgsl). constants: the scaled design x, the groups and the search grid (uploadFitConstants).
 */
export function encodeFitPrograms(device: GPUDevice, encoder: GPUCommandEncoder, shape: BatchShape, n: number,
  y: GPUBuffer, constants: FitConstants, maxPerDimension: number, passes: FitPasses): FitBuffers {
  const per = bytesPerGene(shape);
  // A throw while encoding (too many workgroups, say) destroys the buffers made so far.
  return encodeWithBuffers(device, encoder, ({ make, made }) => {
    const sums = make(n * per.sums);
    const stats = make(n * per.stats, GPUBufferUsage.COPY_SRC);
    const counts = make(n * per.counts, GPUBufferUsage.COPY_SRC);
    const start = make(n * 4);
    const out = make(n * SEARCH_OUT_STRIDE * 4, GPUBufferUsage.COPY_SRC);
    const betaRef = make(n * per.beta, GPUBufferUsage.COPY_SRC); // zero-initialised: the first pass sums y itself
    const interval = passes.interval ? make(n * 8, GPUBufferUsage.COPY_SRC) : undefined;
    const params = { nGenes: n, nObs: shape.nObs, p: shape.p, nGroups: shape.nGroups, maxSize: shape.maxSize };
    const { x, groupOf, grid } = constants;
    const runs: [GpuProgram, Record<string, GPUBuffer>][] = [
      [geneStatsProgram, { y, x, groupOf, sums, stats, counts, betaRef }],
      [momentStartProgram, { stats, counts, start }],
      [remlSearchProgram, { stats, counts, start, grid, out }],
    ];
    if (passes.recentred) {
      runs.push([remlBetaProgram, { stats, counts, out, betaRef, start }], [geneStatsProgram, { y, x, groupOf, sums, stats, counts, betaRef }],
        [remlSearchProgram, { stats, counts, start, grid, out }]);
    }
    if (interval) runs.push([h2IntervalProgram, { stats, counts, grid, out, interval }]);
    const { timestamps } = passes;
    runs.forEach(([program, buffers], i) => {
      const timestampWrites = timestamps && (i === 0 || i === runs.length - 1)
        ? { querySet: timestamps, ...(i === 0 ? { beginningOfPassWriteIndex: 0 } : {}), ...(i === runs.length - 1 ? { endOfPassWriteIndex: 1 } : {}) }
        : undefined;
      made.push(encodeProgram(device, encoder, program, n, params, buffers, maxPerDimension, timestampWrites));
    });
    return { stats, counts, out, beta: betaRef, interval, all: made };
  });
}

/**
 * Records the copies of a batch's outputs (`fit`, for `n` genes) into `staging` from byte `at` on, laid out as
 * readbackLayout reads them; the h2 interval last, where the fit made one.
 */
export function copyFitOutputs(encoder: GPUCommandEncoder, fit: FitBuffers, staging: GPUBuffer, at: number, n: number, shape: BatchShape): void {
  const bytes = fitOutputBytes(shape);
  const buffers: Record<FitOutput, GPUBuffer | undefined> = { stats: fit.stats, counts: fit.counts, search: fit.out, beta: fit.beta, interval: fit.interval };
  for (const output of FIT_OUTPUTS) {
    const buffer = buffers[output];
    if (buffer === undefined) continue;
    encoder.copyBufferToBuffer(buffer, 0, staging, at, n * bytes[output]);
    at += n * bytes[output];
  }
}

/** Centring and scaling of X's columns for f32: x' = (x − μ) / s (μ = 0 without an intercept). */
export interface DesignScaling {
  x: Float32Array<ArrayBuffer>; // [nObs × p]
  mu: Float64Array;
  s: Float64Array;
  intercept: number;
}

export function scaleDesign(design: Design): DesignScaling {
  const { nObs, p, x: x64, interceptColumn } = design;
  const mu = new Float64Array(p);
  const s = new Float64Array(p).fill(1);
  for (let j = 0; j < p; j++) {
    if (j === interceptColumn) continue;
    if (interceptColumn >= 0) {
      for (let i = 0; i < nObs; i++) mu[j] += x64[i * p + j];
      mu[j] /= nObs;
    }
    let ss = 0;
    for (let i = 0; i < nObs; i++) ss += (x64[i * p + j] - mu[j]) ** 2;
    s[j] = Math.sqrt(ss / nObs) || 1;
  }
  const x = new Float32Array(nObs * p);
  for (let i = 0; i < nObs; i++) for (let j = 0; j < p; j++) x[i * p + j] = (x64[i * p + j] - mu[j]) / s[j];
  return { x, mu, s, intercept: interceptColumn };
}


/** A run's constant buffers of the fit programs: the scaled design, the group of each row, the search grid. */
export interface FitConstants {
  x: GPUBuffer;
  groupOf: GPUBuffer;
  grid: GPUBuffer;
}

/**
 * Uploads a run's constants for encodeFitPrograms: the design scaled for f32 (scaleDesign), the group of each
 * row, and the search grid (H_GRID, then the f32 upper end).
 */
export function uploadFitConstants(device: GPUDevice, design: Design): { buffers: FitConstants; scaling: DesignScaling } {
  const scaling = scaleDesign(design);
  const buffers = {
    x: uploadBuffer(device, scaling.x.length > 0 ? scaling.x : new Float32Array(1)),
    groupOf: uploadBuffer(device, Uint32Array.from(design.randomTerms[0].codes)),
    grid: uploadBuffer(device, Float32Array.from([...H_GRID, H_MAX_F32])),
  };
  return { buffers, scaling };
}
