import { errorText } from '../errors.js';
import type { GpuTimings } from './plan.js';

/**
 * The one loop that drives a GPU's batches, for the fit (src/backends/gpu-batches.ts) and the bootstrap
 * (bootstrap.ts): the device works on one batch while the host finishes the one before and prepares the next, and a
 * batch the device does not finish (an error, a lost device, a failure before it was submitted) goes to the CPU,
 * as does every batch after the first failure. Device loss is handled here, in one place.
 */

/** The steps of a run of batches; H is a batch as the host prepared it, D its device work. */
export interface DeviceBatchSteps<H, D> {
  /** Prepares batch `index` on the host. */
  prepare(index: number): H | Promise<H>;
  /** Whether a prepared batch has work for the device (a batch without is done as prepared). */
  forDevice(host: H): boolean;
  /** Starts the device's work on a batch; resolves once it is submitted, before it is computed. */
  submit(host: H): D | Promise<D>;
  /** Resolves when the device's results of a batch can be read. */
  wait(device: D): Promise<void>;
  /** Reads the device's results and finishes the batch on the host. */
  finish(host: H, device: D): void | Promise<void>;
  /** Does on the CPU the device work of a batch the device did not finish. */
  onCpu(host: H): void | Promise<void>;
  /** After a batch is done: on the device (true), on the CPU (false), or as prepared (undefined). */
  done?(host: H, onDevice: boolean | undefined): void;
  /** Frees a batch's device resources, whether it finished or failed. */
  release?(device: D): void;
  /** Why the device must not be trusted any more, or null. */
  failure(): string | null;
  /** Called after each batch is submitted and the one before it is done, with the batches submitted so far. */
  afterSubmit?(batches: number): void;
}

/** What a run of batches did: batches submitted, and why the device stopped being used (null if it did not). */
export interface DeviceBatchRun {
  batches: number;
  failure: string | null;
}

/**
 * Runs `count` batches through `steps`, adding to `timings` (prepare, gpu waited, finish). `failure`: a failure
 * before this run (an earlier block's), after which nothing is submitted.
 */
export async function runDeviceBatches<H, D>(count: number, steps: DeviceBatchSteps<H, D>, timings: GpuTimings,
  failure: string | null = null): Promise<DeviceBatchRun> {
  const run: DeviceBatchRun = { batches: 0, failure };
  /** A submitted batch: `ready` is its wait, begun at once, so a device lost while the host works is a handled rejection. */
  type Pending = { host: H; device?: D; ready?: Promise<void>; error?: unknown };
  const complete = async ({ host, device, ready, error }: Pending): Promise<void> => {
    let onDevice: boolean | undefined;
    try {
      if (!steps.forDevice(host)) return;
      onDevice = false;
      if (error !== undefined) throw error;
      if (device === undefined) throw new Error(steps.failure() ?? 'the GPU is not in use');
      const waiting = performance.now();
      await ready;
      timings.gpuMs += performance.now() - waiting;
      const lost = steps.failure();
      if (lost) throw new Error(lost);
      const t = performance.now();
      await steps.finish(host, device);
      timings.finishMs += performance.now() - t;
      onDevice = true;
    } catch (e) {
      // A lost device rejects mapAsync with an empty AbortError; the loss itself says why.
      run.failure ??= steps.failure() ?? errorText(e);
      await steps.onCpu(host);
    } finally {
      if (device !== undefined) steps.release?.(device);
    }
    steps.done?.(host, onDevice);
  };
  let pending: Pending | undefined;
  for (let index = 0; index < count; index++) {
    const t = performance.now();
    const host = await steps.prepare(index);
    timings.prepareMs += performance.now() - t;
    const next: Pending = { host };
    if (run.failure === null && !steps.failure() && steps.forDevice(host)) {
      try {
        next.device = await steps.submit(host);
        next.ready = steps.wait(next.device);
        next.ready.catch(() => undefined);
        run.batches++;
      } catch (e) {
        next.error = e;
        run.failure ??= steps.failure() ?? errorText(e);
      }
    }
    if (pending) await complete(pending);
    pending = next;
    steps.afterSubmit?.(run.batches);
  }
  if (pending) await complete(pending);
  return run;
}
