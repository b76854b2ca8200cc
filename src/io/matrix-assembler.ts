/**
 * The part of reading an expression matrix that does not depend on how lines are split into fields: the
 * GCT preamble, the header, the row ids, the growing value buffer, and every check on them. Both matrix
 * readers (the byte-level one and the csv-parse one) feed one of these, so they accept the same files and
 * raise the same errors.
 */

import type { InputError } from '../errors.js';
import { isMissing, parseCell } from './cells.js';
import { type LineShape, rowNamesLayout } from './delimited-records.js';
import type { MatrixFormat } from './formats.js';
import * as errors from './input-errors.js';
import type { ExpressionMatrix, GeneBlock, MatrixLines, MatrixShape } from './types.js';

type Stage = 'version' | 'dimensions' | 'header' | 'rows';

const INITIAL_ROWS = 1024;

/**
 * Builds an ExpressionMatrix from the non-blank lines of a file, in file order. Lines before the data (GCT
 * version, GCT dimensions, header) go to `addPreambleLine`; a data line goes either to `addRow` as split
 * fields, or, on the byte path, to `beginRow`, after which the reader writes the line's values into `values`.
 * Given `blockValues`, it holds only the rows since the last `takeBlock` (about blockValues values, in a buffer
 * reused once the block taken before is released), so memory is bounded by the block and not by the matrix.
 */
export class MatrixAssembler {
  /** Field index of the first sample in a line: 1, or 2 in GCT (after Name and Description). */
  readonly firstValueField: number;
  /** Sample ids from the header, in column order. */
  readonly sampleIds: string[] = [];
  private buffer: Float64Array = new Float64Array(0);
  private fields = 0;
  private readonly geneIds: string[] = [];
  private readonly geneLines = new Map<string, number>();
  private stage: Stage;
  private lastLine = 0;
  private headerLine = 0;
  /** The header's first name, that of the gene-id column (or, in R's write.table layout, the first sample's). */
  private idColumnName = '';
  /** In R's write.table layout (firstRowFields), the line of the first data line, which decided it; else 0. */
  private layoutLine = 0;
  private gctDims: [number, number] = [0, 0];
  /** Whole-matrix row of the buffer's first row: the genes before it were taken as blocks. */
  private blockFirst = 0;
  /** Rows a block is taken at, once the header is read (block mode); 0 in whole-matrix mode. */
  private blockGenes = 0;
  /** Buffers of released blocks, for the next blocks. */
  private readonly spare: Float64Array[] = [];

  constructor(
    readonly file: string,
    format: MatrixFormat,
    private readonly blockValues = 0,
  ) {
    this.stage = format === 'gct' ? 'version' : 'header';
    this.firstValueField = format === 'gct' ? 2 : 1;
  }

  /** [capacity × nSamples], gene-major, from the block's first row; the rows after the last gene are unused capacity. */
  get values(): Float64Array {
    return this.buffer;
  }

  /** Fields every data line must have, once the header is read. */
  get fieldsPerLine(): number {
    return this.fields;
  }

  /** True until the header has been read: the next line is preamble, not data. */
  get expectsPreamble(): boolean {
    return this.stage !== 'rows';
  }

  /** Takes the next line before the data: the GCT version line, the GCT dimensions line, or the header. */
  addPreambleLine(fields: string[], line: number): void {
    this.lastLine = line;
    const text = fields.join('\t');
    const emptyFrom = (from: number) => fields.slice(from).every((field) => field === '');
    switch (this.stage) {
      case 'version':
        if (fields[0] !== '#1.2' || !emptyFrom(1)) throw errors.gctVersion(this.file, text);
        this.stage = 'dimensions';
        return;
      case 'dimensions': {
        const counts = fields.slice(0, 2).map((field) => (/^\d+$/.test(field) ? Number(field) : NaN));
        if (counts.length !== 2 || counts.some(Number.isNaN) || !emptyFrom(2)) throw errors.gctDimensions(this.file, text);
        this.gctDims = [counts[0], counts[1]];
        this.stage = 'header';
        return;
      }
      case 'header':
        this.readHeader(fields, line);
        return;
      case 'rows':
        throw new Error('MatrixAssembler.addPreambleLine called after the header');
    }
  }

  /**
   * Takes the first data line's shape, before the line itself, for R's write.table layout (rowNamesLayout; never in
   * GCT): as R's read.table does, the first column is then the row names (the gene ids) and every name of the header a
   * sample's.
   */
  firstRowFields(first: LineShape, line: number): void {
    if (this.geneIds.length === 0 && this.firstValueField === 1 && rowNamesLayout(this.fields, [first])) {
      const id = this.idColumnName;
      if (isMissing(id)) throw errors.missingColumnName(this.file, 'sample id', id, this.headerLine, 1);
      const repeated = this.sampleIds.indexOf(id);
      if (repeated >= 0) throw errors.duplicateColumn(this.file, 'sample id', id, this.headerLine, repeated + 2, 1);
      this.sampleIds.unshift(id);
      this.fields++;
      this.layoutLine = line;
      this.sizeBlocks();
    }
    // A header of one name is a gene-id column without samples, unless the data lines make it the first sample's.
    if (this.sampleIds.length === 0) throw errors.noSampleColumns(this.file, this.headerLine);
  }

  /** Number of data rows so far. */
  get nGenes(): number {
    return this.geneIds.length;
  }

  /**
   * Makes room for `rows` data rows in all, so that a reader that can estimate the size of the matrix
   * spares the copies of growing it. Capacity never written costs address space, not memory.
   */
  reserve(rows: number): void {
    if (this.blockGenes === 0 && rows * this.sampleIds.length > this.buffer.length) this.grow(rows);
  }

  /**
   * Starts the data row of `geneId` on `line` and returns the offset in `values` of its first sample; the
   * reader then writes `values[offset + j]` for sample j. May replace `values` by a larger buffer.
   */
  beginRow(geneId: string, line: number): number {
    this.lastLine = line;
    if (isMissing(geneId)) throw errors.missingRowId(this.file, 'gene', geneId, line, 1);
    const firstLine = this.geneLines.get(geneId);
    if (firstLine !== undefined) throw errors.duplicateRowId(this.file, 'gene', geneId, line, 1, firstLine);
    this.geneLines.set(geneId, line);
    const row = this.geneIds.push(geneId) - 1 - this.blockFirst;
    const nSamples = this.sampleIds.length;
    if ((row + 1) * nSamples > this.buffer.length) this.grow(Math.max(this.blockGenes || INITIAL_ROWS, 2 * row));
    return row * nSamples;
  }

  /** True in block mode once the rows since the last block make one. */
  get blockFull(): boolean {
    return this.blockGenes > 0 && this.geneIds.length - this.blockFirst >= this.blockGenes;
  }

  /**
   * Hands over the rows since the last block (none before the header, or at the end, gives an empty block).
   * Its values stay valid until it is released; the buffer then serves a later block.
   */
  takeBlock(): GeneBlock {
    const first = this.blockFirst;
    const nGenes = this.geneIds.length - first;
    const buffer = this.buffer;
    this.blockFirst = this.geneIds.length;
    this.buffer = this.spare.pop() ?? new Float64Array(0);
    const geneIds = this.geneIds.slice(first, first + nGenes);
    return {
      first, nGenes, geneIds,
      values: buffer.subarray(0, nGenes * this.sampleIds.length),
      lines: this.linesOf(geneIds),
      release: () => {
        if (buffer.length > 0) this.spare.push(buffer);
      },
    };
  }

  /** Takes a data line split into fields: id, (GCT description,) then one cell per sample. */
  addRow(fields: string[], line: number): void {
    if (this.geneIds.length === 0) this.firstRowFields({ fields: fields.length, lastEmpty: fields[fields.length - 1] === '' }, line);
    const offset = this.beginRow(fields[0], line) - this.firstValueField;
    const present = Math.min(fields.length, this.fieldsPerLine);
    for (let field = this.firstValueField; field < present; field++) {
      const value = parseCell(fields[field]);
      if (value === undefined) throw this.invalidCell(fields[field], line, field);
      this.buffer[offset + field] = value;
    }
    if (fields.length !== this.fieldsPerLine) throw this.raggedRow(line, fields.length);
  }

  /** The error for the cell `text` in field `field` (0-based) of the current row on `line`. */
  invalidCell(text: string, line: number, field: number): InputError {
    const gene = this.geneIds[this.geneIds.length - 1];
    const sample = this.sampleIds[field - this.firstValueField];
    return errors.invalidCell(this.file, line, field + 1, text, gene, sample);
  }

  /** The error for a data line on `line` that has `found` fields instead of `fieldsPerLine`. */
  raggedRow(line: number, found: number): InputError {
    return errors.raggedRow(this.file, line, found, this.fieldsPerLine, this.layoutLine);
  }

  /** The matrix read so far, after the checks that need the whole file (empty file, no data, GCT dimensions). */
  finish(): ExpressionMatrix {
    const shape = this.shape();
    // A view, not a copy: the unused capacity was never written, so it holds address space but no memory.
    return { ...shape, values: this.buffer.subarray(0, (shape.nGenes - this.blockFirst) * shape.nSamples) };
  }

  /** The ids and sizes of the matrix read, after the checks of finish (block mode: every block taken). */
  shape(): MatrixShape {
    if (this.lastLine === 0) throw errors.emptyFile(this.file, 'gene');
    if (this.stage === 'dimensions') throw errors.gctDimensions(this.file, '');
    if (this.stage === 'header') throw errors.missingHeader(this.file, this.lastLine);
    const nGenes = this.geneIds.length;
    const nSamples = this.sampleIds.length;
    if (nGenes === 0) throw errors.noDataRows(this.file, this.headerLine, 'gene');
    if (this.firstValueField === 2 && (this.gctDims[0] !== nGenes || this.gctDims[1] !== nSamples)) {
      throw errors.gctMismatch(this.file, this.gctDims, [nGenes, nSamples]);
    }
    return { file: this.file, geneIds: this.geneIds, sampleIds: this.sampleIds, nGenes, nSamples, lines: this.linesOf(this.geneIds) };
  }

  /** MatrixLines of the rows of `geneIds`. */
  private linesOf(geneIds: string[]): MatrixLines {
    return { header: this.headerLine, firstColumn: this.firstValueField + 1, genes: Int32Array.from(geneIds, (id) => this.geneLines.get(id)!) };
  }

  private grow(rows: number): void {
    // Shared memory where the platform has it, so worker threads read the matrix without a copy.
    const bytes = rows * this.sampleIds.length * Float64Array.BYTES_PER_ELEMENT;
    const grown = new Float64Array(typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    grown.set(this.buffer);
    this.buffer = grown;
  }

  private readHeader(fields: string[], line: number): void {
    // GCT's second column is the genes' descriptions; a file without it would lose its first sample to it.
    if (this.firstValueField === 2 && fields[1]?.toLowerCase() !== 'description') throw errors.gctDescription(this.file, fields[1] ?? '', line);
    const firstColumn = new Map<string, number>();
    for (let field = this.firstValueField; field < fields.length; field++) {
      const id = fields[field];
      if (isMissing(id)) throw errors.missingColumnName(this.file, 'sample id', id, line, field + 1);
      const first = firstColumn.get(id);
      if (first !== undefined) throw errors.duplicateColumn(this.file, 'sample id', id, line, field + 1, first);
      firstColumn.set(id, field + 1);
      this.sampleIds.push(id);
    }
    // One name alone may be R write.table's layout of one sample (firstRowFields decides on the first data line).
    if (this.sampleIds.length === 0 && (this.firstValueField !== 1 || fields.length !== 1)) throw errors.noSampleColumns(this.file, line);
    this.idColumnName = fields[0];
    this.fields = fields.length;
    this.sizeBlocks();
    this.headerLine = line;
    this.stage = 'rows';
  }

  /** The rows of a block (block mode) for the header's number of samples. */
  private sizeBlocks(): void {
    if (this.blockValues > 0) this.blockGenes = Math.max(1, Math.floor(this.blockValues / this.sampleIds.length));
  }
}
