/**
 * genelmm as a library: read an expression matrix and a sample sheet, fit every gene, build the output table.
 *
 *     const matrix = await readMatrix('counts.tsv.gz');
 *     const samples = await readSampleSheet('samples.tsv');
 *     const fit = await fitGenes(matrix, samples, '~ strain + (1 | batch)', { transform: 'logcpm' });
 *     await writeTable('results.tsv', fitTable(fit), 'tsv');
 */
export { fitGenes, fitGeneSource, fitTable, type FitOptions, type FitResult } from './fit-genes.js';
export { fileSource, readMatrix, readSampleSheet } from './io/read-files.js';
export { memorySource, type GeneSource } from './io/gene-source.js';
export { parseMatrix, parseMatrixBlocks } from './io/matrix-reader.js';
export { parseSampleSheet } from './io/sample-sheet.js';
export { writeTable } from './io/table-writer.js';
export { formatTable, type Table, type Cell } from './io/table-format.js';
export type { ExpressionMatrix, GeneBlock, MatrixShape, SampleSheet } from './io/types.js';
export { InputError, UsageError } from './errors.js';
export { parseFormula, type Formula } from './model/formula.js';
export { parseContrastSpec, type ContrastSpec } from './model/contrasts.js';
export { TRANSFORMS, type Transform } from './model/transform.js';
export { type GeneResults } from './results/gene-results.js';
export { STATUSES, type Status } from './results/statuses.js';
export { resultColumns } from './results/results-table.js';
