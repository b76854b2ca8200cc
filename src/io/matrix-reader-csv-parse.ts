/**
 * The expression-matrix reader built on csv-parse. It handles quoted fields, which the byte-level reader
 * hands over to it, and it is the independent cross-check of that reader: same files, same matrix, same errors.
 */

import { parse } from 'csv-parse';
import { csvParseOptions, endLine, fromCsvError, toRecord } from './delimited-records.js';
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
 * csv-parse may still hold one when the next is asked for, and a source may reuse its buffer. Only the
 * parser's own stream events are used, so the same code runs on Node's streams and on the polyfill of
 * csv-parse's browser build. `flush` is awaited after each chunk (a streaming reader takes a full block there).
 */
export async function feedCsvParse(
  chunks: AsyncIterable<Uint8Array>,
  assembler: MatrixAssembler,
  format: MatrixFormat,
  lineOffset: number,
  flush: () => Promise<void> = async () => {},
): Promise<void> {
  const parser = parse(csvParseOptions(delimiterOf(format)));
  let failed = false;
  let lastRecordEnd = lineOffset;
  const ended = new Promise<void>((resolve, reject) => {
    const fail = (error: unknown): void => {
      failed = true;
      reject(error);
    };
    parser.on('readable', () => {
      try {
        for (let entry = parser.read(); entry !== null && !failed; entry = parser.read()) {
          const { fields, line } = toRecord(entry, lineOffset);
          lastRecordEnd = endLine(entry, lineOffset);
          if (assembler.expectsPreamble) assembler.addPreambleLine(fields, line);
          else assembler.addRow(fields, line);
        }
      } catch (error) {
        fail(error);
      }
    });
    parser.on('error', fail);
    parser.on('end', resolve);
  });
  ended.catch(() => {}); // awaited below; a failure while writing must not go unhandled meanwhile
  try {
    for await (const chunk of chunks) {
      if (failed) break;
      if (!parser.write(chunk.slice())) await Promise.race([new Promise((drained) => parser.once('drain', drained)), ended]);
      if (!failed) await flush();
    }
    if (!failed) parser.end();
    await ended;
  } catch (error) {
    throw fromCsvError(error, assembler.file, lineOffset, lastRecordEnd);
  }
}
