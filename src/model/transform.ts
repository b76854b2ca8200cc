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
 * Library sizes L: each sample's column sum over all genes, before any filtering, skipping missing values.
 * values: [nGenes × nSamples], gene-major.
 */
export function librarySizes(values: Float64Array, nGenes: number, nSamples: number): Float64Array {
  const sizes = new Float64Array(nSamples);
  for (let g = 0; g < nGenes; g++) {
    const base = g * nSamples;
    for (let s = 0; s < nSamples; s++) {
      const v = values[base + s];
      if (!Number.isNaN(v)) sizes[s] += v;
    }
  }
  return sizes;
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

/** True when every value is a non-negative integer and the largest exceeds 1000: raw counts, most likely. */
export function looksLikeCounts(values: Float64Array): boolean {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    if (v < 0 || !Number.isInteger(v)) return false;
    if (v > max) max = v;
  }
  return max > 1000;
}
