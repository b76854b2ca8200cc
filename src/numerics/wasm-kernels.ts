/**
 * The CPU backend's dense inner loops, in WebAssembly SIMD (wasm/kernels.wat): weighted sums of many equal-shaped
 * blocks (reml.ts' class sums, M(λ) = W + Σ_k w_k B_k, and their weights), the product of a square matrix with a
 * batch of vectors (kinship.ts' rotation Uᵀy of a batch of genes), and the elementwise row updates of the
 * eigensolver (tridiagonal-eigen.ts), which works on arrays in the kernels' memory (kernelArrays). Each lane of an
 * f64x2 is one output's running sum over the same terms in the same order as the plain loop, and WebAssembly has no
 * fused multiply-add, so the results are the plain loops' bit for bit; the kernels are two to three times as fast as
 * V8's code for those loops.
 *
 * The kernels read and write their own linear memory, so their operands are copied in: a thread's instance keeps
 * the last arrays it was given in each region (compared by identity: a GeneStats' `b`, a pattern's `bxx` and
 * `sizes`, a kinship basis' rotation are never written once made), and copies only the per-call vectors (weights,
 * y) each time. One instance per thread: each worker loads this module.
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
  scaled_outer_products(x: number, p: number, divisors: number, count: number, out: number): void;
  log_of_products(sizes: number, classes: number, lambda: number, block: number): number;
  sum_of_logs(x: number, count: number): number;
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

/** WebAssembly's 32-bit memory holds at most 4 GiB. */
const MAX_BYTES = 2 ** 32;

/** Grows the memory to `bytes` (its content kept, so the regions' copies stay valid). */
function reserve(bytes: number): void {
  if (bytes > memory.buffer.byteLength) {
    if (bytes > MAX_BYTES) {
      throw new Error(`the CPU's WebAssembly kernels need ${(bytes / 2 ** 30).toFixed(1)} GiB in one thread, past WebAssembly's ` +
        '4 GiB: a kinship of this many individuals (its n × n rotation takes 8n² bytes) is beyond this version');
    }
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
    heap = new Float64Array(memory.buffer);
    heapI32 = new Int32Array(memory.buffer);
  }
}

const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;
// Byte offsets become element indices by >>> 3 (>>> 2 for i32), which V8 keeps as integers (a division made a double).

/**
 * The memory's regions, in this order: the matrix (the transpose of the last matrix given, then VECTORS_AT_ONCE y
 * and out vectors, or the eigensolver's arrays), the class weights, the class sizes, one region for each of the
 * two parts of a class sum, and a scratch region that keeps nothing between calls. Each has its room in bytes; one
 * that outgrows it gets half as much again as it needs, the regions after it move up, and what it and they held is
 * copied in anew. Memory is never given back: a thread that decomposed or rotated by an n × n matrix keeps 8n² bytes.
 */
const [MATRIX, WEIGHTS, SIZES, PART0, PART1, SCRATCH] = [0, 1, 2, 3, 4, 5];
type Region = number;
const room = [0, 0, 0, 0, 0, 0];
const start = [0, 0, 0, 0, 0, 0];

/**
 * The byte offset of `region`, with at least `bytes` of room (where it grows, the regions after it move and forget
 * what they held). The matrix region grows to what it needs (it is the largest, and its sizes do not creep up); the
 * others to half as much again.
 */
function regionOf(region: Region, bytes: number): number {
  if (bytes > room[region]) {
    const rooms = room.slice();
    rooms[region] = align(region === MATRIX ? bytes : Math.max(bytes, 1.5 * room[region]));
    const starts = rooms.map((_, r) => rooms.slice(0, r).reduce((sum, b) => sum + b, 0));
    reserve(starts[starts.length - 1] + rooms[rooms.length - 1]); // before anything changes: it may refuse
    for (let r = 0; r < room.length; r++) {
      if (start[r] !== starts[r] || r === region) forget(r);
      start[r] = starts[r];
      room[r] = rooms[r];
    }
  }
  return start[region];
}

/** Forgets what `region` holds, so that it is copied in again. */
function forget(region: Region): void {
  if (region === MATRIX) matrixOf = null;
  else if (region === SIZES) sizesOf = null;
  else for (const part of parts) if (part.region === region) part.blocksOf = part.initOf = part.pairsOf = null;
}

/** What the matrix region holds (compared by identity). */
let matrixOf: Float64Array | null = null;
let matrixN = 0;
/** What the sizes region holds: the sizes of the last classWeightsOfSizes; and the number of class weights made last. */
let sizesOf: Float64Array | null = null;
let sizesCount = 0;
let classesNow = 0;

/**
 * A part of a class sum: its region holds the pair offsets, init, out, then the blocks; `shape` is the layout they
 * were placed with (the region's start, the pairs, the block's elements, the classes), and blocksOf, initOf (from
 * initAt), pairsOf what they hold (compared by identity).
 */
interface Part {
  region: Region;
  shape: [number, number, number, number];
  pairs: number;
  init: number;
  out: number;
  b: number;
  blocksOf: Float64Array | null;
  initOf: Float64Array | null;
  initAt: number;
  pairsOf: Int32Array | null;
}
const parts: Part[] = [PART0, PART1].map((region) => ({
  region, shape: [-1, 0, 0, 0], pairs: 0, init: 0, out: 0, b: 0, blocksOf: null, initOf: null, initAt: 0, pairsOf: null,
}));

/**
 * The class weights of the next blockSums: `weights` as given (the first `classes` of them).
 */
export function classWeightsGiven(weights: Float64Array, classes: number): void {
  const at = regionOf(WEIGHTS, align(8 * classes + PAD)) >>> 3;
  for (let k = 0; k < classes; k++) heap[at + k] = weights[k];
  classesNow = classes;
}

/** The class weights the kernel holds (the last classWeightsGiven or classWeightsOfSizes), into `out` ([classes]). */
export function classWeightsInto(out: Float64Array): void {
  const at = start[WEIGHTS] >>> 3;
  out.set(heap.subarray(at, at + classesNow));
}

/**
 * The class weights of the next blockSums, made by the kernel from the sizes s_k at λ: s_k / (1 + λ s_k) for
 * `order` 0, and that weight's first and second λ-derivatives, −s_k² / (1 + λ s_k)² and 2 s_k³ / (1 + λ s_k)³, for
 * 1 and 2, each as those expressions are written.
 */
export function classWeightsOfSizes(sizes: Float64Array, classes: number, lambda: number, order: 0 | 1 | 2): void {
  if (sizes !== sizesOf || classes !== sizesCount || classes !== classesNow) {
    regionOf(WEIGHTS, align(8 * classes + PAD)); // in the regions' order: a later region's growth moves no earlier one
    placeSizes(sizes, classes);
  }
  kernels.class_weights(start[SIZES], classes, lambda, order, start[WEIGHTS]);
  classesNow = classes;
}

/** Copies the class sizes into their region, where they are not there already. */
function placeSizes(sizes: Float64Array, classes: number): void {
  regionOf(SIZES, align(8 * classes + PAD));
  if (sizes !== sizesOf || classes !== sizesCount) {
    heap.set(sizes.subarray(0, classes), start[SIZES] >>> 3);
    sizesOf = sizes;
    sizesCount = classes;
  }
}

/**
 * Σ over blocks of `block` classes of ln Π (1 + λ s_j), each product taken in class order and its logarithm by the
 * kernel's transcription of stdlib's ln (FreeBSD's e_log.c, as numerics/libm.ts' ln: the same bits): log det H_λ of
 * classes of one member each. The factors must be ≥ 1 (s_j, λ ≥ 0) and the products finite.
 */
export function logOfProducts(sizes: Float64Array, classes: number, lambda: number, block: number): number {
  placeSizes(sizes, classes);
  return kernels.log_of_products(start[SIZES], classes, lambda, block);
}

/**
 * Part `part` (0 or 1: each keeps its own arrays in the kernels' memory) of a class sum with the weights last made:
 * for the element pairs at `pairs` (byte offsets of pairs of elements of a block of `block` elements, an even number
 * of them: pairOffsets, rowPairOffsets), out[o], out[o + 1] = (init[o], init[o + 1], or 0 without init) +
 * Σ_k weights[k] · (b[k·block + o], b[k·block + o + 1]), summed in order of k, with init and out read and written
 * from element initAt and outAt on; every other element of out's block is left undefined, and a pair may take the
 * element past the block's end. With `symmetric` = m (blocks [m × m], pairs of the lower triangle), out gets the
 * symmetric matrix: the lower triangle, mirrored.
 */
export function blockSums(part: 0 | 1, b: Float64Array, block: number, init: Float64Array | null, initAt: number,
  pairs: Int32Array, out: Float64Array, outAt: number, symmetric = 0): void {
  const classes = classesNow;
  const the = parts[part];
  const { shape } = the;
  if (shape[0] !== start[the.region] || shape[1] !== pairs.length || shape[2] !== block || shape[3] !== classes) {
    layPart(the, pairs.length, block, classes);
  }
  if (pairs !== the.pairsOf) {
    heapI32.set(pairs, the.pairs >>> 2);
    the.pairsOf = pairs;
  }
  if (b !== the.blocksOf) {
    heap.set(b.subarray(0, classes * block), the.b >>> 3);
    the.blocksOf = b;
  }
  if (init !== null && (init !== the.initOf || initAt !== the.initAt)) {
    for (let i = 0; i < block; i++) heap[(the.init >>> 3) + i] = init[initAt + i];
    the.initOf = init;
    the.initAt = initAt;
  }
  kernels.class_sum(the.b, 8 * block, start[WEIGHTS], classes, the.pairs, pairs.length, the.init, init === null ? 0 : 1, the.out);
  const h = heap;
  const at = the.out >>> 3;
  if (symmetric > 0) {
    for (let i = 0; i < symmetric; i++) {
      for (let j = 0; j <= i; j++) out[outAt + i * symmetric + j] = out[outAt + j * symmetric + i] = h[at + i * symmetric + j];
    }
  } else for (let i = 0; i < block; i++) out[outAt + i] = h[at + i];
}

/** Lays `the` part's region out for pairCount pairs, blocks of `block` elements and `classes` classes (it then holds nothing). */
function layPart(the: Part, pairCount: number, block: number, classes: number): void {
  const pairBytes = align(4 * pairCount);
  const blockBytes = align(8 * block + PAD);
  const at = regionOf(the.region, pairBytes + 2 * blockBytes + align(8 * classes * block + PAD));
  the.shape = [at, pairCount, block, classes];
  Object.assign(the, { pairs: at, init: at + pairBytes, out: at + pairBytes + blockBytes, b: at + pairBytes + 2 * blockBytes });
  the.blocksOf = the.initOf = the.pairsOf = null;
}

/** Pair lists made so far, by order m (an array, not a Map: they are asked for at every evaluation). */
const pairLists: Int32Array[] = [];
const rowPairLists: Int32Array[] = [];

/**
 * The byte offsets, into an [m × m] block, of element pairs (i, j), (i, j + 1) for j = 0, 2, … ≤ i of every row i:
 * the lower triangle with the diagonal (an odd row's last pair takes the element above the diagonal along with it),
 * padded with the last pair to an even number.
 */
export function pairOffsets(m: number): Int32Array {
  let pairs = pairLists[m];
  if (pairs === undefined) {
    const list: number[] = [];
    for (let i = 0; i < m; i++) for (let j = 0; j <= i; j += 2) list.push(8 * (i * m + j));
    pairs = pairLists[m] = evenPairs(list);
  }
  return pairs;
}

/** The byte offsets of element pairs (j, j + 1), j = 0, 2, … < m, of a block of one row of m elements, padded to an even number. */
export function rowPairOffsets(m: number): Int32Array {
  let pairs = rowPairLists[m];
  if (pairs === undefined) pairs = rowPairLists[m] = evenPairs(Array.from({ length: Math.ceil(m / 2) }, (_, j) => 16 * j));
  return pairs;
}

/** `list` with its last pair again where their number is odd (a pair summed twice is written twice with one value). */
function evenPairs(list: number[]): Int32Array {
  if (list.length % 2 !== 0) list.push(list[list.length - 1]);
  return Int32Array.from(list);
}

/** Vectors matrixTimesVectors multiplies at most: each chunk of the matrix read serves them all. */
export const VECTORS_AT_ONCE = 16;

/** The bytes the matrix region takes for an [n × n] matrix and its vectors (matrixTimesVectors). */
const matrixBytes = (n: number): number => align(8 * n * n) + 2 * VECTORS_AT_ONCE * align(8 * n);

/** Room the other regions are given beside an n × n matrix, at the least, in judging whether it fits (matrixFits). */
const OTHER_REGIONS_BYTES = 64 * 2 ** 20;

/** True when the kernels can hold an n × n matrix with room to spare for the rest (WebAssembly's 4 GiB a thread). */
export function matrixFits(n: number): boolean {
  return matrixBytes(n) + OTHER_REGIONS_BYTES <= MAX_BYTES;
}

/**
 * outs[g·n + k] = Σ_i M[k·n + i] · ys[g·n + i] for the `count` ≤ VECTORS_AT_ONCE vectors of `ys` ([count × n]) and
 * `matrix` M, [n × n] row-major, each output summed in order of i. The kernel wants M's transpose; it is made once
 * for each matrix given.
 */
export function matrixTimesVectors(matrix: Float64Array, n: number, ys: Float64Array, outs: Float64Array, count: number): void {
  if (n === 0 || count === 0) return;
  const base = regionOf(MATRIX, matrixBytes(n));
  if (matrix !== matrixOf || n !== matrixN) {
    for (let k = 0; k < n; k++) for (let i = 0, at = k * n; i < n; i++, at++) heap[(base >>> 3) + i * n + k] = matrix[at];
    matrixOf = matrix;
    matrixN = n;
  }
  const yAt = (base + align(8 * n * n)) >>> 3;
  const outAt = yAt + VECTORS_AT_ONCE * n;
  heap.set(ys.subarray(0, count * n), yAt);
  // The kernel takes vectors four at a time: the last one again fills the last four.
  const padded = Math.ceil(count / 4) * 4;
  for (let g = count; g < padded; g++) heap.copyWithin(yAt + g * n, yAt + (count - 1) * n, yAt + count * n);
  kernels.matrix_times_vectors(base, 8 * yAt, 8 * outAt, n, padded);
  outs.set(heap.subarray(outAt, outAt + count * n));
}

/**
 * Float64Array views of `lengths` doubles each in the kernels' memory (in the matrix region, whose last matrix is
 * then forgotten), for work done there in place by the row kernels below: valid until this module's next call.
 */
export function kernelArrays(lengths: readonly number[]): Float64Array[] {
  let at = regionOf(MATRIX, lengths.reduce((sum, length) => sum + align(8 * length), 0));
  matrixOf = null;
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

/**
 * out[k·p·p + a·p + c] = (x[k·p + a] · x[k·p + c]) / divisors[k] for k < count and a, c < p (added to 0, as a sum
 * of one term is): the outer products of the rows of x ([count × p]), each divided by its divisor.
 */
export function scaledOuterProducts(x: Float64Array, p: number, divisors: Float64Array, count: number, out: Float64Array): void {
  if (p === 0 || count === 0) return;
  // Rows in chunks of about SCRATCH_BYTES of products, so that the scratch region stays small whatever the size.
  const rows = Math.max(1, Math.floor(SCRATCH_BYTES / (8 * p * p)));
  const [xBytes, divisorBytes] = [align(8 * rows * p + PAD), align(8 * rows)];
  const at = regionOf(SCRATCH, xBytes + divisorBytes + align(8 * rows * p * p + PAD));
  const outAt = at + xBytes + divisorBytes;
  for (let first = 0; first < count; first += rows) {
    const chunk = Math.min(rows, count - first);
    heap.set(x.subarray(first * p, (first + chunk) * p), at >>> 3);
    heap.set(divisors.subarray(first, first + chunk), (at + xBytes) >>> 3);
    kernels.scaled_outer_products(at, p, at + xBytes, chunk, outAt);
    out.set(heap.subarray(outAt >>> 3, (outAt >>> 3) + chunk * p * p), first * p * p);
  }
}

/** The products scaledOuterProducts makes in one call of its kernel, in bytes (about). */
const SCRATCH_BYTES = 4 * 2 ** 20;

/**
 * into[k·stride + offset + j] = matrix[k·n + columns[j]] for k < n: columns of the [n × n] row-major `matrix`, read
 * from its transpose where matrixTimesVectors holds it (contiguous there), else from the matrix itself.
 */
export function matrixColumns(matrix: Float64Array, n: number, columns: readonly number[], into: Float64Array, stride: number,
  offset: number): void {
  const transposed = matrix === matrixOf && n === matrixN;
  for (let j = 0; j < columns.length; j++) {
    const from = transposed ? (start[MATRIX] >>> 3) + columns[j] * n : columns[j];
    if (transposed) for (let k = 0; k < n; k++) into[k * stride + offset + j] = heap[from + k];
    else for (let k = 0; k < n; k++) into[k * stride + offset + j] = matrix[k * n + from];
  }
}

/** Σ ln x[i] over i < count, in order, with stdlib's ln transcribed (libm.ts' bits), for finite x[i] > 0. */
export function sumOfLogs(x: Float64Array, count: number): number {
  const at = regionOf(SCRATCH, align(8 * count));
  heap.set(x.subarray(0, count), at >>> 3);
  return kernels.sum_of_logs(at, count);
}
