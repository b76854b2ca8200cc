/** A matrix file read block by block wherever its bytes come from (streamSource), and one block of it found again (blockOf). */

import { BLOCK_VALUES, type GeneSource } from './gene-source.js';
import type { MatrixFormat } from './formats.js';
import { parseMatrixBlocks } from './matrix-reader.js';

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
  if (!(Number.isInteger(gene) && gene >= 0)) throw new RangeError(`blockOf: gene ${gene} is not a row number`);
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
