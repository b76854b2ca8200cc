/// <reference types="@webgpu/types" />
import assert from 'node:assert/strict';
import { after, describe } from 'node:test';
import { acquireGpu, type GpuContext } from '../../src/gpu/device.js';
import { PHILOX_CONSTANTS } from '../../src/gpu/philox.js';
import { constantDeclarations } from '../../src/gpu/program.js';
import { shaderSource } from '../../src/gpu/shaders.js';
import { simulateRlrtNullGpu } from '../../src/gpu/rlrt-null.js';
import { philoxKey, philoxWords } from '../../src/stats/philox.js';
import { exactRlrtPValue, rlrtLambdaGrid, rlrtNullDraw, rlrtNullSetup } from '../../src/model/inference/rlrt-null.js';
import { compareResults, formatComparison } from '../../src/results/compare.js';
import { fitGenes } from '../../src/fit-genes.js';
import { FIXTURES_LME4, loadCase } from '../helpers/cases.js';
import { assertRanOnGpu, itOn, webgpuBackend } from '../conformance/backends.js';

const webgpu = await webgpuBackend();

/** Counters and keys whose Philox words the GPU must reproduce bit for bit: Random123's known answers and a spread. */
const CASES: [number[], number[]][] = [
  [[0, 0, 0, 0], [0, 0]],
  [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]],
  [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]],
  ...Array.from({ length: 61 }, (_, i): [number[], number[]] => [[i * 7919, i, i % 2, i * 31], [4, 0]]),
];

/** Runs philox() of shaders/philox.wgsl on every case and reads the words back. */
async function gpuWords(gpu: GpuContext): Promise<Uint32Array> {
  const { device } = gpu;
  const code = `${constantDeclarations(PHILOX_CONSTANTS).join('\n')}
${shaderSource('philox')}
@group(0) @binding(0) var<storage, read> input: array<u32>;
@group(0) @binding(1) var<storage, read_write> output: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= arrayLength(&input) / 6u) { return; }
  let w = philox(vec4<u32>(input[6u * i], input[6u * i + 1u], input[6u * i + 2u], input[6u * i + 3u]),
                 vec2<u32>(input[6u * i + 4u], input[6u * i + 5u]));
  output[4u * i] = w.x; output[4u * i + 1u] = w.y; output[4u * i + 2u] = w.z; output[4u * i + 3u] = w.w;
}`;
  const input = Uint32Array.from(CASES.flatMap(([c, k]) => [...c, ...k]));
  const inBuffer = device.createBuffer({ size: input.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(inBuffer, 0, input);
  const outBuffer = device.createBuffer({ size: CASES.length * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const staging = device.createBuffer({ size: CASES.length * 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: inBuffer } }, { binding: 1, resource: { buffer: outBuffer } }] }));
  pass.dispatchWorkgroups(Math.ceil(CASES.length / 64));
  pass.end();
  encoder.copyBufferToBuffer(outBuffer, 0, staging, 0, CASES.length * 16);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  return new Uint32Array(staging.getMappedRange().slice(0));
}

describe('the exact RLRT null on the GPU reproduces the CPU stream', () => {
  let device: GpuContext | undefined;
  const gpu = async (): Promise<GpuContext> => {
    if (device === undefined) {
      const acquired = await acquireGpu();
      assert.ok(!('unavailable' in acquired), 'a WebGPU device');
      device = acquired;
    }
    return device;
  };
  after(() => device?.device.destroy());

  itOn(webgpu, 'Philox4x32-10 words are identical to the CPU, known answers included', async () => {
    const words = await gpuWords(await gpu());
    const cpu = new Uint32Array(4);
    CASES.forEach(([c, k], i) => {
      philoxWords(c[0], c[1], c[2], c[3], k[0], k[1], cpu);
      assert.deepEqual(Array.from(words.subarray(4 * i, 4 * i + 4)), Array.from(cpu), `counter ${c.map((x) => x.toString(16))} key ${k}`);
    });
    assert.deepEqual(Array.from(words.subarray(0, 4)), [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
  });

  const designs: [string, Float64Array, number, number, number][] = [
    ['Dyestuff (6 groups of 5)', new Float64Array(6).fill(5), 30, 1, 6],
    ['unbalanced, 6 distinct eigenvalues', Float64Array.from([7, 5, 3.2, 3.2, 2, 1.1, 0.4]), 27, 2, 8],
    ['250 groups of 2, n = 500', new Float64Array(248).fill(2), 500, 3, 250],
  ];
  for (const [name, mu, n, p, q] of designs) {
    itOn(webgpu, `${name}: every draw equals the CPU's to f32 precision, and the p-values agree`, async () => {
      const nsim = 4000;
      const setup = rlrtNullSetup(mu, n, p, rlrtLambdaGrid(), q);
      const drawsGpu = await simulateRlrtNullGpu(await gpu(), setup, nsim, 4);
      const key = philoxKey(4);
      const u = new Float64Array(setup.multiplicity.length);
      const drawsCpu = Float64Array.from({ length: nsim }, (_, i) => rlrtNullDraw(setup, key, i, u));
      const failures: string[] = [];
      drawsCpu.forEach((c, i) => {
        const g = drawsGpu[i];
        if ((c === 0) !== (g === 0) || !(Math.abs(g - c) <= 1e-3)) failures.push(`draw ${i}: CPU ${c}, GPU ${g}`);
      });
      assert.deepEqual(failures.slice(0, 10), [], `${failures.length} draws differ beyond f32 precision`);
      const sortedCpu = drawsCpu.slice().sort();
      const sortedGpu = Float64Array.from(drawsGpu).sort();
      for (const observed of [0.1, 0.5, 1, 2, 4, 8]) {
        const dp = Math.abs(exactRlrtPValue(sortedCpu, observed) - exactRlrtPValue(sortedGpu, observed));
        assert.ok(dp <= 5 / nsim, `p at RLRT ${observed}: CPU and GPU differ by ${dp}`);
      }
    });
  }

  itOn(webgpu, 'fitGenes on the GPU simulates the null there, and p_rlrt_exact agrees with the CPU run', async () => {
    const c = await loadCase(FIXTURES_LME4, 'unbalanced');
    const options = { threads: 1, rlrtExact: 20_000, seed: 4 };
    const gpuFit = await fitGenes(c.matrix, c.samples, c.formula, { ...options, backend: 'webgpu' });
    assertRanOnGpu(gpuFit);
    const cpuFit = await fitGenes(c.matrix, c.samples, c.formula, { ...options, backend: 'cpu' });
    const comparison = compareResults(c.matrix.geneIds, cpuFit.coefNames, cpuFit.results, gpuFit.results, { rlrtNsim: options.rlrtExact });
    assert.ok(comparison.ok, formatComparison(comparison));
    const column = comparison.columns.find((d) => d.column === 'p_rlrt_exact');
    assert.ok(column !== undefined && column.failures === 0, 'p_rlrt_exact is compared');
  });
});

