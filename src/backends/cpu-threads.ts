/**
 * What the backends need of the platform in Node: the processor's name, the default thread count and a pool of
 * worker threads that share the matrix (the CPU backend's fit, the WebGPU backend's host work). The web app's build
 * swaps this module for web/src/platform/cpu-threads.ts, whose pool is of Web Workers (both are task-pool.ts's).
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FitContext } from '../model/prepare.js';
import { TaskPool } from './task-pool.js';
import type { WorkerSetup } from './worker-tasks.js';

/** The processor's model name. */
export function cpuModel(): string {
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

/** Default thread count: the cores this process may use. */
export function defaultThreads(): number {
  return os.availableParallelism();
}

/** A copy of `values` in a SharedArrayBuffer: the workers read it in place instead of each receiving a copy. */
function shared<A extends Float64Array | Float32Array>(values: A): A {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const copy = new (values.constructor as new (buffer: SharedArrayBuffer) => A)(new SharedArrayBuffer(values.byteLength));
  copy.set(values);
  return copy;
}

/**
 * The context with a kinship basis' rotation shared (n² doubles: 200 MB at 5,000 samples, once, not once per thread;
 * each thread's WebAssembly kernels still hold their own transposed copy, numerics/wasm-kernels.ts).
 */
function sharedKinship(context: FitContext): FitContext {
  const basis = context.kinship;
  if (basis === undefined) return context;
  return { ...context, kinship: { ...basis, rotation: shared(basis.rotation), xRotated: shared(basis.xRotated) } };
}

/**
 * Worker threads (cpu-worker.ts) started on a run's context (the kinship's rotation shared with them), which read the
 * values they are sent in place where they lie in a SharedArrayBuffer (`share`).
 */
export class WorkerPool extends TaskPool {
  constructor(context: FitContext, threads: number) {
    const setup: WorkerSetup = { context: sharedKinship(context) };
    super(threads, (events) => {
      const worker = new Worker(new URL('./cpu-worker.js', import.meta.url), { workerData: setup });
      worker.on('message', events.reply);
      worker.on('error', events.stopped);
      worker.on('exit', (code) => {
        if (code !== 0) events.stopped(new Error(`CPU worker thread exited with code ${code}`));
      });
      return { post: (task) => worker.postMessage(task), terminate: () => worker.terminate() };
    }, shared);
  }
}
