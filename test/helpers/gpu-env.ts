/**
 * The one place the tests decide which WebGPU adapter they use: the Vulkan environment genelmm itself chooses here
 * (vulkanSetup: SwiftShader in place of Mesa's lavapipe, quiet), for the CLI runs the tests spawn and for the
 * browser (test/web/browser.ts), so that the Node tests, the CLI and Chromium fit on the same adapter.
 */
import { vulkanSetup } from '../../src/gpu/vulkan-drivers.js';

/** The environment of a child process (CLI or browser) with genelmm's Vulkan choice applied; CI unset. */
export function gpuTestEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const base = { ...process.env, CI: '', ...extra };
  return process.platform === 'linux' ? { ...base, ...vulkanSetup(base).env } : base;
}
