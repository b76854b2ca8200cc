/**
 * The genomic relationship matrix of GCTA and plink2's `--make-grm-bin`, accumulated over blocks of variants:
 *
 *   A_ik = (1 / N_ik) Σ_j z_ij z_kj,   z_ij = (x_ij − 2p_j) / √(2p_j(1 − p_j)),
 *
 * x_ij the copies of A1 sample i carries at variant j, p_j A1's frequency among the founders (plink2's default; all
 * samples with `nonfounders`), N_ik the variants at which both i and k have a call (a missing call adds nothing to
 * the sum and is left out of N_ik). The diagonal is Σ z_ij² / N_ii, as plink2 writes it; GCTA's own `--make-grm`
 * has 1 + F̂ there instead. Variants on X, Y, XY and MT are left out, as plink2 does. A variant that is
 * monomorphic in every sample counts in N and adds 0; one monomorphic among the founders only is refused, as
 * plink2 refuses it.
 */
import { InputError } from '../errors.js';

/** Chromosome codes plink gives the sex chromosomes and the mitochondrion (human numbering), with or without `chr`. */
const NON_AUTOSOMES = new Set(['23', '24', '25', '26', 'X', 'Y', 'XY', 'MT', 'M', 'PAR1', 'PAR2']);

/** True for a .bim chromosome code plink2 builds a GRM from: the autosomes and 0 (unplaced). */
export function isAutosome(chromosome: string): boolean {
  return !NON_AUTOSOMES.has(chromosome.toUpperCase().replace(/^CHR/, ''));
}

/** A finished GRM: lower triangles (row by row, with the diagonal) of A and of the pair counts N, in f32 as GCTA writes them. */
export interface Grm {
  values: Float32Array;
  counts: Float32Array;
  /** Variants in the matrix (autosomal ones). */
  variants: number;
}

/** Lower-triangle index of (i, k ≤ i). */
function at(i: number, k: number): number {
  return (i * (i + 1)) / 2 + k;
}

/** The A1 copies of each 2-bit code: 00 two, 01 missing, 10 one, 11 none. */
const DOSAGE = [2, NaN, 1, 0];

/**
 * Sums z zᵀ over blocks of variants. `counted[i]` says whether sample i's calls count in the allele frequencies.
 */
export class GrmAccumulator {
  private readonly sums: Float64Array;
  private readonly bothMissing: Uint32Array;
  private readonly missing: Uint32Array;
  private readonly block: Float64Array;
  private variants = 0;

  constructor(private readonly n: number, private readonly counted: readonly boolean[], private readonly blockSize: number) {
    this.sums = new Float64Array((n * (n + 1)) / 2);
    this.bothMissing = new Uint32Array((n * (n + 1)) / 2);
    this.missing = new Uint32Array(n);
    this.block = new Float64Array(n * blockSize);
  }

  /**
   * Adds the variants of one .bed block: `bytes` holds `keep.length` variants of `bytesPerVariant` bytes; those with
   * `keep[t]` false (non-autosomal) are skipped. `ids` name the variants for errors.
   */
  add(bytes: Uint8Array, bytesPerVariant: number, keep: readonly boolean[], ids: readonly string[]): void {
    const { n, block, blockSize } = this;
    let width = 0;
    const codes = new Uint8Array(n);
    const missingHere: number[] = [];
    for (let t = 0; t < keep.length; t++) {
      if (!keep[t]) continue;
      const offset = t * bytesPerVariant;
      for (let i = 0; i < n; i++) codes[i] = (bytes[offset + (i >> 2)] >> ((i & 3) * 2)) & 3;
      const value = this.standardised(codes, ids[t]);
      missingHere.length = 0;
      for (let i = 0; i < n; i++) {
        block[i * blockSize + width] = value[codes[i]];
        if (codes[i] === 1) missingHere.push(i);
      }
      this.countMissing(missingHere);
      width++;
      this.variants++;
    }
    this.accumulate(width);
  }

  /** z for each code at this variant (0 for a missing call, and everywhere at a monomorphic variant). */
  private standardised(codes: Uint8Array, id: string): number[] {
    let copies = 0;
    let calls = 0;
    let seen = 0; // bit c set when code c occurs in any sample
    for (let i = 0; i < this.n; i++) {
      seen |= 1 << codes[i];
      if (codes[i] === 1 || !this.counted[i]) continue;
      copies += DOSAGE[codes[i]];
      calls++;
    }
    if (calls === 0) {
      throw new InputError(`variant ${id} has no call in the samples its allele frequency comes from (the founders)`, {},
        'drop it (plink2 --geno), or count every sample with --nonfounders');
    }
    const p = copies / (2 * calls);
    if (p === 0 || p === 1) {
      if ((seen & ~0b10) !== (p === 0 ? 0b1000 : 0b0001)) {
        throw new InputError(`variant ${id} is monomorphic among the founders but not in the other samples`, {},
          'drop very rare variants first (plink2 --maf), or count every sample with --nonfounders');
      }
      return [0, 0, 0, 0];
    }
    const scale = Math.sqrt(2 * p * (1 - p));
    return DOSAGE.map((x) => (Number.isNaN(x) ? 0 : (x - 2 * p) / scale));
  }

  private countMissing(samples: readonly number[]): void {
    for (let a = 0; a < samples.length; a++) {
      this.missing[samples[a]]++;
      for (let b = 0; b <= a; b++) this.bothMissing[at(samples[a], samples[b])]++;
    }
  }

  /**
   * sums += Z Zᵀ (lower triangle) over the block's first `width` columns: rows i and i + 1 against four rows k at a
   * time, so that each value loaded serves two or four products.
   */
  private accumulate(width: number): void {
    const { n, block, blockSize, sums } = this;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const ra = i * blockSize;
      const rb = ra + blockSize;
      const outA = at(i, 0);
      const outB = at(i + 1, 0);
      let k = 0;
      for (; k + 3 <= i; k += 4) {
        const r0 = k * blockSize;
        const r1 = r0 + blockSize;
        const r2 = r1 + blockSize;
        const r3 = r2 + blockSize;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        let b0 = 0;
        let b1 = 0;
        let b2 = 0;
        let b3 = 0;
        for (let t = 0; t < width; t++) {
          const za = block[ra + t];
          const zb = block[rb + t];
          const z0 = block[r0 + t];
          const z1 = block[r1 + t];
          const z2 = block[r2 + t];
          const z3 = block[r3 + t];
          a0 += za * z0;
          a1 += za * z1;
          a2 += za * z2;
          a3 += za * z3;
          b0 += zb * z0;
          b1 += zb * z1;
          b2 += zb * z2;
          b3 += zb * z3;
        }
        sums[outA + k] += a0;
        sums[outA + k + 1] += a1;
        sums[outA + k + 2] += a2;
        sums[outA + k + 3] += a3;
        sums[outB + k] += b0;
        sums[outB + k + 1] += b1;
        sums[outB + k + 2] += b2;
        sums[outB + k + 3] += b3;
      }
      for (; k <= i + 1; k++) {
        const r = k * blockSize;
        let a = 0;
        let b = 0;
        for (let t = 0; t < width; t++) {
          a += block[ra + t] * block[r + t];
          b += block[rb + t] * block[r + t];
        }
        if (k <= i) sums[outA + k] += a;
        sums[outB + k] += b;
      }
    }
    for (; i < n; i++) {
      const ra = i * blockSize;
      const out = at(i, 0);
      for (let k = 0; k <= i; k++) {
        const r = k * blockSize;
        let a = 0;
        for (let t = 0; t < width; t++) a += block[ra + t] * block[r + t];
        sums[out + k] += a;
      }
    }
  }

  /** A and N from the variants added so far; refuses a pair of samples with no variant both have a call at. */
  finish(ids: readonly string[]): Grm {
    const { n, sums } = this;
    const values = new Float32Array(sums.length);
    const counts = new Float32Array(sums.length);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k <= i; k++) {
        const count = this.variants - this.missing[i] - this.missing[k] + this.bothMissing[at(i, k)];
        if (count === 0) {
          throw new InputError(`samples ${ids[k]} and ${ids[i]} have no autosomal variant called in both`, {},
            'drop samples with (almost) no calls first (plink2 --mind)');
        }
        values[at(i, k)] = sums[at(i, k)] / count;
        counts[at(i, k)] = count;
      }
    }
    return { values, counts, variants: this.variants };
  }
}
