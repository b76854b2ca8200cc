/** A worker thread of the pool (cpu-threads.ts): runs the tasks it is sent (worker-tasks.ts) on the run's context. */
import { parentPort, workerData } from 'node:worker_threads';
import type { FitContext } from '../model/prepare.js';
import { taskHandler, type WorkerTask } from './worker-tasks.js';

/** What every worker gets once: the run's context. */
export interface WorkerSetup {
  context: FitContext;
}

const handle = taskHandler((workerData as WorkerSetup).context);
parentPort!.on('message', (task: WorkerTask) => {
  const { reply, transfer } = handle(task);
  parentPort!.postMessage(reply, transfer);
});
