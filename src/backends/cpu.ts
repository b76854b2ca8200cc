import { copyResults, type GeneResults } from '../results/gene-results.js';
import type { Backend, BackendDescription, FitJob } from './backend.js';
import { allocateRunResults, fitBlockCpu, runPreparer } from './cpu-kernel.js';
import { cpuModel, runWorkerPool } from './cpu-threads.js';
import type { BlockTask } from './cpu-worker.js';

/** Genes per block sent to a worker: large enough to amortise messaging, small enough for a smooth progress bar. */
const BLOCK_GENES = 1024;

/**
 * The f64 reference backend. With one thread it runs in the calling thread; otherwise blocks of genes go to a
 * pool of worker threads (cpu-threads.ts), each keeping its own cache of missing-value patterns.
 */
export class CpuBackend implements Backend {
  readonly description: BackendDescription;

  constructor(readonly threads: number, reason: string) {
    this.description = { name: 'cpu', device: `${cpuModel()} (${threads} thread${threads > 1 ? 's' : ''}, f64)`, reason };
  }

  async fit(job: FitJob, onProgress?: (genesDone: number) => void): Promise<GeneResults> {
    const out = allocateRunResults(job.context, job.nGenes);
    const blocks: BlockTask[] = [];
    for (let offset = 0; offset < job.nGenes; offset += BLOCK_GENES) {
      blocks.push({ offset, nGenes: Math.min(BLOCK_GENES, job.nGenes - offset) });
    }
    let done = 0;
    const finish = (offset: number, results: GeneResults): void => {
      copyResults(results, out, offset);
      done += results.nGenes;
      onProgress?.(done);
    };
    if (this.threads <= 1 || blocks.length <= 1) {
      const preparer = runPreparer(job.context);
      for (const { offset, nGenes } of blocks) {
        const values = job.values.subarray(offset * job.nSamples, (offset + nGenes) * job.nSamples);
        finish(offset, fitBlockCpu(job.context, values, nGenes, preparer));
        await new Promise((resolve) => setTimeout(resolve, 0)); // let a progress bar draw, a cancel arrive
      }
      return out;
    }
    await runWorkerPool(job, blocks, this.threads, finish);
    return out;
  }

  async dispose(): Promise<void> {}
}
