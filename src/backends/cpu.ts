import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { GenePreparer } from '../model/prepare.js';
import { allocateResults, copyResults, type GeneResults } from '../results.js';
import type { Backend, BackendDescription, FitJob } from './backend.js';
import { fitBlockCpu } from './cpu-kernel.js';
import type { BlockTask, WorkerSetup } from './cpu-worker.js';

/** Genes per block sent to a worker: large enough to amortise messaging, small enough for a smooth progress bar. */
const BLOCK_GENES = 1024;

/** Default thread count: the cores this process may use. */
export function defaultThreads(): number {
  return os.availableParallelism();
}

/**
 * The f64 reference backend. With one thread it runs in the calling thread; otherwise blocks of genes go to a
 * pool of worker threads, each keeping its own cache of missing-value patterns.
 */
export class CpuBackend implements Backend {
  readonly description: BackendDescription;

  constructor(readonly threads: number, reason: string) {
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    this.description = { name: 'cpu', device: `${cpu} (${threads} thread${threads > 1 ? 's' : ''}, f64)`, reason };
  }

  async fit(job: FitJob, onProgress?: (genesDone: number) => void): Promise<GeneResults> {
    const out = allocateResults(job.nGenes, job.context.design.p);
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
      const preparer = new GenePreparer(job.context);
      for (const { offset, nGenes } of blocks) {
        const values = job.values.subarray(offset * job.nSamples, (offset + nGenes) * job.nSamples);
        finish(offset, fitBlockCpu(job.context, values, nGenes, preparer));
        await new Promise((resolve) => setImmediate(resolve)); // let a progress bar draw
      }
      return out;
    }
    await this.runPool(job, blocks, finish);
    return out;
  }

  private async runPool(job: FitJob, blocks: BlockTask[], finish: (offset: number, r: GeneResults) => void): Promise<void> {
    // The matrix goes to the workers once, in shared memory; tasks are then just gene ranges.
    let shared = job.values;
    if (!(shared.buffer instanceof SharedArrayBuffer)) {
      shared = new Float64Array(new SharedArrayBuffer(job.values.byteLength));
      shared.set(job.values);
    }
    const setup: WorkerSetup = { context: job.context, values: shared, nSamples: job.nSamples };
    const workers = Array.from({ length: Math.min(this.threads, blocks.length) },
      () => new Worker(new URL('./cpu-worker.js', import.meta.url), { workerData: setup }));
    let next = 0;
    try {
      await Promise.all(workers.map((worker) => new Promise<void>((resolve, reject) => {
        const send = (): void => {
          if (next >= blocks.length) resolve();
          else worker.postMessage(blocks[next++]);
        };
        worker.on('message', (msg: { offset: number; results: GeneResults }) => {
          finish(msg.offset, msg.results);
          send();
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (code !== 0) reject(new Error(`CPU worker thread exited with code ${code}`));
        });
        send();
      })));
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }

  async dispose(): Promise<void> {}
}
