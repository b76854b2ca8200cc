/**
 * The browser twin of src/backends/cpu-threads.ts. The fit already runs in a Web Worker, off the page's
 * thread, so the CPU backend runs there on one thread.
 */
import type * as NodeThreads from '../../../src/backends/cpu-threads.js';

export const cpuModel: typeof NodeThreads.cpuModel = () => "this browser's CPU";

export const defaultThreads: typeof NodeThreads.defaultThreads = () => 1;

/** Never started here: the CPU backend, and the WebGPU backend's host work, run on one thread in the browser. */
export class WorkerPool {
  constructor(..._unused: unknown[]) {
    throw new Error('the web app fits on one CPU thread, in its worker');
  }
}
