/**
 * The Vulkan drivers genelmm gives Dawn (src/gpu/vulkan-drivers.ts), on manifests written to a temporary folder the
 * loader's XDG_DATA_DIRS points at: SwiftShader in place of Mesa's lavapipe, Mesa's device-select layer kept off
 * Wayland where no session exists, a user's choice left alone, and advice that names the fix.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { manifestFolders, vulkanAdvice, vulkanSetup } from '../../src/gpu/vulkan-drivers.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'genelmm-vulkan-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** A folder holding driver manifests (name → library), as XDG_DATA_DIRS would hold vulkan/icd.d. */
function dataDir(name: string, manifests: Record<string, string>): string {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'vulkan/icd.d'), { recursive: true });
  for (const [file, library] of Object.entries(manifests)) {
    fs.writeFileSync(path.join(dir, 'vulkan/icd.d', file), JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: library, api_version: '1.1.0' } }));
  }
  return dir;
}

const swiftShader = path.join(root, 'vk_swiftshader_icd.json');
fs.writeFileSync(swiftShader, JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: './libvk_swiftshader.so', api_version: '1.0.5' } }));
const LVP = '/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so';
const RADV = '/usr/lib/x86_64-linux-gnu/libvulkan_radeon.so';
/** The loader's folders with `data` as the only one (this machine's own drivers left out). */
const foldersOf = (data: string): string[] => [path.join(data, 'vulkan/icd.d')];

describe('vulkanSetup: the drivers Dawn is given', () => {
  it('searches the loader\'s folders: the XDG config and data folders (with their defaults) and /etc', () => {
    assert.deepEqual(manifestFolders({ HOME: '/home/u' }), ['/home/u/.config', '/etc/xdg', '/etc', '/home/u/.local/share', '/usr/local/share', '/usr/share']
      .map((d) => `${d}/vulkan/icd.d`));
    assert.deepEqual(manifestFolders({ HOME: '/h', XDG_DATA_DIRS: '/a:/b', XDG_CONFIG_DIRS: '/c' }).slice(1), ['/c', '/etc', '/h/.local/share', '/a', '/b']
      .map((d) => `${d}/vulkan/icd.d`));
  });

  it('Debian with mesa-vulkan-drivers and chromium: SwiftShader in place of lavapipe, the hardware drivers kept', () => {
    const data = dataDir('mesa', { 'lvp_icd.x86_64.json': LVP, 'radeon_icd.x86_64.json': RADV });
    const setup = vulkanSetup({}, [path.join(root, 'missing.json'), swiftShader], foldersOf(data));
    const radeon = path.join(data, 'vulkan/icd.d/radeon_icd.x86_64.json');
    assert.deepEqual(setup.env, { NODEVICE_SELECT: '1', VK_ICD_FILENAMES: `${radeon}:${swiftShader}` });
    assert.deepEqual(setup.lavapipe, [path.join(data, 'vulkan/icd.d/lvp_icd.x86_64.json')]);
    assert.equal(setup.swiftShader, swiftShader);
  });

  it('no driver at all, SwiftShader installed: SwiftShader', () => {
    const setup = vulkanSetup({ XDG_RUNTIME_DIR: '/run/user/1000' }, [swiftShader], foldersOf(path.join(root, 'empty')));
    assert.deepEqual(setup.env, { VK_ICD_FILENAMES: swiftShader }, 'a Wayland session may exist: the device-select layer is left on');
  });

  it('hardware drivers only: left as they are; device selection asked for is respected', () => {
    const data = dataDir('hardware', { 'nvidia_icd.json': 'libGLX_nvidia.so.0' });
    const setup = vulkanSetup({ MESA_VK_DEVICE_SELECT: '1002:73bf' }, [swiftShader], foldersOf(data));
    assert.deepEqual(setup.env, {});
    assert.deepEqual(setup.drivers, [path.join(data, 'vulkan/icd.d/nvidia_icd.json')]);
  });

  it('a user\'s VK_ICD_FILENAMES is left alone, and the advice says to unset it', () => {
    const setup = vulkanSetup({ VK_ICD_FILENAMES: '/nowhere/icd.json' }, [swiftShader], foldersOf(path.join(root, 'empty')));
    assert.equal(setup.env.VK_ICD_FILENAMES, undefined);
    assert.deepEqual(setup.drivers, []);
    assert.match(vulkanAdvice(setup), /VK_ICD_FILENAMES=\/nowhere\/icd\.json chose the Vulkan drivers .*unset it.*vk_swiftshader_icd\.json/);
  });

  it('lavapipe without SwiftShader: the advice names lavapipe and how to install SwiftShader', () => {
    const data = dataDir('lavapipe-only', { 'lvp_icd.x86_64.json': LVP });
    const setup = vulkanSetup({}, [], foldersOf(data));
    assert.equal(setup.env.VK_ICD_FILENAMES, undefined, 'nothing to put in its place');
    assert.match(vulkanAdvice(setup), /Dawn does not accept Mesa's lavapipe .*lvp_icd.*apt-get install chromium.*VK_ICD_FILENAMES/);
  });

  it('no driver and no SwiftShader: the advice says what to install', () => {
    const setup = vulkanSetup({}, [], foldersOf(path.join(root, 'empty')));
    assert.deepEqual(setup.drivers, []);
    assert.match(vulkanAdvice(setup), /no driver here; install your GPU's Vulkan driver, or .*SwiftShader \(Debian: apt-get install chromium\)/);
  });
});
