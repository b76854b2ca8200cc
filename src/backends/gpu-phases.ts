import type { GpuTimings } from '../gpu/plan.js';

/** A GPU run's phases in words (`duration` formats a time), as the CLI's summary and the web app show them. */
export function gpuPhasesText(t: GpuTimings, duration: (ms: number) => string): string {
  return `host prepare ${duration(t.prepareMs)}, upload ${duration(t.uploadMs)}, waiting for the GPU ${duration(t.gpuMs)}` +
    `${t.computeMs !== null ? ` (compute ${duration(t.computeMs)} by timestamps)` : ''}, host finish ${duration(t.finishMs)}` +
    `${t.deviceMs > 0 ? `; device ${duration(t.deviceMs)}, pipelines ${duration(t.pipelinesMs)} (the fit waited ${duration(t.pipelinesWaitMs)})` : ''}`;
}

/**
 * What a bootstrap did on the GPU, in words (empty where it ran on the CPU): the replicates refitted in f64 on the CPU,
 * its phases, and the genes it left to the CPU and why; as the CLI's summary and the web app show it.
 */
export function gpuBootstrapText(b: { refinedReplicates?: number; timings?: GpuTimings; cpuGenes?: number; failure?: string | null },
  duration: (ms: number) => string): string {
  if (b.refinedReplicates === undefined) return '';
  return `on the GPU, ${b.refinedReplicates} replicate(s) refitted in f64 on the CPU` +
    `${b.timings ? ` (${gpuPhasesText(b.timings, duration)})` : ''}` +
    `${b.failure ? `; ${b.cpuGenes} gene(s) bootstrapped on the CPU (${b.failure})` : ''}`;
}
