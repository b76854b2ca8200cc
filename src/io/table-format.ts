/**
 * Output tables as text: TSV, CSV (RFC 4180) or JSON, in chunks, with no file system, so that the CLI and
 * a browser produce the same bytes. Numbers are written in shortest round-trip form (`String(x)`).
 */

/** One cell of an output table; null is "not applicable". */
export type Cell = number | string | boolean | null;

/** An output table: named columns and rows of cells (any iterable, so rows can be produced on the fly). */
export interface Table {
  columns: string[];
  rows: Iterable<readonly Cell[]>;
}

/** Output formats of a table. */
export type TableFormat = 'tsv' | 'csv' | 'json';

/** Characters of text to gather before a chunk is handed on. */
const CHUNK_CHARS = 1 << 16;

/**
 * The text of `table` in `format`, in chunks of about 64 K characters. TSV/CSV: a header line, then one
 * line per row, each ended by `\n`; null and NaN are `NA`, ±Infinity `Inf`/`-Inf`, booleans `TRUE`/`FALSE`,
 * and a field holding the delimiter, a quote or a line break is quoted with quotes doubled. In CSV only, a text
 * cell that a spreadsheet would run as a formula (it begins with `=`, `+`, `-`, `@`, a tab or a carriage return)
 * gets a leading `'` (OWASP's advice against CSV injection); numbers are written as they are. JSON: an array of
 * one object per row keyed by column name; null, NaN and ±Infinity are null.
 */
export function formatTableChunks(table: Table, format: TableFormat): Generator<string> {
  return chunked(format === 'json' ? jsonLines(table) : delimitedLines(table, format, true));
}

/**
 * The rows of `table` alone, as formatTableChunks writes them in TSV or CSV (no header line): a part of a table's
 * text that can be made apart from the rest (results-text.ts formats parts of a large table on several threads).
 */
export function formatRowChunks(table: Table, format: 'tsv' | 'csv'): Generator<string> {
  return chunked(delimitedLines(table, format, false));
}

/** `lines` gathered into chunks of about CHUNK_CHARS characters. */
function* chunked(lines: Iterable<string>): Generator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** The whole text of `table` in `format` (see formatTableChunks). */
export function formatTable(table: Table, format: TableFormat): string {
  return [...formatTableChunks(table, format)].join('');
}

/** What a spreadsheet would take for the start of a formula (OWASP, CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

function* delimitedLines(table: Table, format: 'tsv' | 'csv', header: boolean): Generator<string> {
  const csv = format === 'csv';
  const delimiter = csv ? ',' : '\t';
  const special = csv ? /[",\r\n]/ : /["\t\r\n]/;
  const quoted = (text: string) => (special.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const field = (text: string) => quoted(csv && FORMULA_START.test(text) ? `'${text}` : text);
  const cell = (value: Cell) => (typeof value === 'string' ? field(value) : delimitedValue(value));
  if (header) yield `${table.columns.map(field).join(delimiter)}\n`;
  for (const row of rowsOf(table)) yield `${row.map(cell).join(delimiter)}\n`;
}

function* jsonLines(table: Table): Generator<string> {
  const keys = table.columns.map((column) => `${JSON.stringify(column)}:`);
  let separator = '[\n';
  for (const row of rowsOf(table)) {
    yield `${separator}{${row.map((value, k) => keys[k] + jsonValue(value)).join(',')}}`;
    separator = ',\n';
  }
  yield separator === '[\n' ? '[]\n' : '\n]\n';
}

/** A number or boolean cell as the delimited formats write it. */
export function delimitedValue(value: number | boolean | null): string {
  if (value === null || Number.isNaN(value)) return 'NA';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value === Infinity) return 'Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function jsonValue(value: Cell): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  return JSON.stringify(value);
}

function* rowsOf(table: Table): Generator<readonly Cell[]> {
  const width = table.columns.length;
  for (const row of table.rows) {
    if (row.length !== width) throw new Error(`table row has ${row.length} cells for ${width} columns`);
    yield row;
  }
}
