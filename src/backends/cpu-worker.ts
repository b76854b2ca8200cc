/** Worker thread of the CPU backend: fits the blocks of genes it is sent with the f64 kernel. */
import { parentPort, workerData } from 'node:worker_threads';
import type { FitContext } from '../model/prepare.js';
import { transferables } from '../results/gene-results.js';
import { fitBlockCpu, runPreparer } from './cpu-kernel.js';

/** What every worker gets once: the run's context and the whole matrix, in shared memory. */
export interface WorkerSetup {
  context: FitContext;
  /** [nGenes × nSamples] on a SharedArrayBuffer. */
  values: Float64Array;
  nSamples: number;
}

/** A block of genes to fit: rows [offset, offset + nGenes) of the shared matrix. */
export interface BlockTask {
  offset: number;
  nGenes: number;
}

const { context, values, nSamples } = workerData as WorkerSetup;
const preparer = runPreparer(context);
parentPort!.on('message', ({ offset, nGenes }: BlockTask) => {
  const block = values.subarray(offset * nSamples, (offset + nGenes) * nSamples);
  const results = fitBlockCpu(context, block, nGenes, preparer);
  parentPort!.postMessage({ offset, results }, transferables(results));
});
