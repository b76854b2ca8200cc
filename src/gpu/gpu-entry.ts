/// <reference types="@webgpu/types" />
/**
 * The WebGPU entry point in Node: navigator.gpu where something installed one, else Dawn (the `webgpu`
 * package). The web app's build swaps this module for web/src/platform/gpu-entry.ts (navigator.gpu only).
 */
import fs from 'node:fs';

/** The software Vulkan driver Debian's chromium ships; used when no other Vulkan driver is installed. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let nodeGpu: Promise<GPU | null> | undefined;

/** Whether the Vulkan loader has an installed driver manifest to find (a real GPU's, or Mesa's). */
function hasVulkanDriver(): boolean {
  const dirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
  return dirs.some((dir) => fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.json')));
}

/**
 * The GPU entry point: navigator.gpu where present, else Dawn, loaded once. When no Vulkan driver is
 * configured and none answers, Debian chromium's SwiftShader is tried, so CI without a GPU still runs the
 * real WGSL. Null where the webgpu package does not load.
 */
export async function gpuEntry(): Promise<GPU | null> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  nodeGpu ??= (async () => {
    let dawn: typeof import('webgpu');
    try {
      dawn = await import('webgpu');
    } catch {
      return null;
    }
    Object.assign(globalThis, dawn.globals);
    const configured = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
    if (configured === undefined && !hasVulkanDriver() && fs.existsSync(SWIFTSHADER_ICD)) {
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    }
    return dawn.create([]);
  })();
  return nodeGpu;
}
