/**
 * The readers of input files by path, in Node: the bytes come from the file system (gunzipped on the fly) and
 * go to the platform-free parsers, which the web app feeds from the user's File objects instead.
 */

import { checkInputFile, fromFileError, openFile, readText } from './file-source.js';
import { fileKindOf, sheetKindOf, type SheetFormat } from './formats.js';
import { type MatrixReadOptions, parseMatrix } from './matrix-reader.js';
import { parseSampleSheet } from './sample-sheet.js';
import { stat } from 'node:fs/promises';
import type { GeneSource } from './gene-source.js';
import { streamSource } from './stream-source.js';
import type { ExpressionMatrix, SampleSheet } from './types.js';

/**
 * Reads the expression matrix at `path`: format from the extension (`.tsv` `.txt` `.tab` `.csv` `.gct`,
 * each optionally `.gz`, gunzipped on the fly) unless `options.format` is given. After a name that
 * tells no format (UsageError), a missing file or a folder is an InputError naming it.
 */
export async function readMatrix(path: string, options: MatrixReadOptions = {}): Promise<ExpressionMatrix> {
  const kind = fileKindOf(path, options.format);
  await checkInputFile(path);
  const { chunks, textBytes } = await openFile(path, kind.gzip, options.onProgress);
  try {
    return await parseMatrix(chunks, path, { format: kind.format, textBytes });
  } catch (error) {
    throw fromFileError(error, path);
  }
}

/**
 * The expression matrix at `path` as a GeneSource: each read opens the file again (formats as readMatrix) and
 * parses it in blocks of about `blockValues` values (parseMatrixBlocks), one block in memory at a time.
 * `onProgress` receives the bytes of the file read so far in each read.
 */
export function fileSource(path: string, options: MatrixReadOptions & { blockValues?: number } = {}): GeneSource {
  const kind = fileKindOf(path, options.format);
  const stream = streamSource(path, kind.format, async (onProgress) => {
    await checkInputFile(path);
    const fileBytes = (await stat(path)).size;
    return { chunks: (await openFile(path, kind.gzip, onProgress)).chunks, fileBytes };
  }, options);
  return {
    file: path,
    async read(take) {
      try {
        return await stream.read(take);
      } catch (error) {
        throw fromFileError(error, path);
      }
    },
  };
}

/**
 * Reads the sample sheet at `path`: tab-delimited for `.tsv`, `.txt`, `.tab`, comma-delimited for `.csv`,
 * each optionally `.gz`, unless `options.format` is given. Throws InputError for malformed sheets.
 */
export async function readSampleSheet(path: string, options: { format?: SheetFormat } = {}): Promise<SampleSheet> {
  const { format, gzip } = sheetKindOf(path, options.format);
  await checkInputFile(path);
  return parseSampleSheet(await readText(path, gzip), path, format);
}
