/**
 * The readers of the user's files in the browser: the bytes of a File (gunzipped for `.gz`) go to the same parsers
 * the CLI uses, so the matrix, the sample sheet and every input error are the CLI's. Gunzipping is fflate's streaming
 * Gunzip rather than the browser's DecompressionStream, which stops at the end of a gzip file's first member: files
 * of several members (bgzip's, or gzip files concatenated) are common in genomics, and Node's gunzip, the CLI's,
 * reads them whole.
 */
import { Gunzip } from 'fflate';
import { InputError } from '../../src/errors.js';
import { fileKindOf, sheetKindOf } from '../../src/io/formats.js';
import { kinshipFormatOfNames, parseKinship } from '../../src/io/kinship-parse.js';
import { HEAD_BYTES, refuseLoneCarriageReturns } from '../../src/io/line-endings.js';
import type { GeneSource } from '../../src/io/gene-source.js';
import { streamSource } from '../../src/io/stream-source.js';
import { parseMatrix } from '../../src/io/matrix-reader.js';
import { parseSampleSheet } from '../../src/io/sample-sheet.js';
import type { ExpressionMatrix, SampleSheet } from '../../src/io/types.js';
import type { Kinship } from '../../src/model/kinship.js';

/** The expression matrix in `file`, format from its name; `onProgress` gets the bytes of the file read so far. */
export async function readMatrixFile(file: File, onProgress?: (bytesRead: number) => void): Promise<ExpressionMatrix> {
  const { format, gzip } = fileKindOf(file.name);
  return parseMatrix(fileChunks(file, gzip, onProgress), file.name, { format, textBytes: gzip ? undefined : file.size });
}

/**
 * The expression matrix in `file` as a GeneSource, format from its name: each read streams the file again and
 * parses it block by block, so only a block is in memory (the browser keeps the File itself on disk).
 */
export function matrixFileSource(file: File, onProgress?: (bytesRead: number) => void): GeneSource {
  const { format, gzip } = fileKindOf(file.name);
  return streamSource(file.name, format, async (progress) => ({ chunks: fileChunks(file, gzip, progress), fileBytes: file.size }), { onProgress });
}

/** The sample sheet in `file`, format from its name. */
export async function readSampleSheetFile(file: File): Promise<SampleSheet> {
  const { format, gzip } = sheetKindOf(file.name);
  return parseSampleSheet(await fileText(file, gzip), file.name, format);
}

/** The kinship in `files` (a GCTA or plink2 matrix with its .id file, or one square table; kinshipFormatOfNames). */
export async function readKinshipFiles(files: readonly File[]): Promise<Kinship> {
  const byName = new Map(files.map((file) => [file.name, file]));
  const { format, file, idFile } = kinshipFormatOfNames([...byName.keys()]);
  return parseKinship(format, file, idFile, {
    text: (name, gzip) => fileText(byName.get(name)!, gzip),
    bytes: async (name) => {
      try {
        return await byName.get(name)!.arrayBuffer();
      } catch (error) {
        throw readError(error, name, false);
      }
    },
  });
}

/** The text of `file`, gunzipped when `gzip`. */
async function fileText(file: File, gzip: boolean): Promise<string> {
  if (!gzip) {
    let text: string;
    try {
      text = await file.text();
    } catch (error) {
      throw readError(error, file.name, false);
    }
    const head = new TextEncoder().encode(text.slice(0, HEAD_BYTES));
    refuseLoneCarriageReturns(head, head.length >= file.size, file.name);
    return text;
  }
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of fileChunks(file, true)) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/**
 * The contents of `file` in chunks, gunzipped when `gzip`; progress counts the file's own (compressed) bytes.
 * A read that fails is the stream's failure (the browser's gunzip, a file gone), reported as the CLI reports it.
 */
async function* fileChunks(file: File, gzip: boolean, onProgress?: (bytesRead: number) => void): AsyncGenerator<Uint8Array> {
  let bytesRead = 0;
  const counted = file.stream().pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      bytesRead += chunk.length;
      onProgress?.(bytesRead);
      controller.enqueue(chunk);
    },
  }));
  const reader = (gzip ? counted.pipeThrough(gunzipStream()) : counted).getReader();
  const read = async (): Promise<ReadableStreamReadResult<Uint8Array>> => {
    try {
      return await reader.read();
    } catch (error) {
      throw readError(error, file.name, gzip);
    }
  };
  try {
    for (let next = await read(), first = true; !next.done; next = await read(), first = false) {
      // The CLI's look at the text's start (line-endings.ts): lines ended by a carriage return alone.
      if (first) refuseLoneCarriageReturns(next.value.subarray(0, HEAD_BYTES), !gzip && next.value.length === file.size, file.name);
      yield next.value;
    }
  } finally {
    // On a stream that failed, cancel rejects with the failure read() already reported.
    await reader.cancel().catch(() => {});
  }
}

/** Gunzips a stream of every member of a gzip file, in order (fflate's Gunzip; see the file comment). */
function gunzipStream(): TransformStream<Uint8Array, Uint8Array> {
  let gunzip: Gunzip;
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      gunzip = new Gunzip((data) => controller.enqueue(data));
    },
    transform(chunk) {
      gunzip.push(chunk, false);
    },
    flush() {
      gunzip.push(new Uint8Array(0), true);
    },
  });
}

/** A failed read of `file` as the InputError the CLI gives for a bad .gz or an unreadable file. */
function readError(error: unknown, file: string, gzip: boolean): InputError {
  const why = error instanceof Error ? error.message : String(error);
  return gzip
    ? new InputError(`cannot gunzip the file: ${why}`, { file }, 'check that the file is complete and gzip-compressed, or drop the .gz suffix')
    : new InputError(`cannot read the file: ${why}`, { file }, 'check that the file is still there and readable');
}
