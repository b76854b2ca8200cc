/**
 * A GPU device lost in the middle of a run (the backend's loseDeviceAfterBatches hook destroys it, as a driver
 * reset would): the run completes, says why the GPU stopped, and fits the rest on the CPU, so every gene has
 * its row (test/helpers/gpu-edge-cases.ts, shared with the gpujs backend). Skipped, with the reason, where no
 * adapter answers; failed in CI.
 */
import { describe } from 'node:test';
import type { FitResult } from '../../src/fit-genes.js';
import { FIXTURES_LME4, loadCase, type ReferenceCase } from '../helpers/cases.js';
import { fitCpu } from '../helpers/inputs.js';
import { deviceLossCases } from '../helpers/gpu-edge-cases.js';
import { webgpuBackend } from '../conformance/backends.js';

const webgpu = await webgpuBackend();

let sim300: Promise<{ input: ReferenceCase; cpu: FitResult }> | undefined;

describe(`webgpu device loss (${webgpu.reason})`, () => {
  deviceLossCases({ ...webgpu, name: 'webgpu' }, () => {
    sim300 ??= (async () => {
      const input = await loadCase(FIXTURES_LME4, 'sim300');
      return { input, cpu: await fitCpu(input) };
    })();
    return sim300;
  }, [1, 2]);
});
