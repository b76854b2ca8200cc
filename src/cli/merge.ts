import { readFile } from 'node:fs/promises';
import { InputError, UsageError } from '../errors.js';
import { checkInputFile, readText } from '../io/file-source.js';
import { checkOutputs } from '../io/output-target.js';
import { writeChunks } from '../io/table-writer.js';
import { mergeShardTables } from '../results/merge-shards.js';
import { type OutputFormat, outputFormat } from './option-values.js';
import { identityDifference, manifestPath, type ShardManifest } from './shards.js';

/** Options of `genelmm merge`. */
export interface MergeCliOptions {
  out?: string;
}

/**
 * `genelmm merge TABLE...`: checks that the tables are every shard of one run (their manifests: the same inputs,
 * formula, options, backend and format, shards 1..N once each, genes contiguous), then writes the table the whole
 * run writes, atomically, or to stdout. Everything is checked before anything is written.
 */
export async function runMerge(tables: string[], o: MergeCliOptions): Promise<void> {
  const out = o.out ?? '-';
  for (const table of tables) await checkInputFile(table);
  const parts = await Promise.all(tables.map(async (file) => ({ file, manifest: await readManifest(file) })));
  const [first] = parts;
  for (const part of parts) {
    const difference = identityDifference(first.manifest.run, part.manifest.run);
    if (difference !== undefined) {
      throw new UsageError(`${part.file} and ${first.file} are shards of different runs: ${difference}`,
        'merge the shards of one genelmm fit run only');
    }
  }
  const { count, total } = { count: first.manifest.shard.count, total: first.manifest.genes.total };
  const byIndex = new Map<number, (typeof parts)[number]>();
  for (const part of parts) {
    if (part.manifest.shard.count !== count || part.manifest.genes.total !== total) {
      throw new UsageError(`${part.file} is shard ${part.manifest.shard.index} of ${part.manifest.shard.count}, ${first.file} one of ${count}`,
        'merge the shards of one split only');
    }
    const twin = byIndex.get(part.manifest.shard.index);
    if (twin !== undefined) throw new UsageError(`${twin.file} and ${part.file} are both shard ${part.manifest.shard.index} of ${count}`, 'give each shard once');
    byIndex.set(part.manifest.shard.index, part);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new UsageError(`shard${missing.length > 1 ? 's' : ''} ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''} of ${count} ` +
      `${missing.length > 1 ? 'are' : 'is'} missing`, 'fit them with --shard I/N and give every table');
  }
  const ordered = Array.from({ length: count }, (_, i) => byIndex.get(i + 1)!);
  let next = 0;
  for (const { file, manifest } of ordered) {
    if (manifest.genes.first !== next) throw new InputError(`its genes start at row ${manifest.genes.first + 1}, not ${next + 1}`, { file: manifestPath(file) });
    next += manifest.genes.count;
  }
  const format = first.manifest.run.format as OutputFormat;
  if (out !== '-' && outputFormat({ out }) !== format) {
    throw new UsageError(`the shards are ${format} tables, and --out "${out}" names another format`, `end --out in .${format} (or .${format}.gz)`);
  }
  await checkOutputs(out === '-' ? [] : [{ option: '--out', path: out }], tables.map((path) => ({ option: 'a table', path })));
  const texts = await Promise.all(ordered.map(async ({ file, manifest }) => ({
    file, text: await readText(file, file.toLowerCase().endsWith('.gz')), rows: manifest.genes.count,
  })));
  await writeChunks(out, mergeShardTables(texts, format));
}

async function readManifest(table: string): Promise<ShardManifest> {
  const path = manifestPath(table);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new InputError(`no manifest ${path} beside it: not a table written by genelmm fit --shard`, { file: table },
      'merge the tables that genelmm fit --shard I/N --out TABLE wrote, with their .shard.json files beside them');
  }
  try {
    const manifest = JSON.parse(text) as ShardManifest;
    if (typeof manifest.run?.formula === 'string' && Number.isInteger(manifest.shard?.index) && Number.isInteger(manifest.genes?.count)) return manifest;
  } catch {
    // reported below
  }
  throw new InputError('not a genelmm shard manifest', { file: path }, 'fit that shard again');
}
