/** Writes output tables to a file (atomically) or to stdout. */

import { once } from 'node:events';
import { writeFileAtomic } from './atomic-file.js';
import { formatTableChunks, type Table, type TableFormat } from './table-format.js';

/**
 * Writes `table` in `format` (see formatTableChunks) to `path`, atomically, or to stdout when `path` is `-`.
 * The text is produced and written in chunks, never held whole.
 */
export async function writeTable(path: string, table: Table, format: TableFormat): Promise<void> {
  return writeChunks(path, formatTableChunks(table, format));
}

/** Writes the text `chunks` (strings, or UTF-8 bytes) to `path`, atomically, or to stdout when `path` is `-`. */
export async function writeChunks(path: string, chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>): Promise<void> {
  if (path !== '-') return writeFileAtomic(path, chunks);
  for await (const chunk of chunks) if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
}
