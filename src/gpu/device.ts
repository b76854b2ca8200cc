/// <reference types="@webgpu/types" />
import { gpuEntry, noAdapterAdvice } from './gpu-entry.js';

/** What the summary and `genelmm info` say about an adapter. */
export interface AdapterReport {
  /** The GPU's name where the adapter gives it (Dawn: the driver's device name), else empty. */
  name: string;
  vendor: string;
  architecture: string;
  /** The driver (Dawn: its name and version), or what else the adapter says of itself. */
  description: string;
  /** A software (CPU) implementation: SwiftShader, llvmpipe. */
  isFallback: boolean;
  limits: {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupsPerDimension: number;
    maxComputeInvocationsPerWorkgroup: number;
  };
  hasTimestamps: boolean;
}

/** A device ready for genelmm's programs, and what happened to it. */
export interface GpuContext {
  device: GPUDevice;
  adapter: AdapterReport;
  /** Set when the device is lost or reports an uncaptured error: the run must not trust it any more. */
  failure: string | null;
}

/** Why no device could be had. */
export interface GpuUnavailable {
  unavailable: string;
}

/** Why there is no GPU entry point: Node without the webgpu package, or a browser without WebGPU. */
export const NO_IMPLEMENTATION = 'no WebGPU implementation (no navigator.gpu, and the webgpu package did not load)';

/** Names of software (CPU) implementations of WebGPU, Vulkan or GL, in an adapter's or renderer's description. */
export const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe/i;

/** Why no adapter answered, and what to do about it where the entry point knows (Node: the Vulkan drivers). */
export function noAdapter(): string {
  const advice = noAdapterAdvice();
  return `no WebGPU adapter: no GPU driver answered${advice ? `; ${advice}` : ''}`;
}

/** What genelmm reports of a WebGPU adapter (isFallback for software implementations). */
export function adapterReport(adapter: GPUAdapter): AdapterReport {
  const info = adapter.info;
  const isFallback = Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
    (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter) ||
    SOFTWARE_RENDERER.test(`${info.architecture} ${info.description} ${info.device}`);
  return {
    // Dawn normalises the name ("swiftshader-device-subzero-"); browsers often leave it empty.
    name: (info.device ?? '').replace(/[-_]+/g, ' ').trim(),
    vendor: info.vendor || 'unknown vendor',
    architecture: info.architecture || 'unknown architecture',
    description: info.description || '',
    isFallback,
    limits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
    },
    hasTimestamps: adapter.features.has('timestamp-query'),
  };
}

/** The adapter a run would use, without creating a device (for `genelmm info`). */
export async function probeAdapter(): Promise<AdapterReport | GpuUnavailable> {
  const gpu = await gpuEntry();
  if (gpu === null) return { unavailable: NO_IMPLEMENTATION };
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  return adapter === null ? { unavailable: noAdapter() } : adapterReport(adapter);
}

/**
 * A device with the adapter's full storage limits (the defaults would cap bindings at 128 MiB). Loss and
 * uncaptured errors are recorded in `failure`, never ignored.
 */
export async function acquireGpu(): Promise<GpuContext | GpuUnavailable> {
  const gpu = await gpuEntry();
  if (gpu === null) return { unavailable: NO_IMPLEMENTATION };
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) return { unavailable: noAdapter() };
  const described = adapterReport(adapter);
  const device = await adapter.requestDevice({
    requiredFeatures: described.hasTimestamps ? ['timestamp-query'] : [],
    requiredLimits: {
      maxStorageBufferBindingSize: described.limits.maxStorageBufferBindingSize,
      maxBufferSize: described.limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: Math.min(8, adapter.limits.maxStorageBuffersPerShaderStage),
    },
  });
  const context: GpuContext = { device, adapter: described, failure: null };
  device.lost.then((info) => {
    context.failure ??= `device lost (${info.reason}${info.message ? `: ${info.message}` : ''})`;
  });
  device.onuncapturederror = (event) => {
    context.failure ??= `uncaptured GPU error: ${event.error.message}`;
  };
  return context;
}

/** A one-line description of an adapter: the GPU's name (else vendor and architecture), then its driver. */
export function describeAdapter(a: AdapterReport): string {
  const name = a.name || `${a.vendor} ${a.architecture}`;
  return `${name}${a.description ? ` (${a.description})` : ''}${a.isFallback ? ', software rendering' : ''}`;
}
