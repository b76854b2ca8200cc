/**
 * The fast expression-matrix reader. It works on the bytes of the file: numeric cells are parsed where
 * they lie, and only gene ids and the header are decoded to strings, so memory grows with the matrix
 * (8 bytes a value) and not with the text. Quotes around a whole gene id or header name, as R writes them,
 * are read here too; any other quoting is handed to the csv-parse reader mid-stream, from its line on.
 */

import { delimiterOf, type MatrixFormat } from './formats.js';
import { parseCell } from './cells.js';
import { MatrixAssembler } from './matrix-assembler.js';
import { feedCsvParse } from './matrix-reader-csv-parse.js';
import type { ExpressionMatrix, GeneBlock, MatrixShape } from './types.js';

/** How to read a matrix: the format (default tsv, or from the file name) and a progress callback. */
export interface MatrixReadOptions {
  format?: MatrixFormat;
  /** Called after each chunk with the bytes read so far (of the file itself, compressed for `.gz`). */
  onProgress?: (bytesRead: number) => void;
}

/** Options of parseMatrix: those of readMatrix, and the expected size of the text if known. */
export interface MatrixParseOptions extends MatrixReadOptions {
  /** About how many bytes the chunks add up to; lets the reader size the value buffer once. */
  textBytes?: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const BOM = [0xef, 0xbb, 0xbf];
/** Ends a last line that has no newline of its own, so that every line the scanner sees ends in one. */
const FINAL_NEWLINE = new Uint8Array([NEWLINE]);
/**
 * Clinger's fast path: a decimal of at most 15 digits is an integer m < 2^53 times 10^k; with |k| ≤ 22 both
 * m and 10^|k| are exact doubles, so the one multiplication or division rounds correctly, to Number(text).
 */
const EXACT_DIGITS = 15;
const EXACT_POWER = 22;
const POW10 = Array.from({ length: EXACT_POWER + 1 }, (_, k) => 10 ** k);
/** Head room on the number of rows estimated from the text size. */
const RESERVE_MARGIN = 1.1;

/**
 * Reads an expression matrix in `format` (default tsv) from the bytes of a file named `name` (for messages).
 * A chunk may be reused by the source once the next one is asked for. In tab- and comma-delimited text,
 * double quotes delimit fields as in R's read.table (GCT has none). Throws InputError for malformed input.
 */
export async function parseMatrix(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  options: MatrixParseOptions = {},
): Promise<ExpressionMatrix> {
  const assembler = new MatrixAssembler(name, options.format ?? 'tsv');
  await scanMatrix(chunks, assembler, options);
  return assembler.finish();
}

/**
 * Reads a matrix as parseMatrix does, but hands its genes to `take` in blocks of about `blockValues` values
 * (whole rows, at least one), in file order, and keeps only the block being read: the reader waits for `take`
 * before reading on, and reuses a block's memory once it is released. Returns the ids and sizes of the whole
 * matrix after its last block. A malformed line throws when it is reached, after the blocks before it.
 */
export async function parseMatrixBlocks(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  options: MatrixParseOptions & { blockValues: number },
  take: (block: GeneBlock, sampleIds: string[]) => Promise<void>,
): Promise<MatrixShape> {
  const assembler = new MatrixAssembler(name, options.format ?? 'tsv', options.blockValues);
  const flush = async (): Promise<void> => {
    if (assembler.blockFull) await take(assembler.takeBlock(), assembler.sampleIds);
  };
  await scanMatrix(chunks, assembler, options, flush);
  const shape = assembler.shape();
  const last = assembler.takeBlock();
  if (last.nGenes > 0) await take(last, assembler.sampleIds);
  return shape;
}

/**
 * Feeds the lines of `chunks` to `assembler`, calling `flush` after each chunk (streaming: it takes a full
 * block). Lines with quoting beyond R's go to csv-parse from their line on.
 */
async function scanMatrix(chunks: AsyncIterable<Uint8Array>, assembler: MatrixAssembler, options: MatrixParseOptions,
  flush: () => Promise<void> = async () => {}): Promise<void> {
  const format = options.format ?? 'tsv';
  const scanner = new LineScanner(assembler, delimiterOf(format).charCodeAt(0), format !== 'gct');
  const source = chunks[Symbol.asyncIterator]();
  let bytesRead = 0;
  const nextChunk = async (): Promise<Uint8Array | undefined> => {
    const next = await source.next();
    if (next.done) return undefined;
    bytesRead += next.value.length;
    options.onProgress?.(bytesRead);
    return next.value;
  };
  try {
    let reserved = false;
    let pending: Uint8Array[] = []; // the start of a line whose newline has not come yet, copied
    for (let chunk = await nextChunk(); ; chunk = await nextChunk()) {
      const blocks: Uint8Array[] = []; // runs of complete lines, in file order
      let tail = new Uint8Array(0);
      if (chunk === undefined) {
        if (pending.length > 0) blocks.push(concat([...pending, FINAL_NEWLINE]));
      } else {
        const last = chunk.lastIndexOf(NEWLINE);
        if (last < 0) {
          pending.push(chunk.slice());
          continue;
        }
        const first = pending.length > 0 ? chunk.indexOf(NEWLINE) + 1 : 0;
        if (first > 0) blocks.push(concat([...pending, chunk.subarray(0, first)]));
        blocks.push(chunk.subarray(first, last + 1));
        tail = chunk.slice(last + 1);
      }
      for (let k = 0; k < blocks.length; k++) {
        for (let from = 0; from >= 0; from = scanner.pausedAt) {
          const handover = scanner.scan(blocks[k], from);
          if (handover >= 0) {
            const rest = restOf([blocks[k].subarray(handover), ...blocks.slice(k + 1), tail], nextChunk);
            await feedCsvParse(rest, assembler, format, scanner.line, flush);
            return;
          }
          await flush();
        }
      }
      if (chunk === undefined) return;
      if (options.textBytes !== undefined && assembler.nGenes > 0 && !reserved) {
        assembler.reserve(Math.ceil((assembler.nGenes * RESERVE_MARGIN * options.textBytes) / bytesRead));
        reserved = true;
      }
      pending = tail.length > 0 ? [tail] : [];
    }
  } finally {
    await source.return?.();
  }
}

/**
 * Splits blocks of complete lines and feeds them to a MatrixAssembler. Cells are parsed where they lie, by
 * the grammar of cells.ts mirrored on bytes: `[+-]?(digits[.digits?] | .digits)([eE][+-]?digits)?`. A token
 * outside it (blanks around a number, a missing-value token, an error) goes to parseCell itself.
 */
class LineScanner {
  /** Lines scanned so far, blank ones included. */
  line = 0;
  /** Where the last scan stopped because the assembler's block was full (streaming), or -1. */
  pausedAt = -1;
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  /** One char per byte; the cell grammar is ASCII, so a token with any other byte fails it either way. */
  private readonly latin1 = new TextDecoder('latin1');
  private readonly delimiterText: string;

  constructor(
    private readonly assembler: MatrixAssembler,
    private readonly delimiter: number,
    private readonly quotesAreSyntax: boolean,
  ) {
    this.delimiterText = String.fromCharCode(delimiter);
  }

  /**
   * Reads the lines of `buf` from `from`; `buf` ends with a newline. Stops early, at pausedAt, when the
   * assembler's block is full. Returns -1, or the offset of the first line with
   * quotes this reader leaves to csv-parse: any but those around a whole gene id or header name, as R's
   * write.csv and write.table put them.
   */
  scan(buf: Uint8Array, from = 0): number {
    const { assembler, delimiter } = this;
    let pos = this.line === 0 && from === 0 && BOM.every((byte, k) => buf[k] === byte) ? BOM.length : from;
    this.pausedAt = -1;
    let quote = -1; // the first quote at or after pos, once looked for
    while (pos < buf.length) {
      const eol = buf.indexOf(NEWLINE, pos);
      const lineEnd = eol > pos && buf[eol - 1] === CR ? eol - 1 : eol;
      const line = this.line + 1;
      if (quote < pos) quote = this.nextQuote(buf, pos);
      if (lineEnd > pos && assembler.expectsPreamble) {
        const fields = this.utf8.decode(buf.subarray(pos, lineEnd)).split(this.delimiterText);
        const names = quote < lineEnd ? unquoteNames(fields) : fields;
        if (names === undefined) return pos;
        assembler.addPreambleLine(names, line);
      } else if (lineEnd > pos && quote < lineEnd) {
        const closing = buf.indexOf(QUOTE, pos + 1);
        if (quote !== pos || closing < 0 || closing >= lineEnd) return pos;
        if (closing + 1 < lineEnd && buf[closing + 1] !== delimiter) return pos;
        quote = this.nextQuote(buf, closing + 1);
        if (quote < lineEnd) return pos;
        this.scanRow(buf, pos + 1, closing, closing + 1, lineEnd, line);
      } else if (lineEnd > pos) {
        let idEnd = pos;
        while (idEnd < lineEnd && buf[idEnd] !== delimiter) idEnd++;
        this.scanRow(buf, pos, idEnd, idEnd, lineEnd, line);
      }
      this.line = line;
      pos = eol + 1;
      if (assembler.blockFull && pos < buf.length) {
        this.pausedAt = pos;
        return -1;
      }
    }
    return -1;
  }

  /**
   * Reads the data line `buf[start, end)` into the assembler: the gene id is `buf[idStart, idEnd)`, the
   * cells follow the delimiter at `p` (if `p < end`). `buf[end]` is CR or LF, which ends every run of
   * digits, so the digit loops need no bounds test.
   */
  private scanRow(buf: Uint8Array, idStart: number, idEnd: number, p: number, end: number, line: number): void {
    const { assembler, delimiter } = this;
    if (assembler.nGenes === 0) assembler.firstRowFields({ fields: 1 + count(buf, delimiter, p, end), lastEmpty: buf[end - 1] === delimiter }, line);
    const offset = assembler.beginRow(this.utf8.decode(buf.subarray(idStart, idEnd)), line) - assembler.firstValueField;
    const values = assembler.values;
    const fieldsPerLine = assembler.fieldsPerLine;
    let field = 1;
    // Fields between the id and the first sample (GCT's Description) are skipped unread.
    for (; field < assembler.firstValueField && p < end; field++) {
      p++;
      while (p < end && buf[p] !== delimiter) p++;
    }
    // Invariant: p is at the delimiter that ends field `field - 1`, or at the end of the line.
    for (; p < end; field++) {
      if (field === fieldsPerLine) throw assembler.raggedRow(line, fieldsPerLine + 1 + count(buf, delimiter, p + 1, end));
      const fieldStart = p + 1;
      let i = fieldStart;
      let c = buf[i];
      const negative = c === MINUS;
      if (negative || c === PLUS) c = buf[++i];
      let mantissa = 0;
      let digits = 0;
      for (let d = c - ZERO; d >>> 0 <= 9; d = buf[++i] - ZERO, digits++) mantissa = mantissa * 10 + d;
      let decimals = 0;
      if (buf[i] === DOT) {
        for (let d = buf[++i] - ZERO; d >>> 0 <= 9; d = buf[++i] - ZERO, decimals++) mantissa = mantissa * 10 + d;
      }
      digits += decimals;
      let exponent = 0;
      let valid = digits > 0;
      c = buf[i];
      if (valid && (c === LOWER_E || c === UPPER_E)) {
        c = buf[++i];
        const exponentNegative = c === MINUS;
        if (exponentNegative || c === PLUS) c = buf[++i];
        const exponentStart = i;
        for (let d = c - ZERO; d >>> 0 <= 9; d = buf[++i] - ZERO) exponent = exponent * 10 + d;
        valid = i > exponentStart;
        if (exponentNegative) exponent = -exponent;
      }
      const scale = exponent - decimals;
      if (!valid || (i !== end && buf[i] !== delimiter)) {
        while (i < end && buf[i] !== delimiter) i++;
        values[offset + field] = this.otherCell(buf, fieldStart, i, line, field);
      } else if (digits <= EXACT_DIGITS && scale >= -EXACT_POWER && scale <= EXACT_POWER) {
        const magnitude = scale < 0 ? mantissa / POW10[-scale] : mantissa * POW10[scale];
        values[offset + field] = negative ? -magnitude : magnitude;
      } else {
        values[offset + field] = this.longDecimal(buf, fieldStart, i, line, field);
      }
      p = i;
    }
    if (field !== fieldsPerLine) throw assembler.raggedRow(line, field);
  }

  /** Offset of the first quote in `buf` from `from` on, or the length of `buf` when none or quotes are plain text. */
  private nextQuote(buf: Uint8Array, from: number): number {
    const at = this.quotesAreSyntax ? buf.indexOf(QUOTE, from) : -1;
    return at < 0 ? buf.length : at;
  }

  /** A token of the byte grammar beyond the fast path (more than 15 digits, large exponent): Number(text). */
  private longDecimal(buf: Uint8Array, start: number, end: number, line: number, field: number): number {
    const text = this.latin1.decode(buf.subarray(start, end));
    const value = Number(text);
    if (Number.isFinite(value)) return value;
    throw this.assembler.invalidCell(text, line, field);
  }

  /** A token outside the byte grammar, read by parseCell: a missing-value token, blanks, or an error. */
  private otherCell(buf: Uint8Array, start: number, end: number, line: number, field: number): number {
    const value = parseCell(this.latin1.decode(buf.subarray(start, end)));
    if (value !== undefined) return value;
    throw this.assembler.invalidCell(this.utf8.decode(buf.subarray(start, end)), line, field);
  }
}

/** Header names with R's quotes removed (`"name"`, no quote inside), or undefined for any other quoting. */
function unquoteNames(fields: string[]): string[] | undefined {
  const names = fields.map((field) => (/^"[^"]*"$/.test(field) ? field.slice(1, -1) : field));
  return names.some((name) => name.includes('"')) ? undefined : names;
}

/** Number of `byte` in `buf[start, end)`. */
function count(buf: Uint8Array, byte: number, start: number, end: number): number {
  let n = 0;
  for (let k = start; k < end; k++) if (buf[k] === byte) n++;
  return n;
}

/** The parts joined into one array (the part itself when there is one). */
function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

/** The `head` chunks, then the chunks `next` returns until it returns undefined. */
async function* restOf(head: Uint8Array[], next: () => Promise<Uint8Array | undefined>): AsyncGenerator<Uint8Array> {
  yield* head;
  for (let chunk = await next(); chunk !== undefined; chunk = await next()) yield chunk;
}
