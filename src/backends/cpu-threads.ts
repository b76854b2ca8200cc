/**
 * What the CPU backend needs of the platform in Node: the processor's name, the default thread count and a
 * pool of worker threads that share the matrix. The web app's build swaps this module for
 * web/src/platform/cpu-threads.ts, where the fit already runs in a Web Worker, on one thread.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { GeneResults } from '../results/gene-results.js';
import type { FitContext } from '../model/prepare.js';
import type { BlockTask, WorkerSetup } from './cpu-worker.js';
import { type GeneExtras, sliceExtras } from './backend.js';

/** The processor's model name. */
export function cpuModel(): string {
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

/** Default thread count: the cores this process may use. */
export function defaultThreads(): number {
  return os.availableParallelism();
}

/** A copy of `values` in a SharedArrayBuffer: the workers read it in place instead of each receiving a copy. */
function shared(values: Float64Array): Float64Array {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const copy = new Float64Array(new SharedArrayBuffer(values.byteLength));
  copy.set(values);
  return copy;
}

/** The context with a kinship basis' rotation shared (n² doubles: 200 MB at 5,000 samples, once, not once per thread). */
function sharedKinship(context: FitContext): FitContext {
  const basis = context.kinship;
  if (basis === undefined) return context;
  return { ...context, kinship: { ...basis, rotation: shared(basis.rotation), xRotated: shared(basis.xRotated) } };
}

/** Results of the task at `offset` of a job. */
export type TaskDone = (offset: number, results: GeneResults) => void;

/**
 * Worker threads (cpu-worker.ts) that fit one run's blocks of genes: started once, on the run's context, and fed
 * job after job; each keeps its cache of missing-value patterns across jobs. A job's values are shared with the
 * workers, never copied, when they lie in a SharedArrayBuffer.
 */
export class WorkerPool {
  private readonly workers: Worker[];
  /** The job being fitted: its tasks, where they stand, and how it ends. */
  private job?: { tasks: BlockTask[]; next: number; pending: number; finish: TaskDone; resolve: () => void; reject: (e: unknown) => void };

  constructor(context: FitContext, threads: number) {
    const setup: WorkerSetup = { context: sharedKinship(context) };
    this.workers = Array.from({ length: threads }, () => new Worker(new URL('./cpu-worker.js', import.meta.url), { workerData: setup }));
    for (const worker of this.workers) {
      worker.on('message', (msg: { offset: number; results: GeneResults }) => this.taskDone(worker, msg.offset, msg.results));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`CPU worker thread exited with code ${code}`));
      });
    }
  }

  /**
   * Fits `tasks` (gene ranges of `values`, [genes × nSamples], with their `extras` if any, `stride` voom ratios a gene),
   * calling `finish` with each task's results as they come in.
   */
  run(values: Float64Array, extras: GeneExtras | undefined, nSamples: number, stride: number, tasks: { offset: number; nGenes: number }[],
    finish: TaskDone): Promise<void> {
    const sharedValues = shared(values);
    const sharedExtras = extras && { weights: extras.weights && shared(extras.weights), voomRatios: extras.voomRatios && shared(extras.voomRatios) };
    const blockTasks = tasks.map(({ offset, nGenes }) => ({
      offset, nGenes, values: sharedValues.subarray(offset * nSamples, (offset + nGenes) * nSamples),
      extras: sliceExtras(sharedExtras, offset, offset + nGenes, nSamples, stride),
    }));
    return new Promise<void>((resolve, reject) => {
      this.job = { tasks: blockTasks, next: 0, pending: 0, finish, resolve, reject };
      for (const worker of this.workers) this.send(worker);
      if (blockTasks.length === 0) resolve();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private send(worker: Worker): void {
    const job = this.job!;
    if (job.next >= job.tasks.length) return;
    job.pending++;
    worker.postMessage(job.tasks[job.next++]);
  }

  private taskDone(worker: Worker, offset: number, results: GeneResults): void {
    const job = this.job!;
    job.pending--;
    job.finish(offset, results);
    this.send(worker);
    if (job.pending === 0 && job.next >= job.tasks.length) job.resolve();
  }

  private fail(error: unknown): void {
    this.job?.reject(error);
  }
}
