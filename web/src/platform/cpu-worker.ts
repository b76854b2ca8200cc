/** A Web Worker of the web app's pool (cpu-threads.ts): its first message is the run's context, then tasks to answer. */
import { answerTask, taskHandler, type WorkerSetup, type WorkerTask } from '../../../src/backends/worker-tasks.js';

/** The parts of a DedicatedWorkerGlobalScope used here (the page's DOM types do not include it). */
interface WorkerScope {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<WorkerSetup | WorkerTask>) => void) | null;
}
const scope = self as unknown as WorkerScope;

let handle: ReturnType<typeof taskHandler> | undefined;
scope.onmessage = ({ data }) => {
  if (handle === undefined) {
    handle = taskHandler((data as WorkerSetup).context);
    return;
  }
  const { message, transfer } = answerTask(handle, data as WorkerTask);
  scope.postMessage(message, transfer);
};
