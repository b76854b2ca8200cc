/**
 * Runs split by genes: `genelmm fit --shard I/N` fits the I-th of N contiguous gene ranges and writes, beside its
 * table, a manifest (`<out>.shard.json`) saying which run and which shard it is; `genelmm merge` checks the
 * manifests of a set of shards and joins their tables into the table the whole run writes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FitOptions, Shard } from '../fit-genes.js';
import { fromFileError } from '../io/file-source.js';
import { kinshipFiles } from '../io/kinship-files.js';
import { voomTransform } from '../model/voom.js';

/** The manifest beside a shard's table. */
export function manifestPath(table: string): string {
  return `${table}.shard.json`;
}

/** What makes two shards parts of one run: the inputs' contents, the formula and every option that changes a result. */
export interface RunIdentity {
  genelmm: string;
  expr: string;
  samples: string;
  /** The kinship's files (`--kinship`), by their SHA-256, in kinshipFiles' order. */
  kinship?: string[];
  /** The precision weights' matrix (`--weights`), by its SHA-256. */
  weights?: string;
  formula: string;
  options: Record<string, unknown>;
  backend: string;
  format: string;
}

/** A shard's manifest (`<out>.shard.json`). */
export interface ShardManifest {
  run: RunIdentity;
  shard: Shard;
  /** The genes of the shard: rows [first, first + count) of the matrix's `total`. */
  genes: { first: number; count: number; total: number };
}

/** The identity of a run: the inputs by their SHA-256, and the options that change results, as given. */
export async function runIdentity(version: string, inputs: { expr: string; samples: string; formula: string; kinship?: string; weights?: string },
  options: FitOptions, backend: string, format: string): Promise<RunIdentity> {
  const { transform, method, varPart, levels, minMean, minCount, minSamples, rlrtExact, bootstrap, seed, voom, ddf } = options;
  return {
    genelmm: version,
    expr: await sha256(inputs.expr),
    samples: await sha256(inputs.samples),
    ...(inputs.kinship !== undefined && { kinship: await Promise.all(kinshipFiles(inputs.kinship).map(sha256)) }),
    ...(inputs.weights !== undefined && { weights: await sha256(inputs.weights) }),
    formula: inputs.formula,
    // The transform the run fits with: --voom's logcpm, whether --transform says so or not.
    options: { transform: voomTransform(options) ?? transform, method, varPart, levels, minMean, minCount, minSamples, rlrtExact, bootstrap, seed, ...(voom && { voom }), ...(ddf && { ddf }) },
    backend,
    format,
  };
}

/** How `other` differs from `first`, in words, or undefined where they are the same run. */
export function identityDifference(first: RunIdentity, other: RunIdentity): string | undefined {
  const describe: Record<keyof RunIdentity, string> = {
    genelmm: 'genelmm version', expr: 'expression matrix (its contents)', samples: 'sample sheet (its contents)', kinship: 'kinship (its contents)',
    weights: 'weights (their contents)',
    formula: 'formula', options: 'options', backend: 'backend', format: 'output format',
  };
  for (const key of Object.keys(describe) as (keyof RunIdentity)[]) {
    const a = JSON.stringify(first[key]);
    const b = JSON.stringify(other[key]);
    if (a !== b) return `the ${describe[key]} differ: ${b} against ${a}`;
  }
  return undefined;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw fromFileError(error, path);
  }
  return hash.digest('hex');
}
