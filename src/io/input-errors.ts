/**
 * The wording of every input error the readers raise, in one place so that the fast reader, the csv-parse
 * reader and the sample-sheet reader say the same thing about the same problem. Lines and columns are
 * 1-based; a column is a field number (the first field of a line is column 1).
 */

import { InputError, type InputLocation } from '../errors.js';
import { isDecimal } from './cells.js';
import type { MatrixLines } from './types.js';

/** What the rows of a file describe: genes in an expression matrix, samples in a sample sheet. */
export type RowKind = 'gene' | 'sample';

const SHOWN_CHARS = 60;

/** Text found in the file, quoted and escaped, cut short when long (a binary file read as text, say). */
const quote = (text: string): string => JSON.stringify(text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text);

/** A file with no line holding anything. */
export function emptyFile(file: string, rows: RowKind): InputError {
  return new InputError('the file is empty', { file }, `expected a header line, then one line per ${rows}`);
}

/** A header with no data line after it. */
export function noDataRows(file: string, headerLine: number, rows: RowKind): InputError {
  return new InputError(
    'the header is not followed by any data line',
    { file, line: headerLine },
    `add one line per ${rows} below the header`,
  );
}

/**
 * A data line whose number of fields differs from the header's; the column is the first missing or extra field.
 * `layoutLine`: where the file was read in R write.table's layout (a header with no name above the ids, so data lines
 * have one field more than it), the first data line, which decided that; 0 otherwise.
 */
export function raggedRow(file: string, line: number, found: number, expected: number, layoutLine = 0): InputError {
  const location = { file, line, column: Math.min(found, expected) + 1 };
  if (layoutLine > 0 && found === expected - 1) {
    return new InputError(
      `line has ${found} fields, one per name of the header, but line ${layoutLine} has ${expected}, so the file was read as ` +
        'R\'s write.table writes it, with no name above the row names',
      location,
      `if line ${layoutLine} has a stray delimiter, remove it; else give this line an id and one field per header name`,
    );
  }
  return new InputError(
    layoutLine > 0
      ? `line has ${found} fields but the lines before it have ${expected} (an id, then one per name of the header, as R's write.table writes them)`
      : `line has ${found} fields but the header has ${expected}`,
    location,
    'every line needs one field per header column: look for a missing or extra delimiter',
  );
}

/** The same row id on two lines. */
export function duplicateRowId(file: string, rows: RowKind, id: string, line: number, column: number, firstLine: number): InputError {
  return new InputError(
    `${rows} id ${quote(id)} on line ${line} repeats line ${firstLine}`,
    { file, line, column },
    `${rows} ids must be unique: remove or rename one of the two lines`,
  );
}

/** A row whose id is empty or a missing-value token. */
export function missingRowId(file: string, rows: RowKind, found: string, line: number, column: number): InputError {
  return new InputError(`missing ${rows} id (found ${quote(found)})`, { file, line, column }, `give every line a ${rows} id`);
}

/** The same name on two header columns (a sample id in a matrix, a column name in a sample sheet). */
export function duplicateColumn(file: string, what: string, name: string, line: number, column: number, firstColumn: number): InputError {
  return new InputError(
    `${what} ${quote(name)} in column ${column} repeats column ${firstColumn}`,
    { file, line, column },
    'header names must be unique: remove or rename one of the two columns',
  );
}

/** A header column whose name is empty or a missing-value token. */
export function missingColumnName(file: string, what: string, found: string, line: number, column: number): InputError {
  return new InputError(
    `missing ${what} in column ${column} (found ${quote(found)})`,
    { file, line, column },
    'give every header column a name',
  );
}

/** A matrix header with a gene-id column but no sample column. */
export function noSampleColumns(file: string, line: number): InputError {
  return new InputError(
    'the header names no sample column',
    { file, line },
    'the first line must hold a name for the gene-id column, then one sample id per column; check the delimiter',
  );
}

/** A matrix cell that is neither a decimal number nor a missing-value token. */
export function invalidCell(file: string, line: number, column: number, text: string, gene: string, sample: string): InputError {
  // A decimal number past a double's range (1e400) parses to ±Infinity: it is a number, just too large for one.
  return new InputError(
    `cell ${quote(text)} is ${isDecimal(text) ? 'beyond the range of a double (about ±1.8e308)' : 'not a number'} (gene ${quote(gene)}, sample ${quote(sample)})`,
    { file, line, column },
    'write decimal numbers such as 12, -0.5 or 1e-3, and NA for missing values',
  );
}

/** A GCT file whose first line is not the version line `#1.2`. */
export function gctVersion(file: string, found: string): InputError {
  return new InputError(
    `a GCT file must start with the line "#1.2", found ${quote(found)}`,
    { file, line: 1, column: 1 },
    'GCT files start with "#1.2" and a line "<genes><TAB><samples>"; name a plain table .tsv instead',
  );
}

/** A file that ends before its header line (a GCT file with only its preamble). */
export function missingHeader(file: string, lastLine: number): InputError {
  return new InputError(
    `the file ends on line ${lastLine}, before its header line`,
    { file, line: lastLine },
    'a GCT file holds "#1.2", the dimensions line, then the header "Name<TAB>Description<TAB>samples..."',
  );
}

/** A GCT second line that is not two counts. */
export function gctDimensions(file: string, found: string): InputError {
  return new InputError(
    `line 2 of a GCT file must hold the numbers of genes and samples, found ${quote(found)}`,
    { file, line: 2, column: 1 },
    'GCT files start with "#1.2" and a line "<genes><TAB><samples>"; name a plain table .tsv instead',
  );
}

/** A GCT header whose second column is not `Description`. */
export function gctDescription(file: string, found: string, line: number): InputError {
  return new InputError(
    `a GCT header names its columns Name, Description, then the samples; its second column is ${quote(found)}`,
    { file, line, column: 2 },
    'add a Description column (it may be empty) after the gene ids, or save the matrix as .tsv',
  );
}

/** A GCT file whose contents disagree with its dimensions line. */
export function gctMismatch(file: string, said: [number, number], found: [number, number]): InputError {
  return new InputError(
    `the dimensions line says ${said[0]} genes × ${said[1]} samples, but the file holds ${found[0]} genes × ${found[1]} samples`,
    { file, line: 2, column: 1 },
    'correct line 2, or check whether the file was cut short',
  );
}

/** A syntax error found by csv-parse (an unclosed quote, for instance). */
export function delimitedSyntax(file: string, line: number | undefined, problem: string): InputError {
  return new InputError(
    `cannot read the file as a delimited table: ${problem}`,
    { file, line },
    'check the quotes: a quoted field ends with a quote, and a quote inside it is written twice ("")',
  );
}

/** Where the cell (row, column) of a matrix read from `file` lies, from the reader's MatrixLines; the file alone without them. */
export function cellLocation(file: string, lines: MatrixLines | undefined, row: number, column: number): InputLocation {
  return lines === undefined ? { file } : { file, line: lines.genes[row], column: lines.firstColumn + column };
}
