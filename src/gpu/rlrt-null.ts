/// <reference types="@webgpu/types" />
import { philoxKey } from '../stats/philox.js';
import type { RlrtNullSetup } from '../model/inference/rlrt-null.js';
import type { GpuContext } from './device.js';
import { dispatchSize } from './plan.js';
import { type GpuProgram, pipelineFor } from './program.js';

/**
 * shaders/rlrt-null.wgsl (with philox.wgsl): null draws of the exact RLRT, one invocation per simulation.
 * Its uniform is NullParams, not Params. Bindings: multiplicity [J] (u32), fN and fD [g × J], logDet [g] (read),
 * draws [nsim] (write).
 */
export const rlrtNullProgram: GpuProgram = {
  name: 'rlrt-null',
  shaders: ['philox', 'rlrt-null'],
  workgroupSize: 64,
  bindings: ['read-only-storage', 'read-only-storage', 'read-only-storage', 'read-only-storage', 'storage'],
};

/** The most distinct eigenvalues the program holds (MAX_J); designs with more simulate on the CPU. */
export const RLRT_NULL_MAX_J = 64;

/**
 * `nsim` draws of a design's RLRT null on the GPU, unsorted: draw i is rlrtNullDraw(setup, philoxKey(seed), i)
 * of the CPU, from the same Philox words, up to the f32 rounding of ln, cos, sin and the grid walk.
 */
export async function simulateRlrtNullGpu(gpu: GpuContext, setup: RlrtNullSetup, nsim: number, seed: number): Promise<Float32Array> {
  const J = setup.values.length;
  if (J > RLRT_NULL_MAX_J) throw new RangeError(`${J} distinct eigenvalues exceed the GPU program's ${RLRT_NULL_MAX_J}`);
  const { device } = gpu;
  const key = philoxKey(seed);
  const upload = (data: ArrayBufferView<ArrayBuffer>): GPUBuffer => {
    const buffer = device.createBuffer({ size: Math.max(4, data.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  };
  const tables = [Uint32Array.from(setup.multiplicity), Float32Array.from(setup.fN), Float32Array.from(setup.fD),
    Float32Array.from(setup.logDet)].map(upload);
  const draws = device.createBuffer({ size: nsim * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const staging = device.createBuffer({ size: nsim * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const size = dispatchSize(nsim, rlrtNullProgram.workgroupSize, gpu.adapter.limits.maxComputeWorkgroupsPerDimension);
  const params = new ArrayBuffer(48);
  new Uint32Array(params, 0, 4).set([nsim, J, setup.grid.length, setup.df]);
  new Float32Array(params, 16, 1)[0] = setup.n0;
  new Uint32Array(params, 20, 4).set([key[0], key[1], 0, size.rowInvocations]);
  const uniform = device.createBuffer({ size: params.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(uniform, 0, params);
  const pipeline = pipelineFor(device, rlrtNullProgram);
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [uniform, ...tables, draws].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const encoder = device.createCommandEncoder({ label: 'rlrt-null' });
  const pass = encoder.beginComputePass({ label: 'rlrt-null' });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(size.x, size.y);
  pass.end();
  encoder.copyBufferToBuffer(draws, 0, staging, 0, nsim * 4);
  device.queue.submit([encoder.finish()]);
  try {
    await staging.mapAsync(GPUMapMode.READ);
    if (gpu.failure) throw new Error(gpu.failure);
    return new Float32Array(staging.getMappedRange().slice(0));
  } finally {
    [uniform, ...tables, draws, staging].forEach((b) => b.destroy());
  }
}
