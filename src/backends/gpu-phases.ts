import type { GpuTimings } from '../gpu/plan.js';

/** A GPU run's phases in words (`duration` formats a time), as the CLI's summary and the web app show them. */
export function gpuPhasesText(t: GpuTimings, duration: (ms: number) => string): string {
  return `host prepare ${duration(t.prepareMs)}, upload ${duration(t.uploadMs)}, waiting for the GPU ${duration(t.gpuMs)}` +
    `${t.computeMs !== null ? ` (compute ${duration(t.computeMs)} by timestamps)` : ''}, host finish ${duration(t.finishMs)}` +
    `${t.deviceMs > 0 ? `; device ${duration(t.deviceMs)}, pipelines ${duration(t.pipelinesMs)} (the fit waited ${duration(t.pipelinesWaitMs)})` : ''}`;
}
