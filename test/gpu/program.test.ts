/**
 * The GPU program layer (src/gpu/program.ts): each program's uniform, bindings, workgroup size and the constants it
 * shares with TypeScript are declared once, in its descriptor, and generated into its WGSL. These tests fail when a
 * descriptor and its WGSL disagree: a .wgsl file that declares what the descriptor generates (a binding, the
 * uniform, the workgroup size, a mirrored constant), a binding the WGSL never uses (names swapped or stale), a
 * uniform field the WGSL reads that the descriptor lacks, a constant whose literal is not its TypeScript value, a
 * shader file no program uses, and a dispatch given buffers or uniform values the descriptor does not name. On a
 * WebGPU adapter (SwiftShader in CI), every program's generated WGSL compiles without an error.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { acquireGpu } from '../../src/gpu/device.js';
import { bootstrapDrawProgram } from '../../src/gpu/bootstrap.js';
import { FIT_PROGRAMS } from '../../src/gpu/fit-programs.js';
import { KINSHIP_PROGRAMS } from '../../src/gpu/kinship-programs.js';
import { TERMS_PROGRAMS } from '../../src/gpu/terms-programs.js';
import { batchBuffers, batchUpload, drainBuffers, encodeProgram, encodeWithBuffers, type GpuProgram, makeShader, programDeclarations, releaseBuffers } from '../../src/gpu/program.js';
import { rlrtNullProgram } from '../../src/gpu/rlrt-null.js';
import { shaderSource } from '../../src/gpu/shaders.js';
import { FIXTURES_LME4, loadCase, REPO_ROOT } from '../helpers/cases.js';
import { fitGenes } from '../../src/fit-genes.js';
import { itOn, webgpuBackend } from '../conformance/backends.js';

const PROGRAMS: GpuProgram[] = [...FIT_PROGRAMS, ...KINSHIP_PROGRAMS, ...TERMS_PROGRAMS, rlrtNullProgram, bootstrapDrawProgram];
const webgpu = await webgpuBackend();

/** A program's own WGSL, its .wgsl files after the generated declarations, without comments. */
function body(program: GpuProgram): string {
  return program.shaders.map(shaderSource).join('\n').replace(/\/\/.*$/gm, '');
}

describe('GPU program descriptors and their WGSL', () => {
  for (const program of PROGRAMS) {
    it(`${program.name}: the .wgsl files declare nothing the descriptor generates`, () => {
      const wgsl = body(program);
      assert.doesNotMatch(wgsl, /@binding|var<uniform>|\boverride\b/, 'bindings, the uniform and WORKGROUP_SIZE come from the descriptor');
      assert.doesNotMatch(wgsl, new RegExp(`\\bstruct\\s+${program.uniform.struct}\\b`), `struct ${program.uniform.struct} comes from the descriptor`);
      const redeclared = Object.keys(program.constants).filter((name) => new RegExp(`\\bconst\\s+${name}\\b`).test(wgsl));
      assert.deepEqual(redeclared, [], 'constants the descriptor generates, declared again in WGSL');
    });

    it(`${program.name}: every array's size is a named constant, not a number (a number is a bound the descriptor cannot change)`, () => {
      assert.deepEqual([...body(program).matchAll(/array<\w+, *\d+u?>/g)].map((m) => m[0]), []);
    });

    it(`${program.name}: every binding is used by the WGSL, and every uniform field it reads is declared`, () => {
      const wgsl = body(program);
      const unused = program.bindings.map(({ name }) => name).filter((name) => !new RegExp(`\\b${name}\\b`).test(wgsl));
      assert.deepEqual(unused, [], 'bindings the WGSL never reads or writes');
      const fields = new Set([...program.uniform.fields.map(([name]) => name), 'rowInvocations']);
      const read = [...wgsl.matchAll(/\bparams\.(\w+)/g)].map((m) => m[1]);
      assert.ok(read.length > 0, 'the WGSL reads its uniform');
      assert.deepEqual([...new Set(read.filter((name) => !fields.has(name)))], [], 'uniform fields the descriptor lacks');
    });

    it(`${program.name}: each generated constant's literal is its TypeScript value (in the WGSL type)`, () => {
      const declarations = programDeclarations(program);
      const parse = (type: string, text: string): number => (type === 'u32' ? Number(text.replace(/u$/, '')) : Math.fround(Number(text)));
      const inType = (type: string, value: number): number => (type === 'u32' ? value : Math.fround(value));
      for (const [name, [type, value]] of Object.entries(program.constants)) {
        if (typeof value !== 'number') {
          const array = `array<${type}, ${value.length}>`;
          const m = new RegExp(`^const ${name}: ${array.replace(/[<>]/g, '\\$&')} = ${array.replace(/[<>]/g, '\\$&')}\\(([^;]+)\\);$`, 'm').exec(declarations);
          assert.ok(m, `${name} is declared as ${array}`);
          assert.deepEqual(m[1].split(', ').map((text) => parse(type, text)), value.map((v) => inType(type, v)), `${name}: ${m[1]}`);
          continue;
        }
        const m = new RegExp(`^const ${name}: ${type} = ([^;]+);$`, 'm').exec(declarations);
        assert.ok(m, `${name} is declared as ${type}`);
        assert.equal(parse(type, m[1]), inType(type, value), `${name}: ${m[1]}`);
      }
      const bindings = [...declarations.matchAll(/@binding\((\d+)\) var<storage, (read|read_write)> (\w+): array<(f32|u32)>/g)];
      assert.deepEqual(bindings.map((m) => [Number(m[1]), m[3], m[2], m[4]]),
        program.bindings.map(({ name, access, element }, i) => [i + 1, name, access, element]), 'bindings 1..k in the descriptor\'s order');
    });
  }

  it('a tiled program gets `const TILE` and `TILE_THREADS` and square workgroups of the latter, not WORKGROUP_SIZE', () => {
    const tiled = PROGRAMS.filter((program) => program.tile !== undefined);
    assert.ok(tiled.length > 0, 'a tiled program exists');
    for (const program of tiled) {
      const declarations = programDeclarations(program);
      assert.match(declarations, new RegExp(`^const TILE: u32 = ${program.tile!.size}u;$`, 'm'), program.name);
      assert.match(declarations, new RegExp(`^const TILE_THREADS: u32 = ${program.tile!.threads}u;$`, 'm'), program.name);
      assert.doesNotMatch(declarations, /override WORKGROUP_SIZE/, program.name);
      assert.doesNotMatch(body(program), /\bconst\s+TILE(_THREADS)?\b/, `${program.name}: TILE and TILE_THREADS come from the descriptor`);
      assert.match(body(program), /@workgroup_size\(TILE_THREADS, TILE_THREADS\)/, program.name);
    }
  });

  it('every shaders/*.wgsl file belongs to a program', () => {
    const used = new Set(PROGRAMS.flatMap((p) => p.shaders));
    const files = fs.readdirSync(path.join(REPO_ROOT, 'shaders')).filter((f) => f.endsWith('.wgsl')).map((f) => f.replace(/\.wgsl$/, ''));
    assert.deepEqual(files.filter((f) => !used.has(f)), [], 'shader files no program uses');
  });

  it('a dispatch refuses buffers or uniform values its descriptor does not name, before touching the device', () => {
    const device = {} as GPUDevice;
    const encoder = {} as GPUCommandEncoder;
    const uniform = { nsim: 1, nValues: 1, gridLength: 1, df: 1, n0: 1, key0: 0, key1: 0, simOffset: 0 };
    const buffer = {} as GPUBuffer;
    const buffers = { multiplicity: buffer, fN: buffer, fD: buffer, logDet: buffer, draws: buffer };
    const { draws: _draws, ...noDraws } = buffers;
    assert.throws(() => encodeProgram(device, encoder, rlrtNullProgram, 1, uniform, { ...noDraws, out: buffer }, 1),
      /^Error: rlrt-null: buffers missing: draws; not in the descriptor: out$/);
    const { df: _df, ...noDf } = uniform;
    assert.throws(() => encodeProgram(device, encoder, rlrtNullProgram, 1, noDf, buffers, 1), /^Error: rlrt-null: uniform values missing: df$/);
  });
});

describe(`GPU programs compile (${webgpu.reason})`, () => {
  itOn(webgpu, 'every program\'s generated WGSL compiles on the adapter without an error', async () => {
    const gpu = await acquireGpu();
    assert.ok(!('unavailable' in gpu), 'a device');
    try {
      for (const program of PROGRAMS) {
        const module = gpu.device.createShaderModule({ label: program.name, code: makeShader(program) });
        const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === 'error');
        assert.deepEqual(errors.map((e) => `${e.lineNum}:${e.linePos} ${e.message}`), [], `${program.name} compiles`);
      }
    } finally {
      gpu.device.destroy();
    }
  });
});

describe(`a batch's device buffers (${webgpu.reason})`, () => {
  itOn(webgpu, 'a buffer a finished batch released is the next batch\'s of the same size and use, zero-filled again; drained, it is not', async () => {
    const gpu = await acquireGpu();
    assert.ok(!('unavailable' in gpu), 'a device');
    const { device } = gpu;
    /** The contents of `buffer` once `encoder` has run. */
    const contents = async (encoder: GPUCommandEncoder, buffer: GPUBuffer): Promise<number[]> => {
      const staging = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      encoder.copyBufferToBuffer(buffer, 0, staging, 0, 16);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const values = [...new Uint32Array(staging.getMappedRange().slice(0))];
      staging.destroy();
      return values;
    };
    try {
      const first = batchBuffers(device, device.createCommandEncoder());
      const used = first.make(16, GPUBufferUsage.COPY_SRC);
      const upload = batchUpload(device, Uint32Array.of(7, 8, 9, 10));
      device.queue.writeBuffer(used, 0, Uint32Array.of(1, 2, 3, 4));
      releaseBuffers(device, [used, upload]);

      const encoder = device.createCommandEncoder();
      const second = batchBuffers(device, encoder);
      const again = second.make(16, GPUBufferUsage.COPY_SRC);
      assert.equal(again, used, 'a released buffer of the same size and use is reused');
      assert.notEqual(second.make(32, GPUBufferUsage.COPY_SRC), used, 'another size is another buffer');
      assert.deepEqual(await contents(encoder, again), [0, 0, 0, 0], 'zero-filled, as a new buffer');

      const kept = batchUpload(device, Uint32Array.of(5, 6, 7, 8));
      assert.equal(kept, upload, 'an upload of the same size takes the released upload');

      releaseBuffers(device, [again, kept]);
      drainBuffers(device);
      const fresh = batchBuffers(device, device.createCommandEncoder()).make(16, GPUBufferUsage.COPY_SRC);
      assert.notEqual(fresh, used, 'drained buffers are not handed out again');
    } finally {
      device.destroy();
    }
  });
});

describe(`a batch's encoding that throws (${webgpu.reason})`, () => {
  itOn(webgpu, 'destroys the buffers it made before the error goes on', async () => {
    const gpu = await acquireGpu();
    assert.ok(!('unavailable' in gpu), 'a device');
    const { device } = gpu;
    try {
      let made: GPUBuffer[] = [];
      assert.throws(() => encodeWithBuffers(device, device.createCommandEncoder(), (buffers) => {
        buffers.make(16);
        made = buffers.made;
        throw new RangeError('too many workgroups');
      }), /too many workgroups/);
      assert.equal(made.length, 1);
      // A destroyed buffer fails the validation of a submit that uses it.
      device.pushErrorScope('validation');
      const encoder = device.createCommandEncoder();
      encoder.clearBuffer(made[0]);
      device.queue.submit([encoder.finish()]);
      const error = await device.popErrorScope();
      assert.match(error?.message ?? '(no error)', /destroyed/i);
    } finally {
      device.destroy();
    }
  });
});

describe(`a fit's timestamp queries (${webgpu.reason})`, () => {
  itOn(webgpu, 'each batch\'s query set is destroyed with its buffers, not held until the device goes', async () => {
    const gpu = await acquireGpu();
    assert.ok(!('unavailable' in gpu), 'a device');
    if (!gpu.adapter.hasTimestamps) {
      gpu.device.destroy();
      return; // no queries to count: the batches make none
    }
    const deviceProto = Object.getPrototypeOf(gpu.device) as { createQuerySet: (...args: unknown[]) => GPUQuerySet };
    const querySetProto = Object.getPrototypeOf(gpu.device.createQuerySet({ type: 'timestamp', count: 2 })) as { destroy: () => void };
    gpu.device.destroy();
    const [create, destroy] = [deviceProto.createQuerySet, querySetProto.destroy];
    const live = new Set<unknown>();
    let made = 0;
    deviceProto.createQuerySet = function (this: unknown, ...args: unknown[]) {
      const set = create.apply(this, args);
      live.add(set);
      made++;
      return set;
    };
    querySetProto.destroy = function (this: unknown) {
      live.delete(this);
      return destroy.apply(this);
    };
    try {
      const input = await loadCase(FIXTURES_LME4, 'sim300');
      const fit = await fitGenes(input.matrix, input.samples, input.formula, { backend: 'webgpu', threads: 1, gpu: { maxBatchGenes: 40 } });
      assert.ok(fit.gpu!.batches >= 5, `several batches: ${fit.gpu!.batches}`);
      assert.ok(made >= fit.gpu!.batches, `a query set a batch: ${made} for ${fit.gpu!.batches} batches`);
      assert.equal(live.size, 0, `${live.size} of ${made} query sets were left alive`);
    } finally {
      deviceProto.createQuerySet = create;
      querySetProto.destroy = destroy;
    }
  });
});
