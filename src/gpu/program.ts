/// <reference types="@webgpu/types" />
import { dispatchSize } from './plan.js';
import { shaderSource } from './shaders.js';

/**
 * A GPU program (as TensorFlow.js' WebGPU backend has them): its WGSL, workgroup size (an `override`
 * constant), and the kind of each binding after the uniform Params at binding 0. One invocation per gene.
 */
export interface GpuProgram {
  name: string;
  /** The .wgsl files of shaders/, concatenated in order (a shared prelude first). */
  shaders: string[];
  workgroupSize: number;
  /** Buffer binding types of bindings 1..k. */
  bindings: GPUBufferBindingType[];
}

/** Byte size of the Params uniform (6 u32, padded to 16-byte alignment). */
export const PARAMS_BYTES = 32;

/** The Params uniform every program reads; sizes are uniforms, so one pipeline serves every batch. */
export interface ProgramParams {
  nGenes: number;
  nObs: number;
  p: number;
  nGroups: number;
  maxSize: number;
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/** The pipelines made on `device` so far, by program name. */
function madeOn(device: GPUDevice): Map<string, GPUComputePipeline> {
  let perDevice = pipelines.get(device);
  if (perDevice === undefined) {
    perDevice = new Map();
    pipelines.set(device, perDevice);
  }
  return perDevice;
}

/** How `program` is compiled: its WGSL, the uniform Params at binding 0 and its buffers after it, its workgroup size. */
function pipelineDescriptor(device: GPUDevice, program: GpuProgram): GPUComputePipelineDescriptor {
  const module = device.createShaderModule({ label: program.name, code: program.shaders.map(shaderSource).join('\n') });
  const layout = device.createBindGroupLayout({
    label: program.name,
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      ...program.bindings.map((type, i) => ({ binding: i + 1, visibility: GPUShaderStage.COMPUTE, buffer: { type } })),
    ],
  });
  return {
    label: program.name,
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module, entryPoint: 'main', constants: { WORKGROUP_SIZE: program.workgroupSize } },
  };
}

/** The compiled pipeline of `program` on `device`, made once per device (here, if compilePipelines has not made it). */
export function pipelineFor(device: GPUDevice, program: GpuProgram): GPUComputePipeline {
  const perDevice = madeOn(device);
  let pipeline = perDevice.get(program.name);
  if (pipeline === undefined) {
    pipeline = device.createComputePipeline(pipelineDescriptor(device, program));
    perDevice.set(program.name, pipeline);
  }
  return pipeline;
}

/**
 * Compiles `programs` on `device` off the calling thread (createComputePipelineAsync), for pipelineFor to find:
 * started when the device is had, so the compilation overlaps reading the matrix and preparing the first batch.
 */
export async function compilePipelines(device: GPUDevice, programs: GpuProgram[]): Promise<void> {
  const perDevice = madeOn(device);
  await Promise.all(programs.filter((program) => !perDevice.has(program.name)).map(async (program) => {
    const pipeline = await device.createComputePipelineAsync(pipelineDescriptor(device, program));
    if (!perDevice.has(program.name)) perDevice.set(program.name, pipeline);
  }));
}

/**
 * Records one dispatch of `program` over params.nGenes genes into `encoder`, folded into 2-D past
 * `maxPerDimension` workgroups. `buffers` are bindings 1..k in the program's order.
 */
export function encodeProgram(device: GPUDevice, encoder: GPUCommandEncoder, program: GpuProgram,
  params: ProgramParams, buffers: GPUBuffer[], maxPerDimension: number,
  timestampWrites?: GPUComputePassTimestampWrites): void {
  const size = dispatchSize(params.nGenes, program.workgroupSize, maxPerDimension);
  const uniform = device.createBuffer({ label: `${program.name} params`, size: PARAMS_BYTES,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(uniform, 0, Uint32Array.of(params.nGenes, params.nObs, params.p, params.nGroups,
    params.maxSize, size.rowInvocations, 0, 0));
  const pipeline = pipelineFor(device, program);
  const bindGroup = device.createBindGroup({
    label: program.name,
    layout: pipeline.getBindGroupLayout(0),
    entries: [uniform, ...buffers].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const pass = encoder.beginComputePass({ label: program.name, timestampWrites });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(size.x, size.y);
  pass.end();
}
