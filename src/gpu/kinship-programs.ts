/// <reference types="@webgpu/types" />
import type { Design } from '../model/design.js';
import type { KinshipBasis } from '../model/kinship.js';
import { H_GRID } from '../model/lambda-search.js';
import { KINSHIP_CLASSES, KINSHIP_UNIFORM } from './criterion-classes.js';
import { GPU_MAX_M, H_MAX_F32, SEARCH_OUT_STRIDE } from './fit-declarations.js';
import { scaleDesign } from './fit-programs.js';
import { h2IntervalProgramOf } from './h2-interval.js';
import { momentStartProgramOf } from './moment-start.js';
import { INTERVAL_BYTES } from './plan.js';
import { encodeProgram, encodeWithBuffers, type GpuProgram, uploadBuffer } from './program.js';
import { remlSearchProgramOf } from './reml-search.js';

/**
 * The fit of a kinship term on the GPU (src/model/kinship.ts in f64): each batch's genes rotated into the run's
 * basis by one tiled matrix product (kinship-rotate.wgsl), W of each gene (kinship-stats.wgsl), then the moment
 * start, the search and the h2 interval of the criterion programs on the kinship's classes (classes-kinship.wgsl).
 * The host finishes each gene in f64 from its rotated values as the device read them back (webgpu-kinship-host.ts).
 */

/** shaders/kinship-rotate.wgsl: ỹ = Uᵀ y for a batch, 64 × 64 cells a workgroup of 16 × 16 invocations. */
export const kinshipRotateProgram: GpuProgram = {
  name: 'kinship-rotate',
  shaders: ['kinship-rotate'],
  workgroupSize: 256,
  tile: { size: 64, threads: 16 },
  uniform: KINSHIP_UNIFORM,
  bindings: [
    { name: 'rotation', element: 'f32', access: 'read', doc: '[nObs × nObs] Uᵀ, row-major' },
    { name: 'y', element: 'f32', access: 'read', doc: '[nObs × nGenes], sample-major' },
    { name: 'rotated', element: 'f32', access: 'read_write', doc: '[nObs × nGenes] Uᵀ y' },
  ],
  constants: {},
};

/** shaders/kinship-stats.wgsl: each gene's W over K_s's null space. */
export const kinshipStatsProgram: GpuProgram = {
  name: 'kinship-stats',
  shaders: ['kinship-stats'],
  workgroupSize: 64,
  uniform: KINSHIP_UNIFORM,
  bindings: [
    { name: 'rotated', element: 'f32', access: 'read' },
    { name: 'xRotated', element: 'f32', access: 'read', doc: '[nObs × p]' },
    { name: 'wxx', element: 'f32', access: 'read', doc: '[p × p] Σ x̃_i x̃_iᵀ over the null space' },
    { name: 'stats', element: 'f32', access: 'read_write', doc: '[nGenes × m × m] W' },
  ],
  constants: { MAX_M: ['u32', GPU_MAX_M] },
};

export const kinshipMomentStartProgram = momentStartProgramOf(KINSHIP_CLASSES);
export const kinshipSearchProgram = remlSearchProgramOf(KINSHIP_CLASSES);
export const kinshipIntervalProgram = h2IntervalProgramOf(KINSHIP_CLASSES);

/** The programs of a kinship fit, compiled when the device is had. */
export const KINSHIP_PROGRAMS: GpuProgram[] = [kinshipRotateProgram, kinshipStatsProgram, kinshipMomentStartProgram,
  kinshipSearchProgram, kinshipIntervalProgram];

/** A run's constant buffers of the kinship programs. */
export interface KinshipConstants {
  buffers: { rotation: GPUBuffer; xRotated: GPUBuffer; eigenvalues: GPUBuffer; wxx: GPUBuffer; grid: GPUBuffer };
  /** The basis' rows, the design's columns and the positive eigenvalues. */
  nObs: number;
  p: number;
  nClasses: number;
}

/**
 * A kinship batch's rotated values at most, in bytes: they are read back for the host's f64 finish (4n bytes a gene),
 * so the batch holds 64 MiB of them (16,384 genes at 1,000 samples, 3,355 at 5,000), which bounds the readback
 * and the host's copies of it.
 */
export const KINSHIP_BATCH_BYTES = 64 * 2 ** 20;

/** Bytes of the largest constant, Uᵀ in f32: a basis whose Uᵀ exceeds the device's buffers is fitted on the CPU. */
export function rotationBytes(basis: KinshipBasis): number {
  return 4 * basis.n * basis.n;
}

/**
 * Uploads a run's kinship constants: Uᵀ in f32, Uᵀ X' of the design scaled for f32 (scaleDesign: a
 * reparametrisation of X's column space, which leaves λ̂ where it is), the positive eigenvalues, the null space's
 * X part of W, and the search grid.
 */
export function uploadKinshipConstants(device: GPUDevice, design: Design, basis: KinshipBasis): KinshipConstants {
  const { n, rotation, eigenvalues } = basis;
  const { p } = design;
  // Uᵀ x' = (Uᵀ x − μ Uᵀ 1) / s, with Uᵀ 1 the intercept's rotated column (μ = 0 without one).
  const { mu, s, intercept } = scaleDesign(design);
  const xRotated = new Float64Array(n * p);
  for (let k = 0; k < n; k++) {
    for (let a = 0; a < p; a++) {
      const centre = intercept >= 0 && a !== intercept ? mu[a] * basis.xRotated[k * p + intercept] : 0;
      xRotated[k * p + a] = (basis.xRotated[k * p + a] - centre) / s[a];
    }
  }
  const wxx = new Float64Array(p * p);
  for (let k = eigenvalues.length; k < n; k++) {
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) wxx[a * p + b] += xRotated[k * p + a] * xRotated[k * p + b];
  }
  return {
    buffers: {
      rotation: uploadBuffer(device, Float32Array.from(rotation)),
      xRotated: uploadBuffer(device, Float32Array.from(xRotated)),
      eigenvalues: uploadBuffer(device, Float32Array.from(eigenvalues)),
      wxx: uploadBuffer(device, Float32Array.from(wxx)),
      grid: uploadBuffer(device, Float32Array.from([...H_GRID, H_MAX_F32])),
    },
    nObs: n,
    p,
    nClasses: eigenvalues.length,
  };
}

/** The device buffers of one batch's kinship fit, for the copies that follow. */
export interface KinshipBuffers {
  rotated: GPUBuffer;
  out: GPUBuffer;
  interval: GPUBuffer;
  /** Every buffer made here, for releaseBuffers after the readback. */
  all: GPUBuffer[];
}

/**
 * Records the kinship fit of `n` columns of `y` ([nObs × n], sample-major, no missing values) into `encoder`:
 * rotation, W, moment start, search, and the profile interval of h2 at λ̂. maxPerDimension: workgroups a dimension
 * before the per-gene programs fold into 2-D (a test hook may set it low), and for the rotation's tiles (the
 * adapter's: ⌈nObs / 64⌉ and ⌈n / 64⌉ stay far below it).
 */
export function encodeKinshipPrograms(device: GPUDevice, encoder: GPUCommandEncoder, n: number, y: GPUBuffer,
  constants: KinshipConstants, maxPerDimension: { perGene: number; tiles: number }, timestamps?: GPUQuerySet): KinshipBuffers {
  const { nObs, p, nClasses } = constants;
  const m = p + 1;
  // A throw while encoding (too many workgroups, say) destroys the buffers made so far.
  return encodeWithBuffers(device, encoder, ({ make, made }) => {
    const rotated = make(n * nObs * 4, GPUBufferUsage.COPY_SRC);
    const stats = make(n * m * m * 4);
    const start = make(n * 4);
    const out = make(n * SEARCH_OUT_STRIDE * 4, GPUBufferUsage.COPY_SRC);
    const interval = make(n * INTERVAL_BYTES, GPUBufferUsage.COPY_SRC);
    const params = { nGenes: n, nObs, p, nClasses };
    const { rotation, xRotated, eigenvalues, wxx, grid } = constants.buffers;
    const classes = { stats, rotated, xRotated, eigenvalues };
    const run = (program: GpuProgram, invocations: number | [number, number], buffers: Record<string, GPUBuffer>,
      timestampWrites?: GPUComputePassTimestampWrites): void => {
      const perDimension = typeof invocations === 'number' ? maxPerDimension.perGene : maxPerDimension.tiles;
      made.push(encodeProgram(device, encoder, program, invocations, params, buffers, perDimension, timestampWrites));
    };
    run(kinshipRotateProgram, [n, nObs], { rotation, y, rotated }, timestamps && { querySet: timestamps, beginningOfPassWriteIndex: 0 });
    run(kinshipStatsProgram, n, { rotated, xRotated, wxx, stats });
    run(kinshipMomentStartProgram, n, { ...classes, start });
    run(kinshipSearchProgram, n, { ...classes, start, grid, out });
    run(kinshipIntervalProgram, n, { ...classes, grid, out, interval }, timestamps && { querySet: timestamps, endOfPassWriteIndex: 1 });
    return { rotated, out, interval, all: made };
  });
}

/** Where a kinship batch's outputs lie in its readback (f32 indices past the timestamps): search, interval, rotated. */
export interface KinshipReadbackLayout {
  /** The batch's device genes: the stride of `rotated`. */
  genes: number;
  search: number;
  interval: number;
  rotated: number;
}

export function kinshipReadbackLayout(genes: number): KinshipReadbackLayout {
  return { genes, search: 0, interval: genes * SEARCH_OUT_STRIDE, rotated: genes * (SEARCH_OUT_STRIDE + INTERVAL_BYTES / 4) };
}

/** Bytes of a kinship batch's readback of `genes` genes. */
export function kinshipReadbackBytes(genes: number, nObs: number): number {
  return 4 * genes * (SEARCH_OUT_STRIDE + INTERVAL_BYTES / 4 + nObs);
}

/** Records the copies of a kinship batch's outputs into `staging` from byte `at` on, as kinshipReadbackLayout lays them out. */
export function copyKinshipOutputs(encoder: GPUCommandEncoder, fit: KinshipBuffers, staging: GPUBuffer, at: number, genes: number,
  nObs: number): void {
  const layout = kinshipReadbackLayout(genes);
  encoder.copyBufferToBuffer(fit.out, 0, staging, at + 4 * layout.search, 4 * genes * SEARCH_OUT_STRIDE);
  encoder.copyBufferToBuffer(fit.interval, 0, staging, at + 4 * layout.interval, genes * INTERVAL_BYTES);
  encoder.copyBufferToBuffer(fit.rotated, 0, staging, at + 4 * layout.rotated, 4 * genes * nObs);
}
