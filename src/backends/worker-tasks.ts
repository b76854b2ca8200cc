import { GenePreparer, modelChoice } from '../model/prepare.js';
import type { FitContext } from '../model/prepare.js';
import { runPreparer } from '../model/run-preparer.js';
import { type GeneResults, transferables } from '../results/gene-results.js';
import type { DesignScaling } from '../gpu/fit-programs.js';
import type { GeneExtras } from './backend.js';
import { fitBlockCpu } from './cpu-kernel.js';
import { type DevicePart, finishPart, type PartColumns, preparePart, refitPart } from './webgpu-host.js';
import { finishKinshipPart, type KinshipDevicePart, prepareKinshipPart, refitKinshipPart } from './webgpu-kinship-host.js';
import { finishTermsPart, prepareTermsPart, refitTermsPart, type TermsDevicePart } from './webgpu-terms-host.js';
import type { TermsPattern } from '../model/terms/terms-pattern.js';
import type { KinshipReadbackLayout } from '../gpu/kinship-programs.js';
import type { KinshipPattern } from '../model/kinship.js';
import type { ReadbackLayout } from '../gpu/plan.js';
import { type BootstrapGene, finishReplicates, type ReplicateEstimates, type ReplicateReadback } from '../gpu/bootstrap-finish.js';

/**
 * The host work a thread does for a run, on the run's context: a CPU backend's blocks of genes, a GPU backend's
 * preparation and finish of its batches' parts, and the finish of a GPU bootstrap's replicates. A worker of the pool (cpu-worker.ts) runs these, as does
 * the calling thread where the run has one thread (inThreadTasks): the same code either way.
 */

/** A block of genes to fit on the CPU: `values` [nGenes × nSamples], with its extras (weights, voom's ratios) if any. */
export interface FitTask {
  kind: 'fit';
  nGenes: number;
  values: Float64Array;
  extras?: GeneExtras;
}

/**
 * A part of a WebGPU batch to prepare (webgpu-host.ts' preparePart), kept by the thread as `part` until finished when
 * any of its genes goes to the device (else its results come back at once).
 */
export interface PrepareTask {
  kind: 'prepare';
  part: number;
  nGenes: number;
  values: Float64Array;
}

/**
 * A prepared part to finish from its batch's readback (laid out by the group-size programs, the kinship programs or
 * the several-terms programs); without `device` (the device failed), fitted on the CPU.
 */
export interface FinishTask {
  kind: 'finish';
  part: number;
  device?: { readback: Float32Array; first: number } & ({ layout: ReadbackLayout; scaling: DesignScaling } | { kinship: KinshipReadbackLayout }
    | { terms: true });
}

/** Some genes of a GPU bootstrap batch to finish (bootstrap-finish.ts' finishReplicates): the batch's genes from `first` on. */
export interface BootstrapTask {
  kind: 'bootstrap';
  genes: BootstrapGene[];
  first: number;
  batch: ReplicateReadback;
}

export type WorkerTask = FitTask | PrepareTask | FinishTask | BootstrapTask;

/** What each task answers: the block's results; the part's upload (and its results when none of it went to the device). */
export type TaskReply<T extends WorkerTask> = T extends FitTask ? { results: GeneResults }
  : T extends PrepareTask ? PartColumns & { results?: GeneResults }
    : T extends FinishTask ? { results: GeneResults; refined: number }
      : ReplicateEstimates;

/** Threads that run a run's tasks: the pool's workers, or the calling thread. */
export interface TaskRunner {
  readonly threads: number;
  /** Runs `task` on thread `thread` (tasks sent to one thread run in order). */
  request<T extends WorkerTask>(thread: number, task: T): Promise<TaskReply<T>>;
  /** `values` where every thread can read it in place (a SharedArrayBuffer copy for worker threads). */
  share<A extends Float64Array | Float32Array>(values: A): A;
  close(): Promise<void>;
}

/** A WebGPU part's host work on one thread, for the run's engine: webgpu-host.ts', webgpu-kinship-host.ts' or webgpu-terms-host.ts'. */
interface PartHost {
  prepare(values: Float64Array, nGenes: number): { part: DevicePart<unknown>; upload: PartColumns };
  finish(part: DevicePart<unknown>, device: NonNullable<FinishTask['device']>): number;
  refit(part: DevicePart<unknown>): void;
}

function partHostOf(context: FitContext): PartHost {
  if (context.kinship !== undefined) {
    const preparer = runPreparer(context) as GenePreparer<KinshipPattern>;
    return {
      prepare: (values, nGenes) => prepareKinshipPart(context, values, nGenes, preparer),
      finish: (part, device) => {
        if (!('kinship' in device)) throw new Error('a kinship part finished from another engine\'s readback');
        return finishKinshipPart(context, part as KinshipDevicePart, device.readback, device.kinship, device.first, preparer);
      },
      refit: (part) => refitKinshipPart(context, part as KinshipDevicePart, preparer),
    };
  }
  if (modelChoice(context).engine === 'terms') {
    const preparer = runPreparer(context) as GenePreparer<TermsPattern>;
    return {
      prepare: (values, nGenes) => prepareTermsPart(context, values, nGenes, preparer),
      finish: (part, device) => {
        if (!('terms' in device)) throw new Error('a several-terms part finished from another engine\'s readback');
        return finishTermsPart(context, part as TermsDevicePart, device.readback, device.first, preparer);
      },
      refit: (part) => refitTermsPart(context, part as TermsDevicePart, preparer),
    };
  }
  const preparer = new GenePreparer(context);
  return {
    prepare: (values, nGenes) => preparePart(context, values, nGenes, preparer),
    finish: (part, device) => {
      if (!('layout' in device)) throw new Error('a group-size part finished from another engine\'s readback');
      return finishPart(context, part as DevicePart, device.readback, device.layout, device.first, device.scaling, preparer);
    },
    refit: (part) => refitPart(context, part as DevicePart, preparer),
  };
}

/** A thread's task handler on a run's context: its preparers, and the parts it holds. */
export function taskHandler(context: FitContext): (task: WorkerTask) => { reply: TaskReply<WorkerTask>; transfer: ArrayBuffer[] } {
  let fitPreparer: ReturnType<typeof runPreparer> | undefined; // its cache of missing-value patterns lasts the whole run
  let partHost: PartHost | undefined; // made at the first part: its preparer's patterns last the whole run
  const parts = new Map<number, DevicePart<unknown>>();
  return (task) => {
    switch (task.kind) {
      case 'fit': {
        fitPreparer ??= runPreparer(context);
        const results = fitBlockCpu(context, task.values, task.nGenes, fitPreparer, task.extras);
        return { reply: { results }, transfer: transferables(results) };
      }
      case 'prepare': {
        partHost ??= partHostOf(context);
        const { part, upload } = partHost.prepare(task.values, task.nGenes);
        if (upload.count > 0) {
          parts.set(task.part, part);
          return { reply: upload, transfer: [upload.columns.buffer as ArrayBuffer] };
        }
        return { reply: { ...upload, results: part.results }, transfer: transferables(part.results) };
      }
      case 'finish': {
        const part = parts.get(task.part);
        if (part === undefined || partHost === undefined) throw new Error(`part ${task.part} was not prepared on this thread`);
        let refined = 0;
        if (task.device === undefined) partHost.refit(part);
        else refined = partHost.finish(part, task.device);
        parts.delete(task.part); // only now: a part whose finish failed can still be refitted on the CPU
        return { reply: { results: part.results, refined }, transfer: transferables(part.results) };
      }
      case 'bootstrap': {
        const estimates = finishReplicates(task.genes, task.first, task.batch);
        return { reply: estimates, transfer: [estimates.h2, estimates.sigma2G, estimates.sigma2E].map((a) => a.buffer as ArrayBuffer) };
      }
    }
  };
}

/** What every worker of a pool gets once: the run's context. */
export interface WorkerSetup {
  context: FitContext;
}

/**
 * A worker's answer to `task`, as it posts it: the reply with its transferable buffers, or, where the task threw,
 * `{ failed }` with the error's text. Answered, not thrown: the worker lives on, and the task's caller decides what
 * the failure means.
 */
export function answerTask(handle: ReturnType<typeof taskHandler>, task: WorkerTask): { message: unknown; transfer: ArrayBuffer[] } {
  try {
    const { reply, transfer } = handle(task);
    return { message: reply, transfer };
  } catch (e) {
    return { message: { failed: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) }, transfer: [] };
  }
}

/** The calling thread as a TaskRunner of one thread. */
export function inThreadTasks(context: FitContext): TaskRunner {
  const handle = taskHandler(context);
  return {
    threads: 1,
    request: async <T extends WorkerTask>(_thread: number, task: T) => handle(task).reply as TaskReply<T>,
    share: (values) => values,
    close: async () => {},
  };
}
