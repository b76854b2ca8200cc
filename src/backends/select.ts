import { UsageError } from '../errors.js';
import type { Backend, BackendChoice } from './backend.js';
import { CpuBackend, defaultThreads } from './cpu.js';

/** What backend selection needs to know of the job. */
export interface BackendRequest {
  threads?: number;
  nGenes: number;
}

/**
 * The backend for `--backend`. Only the f64 CPU backend exists so far, so `auto` picks it and the GPU
 * names are a usage error.
 */
export async function createBackend(choice: BackendChoice, request: BackendRequest): Promise<Backend> {
  const threads = request.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads must be a positive integer, not ${threads}`);
  switch (choice) {
    case 'cpu':
      return new CpuBackend(threads, 'asked for with --backend cpu');
    case 'auto':
      return new CpuBackend(threads, 'the only backend available');
    default:
      throw new UsageError(`backend "${choice}" is not available in this version`, 'use --backend cpu or auto');
  }
}
