/**
 * A pool of workers that run a run's tasks (worker-tasks.ts), whatever the workers are: Node's worker threads
 * (cpu-threads.ts) or a browser's Web Workers (the web app's twin of it). Each worker runs its tasks in order and
 * keeps, across them, its cache of missing-value patterns and the GPU batch parts it prepared.
 */
import type { GeneResults } from '../results/gene-results.js';
import { type GeneExtras, sliceExtras } from './backend.js';
import type { TaskReply, TaskRunner, WorkerTask } from './worker-tasks.js';

/** Results of the task at `offset` of a job. */
export type TaskDone = (offset: number, results: GeneResults) => void;

/** One worker as the pool drives it. */
export interface TaskPort {
  /** Sends a task; the worker answers tasks in the order sent. */
  post(task: WorkerTask): void;
  terminate(): Promise<unknown>;
}

/** What a worker tells its pool: each answer, and that it stopped (an error, an exit). */
export interface PortEvents {
  reply(message: unknown): void;
  stopped(error: unknown): void;
}

export class TaskPool implements TaskRunner {
  private readonly ports: TaskPort[];
  /** Per worker, the tasks sent and not yet answered, oldest first. */
  private readonly waiting: { resolve: (reply: unknown) => void; reject: (e: unknown) => void }[][];
  /** Per worker, why it stopped, once it has: later tasks for it fail at once. */
  private readonly dead: unknown[];

  /** `open` starts one worker, wired to the events given; `share` is `share`'s platform (see TaskRunner). */
  constructor(readonly threads: number, open: (events: PortEvents) => TaskPort,
    private readonly shareValues: <A extends Float64Array | Float32Array>(values: A) => A) {
    this.waiting = Array.from({ length: threads }, () => []);
    this.dead = Array.from({ length: threads }, () => undefined);
    this.ports = Array.from({ length: threads }, (_, t) => open({
      reply: (message) => {
        const task = this.waiting[t].shift();
        const failed = (message as { failed?: string }).failed;
        if (failed === undefined) task?.resolve(message);
        else task?.reject(new Error(`a host thread's task failed: ${failed}`));
      },
      stopped: (error) => this.fail(t, error),
    }));
  }

  request<T extends WorkerTask>(thread: number, task: T): Promise<TaskReply<T>> {
    return new Promise((resolve, reject) => {
      if (this.dead[thread] !== undefined) {
        reject(this.dead[thread]);
        return;
      }
      this.ports[thread].post(task); // first: a task that cannot be sent is not waited for
      this.waiting[thread].push({ resolve: resolve as (reply: unknown) => void, reject });
    });
  }

  share<A extends Float64Array | Float32Array>(values: A): A {
    return this.shareValues(values);
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
    await Promise.all(this.ports.map((_, thread) => feed(thread)));
  }

  async close(): Promise<void> {
    await Promise.all(this.ports.map((port) => port.terminate()));
    // A browser's worker says nothing when terminated: its unanswered tasks fail here.
    this.ports.forEach((_, t) => this.fail(t, new Error('the worker pool was closed')));
  }

  /** A worker stopped: its unanswered tasks fail with it, and so will any sent to it later. */
  private fail(thread: number, error: unknown): void {
    this.dead[thread] ??= error;
    for (const task of this.waiting[thread].splice(0)) task.reject(error);
  }
}
