/**
 * A successful run prints nothing but genelmm's own lines on stderr, and with --quiet nothing at all: no line of
 * Dawn, the Vulkan loader or a driver (src/gpu/vulkan-drivers.ts). Run as a headless server runs it (no
 * XDG_RUNTIME_DIR), with this machine's drivers, and with none (VK_DRIVER_FILES naming an empty folder: the loader
 * finds no driver, as on a machine without a GPU or SwiftShader).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { AUTO_GPU_MIN_GENES } from '../../src/backends/select.js';
import { CLI } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/cases.js';
import { gpuTestEnv } from '../helpers/gpu-env.js';
import { skipUnlessAvailable, webgpuBackend } from '../conformance/backends.js';

/** The environment as the user gave it: genelmm sets its Vulkan choice in process.env once it loads Dawn (below). */
const USER_ENV = { ...process.env };
const webgpu = await webgpuBackend();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genelmm-quiet-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const noDriver = path.join(dir, 'no-vulkan-driver');
fs.mkdirSync(noDriver);

/** The first `nGenes` genes of the bundled example, as a file. */
function exampleGenes(nGenes: number): string {
  const file = path.join(dir, `genes-${nGenes}.tsv`);
  const lines = fs.readFileSync(path.join(REPO_ROOT, 'data/bottomly/bottomly_count_table.tsv'), 'utf8').split('\n');
  fs.writeFileSync(file, `${lines.slice(0, nGenes + 1).join('\n')}\n`);
  return file;
}
const many = exampleGenes(AUTO_GPU_MIN_GENES + 100);
const few = exampleGenes(200);

/** Runs genelmm as a headless server does (no XDG_RUNTIME_DIR), with `extra` in its environment. */
function genelmm(args: string[], extra: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...USER_ENV, CI: '', ...extra };
  delete env.XDG_RUNTIME_DIR;
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', env });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
const fitArgs = (expr: string, ...more: string[]): string[] => ['fit', '--expr', expr, '--samples',
  path.join(REPO_ROOT, 'data/bottomly/bottomly_phenodata.tsv'), '--formula', '~ strain + (1 | experiment.number)',
  '--transform', 'logcpm', '--out', path.join(dir, 'out.tsv'), ...more];

/** genelmm's own stderr lines start so (src/cli/summary.ts, notices); anything else came from elsewhere. */
const OWN_LINE = /^(genelmm |statuses: |backend: |gpu: |exact RLRT: |bootstrap: |time: |note: )/;

describe('stderr holds genelmm\'s lines only', () => {
  for (const [label, extra] of [['this machine\'s Vulkan drivers', {}], ['no Vulkan driver', { VK_DRIVER_FILES: noDriver }]] as const) {
    it(`${label}: --quiet --backend auto on ${AUTO_GPU_MIN_GENES + 100} genes prints nothing`, () => {
      const run = genelmm(fitArgs(many, '--quiet', '--backend', 'auto'), extra);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, '', 'stderr is empty');
    });

    it(`${label}: without --quiet, every line is genelmm's`, () => {
      const run = genelmm(fitArgs(many, '--backend', 'auto'), extra);
      assert.equal(run.status, 0, run.stderr);
      const foreign = run.stderr.split('\n').filter((line) => line !== '' && !OWN_LINE.test(line));
      assert.deepEqual(foreign, [], 'no line of Dawn, the loader or a driver');
    });

    it(`${label}: genelmm info prints nothing on stderr`, () => {
      const run = genelmm(['info'], extra);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, '');
    });
  }

  it('no Vulkan driver: genelmm info says so, names the drivers found and the fix', () => {
    const run = genelmm(['info'], { VK_DRIVER_FILES: noDriver });
    assert.match(run.stdout, /^ {2}webgpu {2}unavailable: no WebGPU adapter: .*VK_DRIVER_FILES=.* chose the Vulkan drivers \(no driver manifest\); unset it/m);
    assert.match(run.stdout, /^ +Vulkan drivers: none \(chosen by VK_DRIVER_FILES=/m);
  });

  it('no Vulkan driver: --quiet --backend webgpu falls back to the CPU and prints nothing; without --quiet it says why, and the fix', () => {
    const quiet = genelmm(fitArgs(few, '--quiet', '--backend', 'webgpu'), { VK_DRIVER_FILES: noDriver });
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.equal(quiet.stderr, '');
    const told = genelmm(fitArgs(few, '--backend', 'webgpu'), { VK_DRIVER_FILES: noDriver });
    assert.match(told.stderr, /^note: no WebGPU adapter: .*VK_DRIVER_FILES=.* chose the Vulkan drivers .*unset it.*; fitting on the CPU instead$/m);
  });

  it('--quiet --backend webgpu on this machine\'s adapter prints nothing', skipUnlessAvailable(webgpu), () => {
    const run = genelmm(fitArgs(few, '--quiet', '--backend', 'webgpu', '--summary', path.join(dir, 'summary.json')), gpuTestEnv());
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')).backend.name, 'webgpu', 'it ran on WebGPU');
  });
});
