/**
 * csv-parse, set up the way every genelmm reader uses it, and its records and errors turned into ours.
 * The options mirror the byte-level matrix reader: `\n` or `\r\n` ends a line, a leading UTF-8 BOM is
 * dropped, blank lines are skipped, rows of any length come through (the readers report ragged rows).
 */

import { CsvError, type Options } from 'csv-parse';
import { delimitedSyntax } from './input-errors.js';

/** One record: its fields, and the 1-based file line where it starts. */
export interface DelimitedRecord {
  fields: string[];
  line: number;
}

/** What csv-parse yields with `info: true`. */
interface CsvEntry {
  record: string[];
  info: { lines: number };
}

/** csv-parse options for a table with this delimiter; quotes are honoured, a stray quote inside a field is kept. */
export function csvParseOptions(delimiter: string): Options {
  return {
    delimiter,
    bom: true,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n'],
  };
}

/**
 * The record of a csv-parse entry, its line moved down by `lineOffset` (the lines before the text csv-parse
 * was given). csv-parse reports the line where a record ends, so newlines inside quoted fields are subtracted.
 */
export function toRecord(entry: unknown, lineOffset: number): DelimitedRecord {
  const { record, info } = entry as CsvEntry;
  let inner = 0;
  for (const field of record) for (let at = field.indexOf('\n'); at >= 0; at = field.indexOf('\n', at + 1)) inner++;
  return { fields: record, line: lineOffset + info.lines - inner };
}

/** The file line where the record of a csv-parse entry ends. */
export function endLine(entry: unknown, lineOffset: number): number {
  return lineOffset + (entry as CsvEntry).info.lines;
}

/**
 * A csv-parse syntax error as an InputError naming the file and line; any other error unchanged. With quotes
 * relaxed and rows of any length allowed, an unclosed quote is the one syntax error csv-parse still raises: csv-parse
 * gives the file's last line for it, so where the reader knows the line the last whole record ended on
 * (`lastRecordEnd`), the error names the line after it, where the record with the open quote starts (blank lines
 * aside).
 */
export function fromCsvError(error: unknown, file: string, lineOffset: number, lastRecordEnd?: number): unknown {
  if (!(error instanceof CsvError)) return error;
  const lines = (error as CsvError & { lines?: number }).lines;
  if (error.code === 'CSV_QUOTE_NOT_CLOSED' && lastRecordEnd !== undefined) {
    return delimitedSyntax(file, lastRecordEnd + 1, 'a quoted field starts on this line (or a later one) and is still open at the end of the file');
  }
  const problem = error.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted field is still open at the end of the file' : `${error.code}: ${error.message}`;
  return delimitedSyntax(file, lines === undefined ? undefined : lineOffset + lines, problem);
}

/** What rowNamesLayout looks at of a data line: its number of fields, and whether its last field is empty. */
export interface LineShape {
  fields: number;
  lastEmpty: boolean;
}

/**
 * True for R write.table's layout, as R's read.table takes it: the header (of `headerFields` fields) one field short of
 * the data lines, as write.table writes no name above the row names. Decided on the first data lines a reader has
 * (`first`: the matrix, read as a stream, gives its first; the sample sheet its first two), each one field longer
 * than the header, the first's last field not empty: a line ending in a stray delimiter (which write.table does not
 * write) is a ragged line, not this layout.
 */
export function rowNamesLayout(headerFields: number, first: readonly LineShape[]): boolean {
  return first.length > 0 && first.every((line) => line.fields === headerFields + 1) && !first[0].lastEmpty;
}
