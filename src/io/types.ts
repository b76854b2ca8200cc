/** In-memory shapes of the inputs, shared by the readers, the CLI, the library API and the web app. */

/** A wide expression matrix: genes in rows, samples in columns, as the user's file holds it. */
export interface ExpressionMatrix extends MatrixShape {
  /** [nGenes × nSamples], gene-major; NaN marks a missing value (NA, NaN, nan, ., empty). */
  values: Float64Array;
}

/** What a matrix is besides its values: its file, ids and sizes. */
export interface MatrixShape {
  /** Name of the file it came from, for messages. */
  file: string;
  geneIds: string[];
  sampleIds: string[];
  nGenes: number;
  nSamples: number;
  /** Where the matrix lies in its file, for messages about its cells (from a file; absent for a matrix built in code). */
  lines?: MatrixLines;
}

/** Where a matrix's rows and columns lie in its file (1-based, as an editor shows them). */
export interface MatrixLines {
  /** The header's line. */
  header: number;
  /** The column of the first sample: 2, or 3 in GCT (after Name and Description). */
  firstColumn: number;
  /** [nGenes] the line of each gene's row (blank lines skipped by the reader count). */
  genes: Int32Array;
}

/** Consecutive genes of a matrix read in blocks (readMatrixBlocks), in file order. */
export interface GeneBlock {
  /** Row in the whole matrix of the block's first gene. */
  first: number;
  nGenes: number;
  geneIds: string[];
  /** [nGenes × nSamples], gene-major, NaN = missing; valid until release(). */
  values: Float64Array;
  /** Where the block's rows lie in its file (MatrixLines, `genes` of the block's rows); absent for a matrix in memory. */
  lines?: MatrixLines;
  /** Gives the values' memory back to the reader, for a later block. */
  release(): void;
}

/** SampleSheet.idColumn of a sheet in R write.table's layout whose ids are its row names (no header above them). */
export const ROW_NAMES = '(row names)';

/** A sample sheet: one row per sample, covariates in columns, every cell kept as text. */
export interface SampleSheet {
  file: string;
  /** Header of the column holding the sample ids (`sample` if present, else the first column), or ROW_NAMES. */
  idColumn: string;
  /** Sample ids, in sheet order. */
  ids: string[];
  /** Covariate columns by header, in sheet order; each cell as text, or null where missing. */
  columns: Map<string, (string | null)[]>;
  /** 1-based line number in the file of each row, for messages. */
  lines: number[];
}
