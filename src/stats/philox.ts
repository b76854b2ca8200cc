/**
 * Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as easy as 1, 2, 3"), the
 * counter-based generator of Random123, cuRAND and JAX, and the streams of normals and χ² variates that
 * genelmm's RLRT null simulation draws from.
 *
 * Everything is 32-bit unsigned integer arithmetic: the 32×32→64-bit products are split into 16-bit halves
 * (`mulhi32`), because WGSL has no 64-bit integer. A WGSL port that does the same u32 operations returns the
 * same words, so a GPU can recompute any draw of the CPU stream from its index alone.
 *
 * Counters and keys. A draw is addressed by (seed, sim, tag, variable, block):
 *
 *     words = philox4x32([block, sim, tag, variable], [seed mod 2³², ⌊seed / 2³²⌋])
 *     v_i   = ((words[i] >> 8) + 1) · 2⁻²⁴                      (i = 0..3; 24 bits, in (0, 1])
 *
 * tag 0 (normals): draws 4·block .. 4·block + 3 of `variable` are two Box–Muller pairs,
 *     z(4b + 0, 1) = √(−2 ln v_0) · (cos, sin)(2π v_1),   z(4b + 2, 3) = √(−2 ln v_2) · (cos, sin)(2π v_3);
 * tag 1 (χ²_k of `variable`, chiSquareDraw): with −2 ln v ~ χ²₂ and z² ~ χ²₁, both exact,
 *     χ²_k = Σ_{b < ⌊k/8⌋} −2 ln(v_0 v_1 v_2 v_3 of block b)                          (χ²₈ each)
 *          + −2 ln(v_0 ⋯ v_{j−1} of block ⌊k/8⌋),  j = ⌊(k mod 8)/2⌋                   (χ²_{2j}; skipped if j = 0)
 *          + (k odd) z(variable)², normal draw number `variable` of tag 0, variable field 0  (χ²₁)
 *     summed in that order, z² computed without the square root as (−2 ln v_0) cos²(2π v_1), (−2 ln v_0)
 *     sin²(2π v_1), then the same of v_2, v_3. χ²_k costs ⌈k/8⌉ Philox calls and logs, plus a quarter of a
 *     Philox call (four χ²₁ share one block) when k is odd.
 * tag 2 (parametric bootstrap normals, bootstrapNormalBlock): the counter's `sim` and `variable` words are the
 *     replicate b and the gene g, words = philox4x32([block, b, 2, g], key), and the four draws of a block are
 *     the same Box–Muller pairs as tag 0's. bootstrap.ts says which draw stands for which random effect.
 *
 * 24 bits, not 32, so that v is exactly representable in f32: a WGSL shader computes the same v bit for bit,
 * and only the f32 rounding of ln, cos, sin and the products separates its draws from these f64 ones. v = 1 is
 * possible (radius 0), v = 0 is not, and products of four v stay ≥ 2⁻⁹⁶, clear of underflow in f32. The tail
 * is truncated: |z| ≤ √(−2 ln 2⁻²⁴) = 5.77, so a χ²₁ never exceeds 33.3 (P(χ²₁ > 33.3) = 8e-9), and v takes 2²⁴
 * values; neither is visible in a Monte Carlo p-value from ≤ 10⁸ draws.
 */
import { cos, ln, sin } from '../numerics/libm.js';

/** Philox4x32 round multipliers and Weyl key increments (Random123's PHILOX_M4x32_0/1, PHILOX_W32_0/1). */
export const PHILOX_M0 = 0xd2511f53;
export const PHILOX_M1 = 0xcd9e8d57;
export const PHILOX_W0 = 0x9e3779b9;
export const PHILOX_W1 = 0xbb67ae85;
/** Rounds of Philox4x32-10. */
export const PHILOX_ROUNDS = 10;
// Unexported copies for the hot loop: read through the exported bindings, philoxWords runs about 2× slower in V8.
const M0 = PHILOX_M0;
const M1 = PHILOX_M1;
const W0 = PHILOX_W0;
const W1 = PHILOX_W1;
const ROUNDS = PHILOX_ROUNDS;

/**
 * High 32 bits of the 64-bit product a·b of two u32, from four 16×16→32-bit products (each < 2³², so exact
 * in u32 and in f64): hi = aH·bH + ⌊aL·bH / 2¹⁶⌋ + ⌊aH·bL / 2¹⁶⌋ + carry of the middle column.
 */
export function mulhi32(a: number, b: number): number {
  return mulhi(a, b);
}

function mulhi(a: number, b: number): number {
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const ll = Math.imul(aL, bL) >>> 0;
  const lh = Math.imul(aL, bH) >>> 0;
  const hl = Math.imul(aH, bL) >>> 0;
  const hh = Math.imul(aH, bH) >>> 0;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/**
 * Philox4x32-10 of one counter under one key, into `out` (which may be `counter`): ten rounds of
 * (c0, c1, c2, c3) ← (hi(M1·c2) ⊕ c1 ⊕ k0, lo(M1·c2), hi(M0·c0) ⊕ c3 ⊕ k1, lo(M0·c0)), the key bumped by
 * (W0, W1) between rounds.
 */
export function philox4x32(counter: Uint32Array, key: Uint32Array, out: Uint32Array = new Uint32Array(4)): Uint32Array {
  philoxWords(counter[0], counter[1], counter[2], counter[3], key[0], key[1], out);
  return out;
}

/** philox4x32 on scalars (no allocation): the words of counter (c0..c3) under key (k0, k1), into `out`. */
export function philoxWords(
  c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array,
): void {
  for (let r = 0; r < ROUNDS; r++) {
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    // The bump after the last round is never used; doing it unconditionally keeps the loop branch-free.
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** The key of a seed, an integer in [0, 2⁵³): [seed mod 2³², ⌊seed / 2³²⌋]. */
export function philoxKey(seed: number): Uint32Array {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be an integer in [0, 2^53), got ${seed}`);
  return Uint32Array.of(seed % 0x100000000, Math.floor(seed / 0x100000000));
}

/** A u32 as a uniform in (0, 1] from its top 24 bits: ((x >> 8) + 1) · 2⁻²⁴, exact in f32 and f64. */
export function uniform24(x: number): number {
  return ((x >>> 8) + 1) * 5.9604644775390625e-8;
}

const TWO_PI = 2 * Math.PI;

/** Counter word 2 of each kind of draw (file comment). */
export const PHILOX_TAG_NORMAL = 0;
export const PHILOX_TAG_CHISQ = 1;
export const PHILOX_TAG_BOOTSTRAP = 2;

/** The two Box–Muller pairs of one block's words (file comment), into `out` [4]. */
function boxMuller(words: Uint32Array, out: Float64Array): void {
  const r0 = Math.sqrt(-2 * ln(uniform24(words[0])));
  const a0 = TWO_PI * uniform24(words[1]);
  const r1 = Math.sqrt(-2 * ln(uniform24(words[2])));
  const a1 = TWO_PI * uniform24(words[3]);
  out[0] = r0 * cos(a0);
  out[1] = r0 * sin(a0);
  out[2] = r1 * cos(a1);
  out[3] = r1 * sin(a1);
}

/**
 * Standard normals 4·block .. 4·block + 3 of `variable` in simulation `sim` (file comment), into `out` [4].
 * `key`: philoxKey(seed); `words`: scratch [4].
 */
export function normalBlock(
  key: Uint32Array, sim: number, block: number, out: Float64Array, words: Uint32Array = new Uint32Array(4), variable = 0,
): void {
  philoxWords(block >>> 0, sim >>> 0, PHILOX_TAG_NORMAL, variable >>> 0, key[0], key[1], words);
  boxMuller(words, out);
}

/** Standard normal number `draw` of `variable` in simulation `sim` under `seed`, recomputed on its own. */
export function normalAt(seed: number, sim: number, draw: number, variable = 0): number {
  const z = new Float64Array(4);
  normalBlock(philoxKey(seed), sim, Math.floor(draw / 4), z, new Uint32Array(4), variable);
  return z[draw % 4];
}

/** Uniform number `draw` of `variable` in simulation `sim` under `seed`: v_(draw mod 4) of tag 0, block ⌊draw / 4⌋. */
export function uniformAt(seed: number, sim: number, draw: number, variable = 0): number {
  const key = philoxKey(seed);
  const words = new Uint32Array(4);
  philoxWords(Math.floor(draw / 4) >>> 0, sim >>> 0, PHILOX_TAG_NORMAL, variable >>> 0, key[0], key[1], words);
  return uniform24(words[draw % 4]);
}

/**
 * Bootstrap normals 4·block .. 4·block + 3 of replicate `replicate` of gene `gene` (tag 2, file comment), into
 * `out` [4]: the Box–Muller pairs of philox4x32([block, replicate, 2, gene], key). `key`: philoxKey(seed);
 * `words`: scratch [4].
 */
export function bootstrapNormalBlock(
  key: Uint32Array, gene: number, replicate: number, block: number, out: Float64Array, words: Uint32Array = new Uint32Array(4),
): void {
  philoxWords(block >>> 0, replicate >>> 0, PHILOX_TAG_BOOTSTRAP, gene >>> 0, key[0], key[1], words);
  boxMuller(words, out);
}

/** Bootstrap normal number `draw` of replicate `replicate` of gene `gene` under `seed`, recomputed on its own. */
export function bootstrapNormalAt(seed: number, gene: number, replicate: number, draw: number): number {
  const z = new Float64Array(4);
  bootstrapNormalBlock(philoxKey(seed), gene, replicate, Math.floor(draw / 4), z);
  return z[draw % 4];
}

/**
 * z² of normal draw d of tag 0 from its block's words (block ⌊d/4⌋): (−2 ln v_0) cos²(2π v_1) for d mod 4 = 0,
 * (−2 ln v_0) sin²(2π v_1) for 1, and the same of v_2, v_3 for 2 and 3.
 */
export function squaredNormalFromWords(words: Uint32Array, d: number): number {
  const pair = (d >>> 1) & 1;
  const e = -2 * ln(uniform24(words[2 * pair]));
  const angle = TWO_PI * uniform24(words[2 * pair + 1]);
  const t = d & 1 ? sin(angle) : cos(angle);
  return e * t * t;
}

/** The even part of χ²_k of `variable` (file comment): a χ²_{2⌊k/2⌋}. */
export function chiSquareEvenPart(k: number, key: Uint32Array, sim: number, variable: number, words: Uint32Array): number {
  const k0 = key[0];
  const k1 = key[1];
  const c1 = sim >>> 0;
  const c3 = variable >>> 0;
  let x = 0;
  const blocks = k >>> 3;
  for (let b = 0; b < blocks; b++) {
    philoxWords(b, c1, PHILOX_TAG_CHISQ, c3, k0, k1, words);
    x += -2 * ln(uniform24(words[0]) * uniform24(words[1]) * uniform24(words[2]) * uniform24(words[3]));
  }
  const pairs = (k & 7) >>> 1;
  if (pairs > 0) {
    philoxWords(blocks, c1, PHILOX_TAG_CHISQ, c3, k0, k1, words);
    let product = uniform24(words[0]);
    for (let j = 1; j < pairs; j++) product *= uniform24(words[j]);
    x += -2 * ln(product);
  }
  return x;
}

/**
 * χ²_k variate of `variable` in simulation `sim` (file comment; k a non-negative integer, 0 for k = 0).
 * `key`: philoxKey(seed); `words`: scratch [4].
 */
export function chiSquareDraw(k: number, key: Uint32Array, sim: number, variable: number, words: Uint32Array = new Uint32Array(4)): number {
  const even = chiSquareEvenPart(k, key, sim, variable, words);
  if ((k & 1) === 0) return even;
  philoxWords(variable >>> 2, sim >>> 0, PHILOX_TAG_NORMAL, 0, key[0], key[1], words);
  return even + squaredNormalFromWords(words, variable);
}

/** chiSquareDraw recomputed on its own from the seed. */
export function chiSquareAt(seed: number, sim: number, variable: number, k: number): number {
  return chiSquareDraw(k, philoxKey(seed), sim, variable);
}

/**
 * Sequential reader of one simulation's normals (tag 0, one variable), for loops that consume draws 0, 1, 2, …
 * in order (one Philox call per four normals). The d-th `normal()` equals normalAt(seed, sim, d, variable).
 */
export class NormalStream {
  private readonly key: Uint32Array;
  private readonly words = new Uint32Array(4);
  private readonly z = new Float64Array(4);
  private sim = 0;
  private block = 0;
  private next = 4;

  constructor(seed: number, private readonly variable = 0) {
    this.key = philoxKey(seed);
  }

  /** Restarts at draw 0 of simulation `sim`. */
  start(sim: number): void {
    this.sim = sim;
    this.block = 0;
    this.next = 4;
  }

  normal(): number {
    if (this.next === 4) {
      normalBlock(this.key, this.sim, this.block++, this.z, this.words, this.variable);
      this.next = 0;
    }
    return this.z[this.next++];
  }
}
