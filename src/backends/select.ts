import { UsageError } from '../errors.js';
import type { Backend, BackendChoice } from './backend.js';
import { CpuBackend } from './cpu.js';
import { defaultThreads } from './cpu-threads.js';
import { GpuJsBackend } from './gpujs.js';
import { type AfterFit, WebGpuBackend, type WebGpuOptions } from './webgpu.js';
import type { ModelChoice } from '../model/prepare.js';

/** `auto` uses a GPU only from this many genes on: below it, device start-up costs more than it saves. */
export const AUTO_GPU_MIN_GENES = 2000;

/**
 * Below this much work (values fitted, see BackendRequest.work) the CPU runs on one thread unless told otherwise:
 * a worker thread takes about 0.4 s to start and warm up, more than it saves on a job this small (the 36,536 ×
 * 21 Bottomly matrix fits in 1.4 s on one thread and 2.0–2.4 s on two, on the 2-core development machine).
 */
export const ONE_THREAD_MAX_WORK = 2 ** 23;

/** What backend selection needs to know of the job. */
export interface BackendRequest {
  /** CPU threads; default: one for a job below ONE_THREAD_MAX_WORK, else the available cores. */
  threads?: number;
  nGenes: number;
  /** The fit's size in values: genes × samples; undefined: large. */
  work?: number;
  gpu?: WebGpuOptions;
  /** Why the job runs on the CPU whatever is asked (a model the GPU programs do not fit); undefined when it may use a GPU. */
  cpuOnly?: string;
  /**
   * The run's engine (default single-term): WebGPU has programs for each; gpu.js only for one random intercept, so a
   * kinship or several terms go to the CPU, with a notice.
   */
  engine?: ModelChoice['engine'];
  /**
   * The GPU phases after the fit the run asks for (`--bootstrap`, `--rlrt-exact`): their programs are compiled with
   * the fit's when the backend is chosen, not at their first batch.
   */
  after?: AfterFit;
  /** One-line notices: a fallback to the CPU, and why. */
  onNotice?: (message: string) => void;
}

/** Why gpu.js does not fit a run's engine, where it does not. */
const GPUJS_CANNOT: Partial<Record<ModelChoice['engine'], string>> = {
  kinship: 'the gpu.js programs fit a random intercept of independent levels, and this one has a kinship',
  terms: 'the gpu.js programs fit one random intercept by REML, and this model is fitted by the general core',
};

/**
 * The backend for `--backend`: `cpu`; `webgpu` or `gpujs` (the CPU, with a notice, where no device exists);
 * `auto`, for jobs of AUTO_GPU_MIN_GENES genes or more: WebGPU on a hardware adapter, else gpu.js on a hardware
 * GPU in webgl2 mode (a browser without WebGPU; gpu.js's webgpu mode would run on the WebGPU backend's adapter,
 * slower), else the CPU. Software renderers (SwiftShader, llvmpipe) are used only when asked for by name.
 */
export async function createBackend(choice: BackendChoice, request: BackendRequest): Promise<Backend> {
  const engine = request.engine ?? 'single-term';
  const gpujsCannot = GPUJS_CANNOT[engine];
  const threads = request.threads ?? ((request.work ?? Infinity) < ONE_THREAD_MAX_WORK ? 1 : defaultThreads());
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads must be a positive integer, not ${threads}`);
  if (request.cpuOnly !== undefined && choice !== 'cpu') {
    if (choice !== 'auto') request.onNotice?.(`--backend ${choice}: ${request.cpuOnly}; fitting on the CPU instead`);
    return new CpuBackend(threads, `${choice === 'auto' ? 'auto: ' : ''}${request.cpuOnly}`);
  }
  switch (choice) {
    case 'cpu':
      return new CpuBackend(threads, 'asked for with --backend cpu');
    case 'webgpu': {
      const gpu = await WebGpuBackend.create('asked for with --backend webgpu', request.gpu, threads, engine, request.after);
      if (!('unavailable' in gpu)) {
        void gpu.compileFitPrograms();
        return gpu;
      }
      request.onNotice?.(`${gpu.unavailable}; fitting on the CPU instead`);
      return new CpuBackend(threads, `no WebGPU adapter (${gpu.unavailable})`);
    }
    case 'gpujs': {
      if (gpujsCannot !== undefined) {
        request.onNotice?.(`--backend gpujs: ${gpujsCannot}; fitting on the CPU instead`);
        return new CpuBackend(threads, gpujsCannot);
      }
      const gpu = await GpuJsBackend.create('asked for with --backend gpujs', request.gpu);
      if (!('unavailable' in gpu)) return gpu;
      request.onNotice?.(`gpu.js: ${gpu.unavailable}; fitting on the CPU instead`);
      return new CpuBackend(threads, `no gpu.js device (${gpu.unavailable})`);
    }
    case 'auto': {
      if (request.nGenes < AUTO_GPU_MIN_GENES) return new CpuBackend(threads, `auto: ${request.nGenes} genes are too few to gain from a GPU`);
      const gpu = await WebGpuBackend.create('auto: a hardware GPU adapter', request.gpu, threads, engine, request.after);
      if (!('unavailable' in gpu) && !gpu.adapter.isFallback) {
        void gpu.compileFitPrograms();
        return gpu;
      }
      if (!('unavailable' in gpu)) await gpu.dispose();
      if (gpujsCannot !== undefined) {
        return new CpuBackend(threads, `auto: ${'unavailable' in gpu ? gpu.unavailable : 'the only WebGPU adapter is software rendering'}, and ${gpujsCannot}`);
      }
      const gl = await GpuJsBackend.create('auto: gpu.js on WebGL2, a hardware GPU without WebGPU', request.gpu, true);
      if (!('unavailable' in gl) && !gl.adapter.isFallback) return gl;
      if (!('unavailable' in gl)) await gl.dispose();
      const software = !('unavailable' in gpu) || !('unavailable' in gl);
      return new CpuBackend(threads, software ? 'auto: the only GPU adapter is software rendering, slower than the CPU path'
        : `auto: ${gpu.unavailable}`);
    }
  }
}
