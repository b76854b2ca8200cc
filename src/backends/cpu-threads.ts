/**
 * What the backends need of the platform in Node: the processor's name, the default thread count and a pool of
 * worker threads that share the matrix (the CPU backend's fit, the WebGPU backend's host work). The web app's build
 * swaps this module for web/src/platform/cpu-threads.ts, where the fit already runs in a Web Worker, on one thread.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { GeneResults } from '../results/gene-results.js';
import type { FitContext } from '../model/prepare.js';
import type { WorkerSetup } from './cpu-worker.js';
import type { TaskReply, TaskRunner, WorkerTask } from './worker-tasks.js';
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
function shared<A extends Float64Array | Float32Array>(values: A): A {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const copy = new (values.constructor as new (buffer: SharedArrayBuffer) => A)(new SharedArrayBuffer(values.byteLength));
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
 * Worker threads (cpu-worker.ts) that run one run's tasks (worker-tasks.ts): started once, on the run's context,
 * and fed task after task; each keeps its cache of missing-value patterns, and the GPU batch parts it prepared,
 * across tasks. Values are shared with the workers, never copied, when they lie in a SharedArrayBuffer.
 */
export class WorkerPool implements TaskRunner {
  private readonly workers: Worker[];
  /** Per worker, the tasks sent and not yet answered, oldest first (a worker answers in order). */
  private readonly waiting: { resolve: (reply: unknown) => void; reject: (e: unknown) => void }[][];
  /** Per worker, why it stopped, once it has (an error, an exit): later tasks for it fail at once. */
  private readonly dead: (unknown | undefined)[];

  constructor(context: FitContext, readonly threads: number) {
    const setup: WorkerSetup = { context: sharedKinship(context) };
    this.workers = Array.from({ length: threads }, () => new Worker(new URL('./cpu-worker.js', import.meta.url), { workerData: setup }));
    this.waiting = this.workers.map(() => []);
    this.dead = this.workers.map(() => undefined);
    this.workers.forEach((worker, t) => {
      worker.on('message', (reply: unknown) => {
        const task = this.waiting[t].shift();
        const failed = (reply as { failed?: string }).failed;
        if (failed === undefined) task?.resolve(reply);
        else task?.reject(new Error(`a host thread's task failed: ${failed}`));
      });
      worker.on('error', (error) => this.fail(t, error));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(t, new Error(`CPU worker thread exited with code ${code}`));
      });
    });
  }

  request<T extends WorkerTask>(thread: number, task: T): Promise<TaskReply<T>> {
    return new Promise((resolve, reject) => {
      if (this.dead[thread] !== undefined) {
        reject(this.dead[thread]);
        return;
      }
      this.workers[thread].postMessage(task); // first: a task that cannot be sent is not waited for
      this.waiting[thread].push({ resolve: resolve as (reply: unknown) => void, reject });
    });
  }

  share<A extends Float64Array | Float32Array>(values: A): A {
    return shared(values);
  }

  /**
   * Fits `tasks` (gene ranges of `values`, [genes × nSamples], with their `extras` if any, `stride` voom ratios a gene)
   * on the CPU, each worker taking the next task as it finishes one, calling `finish` with each task's results.
   */
  async run(values: Float64Array, extras: GeneExtras | undefined, nSamples: number, stride: number, tasks: { offset: number; nGenes: number }[],
    finish: TaskDone): Promise<void> {
    const sharedValues = this.share(values);
    const sharedExtras = extras && { weights: extras.weights && this.share(extras.weights), voomRatios: extras.voomRatios && this.share(extras.voomRatios) };
    let next = 0;
    let failed = false;
    const feed = async (thread: number): Promise<void> => {
      while (next < tasks.length && !failed) {
        const { offset, nGenes } = tasks[next++];
        const { results } = await this.request(thread, {
          kind: 'fit', nGenes, values: sharedValues.subarray(offset * nSamples, (offset + nGenes) * nSamples),
          extras: sliceExtras(sharedExtras, offset, offset + nGenes, nSamples, stride),
        }).catch((e: unknown) => {
          failed = true;
          throw e;
        });
        finish(offset, results);
      }
    };
    await Promise.all(this.workers.map((_, thread) => feed(thread)));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** A worker stopped: its unanswered tasks fail with it, and so will any sent to it later. */
  private fail(thread: number, error: unknown): void {
    this.dead[thread] ??= error;
    for (const task of this.waiting[thread].splice(0)) task.reject(error);
  }
}
