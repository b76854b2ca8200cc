/**
 * The page's side of the fit worker: requests as promises, progress and notices as callbacks, and cancel,
 * which terminates the worker and starts a fresh one (the inputs must then be loaded into it again).
 */
import type { Answers, ErrorView, Reply, Request } from './protocol.js';

/** A request that failed in the worker: the error as the CLI would print it. */
export class WorkerError extends Error {
  constructor(readonly view: ErrorView) {
    super(view.message);
    this.name = view.name;
  }
}

/** Rejects the requests in flight when the user cancels. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

type Pending = { resolve: (value: never) => void; reject: (error: Error) => void };

export class FitClient {
  onProgress: (phase: 'reading' | 'fitting', done: number, total: number) => void = () => {};
  onNotice: (message: string) => void = () => {};
  private worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /**
   * Why the worker could not start, where it could not (an error while its modules load comes before any request:
   * without this, the requests after it would wait for ever; a fresh worker would fail the same way). A cancel's
   * fresh worker starts without one.
   */
  private failure: Error | undefined;
  /** Increases each time a fresh worker replaces a cancelled or failed one (whose inputs are gone with it). */
  generation = 0;

  constructor() {
    this.worker = this.spawn();
  }

  ask<T extends Request['type']>(request: Extract<Request, { type: T }>): Promise<Answers[T]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.failure !== undefined) {
        reject(this.failure);
        return;
      }
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject });
      this.worker.postMessage({ id, request });
    });
  }

  /** Stops whatever the worker is doing; its loaded inputs and results are gone with it. */
  cancel(): void {
    this.worker.terminate();
    this.failAll(new CancelledError());
    this.failure = undefined;
    this.worker = this.spawn();
    this.generation++;
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'genelmm fit' });
    let started = false; // it has sent something, so its modules loaded
    worker.onmessage = ({ data }: MessageEvent<Reply>) => {
      started = true;
      if ('id' in data) {
        const pending = this.pending.get(data.id);
        this.pending.delete(data.id);
        if (data.ok) pending?.resolve(data.value as never);
        else pending?.reject(new WorkerError(data.error));
      } else if (data.type === 'progress') {
        this.onProgress(data.phase, data.done, data.total);
      } else {
        this.onNotice(data.message);
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      if (worker !== this.worker) return; // a worker already replaced
      const error = new WorkerError({ name: 'Error', message: `the fit worker failed: ${event.message || 'unknown error'}` });
      this.failAll(error);
      if (!started) {
        this.failure = error;
      } else {
        // A worker that ran and then failed: a fresh one takes its place (the inputs are read into it again).
        worker.terminate();
        this.worker = this.spawn();
        this.generation++;
      }
    };
    return worker;
  }

  private failAll(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}
