/// <reference types="@webgpu/types" />
/**
 * gpu.js, set up for genelmm's kernels: the mode (webgl2 in a browser or worker that has WebGL2; else webgpu where
 * a WebGPU entry point exists: the browser's navigator.gpu, or Dawn in Node through gpuEntry), the device it runs
 * on, described as a WebGPU adapter is, and what happens to it (loss, errors). No Node-only imports: the web app
 * bundles this file.
 */
import { errorText } from '../errors.js';
import { adapterReport, type AdapterReport, type GpuUnavailable, NO_IMPLEMENTATION, noAdapter, SOFTWARE_RENDERER } from '../gpu/device.js';
import { gpuEntry } from '../gpu/gpu-entry.js';

/** The gpu.js modes genelmm runs its kernels in; both compile the same kernel source. */
export type GpuJsMode = 'webgl2' | 'webgpu';

/** A compiled gpu.js kernel: called with its arguments, it returns its output (a Promise in webgpu mode). */
export interface GpuJsKernel {
  (...args: unknown[]): unknown;
  setOutput(output: number[]): GpuJsKernel;
  destroy(removeCanvasReferences?: boolean): void;
}

/** A gpu.js instance (gpu.js's GPU class). */
export interface GpuJsInstance {
  createKernel(source: string, settings: object): GpuJsKernel;
  destroy(): Promise<void> | void;
}

/**
 * The parts of the gpu.js module genelmm uses, typed here: gpu.js's declarations type `input` as a type only and
 * leave out WebGPUContext, the shared WebGPU device of webgpu mode.
 */
interface GpuJsModule {
  GPU: { new (settings: { mode: GpuJsMode; canvas?: unknown; context?: unknown }): GpuJsInstance; isWebGL2Supported: boolean };
  input(value: Float32Array, size: number[]): unknown;
  WebGPUContext: { acquire(): Promise<{ adapter: GPUAdapter; device: GPUDevice; isLost: boolean }> };
}

/** gpu.js in one mode on one device, and what happened to the device. */
export interface GpuJsContext {
  mode: GpuJsMode;
  gpu: GpuJsInstance;
  /** gpu.js's `input(values, [x, y, z])`: a flat f32 array as a 1- to 3-D kernel argument (x fastest). */
  input(values: Float32Array, size: number[]): unknown;
  /** The device, as the summary and `genelmm info` describe an adapter (no timestamp queries through gpu.js). */
  adapter: AdapterReport;
  /**
   * The most genes one kernel call may take, as each output is nGenes wide: a texture's width in webgl2; in webgpu,
   * 8 threads (gpu.js's workgroup width for 2-D and 3-D outputs) times the workgroups a dimension may have.
   */
  maxOutputWidth: number;
  /** Why the device must not be trusted any more (lost, an uncaptured error), or null. */
  failure(): string | null;
  /** Test hook: lose the device, as a driver reset would. */
  lose(): void;
}

/**
 * gpu.js looks for WebGPU at navigator.gpu only. Where that is missing (Node 20 has no navigator; a later Node
 * one without gpu), it is pointed at `gpu`, the same object gpuEntry returns from then on. This is the backend's
 * one global side effect, and only in webgpu mode outside a browser.
 */
function exposeToGpuJs(gpu: GPU): void {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu !== undefined) return;
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  }
}

/**
 * What genelmm reports of a WebGL2 context's GPU: its vendor and renderer (unmasked where the browser allows), and
 * whether that renderer draws in software (SwiftShader, llvmpipe…), which `auto` does not use.
 */
export function webgl2Device(gl: WebGL2RenderingContext): { vendor: string; renderer: string; isFallback: boolean } {
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  const vendor = String(gl.getParameter(info ? info.UNMASKED_VENDOR_WEBGL : gl.VENDOR));
  return { vendor, renderer, isFallback: SOFTWARE_RENDERER.test(renderer) || /software/i.test(renderer) };
}

/** gpu.js in webgl2 mode on a context of our own (OffscreenCanvas where there is one: a worker has no document). */
function webgl2Context(gpujs: GpuJsModule): GpuJsContext | GpuUnavailable {
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
  // gpu.js's own context attributes (WebGL2Kernel.initContext).
  const gl = canvas.getContext('webgl2', { alpha: false, depth: false, antialias: false }) as WebGL2RenderingContext | null;
  if (gl === null) return { unavailable: 'WebGL2 is supported but no context could be created' };
  const { vendor, renderer, isFallback } = webgl2Device(gl);
  const maxTexture = Number(gl.getParameter(gl.MAX_TEXTURE_SIZE));
  let failure: string | null = null;
  canvas.addEventListener('webglcontextlost', () => {
    failure ??= 'WebGL context lost';
  });
  // Textures stand in for storage buffers: an argument or output of at most maxTexture² texels, one f32 each at
  // the least (gpu.js may pack more).
  const maxBytes = maxTexture * maxTexture * 4;
  return {
    mode: 'webgl2',
    gpu: new gpujs.GPU({ mode: 'webgl2', canvas, context: gl }),
    input: gpujs.input,
    adapter: {
      name: '',
      vendor,
      architecture: 'WebGL2',
      description: renderer,
      isFallback,
      limits: { maxStorageBufferBindingSize: maxBytes, maxBufferSize: maxBytes, maxComputeWorkgroupsPerDimension: maxTexture,
        maxComputeInvocationsPerWorkgroup: 1 },
      hasTimestamps: false,
    },
    maxOutputWidth: maxTexture,
    failure: () => failure ?? (gl.isContextLost() ? 'WebGL context lost' : null),
    lose: () => gl.getExtension('WEBGL_lose_context')?.loseContext(),
  };
}

/** gpu.js in webgpu mode on its shared device (WebGPUContext), the entry point being navigator.gpu or Dawn. */
async function webgpuContext(gpujs: GpuJsModule): Promise<GpuJsContext | GpuUnavailable> {
  const entry = await gpuEntry();
  if (entry === null) return { unavailable: `no WebGL2, and ${NO_IMPLEMENTATION}` };
  exposeToGpuJs(entry);
  let shared: Awaited<ReturnType<GpuJsModule['WebGPUContext']['acquire']>>;
  try {
    shared = await gpujs.WebGPUContext.acquire();
  } catch (e) {
    // gpu.js's own text speaks of headless Chromium; where no adapter answers, say why as the webgpu backend does.
    const why = (await entry.requestAdapter()) === null ? noAdapter() : `no WebGPU device for gpu.js: ${errorText(e)}`;
    return { unavailable: `no WebGL2, and ${why}` };
  }
  const { adapter, device } = shared;
  let failure: string | null = null;
  // gpu.js logs uncaptured errors and goes on; a batch after one must not be trusted.
  const logged = device.onuncapturederror;
  device.onuncapturederror = function (this: GPUDevice, event: GPUUncapturedErrorEvent) {
    failure ??= `uncaptured GPU error: ${event.error.message}`;
    logged?.call(this, event);
  };
  device.lost.then((lost) => {
    failure ??= `device lost (${lost.reason}${lost.message ? `: ${lost.message}` : ''})`;
  });
  return {
    mode: 'webgpu',
    gpu: new gpujs.GPU({ mode: 'webgpu' }),
    input: gpujs.input,
    // gpu.js asks for the adapter's storage limits, so the adapter's are the device's.
    adapter: { ...adapterReport(adapter), hasTimestamps: false },
    maxOutputWidth: 8 * device.limits.maxComputeWorkgroupsPerDimension,
    failure: () => failure ?? (shared.isLost ? 'device lost' : null),
    lose: () => device.destroy(),
  };
}

/** Whether WebGL2 may exist here at all (a document or OffscreenCanvas: a browser or a worker), without loading gpu.js. */
export function mayHaveWebGL2(): boolean {
  return typeof OffscreenCanvas !== 'undefined' || typeof document !== 'undefined';
}

/**
 * gpu.js on the best device here, or why there is none: webgl2 where GPU.isWebGL2Supported (a browser or worker),
 * else webgpu where a WebGPU entry point answers (Node: Dawn; a browser without WebGL2: navigator.gpu), unless
 * `webgl2Only`. In webgpu mode the device is gpu.js's shared one, which outlives this context (gpu.js's design: one
 * device for every gpu.js instance of the page or process).
 */
export async function acquireGpuJs(webgl2Only = false): Promise<GpuJsContext | GpuUnavailable> {
  if (webgl2Only && !mayHaveWebGL2()) return { unavailable: 'no WebGL2 outside a browser' };
  let gpujs: GpuJsModule;
  try {
    const loaded = (await import('gpu.js')) as unknown as GpuJsModule & { default?: GpuJsModule };
    // A bundler may hand a CommonJS or UMD module over as its default export only.
    gpujs = loaded.GPU ? loaded : loaded.default!;
  } catch (e) {
    return { unavailable: `gpu.js did not load: ${errorText(e)}` };
  }
  if (gpujs.GPU.isWebGL2Supported) return webgl2Context(gpujs);
  return webgl2Only ? { unavailable: 'no WebGL2' } : webgpuContext(gpujs);
}

/** gpu.js's mode and device here, for `genelmm info` and the tests, or why there is none. */
export async function probeGpuJs(): Promise<{ mode: GpuJsMode; adapter: AdapterReport } | GpuUnavailable> {
  const context = await acquireGpuJs();
  if ('unavailable' in context) return context;
  await context.gpu.destroy();
  return { mode: context.mode, adapter: context.adapter };
}
