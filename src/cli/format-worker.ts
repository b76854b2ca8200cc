/**
 * A worker thread that formats one part of a result table (results-text.ts): the rows of its genes, as UTF-8 chunks
 * of about 64 K characters (no string longer than one chunk, whatever the part's size).
 */
import { parentPort } from 'node:worker_threads';
import { formatRowChunks } from '../io/table-format.js';
import type { GeneResults } from '../results/gene-results.js';
import { type ResultShape, resultTable } from '../results/results-table.js';

/** What the worker is sent: its genes' ids and results, and the table's coefficients, shape and format. */
export interface FormatPart {
  geneIds: string[];
  coefNames: string[];
  results: GeneResults;
  shape: Partial<ResultShape>;
  format: 'tsv' | 'csv';
}

parentPort?.once('message', (part: FormatPart) => {
  const table = resultTable(part.geneIds, part.coefNames, part.results, part.shape);
  const encoder = new TextEncoder();
  const chunks = Array.from(formatRowChunks(table, part.format), (chunk) => encoder.encode(chunk));
  parentPort!.postMessage(chunks, chunks.map((chunk) => chunk.buffer));
});
