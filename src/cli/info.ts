import os from 'node:os';
import { cpuModel, defaultThreads } from '../backends/cpu-threads.js';
import { describeAdapter, probeAdapter } from '../gpu/device.js';
import { vulkanDrivers } from '../gpu/gpu-entry.js';
import { probeGpuJs } from '../gpujs/device.js';
import { packageVersion } from './summary.js';

const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;

/** `genelmm info`: the backends on this machine, the GPU adapter and its limits, and gpu.js's mode and device. */
export async function runInfo(): Promise<void> {
  const adapter = await probeAdapter();
  const gpujs = await probeGpuJs();
  const lines = [
    `genelmm ${packageVersion()} on Node ${process.version}, ${os.platform()} ${os.arch()}`,
    'backends:',
    `  cpu     available: ${cpuModel()}, ${defaultThreads()} thread(s), f64 (the reference)`,
  ];
  if ('unavailable' in adapter) {
    lines.push(`  webgpu  unavailable: ${adapter.unavailable}`);
  } else {
    const l = adapter.limits;
    lines.push(`  webgpu  available: ${describeAdapter(adapter)}`,
      `          limits: storage binding ${mib(l.maxStorageBufferBindingSize)}, buffer ${mib(l.maxBufferSize)}, ` +
        `${l.maxComputeWorkgroupsPerDimension} workgroups per dimension, ${l.maxComputeInvocationsPerWorkgroup} invocations per workgroup` +
        `${adapter.hasTimestamps ? ', timestamp queries' : ''}`,
      `          --backend auto ${adapter.isFallback ? 'does not use it (software rendering is slower than the CPU path)' : 'uses it for 2000 genes or more'}`);
  }
  const vulkan = vulkanDrivers();
  if (vulkan !== undefined) {
    const notes = [
      ...(vulkan.userChoice ? [`chosen by ${vulkan.userChoice}`] : []),
      ...(vulkan.env.VK_ICD_FILENAMES ? [`chosen by genelmm${vulkan.lavapipe.length > 0 ? ', lavapipe left out (Dawn rejects it)' : ''}`] : []),
      ...Object.entries(vulkan.env).filter(([k]) => k !== 'VK_ICD_FILENAMES').map(([k, v]) => `${k}=${v}`),
    ];
    lines.push(`          Vulkan drivers: ${vulkan.drivers.join(', ') || 'none'}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`);
  }
  if ('unavailable' in gpujs) {
    lines.push(`  gpujs   unavailable: ${gpujs.unavailable}`);
  } else {
    lines.push(`  gpujs   available: gpu.js ${gpujs.mode} mode on ${describeAdapter(gpujs.adapter)}`,
      `          --backend auto ${gpujs.mode === 'webgl2' && !gpujs.adapter.isFallback ? 'uses it where WebGPU has no hardware adapter, for 2000 genes or more'
        : gpujs.mode === 'webgpu' ? 'does not use it (in webgpu mode it runs on the webgpu backend\'s adapter; ask for it by name)'
          : 'does not use it (software rendering is slower than the CPU path)'}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
