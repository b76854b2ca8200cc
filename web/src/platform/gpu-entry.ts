/// <reference types="@webgpu/types" />
/** The browser twin of src/gpu/gpu-entry.ts: the browser's own WebGPU, where it has one. */
import type * as NodeEntry from '../../../src/gpu/gpu-entry.js';

export const gpuEntry: typeof NodeEntry.gpuEntry = async () =>
  (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu ?? null;
