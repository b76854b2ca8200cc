import type { FitContext } from '../model/prepare.js';
import { copyResults, type GeneResults } from '../results/gene-results.js';
import { type Backend, type BackendDescription, type FitJob, sliceExtras } from './backend.js';
import { voomStride } from '../model/voom.js';
import { allocateRunResults, fitBlockCpu } from './cpu-kernel.js';
import { runPreparer } from '../model/run-preparer.js';
import { cpuModel, WorkerPool } from './cpu-threads.js';

/** Genes per task sent to a worker at most: enough to amortise messaging, few enough for a smooth progress bar. */
const TASK_GENES = 1024;
/** Tasks per thread in a job at least, so that the workers share a small job (a block of a streamed run). */
const TASKS_PER_THREAD = 4;

/**
 * The f64 reference backend. With one thread it runs in the calling thread; otherwise tasks of genes go to a
 * pool of worker threads (cpu-threads.ts), started at the first job and kept for the run's later jobs.
 */
export class CpuBackend implements Backend {
  readonly description: BackendDescription;
  /** The worker pool and the context it was started on; or the calling thread's preparer. */
  private pool?: { context: FitContext; workers: WorkerPool };
  private local?: { context: FitContext; preparer: ReturnType<typeof runPreparer> };

  constructor(readonly threads: number, reason: string) {
    this.description = { name: 'cpu', device: `${cpuModel()} (${threads} thread${threads > 1 ? 's' : ''}, f64)`, reason };
  }

  async fit(job: FitJob, onProgress?: (genesDone: number) => void): Promise<GeneResults> {
    const out = allocateRunResults(job.context, job.nGenes);
    const size = Math.max(1, Math.min(TASK_GENES, Math.ceil(job.nGenes / (TASKS_PER_THREAD * this.threads))));
    const tasks: { offset: number; nGenes: number }[] = [];
    for (let offset = 0; offset < job.nGenes; offset += size) tasks.push({ offset, nGenes: Math.min(size, job.nGenes - offset) });
    let done = 0;
    const finish = (offset: number, results: GeneResults): void => {
      copyResults(results, out, offset);
      done += results.nGenes;
      onProgress?.(done);
    };
    if (this.threads <= 1 || tasks.length <= 1) {
      if (this.local?.context !== job.context) this.local = { context: job.context, preparer: runPreparer(job.context) };
      for (const { offset, nGenes } of tasks) {
        const values = job.values.subarray(offset * job.nSamples, (offset + nGenes) * job.nSamples);
        const extras = sliceExtras(job.extras, offset, offset + nGenes, job.nSamples, voomStride(job.context.design));
        finish(offset, fitBlockCpu(job.context, values, nGenes, this.local.preparer, extras));
        await new Promise((resolve) => setTimeout(resolve, 0)); // let a progress bar draw, a cancel arrive
      }
      return out;
    }
    if (this.pool?.context !== job.context) {
      await this.pool?.workers.close();
      this.pool = { context: job.context, workers: new WorkerPool(job.context, this.threads) };
    }
    await this.pool.workers.run(job.values, job.extras, job.nSamples, voomStride(job.context.design), tasks, finish);
    return out;
  }

  async dispose(): Promise<void> {
    await this.pool?.workers.close();
    this.pool = undefined;
  }
}
