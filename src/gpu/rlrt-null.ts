/// <reference types="@webgpu/types" />
import { philoxKey } from '../stats/philox.js';
import type { RlrtNullSetup } from '../model/inference/rlrt-null.js';
import type { GpuContext } from './device.js';
import { PHILOX_CONSTANTS } from './philox.js';
import { encodeProgram, type GpuProgram, uploadBuffer } from './program.js';

/** The most distinct eigenvalues the program holds (MAX_J); designs with more simulate on the CPU. */
export const RLRT_NULL_MAX_J = 64;

/** shaders/rlrt-null.wgsl (with philox.wgsl): null draws of the exact RLRT, one invocation per simulation. */
export const rlrtNullProgram: GpuProgram = {
  name: 'rlrt-null',
  shaders: ['philox', 'rlrt-null'],
  workgroupSize: 64,
  // J distinct eigenvalues, g grid points, the df of w and n − p; the seed's key; this dispatch's first simulation.
  uniform: { struct: 'NullParams', fields: [['nsim', 'u32'], ['nValues', 'u32'], ['gridLength', 'u32'], ['df', 'u32'], ['n0', 'f32'],
    ['key0', 'u32'], ['key1', 'u32'], ['simOffset', 'u32']] },
  bindings: [
    { name: 'multiplicity', element: 'u32', access: 'read', doc: '[J]' },
    { name: 'fN', element: 'f32', access: 'read', doc: '[g × J] λμ_j / (1 + λμ_j)' },
    { name: 'fD', element: 'f32', access: 'read', doc: '[g × J] 1 / (1 + λμ_j)' },
    { name: 'logDet', element: 'f32', access: 'read', doc: '[g] Σ_j m_j log(1 + λμ_j)' },
    { name: 'draws', element: 'f32', access: 'read_write', doc: '[nsim of this dispatch]' },
  ],
  constants: { ...PHILOX_CONSTANTS, MAX_J: ['u32', RLRT_NULL_MAX_J] },
};

/**
 * `nsim` draws of a design's RLRT null on the GPU, unsorted: draw i is rlrtNullDraw(setup, philoxKey(seed), i)
 * of the CPU, from the same Philox words, up to the f32 rounding of ln, cos, sin and the grid walk.
 */
export async function simulateRlrtNullGpu(gpu: GpuContext, setup: RlrtNullSetup, nsim: number, seed: number): Promise<Float32Array> {
  const J = setup.values.length;
  if (J > RLRT_NULL_MAX_J) throw new RangeError(`${J} distinct eigenvalues exceed the GPU program's ${RLRT_NULL_MAX_J}`);
  const { device } = gpu;
  const key = philoxKey(seed);
  const [multiplicity, fN, fD, logDet] = [Uint32Array.from(setup.multiplicity), Float32Array.from(setup.fN), Float32Array.from(setup.fD),
    Float32Array.from(setup.logDet)].map((data) => uploadBuffer(device, data));
  const draws = device.createBuffer({ size: nsim * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const staging = device.createBuffer({ size: nsim * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const buffers = [multiplicity, fN, fD, logDet, draws, staging];
  try {
    const encoder = device.createCommandEncoder({ label: 'rlrt-null' });
    buffers.push(encodeProgram(device, encoder, rlrtNullProgram, nsim,
      { nsim, nValues: J, gridLength: setup.grid.length, df: setup.df, n0: setup.n0, key0: key[0], key1: key[1], simOffset: 0 },
      { multiplicity, fN, fD, logDet, draws }, gpu.adapter.limits.maxComputeWorkgroupsPerDimension));
    encoder.copyBufferToBuffer(draws, 0, staging, 0, nsim * 4);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    if (gpu.failure) throw new Error(gpu.failure);
    return new Float32Array(staging.getMappedRange().slice(0));
  } finally {
    buffers.forEach((b) => b.destroy());
  }
}
