/** The bytes of an input file, gunzipped on the fly, with read progress and file errors as InputErrors. */

import { createReadStream } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.js';
import { HEAD_BYTES, refuseLoneCarriageReturns } from './line-endings.js';

const CHUNK_BYTES = 1 << 20;

/** An opened input: its text in chunks, and the size of that text when it can be known before reading. */
export interface FileSource {
  /**
   * The (gunzipped) contents in chunks of about 1 MiB. A chunk may be overwritten by the next one:
   * a consumer that keeps bytes across chunks copies them.
   */
  chunks: AsyncIterable<Uint8Array>;
  /** Bytes of text the chunks will add up to: exact for a plain file, gzip's own record for a `.gz`. */
  textBytes: number;
}

/**
 * Opens the file at `path`, gunzipping it when `gzip` is true. `onProgress` receives the number of bytes
 * of the file itself (compressed, for gzip) read so far. Throws InputError when the file cannot be opened.
 * The file is looked at here and closed again; the chunks open it for themselves on their first `next()` and
 * close it when they end, so chunks never iterated (or returned from before they start) hold nothing open.
 */
export async function openFile(path: string, gzip: boolean, onProgress?: (bytesRead: number) => void): Promise<FileSource> {
  try {
    const handle = await open(path, 'r');
    let textBytes: number;
    try {
      const fileBytes = (await handle.stat()).size;
      if (gzip) {
        // gzip's trailer holds the uncompressed size modulo 2^32 (of the last member only, for bgzip files).
        const trailer = new Uint8Array(4);
        await handle.read(trailer, 0, 4, Math.max(0, fileBytes - 4));
        textBytes = new DataView(trailer.buffer).getUint32(0, true);
      } else {
        await refuseUnreadable(handle, fileBytes, path);
        textBytes = fileBytes;
      }
    } finally {
      await handle.close();
    }
    return { chunks: gzip ? gunzippedChunks(path, onProgress) : readChunks(path, onProgress), textBytes };
  } catch (error) {
    throw fromFileError(error, path);
  }
}

/**
 * Refuses, as an InputError naming the file, what would otherwise read as garbled text: gzip data under a name
 * without `.gz`, and lines ended by a carriage return alone (refuseLoneCarriageReturns). Looks at the file's first
 * HEAD_BYTES only (read in place: the file's position is kept).
 */
async function refuseUnreadable(handle: FileHandle, fileBytes: number, path: string): Promise<void> {
  const head = new Uint8Array(Math.min(HEAD_BYTES, fileBytes));
  await handle.read(head, 0, head.length, 0);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    throw new InputError('the file is gzip-compressed, but its name does not end in .gz', { file: path },
      'rename it to end in .gz (genelmm then gunzips it as it reads), or gunzip it');
  }
  refuseLoneCarriageReturns(head, head.length === fileBytes, path);
}

/**
 * The gunzipped chunks of the file at `path`, its first HEAD_BYTES of text looked at as refuseUnreadable looks at a
 * plain file's. Leaving the loop (an error, or the consumer's return()) destroys the streams, which closes the file.
 */
async function* gunzippedChunks(path: string, onProgress?: (bytesRead: number) => void): AsyncGenerator<Uint8Array> {
  const raw = counted(createReadStream(path, { highWaterMark: CHUNK_BYTES }), onProgress);
  // Errors surface through the returned stream; the callback only keeps pipeline from throwing them again.
  const gunzipped = pipeline(raw, createGunzip({ chunkSize: CHUNK_BYTES }), () => {});
  let first = true;
  for await (const chunk of gunzipped) {
    if (first) refuseLoneCarriageReturns(chunk.subarray(0, HEAD_BYTES), false, path);
    first = false;
    yield chunk;
  }
}

/**
 * Checks that `path` names a file that exists, before anything is read from it: throws InputError naming it
 * when it is missing, cannot be reached or is a folder.
 */
export async function checkInputFile(path: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    throw fromFileError(error, path);
  }
  if (isDirectory) throw new InputError('this is a folder, not a file', { file: path }, 'give the path of a file inside it');
}

/** The whole text of the file at `path` (UTF-8), gunzipped when `gzip` is true; for small files such as sample sheets. */
export async function readText(path: string, gzip: boolean): Promise<string> {
  const parts: Uint8Array[] = [];
  try {
    for await (const chunk of (await openFile(path, gzip)).chunks) parts.push(chunk.slice());
  } catch (error) {
    throw fromFileError(error, path);
  }
  return new TextDecoder().decode(Buffer.concat(parts));
}

/** An error from opening, reading or gunzipping `file` as an InputError naming it; any other error unchanged. */
export function fromFileError(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || error instanceof InputError) return error;
  const message = (error as Error).message;
  if (code.startsWith('Z_')) {
    return new InputError(`cannot gunzip the file: ${message}`, { file }, 'check that the file is complete and gzip-compressed, or drop the .gz suffix');
  }
  if (['ENOENT', 'EACCES', 'EISDIR', 'EPERM'].includes(code)) {
    return new InputError(`cannot read the file (${code})`, { file }, 'check the path and the file permissions');
  }
  return error;
}

/** The file at `path` in chunks read into one reused buffer: fresh memory is the slow part of reading a large file. */
async function* readChunks(path: string, onProgress?: (bytesRead: number) => void): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(CHUNK_BYTES);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      total += bytesRead;
      onProgress?.(total);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

async function* counted(source: AsyncIterable<Uint8Array>, onProgress?: (bytesRead: number) => void): AsyncGenerator<Uint8Array> {
  let bytesRead = 0;
  for await (const chunk of source) {
    bytesRead += chunk.length;
    onProgress?.(bytesRead);
    yield chunk;
  }
}
