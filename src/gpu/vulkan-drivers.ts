/**
 * The Vulkan drivers Dawn sees in Node on Linux, and the environment that lets it reach a working one quietly. Dawn
 * and the Vulkan loader write from native code to fd 2, with no log level or toggle of the webgpu package to stop
 * them, so every fix is an environment variable set before the first Dawn instance. Checked on Debian 12 (webgpu
 * 0.6.2, Vulkan loader 1.3.239, Mesa 22.3), each line of stderr, who prints it, and what stops it:
 *
 * - `error: XDG_RUNTIME_DIR is invalid or not set in the environment.` (twice): libwayland-client, called by Mesa's
 *   implicit layer VK_LAYER_MESA_device_select (package mesa-vulkan-drivers) where XDG_RUNTIME_DIR is not an
 *   absolute path, so where no Wayland session can exist. NODEVICE_SELECT=1, the layer's own off switch, stops it.
 * - `Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.` and two lines of where (Dawn rejecting Mesa's
 *   lavapipe, libvulkan_lvp.so): stopped by leaving lavapipe out of the loader's drivers (VK_ICD_FILENAMES listing
 *   the others), which genelmm does where it can put SwiftShader in its place.
 * - `Warning: vkCreateInstance: Found no drivers!`, `Warning: vkCreateInstance failed with
 *   VK_ERROR_INCOMPATIBLE_DRIVER` and its build path (the loader, through Dawn's debug messenger, then Dawn): where
 *   no driver manifest exists. Then no Dawn instance is created at all.
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * SwiftShader's Vulkan driver where browsers install it beside themselves: Debian's chromium (chromium-common),
 * Ubuntu's older chromium-browser, Google Chrome, Microsoft Edge. Dawn runs genelmm's programs on it in software.
 */
export const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
  '/opt/microsoft/msedge/vk_swiftshader_icd.json',
];

/** What the loader would find, and the variables genelmm sets before the first Dawn instance. */
export interface VulkanSetup {
  /** Variables to set (only ones the user left unset). */
  env: Record<string, string>;
  /** The driver manifests the loader would read, after genelmm's choice. */
  drivers: string[];
  /** Manifests of Mesa's lavapipe found (Dawn rejects Mesa 22.3's), whether or not left out. */
  lavapipe: string[];
  /** The SwiftShader manifest found, if any. */
  swiftShader?: string;
  /** The user chose the drivers (VK_ICD_FILENAMES or VK_DRIVER_FILES), so genelmm leaves them alone. */
  userChoice?: string;
}

/** The loader's variables that replace its search for drivers. */
const OVERRIDES = ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES'] as const;

/** The folders the Vulkan loader searches for driver manifests on Linux (its documented order, XDG defaults). */
export function manifestFolders(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME ?? '';
  const list = (value: string | undefined, fallback: string): string[] => (value || fallback).split(':').filter(Boolean);
  return [
    env.XDG_CONFIG_HOME || path.join(home, '.config'),
    ...list(env.XDG_CONFIG_DIRS, '/etc/xdg'),
    '/etc',
    env.XDG_DATA_HOME || path.join(home, '.local/share'),
    ...list(env.XDG_DATA_DIRS, '/usr/local/share:/usr/share'),
  ].map((dir) => path.join(dir, 'vulkan/icd.d'));
}

/** The .json manifests of a colon-separated list of files and folders (the loader's VK_*_FILES syntax). */
function manifestsIn(entries: string[]): string[] {
  return entries.flatMap((entry) => {
    try {
      if (fs.statSync(entry).isDirectory()) {
        return fs.readdirSync(entry).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(entry, f));
      }
      return [entry];
    } catch {
      return [];
    }
  });
}

/** Whether a driver manifest loads Mesa's lavapipe (libvulkan_lvp.so). */
function isLavapipe(manifest: string): boolean {
  try {
    const library = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { ICD?: { library_path?: string } }).ICD?.library_path ?? '';
    return /(^|\/)libvulkan_lvp\.so/.test(library);
  } catch {
    return false;
  }
}

/**
 * The drivers the loader would find under `env`, and the variables that make Dawn's adapter search quiet and
 * successful: NODEVICE_SELECT=1 where XDG_RUNTIME_DIR is not absolute and no device selection was asked for;
 * where SwiftShader is installed and the drivers are none or include lavapipe, VK_ICD_FILENAMES = the other drivers
 * and SwiftShader. A user's VK_ICD_FILENAMES or VK_DRIVER_FILES is left as it is. `folders`: where the loader
 * searches (manifestFolders).
 */
export function vulkanSetup(env: NodeJS.ProcessEnv, swiftShaderIcds: string[] = SWIFTSHADER_ICDS,
  folders: string[] = manifestFolders(env)): VulkanSetup {
  const set: Record<string, string> = {};
  const session = env.XDG_RUNTIME_DIR?.startsWith('/') ?? false;
  if (!session && [env.NODEVICE_SELECT, env.MESA_VK_DEVICE_SELECT, env.DRI_PRIME].every((v) => v === undefined)) {
    set.NODEVICE_SELECT = '1';
  }
  const swiftShader = swiftShaderIcds.find((f) => fs.existsSync(f));
  const added = manifestsIn((env.VK_ADD_DRIVER_FILES ?? '').split(':').filter(Boolean));
  const override = OVERRIDES.find((name) => env[name]);
  if (override !== undefined) {
    const drivers = [...manifestsIn(env[override]!.split(':').filter(Boolean)), ...added];
    return { env: set, drivers, lavapipe: drivers.filter(isLavapipe), swiftShader, userChoice: `${override}=${env[override]}` };
  }
  const found = [...manifestsIn(folders), ...added];
  const lavapipe = found.filter(isLavapipe);
  let drivers = found;
  if (swiftShader !== undefined && (found.length === 0 || lavapipe.length > 0)) {
    drivers = [...found.filter((f) => !lavapipe.includes(f) && f !== swiftShader), swiftShader];
    set.VK_ICD_FILENAMES = drivers.join(':');
  }
  return { env: set, drivers, lavapipe, swiftShader };
}

/** What a user can do when no Vulkan driver gives Dawn an adapter, as a clause after "no WebGPU adapter…; ". */
export function vulkanAdvice(setup: VulkanSetup): string {
  const install = 'install your GPU\'s Vulkan driver, or for software rendering SwiftShader (Debian: apt-get install chromium), ' +
    `which genelmm finds at ${SWIFTSHADER_ICDS[0]} (or set VK_ICD_FILENAMES to a vk_swiftshader_icd.json)`;
  if (setup.userChoice !== undefined) {
    return `${setup.userChoice} chose the Vulkan drivers (${setup.drivers.join(', ') || 'no driver manifest'}); unset it to let genelmm ` +
      `choose, or point it at a working driver${setup.swiftShader ? ` such as ${setup.swiftShader}` : ''}`;
  }
  if (setup.drivers.length === 0) return `the Vulkan loader has no driver here; ${install}`;
  if (setup.lavapipe.length > 0 && setup.swiftShader === undefined) {
    return `Dawn does not accept Mesa's lavapipe (${setup.lavapipe.join(', ')}); ${install}`;
  }
  return `no Vulkan driver answered (${setup.drivers.join(', ')}); ${install}`;
}
