/**
 * Philox4x32-10 against Random123's published known-answer vectors (Random123 1.14, tests/kat_vectors, the three
 * `philox4x32 10` lines: counter[4] key[2] → output[4]), and the normal stream's contract: any draw recomputed
 * alone equals the same draw read in sequence.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chiSquareAt, chiSquareDraw, mulhi32, NormalStream, normalAt, philox4x32, philoxKey, uniform24, uniformAt,
} from '../../src/stats/philox.js';

const hex = (words: ArrayLike<number>): string => Array.from(words, (w) => w.toString(16).padStart(8, '0')).join(' ');

const KAT: { counter: number[]; key: number[]; expected: string }[] = [
  { counter: [0, 0, 0, 0], key: [0, 0], expected: '6627e8d5 e169c58d bc57ac4c 9b00dbd8' },
  { counter: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], key: [0xffffffff, 0xffffffff], expected: '408f276d 41c83b0e a20bc7c6 6d5451fd' },
  { counter: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], key: [0xa4093822, 0x299f31d0], expected: 'd16cfe09 94fdcceb 5001e420 24126ea1' },
];

describe('Philox4x32-10', () => {
  for (const { counter, key, expected } of KAT) {
    it(`known answer: counter ${hex(counter)} key ${hex(key)}`, () => {
      const actual = hex(philox4x32(Uint32Array.from(counter), Uint32Array.from(key)));
      assert.equal(actual, expected, `expected ${expected}, actual ${actual}`);
    });
  }

  it('mulhi32 from 16-bit halves equals the high word of the exact 64-bit product', () => {
    const edge = [0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xd2511f53, 0xcd9e8d57];
    const values = [...edge];
    let x = 12345;
    for (let i = 0; i < 2000; i++) values.push((x = (Math.imul(x, 1103515245) + 12345) >>> 0));
    for (let i = 0; i < values.length; i++) {
      const a = values[i];
      const b = values[(i * 7 + 3) % values.length];
      const exact = Number((BigInt(a) * BigInt(b)) >> 32n);
      assert.equal(mulhi32(a, b), exact, `mulhi32(${a}, ${b})`);
    }
  });

  it('seeds up to 2^53 map to a two-word key', () => {
    assert.deepEqual(Array.from(philoxKey(0)), [0, 0]);
    assert.deepEqual(Array.from(philoxKey(2 ** 32 + 5)), [5, 1]);
    assert.deepEqual(Array.from(philoxKey(Number.MAX_SAFE_INTEGER)), [0xffffffff, 0x1fffff]);
    assert.throws(() => philoxKey(-1), RangeError);
    assert.throws(() => philoxKey(1.5), RangeError);
  });
});

describe('Philox normal stream', () => {
  it('uniforms lie in (0, 1] and are exact in f32', () => {
    assert.equal(uniform24(0), 2 ** -24);
    assert.equal(uniform24(0xffffffff), 1);
    for (const w of [0, 0xff, 0x100, 0x12345678, 0xffffffff]) {
      const u = uniform24(w);
      assert.ok(u > 0 && u <= 1, `uniform24(${w}) = ${u}`);
      assert.equal(Math.fround(u), u);
    }
  });

  it('a draw recomputed from (seed, simulation, index) equals the same draw read in sequence', () => {
    const stream = new NormalStream(42);
    for (const sim of [0, 1, 7, 99999]) {
      stream.start(sim);
      for (let d = 0; d < 23; d++) {
        const z = stream.normal();
        assert.equal(normalAt(42, sim, d), z, `seed 42 simulation ${sim} draw ${d}`);
      }
    }
    assert.notEqual(normalAt(42, 0, 0), normalAt(43, 0, 0));
    assert.notEqual(normalAt(42, 0, 0), normalAt(42, 1, 0));
    assert.notEqual(normalAt(42, 0, 0, 0), normalAt(42, 0, 0, 1));
    assert.ok(uniformAt(42, 3, 5) > 0 && uniformAt(42, 3, 5) <= 1);
  });

  it('χ²_k draws have mean k and variance 2k, and are recomputable from their address', () => {
    const key = philoxKey(99);
    const words = new Uint32Array(4);
    const m = 40000;
    for (const k of [1, 2, 3, 7, 8, 9, 250]) {
      let s1 = 0;
      let s2 = 0;
      for (let sim = 0; sim < m; sim++) {
        const x = chiSquareDraw(k, key, sim, 3, words);
        s1 += x;
        s2 += x * x;
      }
      const mean = s1 / m;
      const variance = s2 / m - mean * mean;
      assert.ok(Math.abs(mean - k) < 5 * Math.sqrt((2 * k) / m), `χ²_${k} mean ${mean}`);
      assert.ok(Math.abs(variance / (2 * k) - 1) < 5 * Math.sqrt((2 + 12 / k) / m), `χ²_${k} variance ${variance}`);
    }
    assert.equal(chiSquareAt(99, 123, 3, 9), chiSquareDraw(9, key, 123, 3));
    assert.equal(chiSquareAt(99, 123, 3, 0), 0);
    // χ²₁ is the square of a Box–Muller normal: P(χ²₁ > 3.841459) = 0.05.
    let above = 0;
    for (let sim = 0; sim < m; sim++) if (chiSquareDraw(1, key, sim, 0, words) > 3.841458820694124) above++;
    assert.ok(Math.abs(above / m - 0.05) < 5 * Math.sqrt((0.05 * 0.95) / m), `P(χ²₁ > 3.84) ${above / m}`);
  });

  it('normals have mean 0, variance 1 and kurtosis 3 (2e5 draws)', () => {
    const stream = new NormalStream(7);
    const m = 200000;
    let s1 = 0;
    let s2 = 0;
    let s4 = 0;
    let below = 0;
    for (let sim = 0; sim < m / 100; sim++) {
      stream.start(sim);
      for (let d = 0; d < 100; d++) {
        const z = stream.normal();
        s1 += z;
        s2 += z * z;
        s4 += z ** 4;
        if (z < -1.959963984540054) below++;
      }
    }
    const mean = s1 / m;
    const variance = s2 / m - mean * mean;
    assert.ok(Math.abs(mean) < 5 / Math.sqrt(m), `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / m), `variance ${variance}`);
    assert.ok(Math.abs(s4 / m - 3) < 5 * Math.sqrt(96 / m), `fourth moment ${s4 / m}`);
    assert.ok(Math.abs(below / m - 0.025) < 5 * Math.sqrt(0.025 * 0.975 / m), `P(z < −1.96) ${below / m}`);
  });
});
