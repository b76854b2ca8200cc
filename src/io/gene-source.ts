/** Where the genes of a fit come from: a matrix read block by block, from a file (read-files.ts) or from memory. */

import type { MatrixFormat } from './formats.js';
import { parseMatrixBlocks } from './matrix-reader.js';
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

/**
 * Opens a fresh read of a matrix file: its text in chunks (gunzipped where compressed), reporting the bytes of the file
 * itself read so far to `onProgress`, and the file's size in those bytes.
 */
export type OpenChunks = (onProgress: (bytesRead: number) => void) => Promise<{ chunks: AsyncIterable<Uint8Array>; fileBytes: number }>;

/**
 * A matrix file as a GeneSource, wherever its bytes come from (the file system in Node, a File in the browser): each
 * read opens it again and parses it in blocks of about `blockValues` values (parseMatrixBlocks), one block in memory
 * at a time. `onProgress` receives the bytes of the file read so far in each read.
 */
export function streamSource(file: string, format: MatrixFormat, open: OpenChunks,
  options: { blockValues?: number; onProgress?: (bytesRead: number) => void } = {}): GeneSource {
  return {
    file,
    async read(take) {
      let bytesRead = 0;
      const { chunks, fileBytes } = await open((bytes) => {
        bytesRead = bytes;
        options.onProgress?.(bytes);
      });
      return parseMatrixBlocks(chunks, file, { format, blockValues: options.blockValues ?? BLOCK_VALUES },
        (block, sampleIds) => take(block, sampleIds, fileBytes > 0 ? bytesRead / fileBytes : 1));
    },
  };
}

/** A block of genes copied out of a read, kept after it (blockOf). */
export interface HeldBlock {
  first: number;
  nGenes: number;
  geneIds: string[];
  /** [nGenes × nSamples], gene-major, NaN = missing. */
  values: Float64Array;
}

/** Ends a read early from inside its `take` (blockOf). */
const STOP = Symbol('the block was found');

/**
 * The block of `source` that holds gene `gene` (0-based), copied: the source is read up to that block and no further
 * (its later blocks are neither read nor parsed). RangeError where the source has fewer genes.
 */
export async function blockOf(source: GeneSource, gene: number): Promise<HeldBlock> {
  let found: HeldBlock | undefined;
  try {
    await source.read(async (block) => {
      try {
        if (gene >= block.first + block.nGenes) return;
        found = { first: block.first, nGenes: block.nGenes, geneIds: block.geneIds.slice(), values: block.values.slice() };
        throw STOP;
      } finally {
        block.release();
      }
    });
  } catch (error) {
    if (error !== STOP) throw error;
  }
  if (found === undefined) throw new RangeError(`${source.file} has no gene ${gene + 1}`);
  return found;
}
