/** A worker thread of the pool (cpu-threads.ts): runs the tasks it is sent (worker-tasks.ts) on the run's context. */
import { parentPort, workerData } from 'node:worker_threads';
import { answerTask, taskHandler, type WorkerSetup, type WorkerTask } from './worker-tasks.js';

const handle = taskHandler((workerData as WorkerSetup).context);
parentPort!.on('message', (task: WorkerTask) => {
  const { message, transfer } = answerTask(handle, task);
  parentPort!.postMessage(message, transfer);
});
