import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  blockSums, classWeightsGiven, classWeightsOfSizes, kernelArrays, matrixColumns, matrixTimesVectors, pairOffsets, planeRotation,
  logOfProducts, rowPairOffsets, scaledOuterProducts, sumOfLogs, subtractScaled, subtractTwoScaled, VECTORS_AT_ONCE,
} from '../../src/numerics/wasm-kernels.js';
import { ln } from '../../src/numerics/libm.js';
import { assembleM, FEW_CLASSES } from '../../src/model/reml.js';
import { PACKAGE_ROOT } from '../../src/package-root.js';

/** A seeded stream of values of mixed signs and magnitudes (a few exact zeros), for bit-for-bit comparisons. */
function values(length: number, seed: number): Float64Array {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return Float64Array.from({ length }, () => {
    const u = next();
    return u < 0.02 ? 0 : (next() - 0.5) * 10 ** (6 * next() - 3);
  });
}

/** The plain loop the class-sum kernel replaces: each lower-triangle element summed over the classes in order. */
function plainBlockSums(b: Float64Array, m: number, weights: Float64Array, classes: number, init: Float64Array | null): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = init === null ? 0 : init[i * m + j];
      for (let k = 0; k < classes; k++) sum += weights[k] * b[k * m * m + i * m + j];
      out[i * m + j] = sum;
    }
  }
  return out;
}

/** out's lower triangle, where the kernels define it. */
function lower(out: Float64Array, m: number): number[] {
  const list: number[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) list.push(out[i * m + j]);
  return list;
}

describe('WebAssembly kernels (wasm/kernels.wat)', () => {
  it('the committed module is what wasm/kernels.wat compiles to', () => {
    const run = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'wasm', 'build.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  });

  it('class sums equal the plain loop bit for bit, for every order of block and count of classes, with and without W', () => {
    for (const m of [1, 2, 3, 4, 5, 7, 8, 13]) {
      for (const classes of [0, 1, 2, 3, 16, 501]) {
        const b = values(classes * m * m, 7 * m + classes);
        const weights = values(classes, 11 * m + classes);
        const init = values(m * m, 13 * m + classes);
        for (const withInit of [true, false]) {
          const out = new Float64Array(m * m + 1);
          classWeightsGiven(weights, classes);
          blockSums(0, b, m * m, withInit ? init : null, 0, pairOffsets(m), out, 0);
          assert.deepEqual(lower(out, m), lower(plainBlockSums(b, m, weights, classes, withInit ? init : null), m),
            `m = ${m}, ${classes} classes, ${withInit ? 'with' : 'without'} W`);
        }
      }
    }
  });

  it('gives each new block array its own sums, and after the memory has grown the earlier ones still', () => {
    const m = 4;
    const small = values(3 * m * m, 1);
    const large = values(40_000 * m * m, 2); // 5 MB: past the first memory, so it grows
    const weights = values(40_000, 3);
    for (const b of [small, large, small, values(3 * m * m, 4)]) {
      const classes = b.length / (m * m);
      const out = new Float64Array(m * m);
      classWeightsGiven(weights, classes);
      blockSums(0, b, m * m, null, 0, pairOffsets(m), out, 0);
      assert.deepEqual(lower(out, m), lower(plainBlockSums(b, m, weights, classes, null), m));
    }
  });

  it('keeps the two parts of a sum apart, and sums a row of blocks from any offset of init into any offset of out', () => {
    const [m, classes] = [5, 37];
    const triangles = [values(classes * m * m, 21), values(classes * m * m, 22)];
    const rows = [values(classes * m, 23), values(classes * m, 24)];
    const weights = values(classes, 25);
    const init = values(3 + m, 26);
    classWeightsGiven(weights, classes);
    for (let round = 0; round < 4; round++) {
      const triangle = triangles[round % 2];
      const row = rows[(round >> 1) % 2];
      const out = new Float64Array(m * m + 1);
      blockSums(0, triangle, m * m, null, 0, pairOffsets(m), out, 0);
      const rowOut = new Float64Array(2 + m + 1);
      blockSums(1, row, m, init, 3, rowPairOffsets(m), rowOut, 2);
      assert.deepEqual(lower(out, m), lower(plainBlockSums(triangle, m, weights, classes, null), m), `round ${round}: the triangle`);
      for (let j = 0; j < m; j++) {
        let sum = init[3 + j];
        for (let k = 0; k < classes; k++) sum += weights[k] * row[k * m + j];
        assert.equal(rowOut[2 + j], sum, `round ${round}: element ${j} of the row`);
      }
    }
  });

  it('makes the class weights s/(1 + λs) and their two λ-derivatives as the plain expressions do', () => {
    const m = 3;
    for (const classes of [1, 2, 5, 500]) {
      const sizes = Float64Array.from(values(classes, classes), (v) => Math.abs(v));
      const b = values(classes * m * m, 5);
      for (const lambda of [0, 0.37, 1e8]) {
        const plain = [
          Float64Array.from(sizes, (s) => s / (1 + lambda * s)),
          Float64Array.from(sizes, (s) => -(s * s) / ((1 + lambda * s) * (1 + lambda * s))),
          Float64Array.from(sizes, (s) => (2 * s * s * s) / ((1 + lambda * s) * (1 + lambda * s) * (1 + lambda * s))),
        ];
        for (const order of [0, 1, 2] as const) {
          const out = new Float64Array(m * m + 1);
          classWeightsOfSizes(sizes, classes, lambda, order);
          blockSums(0, b, m * m, null, 0, pairOffsets(m), out, 0);
          assert.deepEqual(lower(out, m), lower(plainBlockSums(b, m, plain[order], classes, null), m),
            `order ${order}, λ = ${lambda}, ${classes} classes`);
        }
      }
    }
  });

  it("gives assembleM's sums for a few classes, taken in plain loops (reml.ts' fewClassesM), the kernels' bits", () => {
    for (let m = 1; m <= 7; m++) {
      for (let classes = 1; classes <= FEW_CLASSES; classes++) {
        const sizes = Float64Array.from(values(classes, 7 * m + classes), (v) => Math.abs(v));
        const w = values(m * m, 11 * m + classes);
        const b = values(classes * m * m, 13 * m + classes);
        const pattern = { n: 10, p: m - 1, q: 5, sizes, sizeCount: new Float64Array(classes).fill(1), nSizes: classes, bxx: new Float64Array(0) };
        const stats = { pattern, m, w, b, betaOffset: new Float64Array(m - 1), scale: 1 };
        for (const lambda of [0, 3.7e-9, 1e8, ...Array.from(values(30, m + classes), (v) => Math.abs(v))]) {
          for (const order of [0, 1, 2] as const) {
            const kernel = new Float64Array(m * m + 1);
            classWeightsOfSizes(sizes, classes, lambda, order);
            blockSums(0, b, m * m, order === 0 ? w : null, 0, pairOffsets(m), kernel, 0, m);
            const plain = assembleM(stats, lambda, new Float64Array(m * m), order);
            assert.deepEqual(Array.from(plain), Array.from(kernel.subarray(0, m * m)), `m = ${m}, ${classes} classes, λ = ${lambda}, order ${order}`);
          }
        }
      }
    }
  });

  it('multiplies vectors by a matrix as the plain loop does, whatever n is mod 4 and past a chunk, and each new matrix anew', () => {
    for (const [n, count] of [[1, 1], [3, 4], [4, 2], [5, 7], [23, 16], [500, 5], [130, 9], [7, 3]]) {
      const matrix = values(n * n, n);
      const ys = values(VECTORS_AT_ONCE * n, n + 1);
      const outs = new Float64Array(VECTORS_AT_ONCE * n);
      matrixTimesVectors(matrix, n, ys, outs, count);
      for (let g = 0; g < VECTORS_AT_ONCE; g++) {
        for (let k = 0; k < n; k++) {
          let sum = 0;
          for (let i = 0; i < n; i++) sum += matrix[k * n + i] * ys[g * n + i];
          assert.equal(outs[g * n + k], g < count ? sum : 0, `n = ${n}, output ${k} of vector ${g} of ${count}`);
        }
      }
    }
  });

  it('updates rows in its memory as the eigensolver\'s plain loops do, odd and even lengths, zeros of either sign', () => {
    for (const count of [1, 2, 5, 64, 501]) {
      const [w, e, d] = kernelArrays([3 * count + 2, count + 1, count + 1]);
      const start = values(3 * count + 2, count);
      start[1] = -0;
      start[count + 1] = -0;
      const [ev, dv] = [values(count + 1, count + 3), values(count + 1, count + 4)];
      e.set(ev);
      d.set(dv);
      const [c, s, f, g] = [0.6, -0.8, 1.7, -0.3];
      const plain = Float64Array.from(start);
      for (let k = 0; k < count; k++) {
        const h = plain[1 + count + k];
        plain[1 + count + k] = s * plain[1 + k] + c * h;
        plain[1 + k] = c * plain[1 + k] - s * h;
      }
      for (let k = 0; k < count; k++) plain[1 + k] -= f * ev[1 + k] + g * dv[1 + k];
      for (let k = 0; k < count; k++) plain[2 * count + 1 + k] -= g * dv[k];
      w.set(start);
      planeRotation(w, 1, 1 + count, count, c, s);
      subtractTwoScaled(w, 1, e, d, 1, count, f, g);
      subtractScaled(w, 2 * count + 1, d, count, g);
      assert.deepEqual(Array.from(w), Array.from(plain), `${count} elements`);
    }
  });

  it('makes scaled outer products of rows as the plain expression does, odd and even row lengths, -0 made +0', () => {
    for (const [p, count] of [[1, 3], [2, 5], [3, 4], [12, 37], [13, 9], [201, 40]]) { // the last in chunks of 12 rows
      const x = values(count * p, p * 31 + count);
      x[1] = -0;
      const divisors = Float64Array.from(values(count, p + count), (v) => Math.abs(v) + 0.1);
      const out = new Float64Array(count * p * p);
      scaledOuterProducts(x, p, divisors, count, out);
      const plain = new Float64Array(count * p * p);
      for (let k = 0; k < count; k++) {
        for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) plain[k * p * p + a * p + c] += (x[k * p + a] * x[k * p + c]) / divisors[k];
      }
      assert.deepEqual(Array.from(out), Array.from(plain), `p = ${p}, ${count} rows`);
    }
  });

  it('reads columns of a matrix the same from its transpose held for matrixTimesVectors as from the matrix', () => {
    const n = 37;
    const matrix = values(n * n, 41);
    const columns = [0, 5, 36, 17];
    const plain = new Float64Array(n * 6);
    for (let k = 0; k < n; k++) for (let j = 0; j < columns.length; j++) plain[k * 6 + 2 + j] = matrix[k * n + columns[j]];
    const before = new Float64Array(n * 6);
    matrixColumns(matrix, n, columns, before, 6, 2);
    matrixTimesVectors(matrix, n, values(n, 42), new Float64Array(n), 1); // now held, transposed
    const after = new Float64Array(n * 6);
    matrixColumns(matrix, n, columns, after, 6, 2);
    assert.deepEqual(Array.from(before), Array.from(plain));
    assert.deepEqual(Array.from(after), Array.from(plain));
  });

  it('sums the logarithms of products of 1 + λs with the bits of the plain loop and libm.ts\' ln, on every branch of ln', () => {
    const plain = (sizes: Float64Array, lambda: number, block: number): number => {
      let sum = 0;
      for (let k = 0; k < sizes.length; k += block) {
        let product = 1;
        for (let j = k; j < Math.min(sizes.length, k + block); j++) product *= 1 + lambda * sizes[j];
        sum += ln(product);
      }
      return sum;
    };
    const cases: [Float64Array, number][] = [
      [new Float64Array(40).fill(1), 1], // products 2^16 and 2^8: f = 0 with k ≠ 0
      [new Float64Array(5).fill(3), 0], // λ = 0: ln 1 = 0
      [new Float64Array(33).fill(1), 1e-9], // f below 2^-20, k = 0
      [Float64Array.of(1, 1, 1, 0.9999999), 0.9999999], // just below a power of two: k ≠ 0, |f| small
    ];
    // Logarithms one at a time (blocks of one class, λ = 1) of 1 + s over many decades of s.
    cases.push([Float64Array.from(values(20_000, 99), (v) => Math.abs(v) * 10 ** ((Math.abs(v * 1e6) % 40) - 20)), 1]);
    for (let seed = 1; seed <= 60; seed++) {
      const sizes = Float64Array.from(values(1 + seed * 7, seed), (v) => Math.abs(v));
      cases.push([sizes, [1e-6, 0.01, 0.37, 2, 250, 1e4][seed % 6]]);
    }
    for (const [sizes, lambda] of cases) {
      for (const block of [1, 16]) {
        assert.equal(logOfProducts(sizes, sizes.length, lambda, block), plain(sizes, lambda, block),
          `${sizes.length} classes, λ = ${lambda}, blocks of ${block}`);
      }
    }
  });

  it('leaves what it holds alone on outer products of nothing, and on a matrix past 4 GiB, which it refuses', () => {
    const n = 9;
    const matrix = values(n * n, 51);
    const ys = values(n, 52);
    const [first, again] = [new Float64Array(n), new Float64Array(n)];
    matrixTimesVectors(matrix, n, ys, first, 1);
    scaledOuterProducts(new Float64Array(0), 0, values(n, 53), n, new Float64Array(0)); // a kinship model without fixed effects
    assert.throws(() => matrixTimesVectors(new Float64Array(1), 24_000, ys, again, 1), /4 GiB: a kinship of this many individuals/);
    matrixTimesVectors(matrix, n, ys, again, 1);
    assert.deepEqual(Array.from(again), Array.from(first));
  });

  it('copies the class sizes again when more of the same array are asked for', () => {
    const sizes = Float64Array.of(1, 2, 3, 4, 5);
    const b = values(5, 61);
    const out = new Float64Array(2);
    for (const classes of [3, 5]) {
      classWeightsOfSizes(sizes, classes, 0.5, 0);
      blockSums(0, b, 1, null, 0, pairOffsets(1), out, 0);
      let sum = 0;
      for (let k = 0; k < classes; k++) sum += (sizes[k] / (1 + 0.5 * sizes[k])) * b[k];
      assert.equal(out[0], sum, `${classes} classes`);
    }
  });

  it('sums logarithms in order with the bits of libm.ts\' ln, subnormal, tiny, huge and near-one values included', () => {
    const special = [5e-324, 1e-310, 2.2250738585072014e-308, 2.225073858507201e-308, 1e-300, 0.5, 1, 1 + 2 ** -52,
      1 - 2 ** -53, 2, 3, 1e300, 1.7976931348623157e308, 0.7071067811865476, 1.4142135623730951];
    const spread = Array.from(values(5_000, 71), (v) => Math.abs(v) * 10 ** ((Math.abs(v * 1e6) % 600) - 300) || 1);
    for (const list of [special, spread, [special[0]], []]) {
      const x = Float64Array.from(list);
      let plain = 0;
      for (const v of list) plain += ln(v);
      assert.equal(sumOfLogs(x, x.length), plain, `${list.length} values`);
      for (const v of special) assert.equal(sumOfLogs(Float64Array.of(v), 1), ln(v), `ln ${v}`);
    }
  });
});
