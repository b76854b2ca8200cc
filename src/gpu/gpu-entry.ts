/// <reference types="@webgpu/types" />
/**
 * The WebGPU entry point in Node: navigator.gpu where something installed one, else Dawn (the `webgpu`
 * package) on the Vulkan drivers vulkan-drivers.ts chooses. The web app's build swaps this module for
 * web/src/platform/gpu-entry.ts (navigator.gpu only).
 */
import { type VulkanSetup, vulkanAdvice, vulkanSetup } from './vulkan-drivers.js';

let nodeGpu: Promise<GPU | null> | undefined;
let vulkan: VulkanSetup | undefined;

/** An entry point without adapters: where the loader has no driver, a Dawn instance would only print its complaints. */
const NO_DRIVER = { requestAdapter: async () => null } as unknown as GPU;

/** `first`, except that where it has no adapter to give, a second entry point (made once, when needed) is asked. */
function orElse(first: GPU, second: () => GPU): GPU {
  let made: GPU | undefined;
  return {
    requestAdapter: async (options?: GPURequestAdapterOptions) =>
      (await first.requestAdapter(options)) ?? (made ??= second()).requestAdapter(options),
    getPreferredCanvasFormat: () => first.getPreferredCanvasFormat(),
    get wgslLanguageFeatures() {
      return first.wgslLanguageFeatures;
    },
  } as unknown as GPU;
}

/**
 * The GPU entry point: navigator.gpu where present, else Dawn, loaded once. Before its first instance the
 * environment of vulkanSetup is set (quiet, SwiftShader in place of lavapipe); where SwiftShader is installed
 * but not among the drivers, and none of them gives an adapter, a fresh instance on SwiftShader alone is asked.
 * Null where the webgpu package does not load.
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
    if (process.platform !== 'linux') return dawn.create([]);
    const setup = vulkanSetup(process.env);
    vulkan = setup;
    Object.assign(process.env, setup.env);
    if (setup.drivers.length === 0) return NO_DRIVER;
    const first = dawn.create([]);
    const swiftShader = setup.swiftShader;
    if (swiftShader === undefined || setup.userChoice !== undefined || setup.drivers.includes(swiftShader)) return first;
    return orElse(first, () => {
      process.env.VK_ICD_FILENAMES = swiftShader;
      vulkan = { ...setup, drivers: [swiftShader], env: { ...setup.env, VK_ICD_FILENAMES: swiftShader } };
      return dawn.create([]);
    });
  })();
  return nodeGpu;
}

/** What to do where no WebGPU adapter answers (Node on Linux: the Vulkan drivers and the fix); '' where unknown. */
export function noAdapterAdvice(): string {
  return vulkan === undefined ? '' : vulkanAdvice(vulkan);
}

/** The Vulkan drivers Dawn was given and what genelmm set for them (Node on Linux), for `genelmm info`. */
export function vulkanDrivers(): VulkanSetup | undefined {
  return vulkan;
}
