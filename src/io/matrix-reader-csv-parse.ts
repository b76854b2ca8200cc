/**
 * The expression-matrix reader built on csv-parse. It handles quoted fields, which the byte-level reader
 * hands over to it, and it is the independent cross-check of that reader: same files, same matrix, same errors.
 */

import { parse } from 'csv-parse';
import { pipeline, Readable } from 'node:stream';
import { csvParseOptions, fromCsvError, toRecord } from './delimited-records.js';
import { delimiterOf, type MatrixFormat } from './formats.js';
import { MatrixAssembler } from './matrix-assembler.js';
import type { ExpressionMatrix } from './types.js';

/** Reads a whole matrix in `format` (default tsv) from the bytes of a file named `name` (for messages). */
export async function parseMatrixWithCsvParse(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  options: { format?: MatrixFormat } = {},
): Promise<ExpressionMatrix> {
  const format = options.format ?? 'tsv';
  const assembler = new MatrixAssembler(name, format);
  await feedCsvParse(chunks, assembler, format, 0);
  return assembler.finish();
}

/**
 * Parses `chunks` with csv-parse and feeds every record to `assembler`. `lineOffset` is the number of file
 * lines before the first byte of `chunks`, so that line numbers stay those of the file. Chunks are copied:
 * csv-parse may still hold one when the next is asked for, and a source may reuse its buffer.
 */
export async function feedCsvParse(
  chunks: AsyncIterable<Uint8Array>,
  assembler: MatrixAssembler,
  format: MatrixFormat,
  lineOffset: number,
): Promise<void> {
  // Errors of the source come out of the parser; the callback only keeps pipeline from throwing them again.
  const entries = pipeline(Readable.from(copies(chunks)), parse(csvParseOptions(delimiterOf(format))), () => {});
  try {
    for await (const entry of entries) {
      const { fields, line } = toRecord(entry, lineOffset);
      if (assembler.expectsPreamble) assembler.addPreambleLine(fields, line);
      else assembler.addRow(fields, line);
    }
  } catch (error) {
    throw fromCsvError(error, assembler.file, lineOffset);
  }
}

async function* copies(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) yield chunk.slice();
}
