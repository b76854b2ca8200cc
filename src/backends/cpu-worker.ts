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
  let answer: ReturnType<typeof handle>;
  try {
    answer = handle(task);
  } catch (e) {
    // Answered, not thrown: the worker lives on, and the task's caller decides what the failure means.
    parentPort!.postMessage({ failed: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
    return;
  }
  parentPort!.postMessage(answer.reply, answer.transfer);
});
