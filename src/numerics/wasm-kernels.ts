/**
 * The CPU backend's two dense inner loops, in WebAssembly SIMD (wasm/kernels.wat): weighted sums of many
 * equal-shaped blocks (reml.ts' class sums, M(λ) = W + Σ_k w_k B_k), the product of a square matrix with a batch
 * of vectors (kinship.ts' rotation Uᵀy of a batch of genes), and the elementwise row updates of the eigensolver
 * (tridiagonal-eigen.ts), which works on arrays in the kernels' memory (kernelArrays). Each lane of an f64x2 is one output's running sum over the same
 * terms in the same order as the plain loop, and WebAssembly has no fused multiply-add, so the results are the
 * plain loops' bit for bit; the kernels are two to three times as fast as V8's code for those loops.
 *
 * The kernels read and write their own linear memory, so their operands are copied in: a thread's instance keeps
 * the last block array and the last matrix it was given (compared by identity: a GeneStats' `b` and a kinship
 * basis' rotation are never written once made), and copies only the per-call vectors (weights, y) each time. One
 * instance per thread (each worker loads this module), two regions in its memory: the matrix's, then the blocks'.
 */
import { KERNELS_WASM } from './kernels-wasm.js';

interface Kernels {
  class_sum(b: number, block: number, weights: number, classes: number, pairs: number, pairCount: number,
    init: number, withInit: number, out: number): void;
  class_weights(sizes: number, classes: number, lambda: number, order: number, weights: number): void;
  matrix_times_vectors(u: number, y: number, out: number, n: number, count: number): void;
  plane_rotation(x: number, y: number, count: number, c: number, s: number): void;
  subtract_two_scaled(w: number, e: number, d: number, count: number, f: number, g: number): void;
  subtract_scaled(w: number, d: number, count: number, g: number): void;
}

const PAGE = 65536;
/** Bytes after each array the kernels may read or write past its end: the second lane of a last pair. */
const PAD = 16;

const memory = new WebAssembly.Memory({ initial: 16 });
const kernels = new WebAssembly.Instance(
  new WebAssembly.Module(Uint8Array.from(atob(KERNELS_WASM), (c) => c.charCodeAt(0))),
  { env: { memory } },
).exports as unknown as Kernels;
let heap = new Float64Array(memory.buffer);
let heapI32 = new Int32Array(memory.buffer);

/** Grows the memory to `bytes` (its content kept, so the regions' copies stay valid). */
function reserve(bytes: number): void {
  if (bytes > memory.buffer.byteLength) {
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
    heap = new Float64Array(memory.buffer);
    heapI32 = new Int32Array(memory.buffer);
  }
}

const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** The matrix region, from byte 0: the transpose of the last matrix given, then VECTORS_AT_ONCE y and out vectors. */
let matrixBytes = 0;
let matrixOf: Float64Array | null = null;
let matrixN = 0;

/** The blocks region, after the matrix region: byte offsets of its parts (pairs, init, out, sizes, weights, b) and its end. */
let blocks = { start: -1, pairs: 0, init: 0, out: 0, sizes: 0, weights: 0, b: 0, end: 0 };
/** What the blocks region holds now (compared by identity). */
let blocksOf: Float64Array | null = null;
let initOf: Float64Array | null = null;
let pairsOf: Int32Array | null = null;
let sizesOf: Float64Array | null = null;

/** Lays the blocks region out again where one of its parts has outgrown its room (each part then gets half as much again). */
function layBlocks(pairBytes: number, blockBytes: number, classBytes: number, bBytes: number): void {
  const start = align(matrixBytes);
  const room = { pairs: blocks.init - blocks.pairs, block: blocks.out - blocks.init, classes: blocks.weights - blocks.sizes, b: blocks.end - blocks.b };
  if (blocks.start === start && pairBytes <= room.pairs && blockBytes <= room.block && classBytes <= room.classes && bBytes <= room.b) return;
  const grown = (needed: number, had: number): number => (needed <= had ? had : align(Math.max(needed, 1.5 * had)));
  const pairs = start;
  const init = pairs + grown(pairBytes, room.pairs);
  const out = init + grown(blockBytes, room.block);
  const sizes = out + grown(blockBytes, room.block);
  const weights = sizes + grown(classBytes, room.classes);
  const b = weights + grown(classBytes, room.classes);
  blocks = { start, pairs, init, out, sizes, weights, b, end: b + grown(bBytes, room.b) };
  reserve(blocks.end);
  blocksOf = initOf = pairsOf = sizesOf = null;
}

/** Copies what the class sums read into the blocks region, where it is not there already. */
function placeBlocks(b: Float64Array, block: number, classes: number, init: Float64Array | null, pairs: Int32Array): void {
  layBlocks(align(4 * pairs.length), align(8 * block + PAD), align(8 * classes + PAD), align(8 * classes * block + PAD));
  if (pairs !== pairsOf) {
    heapI32.set(pairs, blocks.pairs / 4);
    pairsOf = pairs;
  }
  if (b !== blocksOf) {
    heap.set(b.subarray(0, classes * block), blocks.b / 8);
    blocksOf = b;
  }
  if (init !== null && init !== initOf) {
    heap.set(init.subarray(0, block), blocks.init / 8);
    initOf = init;
  }
}

/** The class sums over the placed blocks and weights, into out[0, block). */
function sumBlocks(block: number, classes: number, withInit: boolean, pairs: Int32Array, out: Float64Array): void {
  kernels.class_sum(blocks.b, 8 * block, blocks.weights, classes, blocks.pairs, pairs.length, blocks.init, withInit ? 1 : 0, blocks.out);
  const outAt = blocks.out / 8;
  for (let i = 0; i < block; i++) out[i] = heap[outAt + i];
}

/**
 * For the element pairs at `pairs` (pairOffsets(m): byte offsets of pairs of elements of an [m × m] block, a multiple
 * of 4 of them), out[o], out[o + 1] = (init[o], init[o + 1], or 0 without init) + Σ_k weights[k] · (b[k·block + o],
 * b[k·block + o + 1]), summed in order of k; every other element of out[0, block) is left undefined.
 */
export function weightedBlockSums(b: Float64Array, block: number, weights: Float64Array, classes: number,
  init: Float64Array | null, pairs: Int32Array, out: Float64Array): void {
  placeBlocks(b, block, classes, init, pairs);
  const weightsAt = blocks.weights / 8;
  for (let k = 0; k < classes; k++) heap[weightsAt + k] = weights[k];
  sumBlocks(block, classes, init !== null, pairs, out);
}

/**
 * weightedBlockSums with the weights of classes of sizes s_k at λ made by the kernel: s_k / (1 + λ s_k) for `order`
 * 0, and that weight's first and second λ-derivatives, −s_k² / (1 + λ s_k)² and 2 s_k³ / (1 + λ s_k)³, for 1 and 2.
 */
export function sizeWeightedBlockSums(b: Float64Array, block: number, sizes: Float64Array, classes: number, lambda: number,
  order: 0 | 1 | 2, init: Float64Array | null, pairs: Int32Array, out: Float64Array): void {
  placeBlocks(b, block, classes, init, pairs);
  if (sizes !== sizesOf) {
    heap.set(sizes.subarray(0, classes), blocks.sizes / 8);
    sizesOf = sizes;
  }
  kernels.class_weights(blocks.sizes, classes, lambda, order, blocks.weights);
  sumBlocks(block, classes, init !== null, pairs, out);
}

const pairLists = new Map<number, Int32Array>();

/**
 * The byte offsets, into an [m × m] block, of element pairs (i, j), (i, j + 1) for j = 0, 2, … ≤ i of every row i:
 * the lower triangle with the diagonal (an odd row's last pair takes the element above the diagonal along with it),
 * padded with the last pair to a multiple of 4.
 */
export function pairOffsets(m: number): Int32Array {
  let pairs = pairLists.get(m);
  if (pairs === undefined) {
    const list: number[] = [];
    for (let i = 0; i < m; i++) for (let j = 0; j <= i; j += 2) list.push(8 * (i * m + j));
    while (list.length % 4 !== 0) list.push(list[list.length - 1]);
    pairs = Int32Array.from(list);
    pairLists.set(m, pairs);
  }
  return pairs;
}

/** Vectors matrixTimesVectors multiplies at most: each chunk of the matrix read serves them all. */
export const VECTORS_AT_ONCE = 16;

/**
 * outs[g·n + k] = Σ_i M[k·n + i] · ys[g·n + i] for the `count` ≤ VECTORS_AT_ONCE vectors of `ys` ([count × n]) and
 * `matrix` M, [n × n] row-major, each output summed in order of i. The kernel wants M's transpose; it is made once
 * for each matrix given.
 */
export function matrixTimesVectors(matrix: Float64Array, n: number, ys: Float64Array, outs: Float64Array, count: number): void {
  if (n === 0 || count === 0) return;
  if (matrix !== matrixOf || n !== matrixN) {
    const bytes = align(8 * n * n) + 2 * VECTORS_AT_ONCE * align(8 * n);
    if (bytes > matrixBytes) {
      matrixBytes = bytes; // the blocks region moves up: layBlocks lays it out again on its next call
      reserve(matrixBytes);
    }
    for (let k = 0; k < n; k++) for (let i = 0, at = k * n; i < n; i++, at++) heap[i * n + k] = matrix[at];
    matrixOf = matrix;
    matrixN = n;
  }
  const yAt = align(8 * n * n) / 8;
  const outAt = yAt + VECTORS_AT_ONCE * n;
  heap.set(ys.subarray(0, count * n), yAt);
  // The kernel takes vectors four at a time: the last one again fills the last four.
  const padded = Math.ceil(count / 4) * 4;
  for (let g = count; g < padded; g++) heap.copyWithin(yAt + g * n, yAt + (count - 1) * n, yAt + count * n);
  kernels.matrix_times_vectors(0, 8 * yAt, 8 * outAt, n, padded);
  outs.set(heap.subarray(outAt, outAt + count * n));
}

/**
 * Float64Array views of `lengths` doubles each in the kernels' memory (in the matrix region, whose last matrix is
 * then forgotten), for work done there in place by the row kernels below: valid until this module's next call.
 */
export function kernelArrays(lengths: readonly number[]): Float64Array[] {
  const bytes = lengths.reduce((sum, length) => sum + align(8 * length), 0);
  if (bytes > matrixBytes) {
    matrixBytes = bytes;
    reserve(matrixBytes);
  }
  matrixOf = null;
  let at = 0;
  return lengths.map((length) => {
    const view = new Float64Array(memory.buffer, at, length);
    at += align(8 * length);
    return view;
  });
}

/** The byte address of view[index], for a view kernelArrays made (the row kernels below take no other). */
function address(view: Float64Array, index: number): number {
  return view.byteOffset + 8 * index;
}

/** (v[x + k], v[y + k]) ← (c·v[x + k] − s·v[y + k], s·v[x + k] + c·v[y + k]) for k < count: a Givens rotation of two rows. */
export function planeRotation(v: Float64Array, x: number, y: number, count: number, c: number, s: number): void {
  kernels.plane_rotation(address(v, x), address(v, y), count, c, s);
}

/** w[wAt + k] −= f·e[at + k] + g·d[at + k] for k < count (each a difference of a sum of two products, as written). */
export function subtractTwoScaled(w: Float64Array, wAt: number, e: Float64Array, d: Float64Array, at: number, count: number,
  f: number, g: number): void {
  kernels.subtract_two_scaled(address(w, wAt), address(e, at), address(d, at), count, f, g);
}

/** w[wAt + k] −= g·d[k] for k < count. */
export function subtractScaled(w: Float64Array, wAt: number, d: Float64Array, count: number, g: number): void {
  kernels.subtract_scaled(address(w, wAt), address(d, 0), count, g);
}
