import { H_GRID } from '../model/lambda-search.js';
import type { SpectralGene } from '../model/spectral.js';
import { H_MAX_F32 } from '../gpu/fit-declarations.js';

/** The grid's shared points: H_GRID, then the f32 upper end of the search (as the WGSL search's). */
export const GRID_POINTS = Float32Array.from([...H_GRID, H_MAX_F32]);

/** Floats per gene in `genes`. */
export const GENE_STRIDE = 4;
/** What each float of a gene in `genes` holds: e_0 / scale, n − p, h of the moment start (−1 where none). */
export const GENE_FIELD = { e0: 0, dof: 1, hStart: 2 } as const;

/** Floats per eigenvalue class in `classes`: ξ_j, m_j, e_j. */
export const CLASS_STRIDE = 3;

/** A batch's kernel inputs, f32. */
export interface SpectralUpload {
  nGenes: number;
  /** K: classes per gene, the batch's largest J (shorter lists are padded with m = e = 0). */
  nClasses: number;
  /** [nGenes × K × CLASS_STRIDE] (ξ_j, m_j, e_j / scale). */
  classes: Float32Array;
  /** [nGenes × GENE_STRIDE] (e_0 / scale, n − p, h of the moment start or −1, 0). */
  genes: Float32Array;
  /** [nGenes] scale = r_0 = e_0 + Σ_j e_j, so that the uploaded r_0 is 1 whatever the gene's units. */
  scale: Float64Array;
}

/**
 * Packs a batch's genes for the kernels (reml-grid.ts, reml-search.ts). `lambdaStart`: each gene's moment start
 * (momentLambda; NaN where not estimable). Each gene's e are divided by its r_0, which shifts the criterion by a
 * constant and leaves the score and the search unchanged, and keeps f32 far from its range's ends.
 */
export function packSpectral(genes: { spectral: SpectralGene; lambdaStart: number }[]): SpectralUpload {
  const nGenes = genes.length;
  const nClasses = Math.max(1, ...genes.map(({ spectral }) => spectral.e.length));
  const classes = new Float32Array(nGenes * nClasses * CLASS_STRIDE);
  const packed = new Float32Array(nGenes * GENE_STRIDE);
  const scale = new Float64Array(nGenes);
  genes.forEach(({ spectral, lambdaStart }, g) => {
    const { e0, e, basis } = spectral;
    let r0 = e0;
    for (const v of e) r0 += v;
    scale[g] = r0;
    for (let j = 0; j < e.length; j++) {
      const at = (g * nClasses + j) * CLASS_STRIDE;
      classes[at] = basis.xi[j];
      classes[at + 1] = basis.multiplicity[j];
      classes[at + 2] = e[j] / r0;
    }
    const at = g * GENE_STRIDE;
    packed[at + GENE_FIELD.e0] = e0 / r0;
    packed[at + GENE_FIELD.dof] = basis.pattern.n - basis.pattern.p;
    packed[at + GENE_FIELD.hStart] = lambdaStart >= 0 ? lambdaStart / (1 + lambdaStart) : -1;
  });
  return { nGenes, nClasses, classes, genes: packed, scale };
}
