/**
 * What the CPU backend needs of the platform in Node: the processor's name, the default thread count and a
 * pool of worker threads that share the matrix. The web app's build swaps this module for
 * web/src/platform/cpu-threads.ts, where the fit already runs in a Web Worker, on one thread.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { GeneResults } from '../results/gene-results.js';
import type { FitJob } from './backend.js';
import type { BlockTask, WorkerSetup } from './cpu-worker.js';

/** The processor's model name. */
export function cpuModel(): string {
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

/** Default thread count: the cores this process may use. */
export function defaultThreads(): number {
  return os.availableParallelism();
}

/**
 * Fits `blocks` of `job` on `threads` worker threads (cpu-worker.ts), calling `finish` with each block's
 * results as it comes in. The matrix goes to the workers once, in shared memory; tasks are gene ranges.
 */
export async function runWorkerPool(job: FitJob, blocks: BlockTask[], threads: number,
  finish: (offset: number, results: GeneResults) => void): Promise<void> {
  let shared = job.values;
  if (!(shared.buffer instanceof SharedArrayBuffer)) {
    shared = new Float64Array(new SharedArrayBuffer(job.values.byteLength));
    shared.set(job.values);
  }
  const setup: WorkerSetup = { context: job.context, values: shared, nSamples: job.nSamples };
  const workers = Array.from({ length: Math.min(threads, blocks.length) },
    () => new Worker(new URL('./cpu-worker.js', import.meta.url), { workerData: setup }));
  let next = 0;
  try {
    await Promise.all(workers.map((worker) => new Promise<void>((resolve, reject) => {
      const send = (): void => {
        if (next >= blocks.length) resolve();
        else worker.postMessage(blocks[next++]);
      };
      worker.on('message', (msg: { offset: number; results: GeneResults }) => {
        finish(msg.offset, msg.results);
        send();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (code !== 0) reject(new Error(`CPU worker thread exited with code ${code}`));
      });
      send();
    })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
