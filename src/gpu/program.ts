/// <reference types="@webgpu/types" />
import { dispatchSize } from './plan.js';
import { shaderSource } from './shaders.js';

/** A storage buffer of a program: its WGSL name, element type, whether the program writes it, and what it holds. */
export interface GpuBinding {
  name: string;
  element: 'f32' | 'u32';
  access: 'read' | 'read_write';
  doc?: string;
}

/** A scalar of a program's uniform or a module constant: u32 or f32. */
export type GpuScalar = 'u32' | 'f32';

/**
 * A GPU program (as TensorFlow.js' WebGPU backend and onnxruntime-web describe theirs): everything the WGSL and the
 * host must agree on is declared once, here, and the WGSL's declarations are generated from it (makeShader): the
 * uniform struct at binding 0 (its fields, then the `rowInvocations` every program gets), the storage bindings 1..k
 * in order, the `override WORKGROUP_SIZE`, and the module constants that mirror TypeScript values. encodeProgram
 * binds buffers and writes the uniform by these names, and refuses a missing or extra one. One invocation per item
 * (gene, column or simulation), dispatches folded into 2-D past the adapter's limit; or, for a program with a
 * `tile`, a workgroup of tile.threads × tile.threads invocations per tile.size × tile.size block of a columns × rows
 * output (a tiled matrix product).
 */
export interface GpuProgram {
  name: string;
  /** The .wgsl files of shaders/ that follow the generated declarations, in order (shared preludes first). */
  shaders: string[];
  workgroupSize: number;
  /**
   * A tiled program: a workgroup of threads × threads invocations (`const TILE_THREADS`, in place of WORKGROUP_SIZE)
   * per size × size block of the output (`const TILE`).
   */
  tile?: { size: number; threads: number };
  /** The uniform's WGSL struct name and fields, in order (4 bytes each). */
  uniform: { struct: string; fields: [name: string, type: GpuScalar][] };
  bindings: GpuBinding[];
  /** Module constants, from the TypeScript values they mirror: scalars, or fixed-size arrays of them. */
  constants: Record<string, [type: GpuScalar, value: number | readonly number[]]>;
}

/** A WGSL literal of `value` as `type`. */
function literal(type: GpuScalar, value: number): string {
  if (type === 'u32') {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`${value} is not a u32`);
    return `${value}u`;
  }
  if (!Number.isFinite(value)) throw new RangeError(`${value} has no WGSL literal`);
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** WGSL `const` declarations of `constants` (an array's as `array<type, N>(…)`). */
export function constantDeclarations(constants: GpuProgram['constants']): string[] {
  return Object.entries(constants).map(([name, [type, value]]) => {
    if (typeof value === 'number') return `const ${name}: ${type} = ${literal(type, value)};`;
    const array = `array<${type}, ${value.length}>`;
    return `const ${name}: ${array} = ${array}(${value.map((v) => literal(type, v)).join(', ')});`;
  });
}

/** The WGSL declarations generated from a program's descriptor, which its .wgsl files must not repeat. */
export function programDeclarations(program: GpuProgram): string {
  const { uniform, bindings, constants } = program;
  return [
    `// Generated from the descriptor of the '${program.name}' program (src/gpu/program.ts' makeShader).`,
    ...constantDeclarations(constants),
    `struct ${uniform.struct} {`,
    ...uniform.fields.map(([name, type]) => `  ${name}: ${type},`),
    '  rowInvocations: u32,',
    '};',
    ...(program.tile === undefined ? [`override WORKGROUP_SIZE: u32 = ${program.workgroupSize}u;`]
      : [`const TILE: u32 = ${literal('u32', program.tile.size)};`, `const TILE_THREADS: u32 = ${literal('u32', program.tile.threads)};`]),
    `@group(0) @binding(0) var<uniform> params: ${uniform.struct};`,
    ...bindings.map(({ name, element, access, doc }, i) =>
      `@group(0) @binding(${i + 1}) var<storage, ${access}> ${name}: array<${element}>;${doc ? ` // ${doc}` : ''}`),
  ].join('\n');
}

/** A program's WGSL: its generated declarations, then its .wgsl files. */
export function makeShader(program: GpuProgram): string {
  return [programDeclarations(program), ...program.shaders.map(shaderSource)].join('\n');
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

/** How `program` is compiled: its WGSL, its uniform at binding 0 and its buffers after it, its workgroup size. */
function pipelineDescriptor(device: GPUDevice, program: GpuProgram): GPUComputePipelineDescriptor {
  const module = device.createShaderModule({ label: program.name, code: makeShader(program) });
  const layout = device.createBindGroupLayout({
    label: program.name,
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      ...program.bindings.map(({ access }, i) => ({ binding: i + 1, visibility: GPUShaderStage.COMPUTE,
        buffer: { type: access === 'read' ? 'read-only-storage' as const : 'storage' as const } })),
    ],
  });
  return {
    label: program.name,
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module, entryPoint: 'main', constants: program.tile === undefined ? { WORKGROUP_SIZE: program.workgroupSize } : {} },
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
 * Per device, the storage buffers of finished batches, by byte size and usage, for later batches: a batch's buffers
 * have the sizes of the batch before it (but the last's), and creating one costs the host (Dawn on SwiftShader
 * zero-fills it there, about 2.6 ms a MB) where reusing one costs a clear on the device. `own` holds the buffers the
 * pool made, so that releaseBuffers keeps only those.
 */
interface BufferPool {
  free: Map<string, GPUBuffer[]>;
  own: WeakMap<GPUBuffer, string>;
}

const pools = new WeakMap<GPUDevice, BufferPool>();

function poolOf(device: GPUDevice): BufferPool {
  let pool = pools.get(device);
  if (pool === undefined) {
    pool = { free: new Map(), own: new WeakMap() };
    pools.set(device, pool);
  }
  return pool;
}

/** A storage buffer of `bytes` (at least 4) from `device`'s pool, or made; `reused` says which. */
function pooledBuffer(device: GPUDevice, bytes: number, extra: number): { buffer: GPUBuffer; reused: boolean } {
  const pool = poolOf(device);
  const size = Math.max(4, bytes);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | extra;
  const key = `${size} ${usage}`;
  const kept = pool.free.get(key)?.pop();
  if (kept !== undefined) return { buffer: kept, reused: true };
  const buffer = device.createBuffer({ size, usage });
  pool.own.set(buffer, key);
  return { buffer, reused: false };
}

/**
 * A batch's storage buffers as its programs need them: `make(bytes, extra usage)` gives one (at least 4 bytes,
 * zero-filled: a buffer a finished batch released is cleared on the device, in `encoder` before the programs that
 * follow), and `made` lists them all, for releaseBuffers after the readback.
 */
export function batchBuffers(device: GPUDevice, encoder: GPUCommandEncoder): { make: (bytes: number, extra?: number) => GPUBuffer; made: GPUBuffer[] } {
  const made: GPUBuffer[] = [];
  const make = (bytes: number, extra = 0): GPUBuffer => {
    const { buffer, reused } = pooledBuffer(device, bytes, extra);
    if (reused) encoder.clearBuffer(buffer);
    made.push(buffer);
    return buffer;
  };
  return { make, made };
}

/**
 * `encode`'s result, given batchBuffers' `make` and `made`; where it throws, every buffer it made is destroyed before
 * the error goes on (a batch's encoding that fails leaves nothing behind).
 */
export function encodeWithBuffers<T>(device: GPUDevice, encoder: GPUCommandEncoder,
  encode: (buffers: ReturnType<typeof batchBuffers>) => T): T {
  const buffers = batchBuffers(device, encoder);
  try {
    return encode(buffers);
  } catch (e) {
    buffers.made.forEach((b) => b.destroy());
    throw e;
  }
}

/** A batch's input: a storage buffer holding `data` (every byte written, so a released one needs no clear). */
export function batchUpload(device: GPUDevice, data: ArrayBufferView<ArrayBuffer>): GPUBuffer {
  const { buffer } = pooledBuffer(device, data.byteLength, 0);
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/**
 * A finished batch's buffers, once its readback has completed: batchBuffers' and batchUpload's back to the device's
 * pool, the others (uniforms) destroyed.
 */
export function releaseBuffers(device: GPUDevice, buffers: GPUBuffer[]): void {
  const pool = poolOf(device);
  for (const buffer of buffers) {
    const key = pool.own.get(buffer);
    if (key === undefined) {
      buffer.destroy();
      continue;
    }
    const free = pool.free.get(key);
    if (free === undefined) pool.free.set(key, [buffer]);
    else free.push(buffer);
  }
}

/** Destroys the buffers kept in `device`'s pool: at the end of a job, so that its memory is not held past it. */
export function drainBuffers(device: GPUDevice): void {
  const pool = poolOf(device);
  for (const free of pool.free.values()) free.forEach((buffer) => buffer.destroy());
  pool.free.clear();
}

/** A storage buffer holding `data`, for a program to read. */
export function uploadBuffer(device: GPUDevice, data: ArrayBufferView<ArrayBuffer>): GPUBuffer {
  const buffer = device.createBuffer({ size: Math.max(4, data.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/** The workgroups of a dispatch of `program` over `invocations` (see encodeProgram). */
function tiledDispatch(program: GpuProgram, invocations: number | [number, number], maxPerDimension: number):
  { x: number; y: number; rowInvocations: number } {
  const { tile } = program;
  if (typeof invocations === 'number' && tile === undefined) return dispatchSize(invocations, program.workgroupSize, maxPerDimension);
  if (typeof invocations === 'number' || tile === undefined) throw new Error(`${program.name}: a tiled program takes [columns, rows], and only it`);
  const [x, y] = invocations.map((count) => Math.max(1, Math.ceil(count / tile.size)));
  if (Math.max(x, y) > maxPerDimension) throw new RangeError(`${program.name}: ${x} × ${y} workgroups exceed the adapter's ${maxPerDimension} a dimension`);
  return { x, y, rowInvocations: x * tile.threads };
}

/** Throws unless `given`'s keys are exactly `expected` (a dispatch's buffers or uniform values against its descriptor). */
function assertNames(what: string, program: GpuProgram, given: Record<string, unknown>, expected: string[]): void {
  const extra = Object.keys(given).filter((k) => !expected.includes(k));
  const missing = expected.filter((k) => !(k in given));
  if (extra.length + missing.length > 0) {
    throw new Error(`${program.name}: ${what}${missing.length ? ` missing: ${missing.join(', ')}` : ''}` +
      `${missing.length && extra.length ? ';' : ''}${extra.length ? ` not in the descriptor: ${extra.join(', ')}` : ''}`);
  }
}

/**
 * Records one dispatch of `program` over `invocations` items into `encoder`, folded into 2-D past `maxPerDimension`
 * workgroups (a tiled program: over the cells of an output of [columns, rows], a tile per workgroup): its uniform written from `uniform` (every field of the descriptor's struct, by name) and `buffers`
 * bound by name (every binding of the descriptor). Returns the uniform's buffer, for the caller to destroy with the
 * batch's other buffers.
 */
export function encodeProgram(device: GPUDevice, encoder: GPUCommandEncoder, program: GpuProgram, invocations: number | [columns: number, rows: number],
  uniform: Record<string, number>, buffers: Record<string, GPUBuffer>, maxPerDimension: number,
  timestampWrites?: GPUComputePassTimestampWrites): GPUBuffer {
  const { fields } = program.uniform;
  assertNames('uniform values', program, uniform, fields.map(([name]) => name));
  assertNames('buffers', program, buffers, program.bindings.map(({ name }) => name));
  const size = tiledDispatch(program, invocations, maxPerDimension);
  const data = new ArrayBuffer(Math.ceil((4 * (fields.length + 1)) / 16) * 16);
  const view = new DataView(data);
  fields.forEach(([name, type], i) => {
    if (type === 'u32') view.setUint32(4 * i, uniform[name], true);
    else view.setFloat32(4 * i, uniform[name], true);
  });
  view.setUint32(4 * fields.length, size.rowInvocations, true);
  const uniformBuffer = device.createBuffer({ label: `${program.name} params`, size: data.byteLength,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(uniformBuffer, 0, data);
  const pipeline = pipelineFor(device, program);
  const bindGroup = device.createBindGroup({
    label: program.name,
    layout: pipeline.getBindGroupLayout(0),
    entries: [uniformBuffer, ...program.bindings.map(({ name }) => buffers[name])].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const pass = encoder.beginComputePass({ label: program.name, timestampWrites });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(size.x, size.y);
  pass.end();
  return uniformBuffer;
}
