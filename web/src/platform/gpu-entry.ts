/// <reference types="@webgpu/types" />
/** The browser twin of src/gpu/gpu-entry.ts: the browser's own WebGPU, where it has one. */
import type * as NodeEntry from '../../../src/gpu/gpu-entry.js';

export const gpuEntry: typeof NodeEntry.gpuEntry = async () =>
  (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu ?? null;

/** A browser chooses its own drivers: nothing to advise beyond the message. */
export const noAdapterAdvice: typeof NodeEntry.noAdapterAdvice = () => '';

/** No Vulkan drivers of genelmm's choosing in a browser. */
export const vulkanDrivers: typeof NodeEntry.vulkanDrivers = () => undefined;
