import { UsageError } from '../errors.js';
import { log2 } from '../numerics/libm.js';

/** The per-gene transforms of SPEC §2. */
export const TRANSFORMS = ['none', 'log2p1', 'logcpm'] as const;
export type Transform = (typeof TRANSFORMS)[number];

/** Checks a `--transform` value. */
export function parseTransform(value: string): Transform {
  if ((TRANSFORMS as readonly string[]).includes(value)) return value as Transform;
  throw new UsageError(`unknown transform "${value}"`, `use one of ${TRANSFORMS.join(', ')}`);
}

/**
 * Adds each sample's column sum of `values` ([nGenes × nSamples], gene-major), skipping missing values, to
 * `sizes`: over the blocks of a matrix in order, the library sizes L of logcpm (all genes, before any filtering).
 */
export function addLibrarySizes(sizes: Float64Array, values: Float64Array, nGenes: number, nSamples: number): void {
  for (let g = 0; g < nGenes; g++) {
    const base = g * nSamples;
    for (let s = 0; s < nSamples; s++) {
      const v = values[base + s];
      if (!Number.isNaN(v)) sizes[s] += v;
    }
  }
}

/**
 * One value transformed: `none` x; `log2p1` log2(x + 1); `logcpm` log2((x + 0.5) / (L + 1) · 1e6) as limma's
 * voom. NaN stays NaN; a value outside the transform's domain gives NaN (the caller reports it).
 */
export function transformValue(x: number, transform: Transform, librarySize: number): number {
  switch (transform) {
    case 'none':
      return x;
    case 'log2p1':
      return x > -1 ? log2(x + 1) : NaN;
    case 'logcpm':
      return x + 0.5 > 0 ? log2(((x + 0.5) / (librarySize + 1)) * 1e6) : NaN;
  }
}

/**
 * Whether a matrix seen block by block looks like raw counts: every value a non-negative integer and the largest
 * above 1000.
 */
export class CountsCheck {
  private max = 0;
  private integral = true;

  add(values: Float64Array): void {
    for (let i = 0; i < values.length && this.integral; i++) {
      const v = values[i];
      if (Number.isNaN(v)) continue;
      if (v < 0 || !Number.isInteger(v)) this.integral = false;
      else if (v > this.max) this.max = v;
    }
  }

  get looksLikeCounts(): boolean {
    return this.integral && this.max > 1000;
  }
}
