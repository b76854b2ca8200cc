/** Worker thread of the CPU backend: fits the blocks of genes it is sent with the f64 kernel. */
import { parentPort, workerData } from 'node:worker_threads';
import type { FitContext } from '../model/prepare.js';
import type { GeneExtras } from './backend.js';
import { transferables } from '../results/gene-results.js';
import { fitBlockCpu } from './cpu-kernel.js';
import { runPreparer } from '../model/run-preparer.js';

/** What every worker gets once: the run's context. */
export interface WorkerSetup {
  context: FitContext;
}

/** A block of genes to fit: `values` [nGenes × nSamples] on a SharedArrayBuffer, `offset` its place in the job. */
export interface BlockTask {
  offset: number;
  nGenes: number;
  values: Float64Array;
  /** The genes' extras (weights, voom's ratios), if any. */
  extras?: GeneExtras;
}

const { context } = workerData as WorkerSetup;
const preparer = runPreparer(context); // its cache of missing-value patterns lasts the whole run
parentPort!.on('message', ({ offset, nGenes, values, extras }: BlockTask) => {
  const results = fitBlockCpu(context, values, nGenes, preparer, extras);
  parentPort!.postMessage({ offset, results }, transferables(results));
});
