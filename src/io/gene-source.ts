/** Where the genes of a fit come from: a matrix read block by block, from a file (read-files.ts) or from memory. */

import type { ExpressionMatrix, GeneBlock, MatrixShape } from './types.js';

/** Receives each block of a read, with the sample ids and the share of the source read so far (0 to 1). */
export type TakeBlock = (block: GeneBlock, sampleIds: string[], shareRead: number) => Promise<void>;

/**
 * A matrix that can be read from its start, as often as asked (a first pass for library sizes, then the fit),
 * its genes handed over in blocks in order, each awaited before the next is read.
 */
export interface GeneSource {
  /** The file it comes from, for messages. */
  file: string;
  /** Reads the whole matrix, block by block; resolves with its ids and sizes after the last block. */
  read(take: TakeBlock): Promise<MatrixShape>;
}

/** Values in a block (about 16 MB of f64): a few thousand genes of a few hundred samples. */
export const BLOCK_VALUES = 2 ** 21;

/** A matrix in memory as a GeneSource: its blocks are views of its values. */
export function memorySource(matrix: ExpressionMatrix, blockValues = BLOCK_VALUES): GeneSource {
  const { nGenes, nSamples, geneIds, values } = matrix;
  const blockGenes = Math.max(1, Math.floor(blockValues / Math.max(nSamples, 1)));
  return {
    file: matrix.file,
    async read(take) {
      for (let first = 0; first < nGenes; first += blockGenes) {
        const count = Math.min(blockGenes, nGenes - first);
        const block: GeneBlock = {
          first, nGenes: count, geneIds: geneIds.slice(first, first + count),
          values: values.subarray(first * nSamples, (first + count) * nSamples),
          release: () => {},
        };
        await take(block, matrix.sampleIds, (first + count) / nGenes);
      }
      const { values: _, ...shape } = matrix;
      return shape;
    },
  };
}
