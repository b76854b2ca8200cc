/**
 * Where an output path really leads, and the checks every output path passes before any work (SPEC §5):
 * a file is replaced atomically through any symlink, a device or FIFO is written to directly, and no output
 * may be an input or another output.
 */

import { constants } from 'node:fs';
import { access, lstat, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/** Where the bytes for an output path go. */
export interface OutputTarget {
  /** The file to write: the path with every symlink followed (a new file's folder resolved too). */
  target: string;
  /** True for a device, a FIFO or a descriptor (`/dev/stdout`): written to in place, never renamed over. */
  direct: boolean;
  /** True when the target exists. */
  exists: boolean;
}

/** A path given on the command line, with the option that named it (for messages). */
export interface NamedPath {
  option: string;
  path: string;
}

const MAX_LINKS = 40;

/**
 * Follows `path`'s symlinks one by one: a link in /proc (where /dev/stdout leads) or anything that is not a
 * regular file is a direct target; a regular or missing file is the resolved path. Throws the file system's
 * error (ENOENT for a missing folder, ENOTDIR) as it comes, with the missing folder as `folder` where known.
 */
export async function resolveOutput(path: string): Promise<OutputTarget> {
  let at = resolve(path);
  for (let hops = 0; hops < MAX_LINKS; hops++) {
    const info = await lstat(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (info === null) {
      const folder = await realpath(dirname(at)).catch((error: NodeJS.ErrnoException) => {
        throw Object.assign(error, { folder: dirname(at) }); // the missing folder, where a symlink led
      });
      return { target: join(folder, basename(at)), direct: false, exists: false };
    }
    if (info.isSymbolicLink()) {
      // A descriptor's link (/dev/stdout, /dev/fd/1: /proc/self/fd/1) may name a pipe, which no path reaches.
      const folder = await realpath(dirname(at));
      if (folder.startsWith('/proc/')) return { target: at, direct: true, exists: true };
      at = resolve(folder, await readlink(at));
      continue;
    }
    if (info.isFile()) return { target: join(await realpath(dirname(at)), basename(at)), direct: false, exists: true };
    return { target: at, direct: !info.isDirectory(), exists: true };
  }
  throw Object.assign(new Error(`too many symbolic links: ${path}`), { code: 'ELOOP' });
}

/**
 * Checks each output before any work: a non-empty name, not a folder, in a folder that exists and can be
 * written (or a device that can be), and none the same file as an input or as another output. Throws a
 * UsageError naming the option(s) and what to do.
 */
export async function checkOutputs(outputs: NamedPath[], inputs: NamedPath[]): Promise<void> {
  const seen: { option: string; key: string }[] = [];
  for (const input of inputs) {
    const key = await identity(input.path);
    if (key !== null) seen.push({ option: input.option, key });
  }
  for (const output of outputs) {
    const target = await checkOutput(output);
    // A descriptor may lead to a regular file (`--out /dev/stdin < input.tsv`, `> file` twice): that file counts.
    const key = (await identity(target.target)) ?? (target.direct ? null : `path:${target.target}`);
    if (key === null) continue; // a device, FIFO or pipe may take several outputs
    const same = seen.find((s) => s.key === key);
    if (same) {
      throw new UsageError(`${output.option} "${output.path}" and ${same.option} are the same file: it would be overwritten`,
        `give ${output.option} another file name`);
    }
    seen.push({ option: output.option, key });
  }
}

async function checkOutput({ option, path }: NamedPath): Promise<OutputTarget> {
  if (path.trim() === '') throw new UsageError(`${option} is empty`, 'give a file name, or - for stdout');
  let target: OutputTarget;
  try {
    target = await resolveOutput(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const folder = (error as { folder?: string }).folder ?? dirname(resolve(path));
      const via = folder === dirname(resolve(path)) ? '' : ' (where its symbolic link leads)';
      throw new UsageError(`${option} "${path}": the folder ${folder}${via} does not exist`, 'create it first, or give another path');
    }
    throw new UsageError(`${option} "${path}" cannot be used (${code ?? String(error)})`, 'give another path');
  }
  if (target.exists && !target.direct && !(await stat(target.target)).isFile()) {
    throw new UsageError(`${option} "${path}" is a folder`, 'give a file name, e.g. a name inside that folder');
  }
  // A file is written beside its target and renamed over it, so the folder must be writable; a device, itself.
  const writable = target.direct ? target.target : dirname(target.target);
  try {
    await access(writable, constants.W_OK);
  } catch (error) {
    throw new UsageError(`${option} "${path}": ${target.direct ? 'cannot write to' : 'cannot write into the folder'} ${writable} ` +
      `(${(error as NodeJS.ErrnoException).code})`, 'check its permissions, or give another path');
  }
  return target;
}

/** A file's device and inode where it exists (so hard links and symlinks match), else null. */
async function identity(path: string): Promise<string | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? `inode:${info.dev}:${info.ino}` : null;
  } catch {
    return null;
  }
}
