/**
 * A gpu.js program: one kernel function, the same source in every mode (webgl2 in browsers without WebGPU,
 * webgpu on Dawn in Node and in browsers), and its settings. As src/gpu/program.ts does for WGSL, each kernel lives
 * in a file of its own beside this one, with its contract.
 *
 * gpu.js compiles the function's source text, not the function: it may use only its arguments, `this.thread`,
 * `this.constants`, Number/Boolean locals, Math functions and loops (bounded by loopMaxIterations); no closures,
 * no local arrays, no helper functions taking arrays (webgpu mode has none). Precision is f32.
 */

import type { GpuJsInstance, GpuJsKernel } from './device.js';

/** What a kernel sees as `this`. */
export interface KernelThis {
  thread: { x: number; y: number; z: number };
  constants: Record<string, number>;
}

/** The gpu.js kernel settings genelmm uses (a subset of gpu.js's IGPUKernelSettings). */
export interface GpuJsKernelSettings {
  /** Keep the output on the device, to feed another kernel. */
  pipeline?: boolean;
  /** Number constants, read as this.constants.name. */
  constants?: Record<string, number>;
  /** The largest trip count of any loop. */
  loopMaxIterations: number;
}

/** One kernel: a name, its source and settings, and its output shape for a batch. */
export interface GpuJsProgram {
  name: string;
  /** `function name(arguments) { … }`, as gpu.js's createKernel takes source text. */
  kernel: string;
  settings: GpuJsKernelSettings;
  /** The output's [x, y, z] extent for a batch of nGenes genes (x is always the gene). */
  output(nGenes: number, nPoints: number): number[];
}

/** Settings every kernel shares: f32 everywhere, highp on WebGL, batch sizes that change from call to call. */
const COMMON_SETTINGS = {
  precision: 'single',
  tactic: 'precision',
  dynamicOutput: true,
  dynamicArguments: true,
} as const;

/** A program's kernel on a gpu.js instance, with its settings; compiled at its first call. */
export function compileProgram(gpu: GpuJsInstance, program: GpuJsProgram): GpuJsKernel {
  return gpu.createKernel(program.kernel, { ...COMMON_SETTINGS, ...program.settings, output: program.output(1, 1) });
}
