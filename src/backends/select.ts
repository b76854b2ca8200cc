import { UsageError } from '../errors.js';
import type { Backend, BackendChoice } from './backend.js';
import { CpuBackend } from './cpu.js';
import { defaultThreads } from './cpu-threads.js';
import { WebGpuBackend, type WebGpuOptions } from './webgpu.js';

/** `auto` uses a GPU only from this many genes on: below it, device start-up costs more than it saves. */
export const AUTO_GPU_MIN_GENES = 2000;

/** What backend selection needs to know of the job. */
export interface BackendRequest {
  threads?: number;
  nGenes: number;
  gpu?: WebGpuOptions;
  /** One-line notices: a fallback to the CPU, and why. */
  onNotice?: (message: string) => void;
}

/**
 * The backend for `--backend`: `cpu`; `webgpu` (the CPU, with a notice, where no adapter exists); `auto`:
 * WebGPU on a hardware adapter for jobs of AUTO_GPU_MIN_GENES genes or more, else the CPU. Software
 * adapters (SwiftShader, llvmpipe) are used only when asked for by name.
 */
export async function createBackend(choice: BackendChoice, request: BackendRequest): Promise<Backend> {
  const threads = request.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads must be a positive integer, not ${threads}`);
  switch (choice) {
    case 'cpu':
      return new CpuBackend(threads, 'asked for with --backend cpu');
    case 'webgpu': {
      const gpu = await WebGpuBackend.create('asked for with --backend webgpu', request.gpu);
      if (!('unavailable' in gpu)) return gpu;
      request.onNotice?.(`${gpu.unavailable}; fitting on the CPU instead`);
      return new CpuBackend(threads, `no WebGPU adapter (${gpu.unavailable})`);
    }
    case 'auto': {
      if (request.nGenes < AUTO_GPU_MIN_GENES) return new CpuBackend(threads, `auto: ${request.nGenes} genes are too few to gain from a GPU`);
      const gpu = await WebGpuBackend.create('auto: a hardware GPU adapter', request.gpu);
      if ('unavailable' in gpu) return new CpuBackend(threads, `auto: ${gpu.unavailable}`);
      if (gpu.adapter.isFallback) {
        await gpu.dispose();
        return new CpuBackend(threads, 'auto: the only GPU adapter is software rendering, slower than the CPU path');
      }
      return gpu;
    }
    case 'gpujs':
      throw new UsageError('backend "gpujs" is not available in this version', 'use --backend webgpu, cpu or auto');
  }
}
