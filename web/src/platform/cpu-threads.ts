/**
 * The browser twin of src/backends/cpu-threads.ts. The fit runs in a Web Worker (worker.ts), off the page's thread;
 * its pool's threads are Web Workers of their own (cpu-worker.ts), one a core as the browser counts them, up to
 * MAX_THREADS. Without a SharedArrayBuffer (a page that is not cross-origin isolated, as a static host serves it),
 * each task's arrays are copied to its worker: a task is about a thousand genes, so the copies cost little beside
 * the fits.
 */
import type * as NodeThreads from '../../../src/backends/cpu-threads.js';
import type { FitContext } from '../../../src/model/prepare.js';
import { TaskPool } from '../../../src/backends/task-pool.js';
import type { WorkerSetup, WorkerTask } from '../../../src/backends/worker-tasks.js';

/** Workers a fit starts at most: beyond this, more of a laptop's cores mostly add memory (a copy of the run's context each). */
const MAX_THREADS = 8;

export const cpuModel: typeof NodeThreads.cpuModel = () => "this browser's CPU";

/** A thread a core, up to MAX_THREADS; one where this scope cannot start workers of its own. */
export const defaultThreads: typeof NodeThreads.defaultThreads = () =>
  (typeof Worker === 'undefined' ? 1 : Math.max(1, Math.min(MAX_THREADS, navigator.hardwareConcurrency || 1)));

/** Web Workers started on a run's context (see the file comment). */
export class WorkerPool extends TaskPool {
  constructor(context: FitContext, threads: number) {
    super(threads, (events) => {
      const worker = new Worker(new URL('./cpu-worker.ts', import.meta.url), { type: 'module', name: 'genelmm cpu' });
      worker.onmessage = ({ data }: MessageEvent<unknown>) => events.reply(data);
      worker.onerror = (event) => {
        event.preventDefault();
        events.stopped(new Error(`a CPU worker failed: ${event.message || 'unknown error'}`));
      };
      worker.onmessageerror = () => events.stopped(new Error('a CPU worker\'s answer could not be read'));
      worker.postMessage({ context } satisfies WorkerSetup);
      return {
        post: (task: WorkerTask) => {
          const transfer: ArrayBuffer[] = [];
          worker.postMessage(detached(task, transfer, new Map()), transfer);
        },
        terminate: async () => worker.terminate(),
      };
    }, (values) => values);
  }
}

/**
 * `value` for postMessage: each typed array that views part of a larger buffer (a task's slice of a block) copied, its
 * copy transferred, since a structured clone would copy the whole buffer; arrays and plain objects walked, each once.
 */
function detached(value: unknown, transfer: ArrayBuffer[], seen: Map<unknown, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return seen.get(value);
  if (ArrayBuffer.isView(value)) {
    const view = value as unknown as Float64Array;
    let out: unknown = value;
    if (view.buffer instanceof ArrayBuffer && view.byteLength < view.buffer.byteLength) {
      const copy = view.slice();
      transfer.push(copy.buffer);
      out = copy;
    }
    seen.set(value, out);
    return out;
  }
  // Containers are registered before their contents are walked, so a cycle ends at them.
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(detached(item, transfer, seen));
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const [key, item] of Object.entries(value)) out[key] = detached(item, transfer, seen);
  return out;
}
