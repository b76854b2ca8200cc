/**
 * The values of `genelmm fit`'s options, as text, turned into library options: the CLI and the web app's form
 * (which has the same fields) validate them here, so both give the same defaults and the same messages.
 */
import { BACKEND_NAMES, type BackendChoice } from '../backends/backend.js';
import { UsageError } from '../errors.js';
import type { FitOptions, Shard } from '../fit-genes.js';
import { checkContrastNames, parseContrastSpec } from '../model/contrasts.js';
import { METHODS, type Method } from '../model/terms/criterion.js';
import { type Ddf, DDF_METHODS } from '../model/prepare.js';
import { parseTransform } from '../model/transform.js';
import { RLRT_EXACT_DEFAULT_NSIM } from '../simulation/rlrt-exact.js';
import { philoxKey } from '../stats/philox.js';

/** Output formats of `--format`. */
export const FORMATS = ['tsv', 'csv', 'json'] as const;
export type OutputFormat = (typeof FORMATS)[number];

/** Raw option values of `genelmm fit` (and `compare`) as commander hands them over. */
export interface FitCliOptions {
  expr?: string;
  samples?: string;
  formula?: string;
  out?: string;
  transform: string;
  method?: string;
  varPart?: boolean;
  kinship?: string;
  weights?: string;
  backend: string;
  format?: string;
  summary?: string;
  threads?: string;
  levels: string[];
  contrast?: string[];
  anova?: boolean;
  ebayes?: boolean | string;
  voom?: boolean;
  ddf?: string;
  minMean?: string;
  minCount?: string;
  minSamples?: string;
  example?: boolean;
  rlrtExact?: string | boolean;
  bootstrap?: string;
  seed?: string;
  shard?: string;
  quiet?: boolean;
  debug?: boolean;
}

/** A decimal number as R and the sample sheet write them (no hex, no Infinity). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Most replicates or null draws a run may ask for: beyond them the arrays alone outgrow any machine. */
const MAX_DRAWS = { '--bootstrap': 100_000, '--rlrt-exact': 10_000_000 } as Record<string, number>;

function number(name: string, value: string | undefined, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (!DECIMAL.test(value.trim()) || !Number.isFinite(x) || (integer && (!Number.isInteger(x) || x < 1))) {
    throw new UsageError(`${name} must be ${integer ? 'a positive integer' : 'a number'}, not "${value}"`);
  }
  const most = MAX_DRAWS[name];
  if (most !== undefined && x > most) throw new UsageError(`${name} ${value} is more than genelmm allows (${most})`, `ask for at most ${most}`);
  return x;
}

/** `--seed`: a Philox seed, an integer in [0, 2^53), whether or not a simulation will use it. */
function seed(value: string | undefined): number | undefined {
  const x = number('--seed', value);
  if (x === undefined) return undefined;
  try {
    philoxKey(x);
  } catch {
    throw new UsageError(`--seed must be a whole number from 0 to 2^53 - 1, not "${value}"`);
  }
  return x;
}

function levels(values: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw new UsageError(`--levels "${v}" is not of the form column=level1,level2,...`);
    const column = v.slice(0, eq);
    const list = v.slice(eq + 1).split(',');
    if (list.includes('')) throw new UsageError(`--levels "${v}" has an empty level`, 'separate the levels by single commas');
    if (Object.hasOwn(out, column)) throw new UsageError(`--levels names "${column}" twice`, `give the order of "${column}" once`);
    out[column] = list;
  }
  return out;
}

/** One of `allowed` (`--method`: reml or ml; `--ddf`: satterthwaite or kenward-roger), or a UsageError naming `what`. */
function oneOf<T extends string>(what: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`unknown ${what} "${value}"`, `use one of ${allowed.join(', ')}`);
  return value as T;
}

/** Most shards a run may be split into. */
export const MAX_SHARDS = 100_000;

/** `--shard I/N`: shard I (1-based) of N. */
export function parseShard(value: string | undefined): Shard | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || !(count >= 1 && count <= MAX_SHARDS) || !(index >= 1 && index <= count)) {
    throw new UsageError(`--shard must be I/N with 1 ≤ I ≤ N ≤ ${MAX_SHARDS}, not "${value}"`, 'e.g. --shard 2/8 fits the second of 8 gene ranges');
  }
  return { index, count };
}

/** `--contrast`s split and their names checked (the expressions are checked against the coefficients later), and `--anova`. */
function contrastOptions(o: Pick<FitCliOptions, 'contrast' | 'anova'>): Pick<FitOptions, 'contrasts' | 'anova'> {
  const contrasts = (o.contrast ?? []).map(parseContrastSpec);
  checkContrastNames(contrasts);
  return { ...(contrasts.length > 0 && { contrasts }), ...(o.anova === true && { anova: true }) };
}

/** The library options the CLI values stand for; UsageError for a bad value. */
export function toFitOptions(o: FitCliOptions): FitOptions {
  if (!(BACKEND_NAMES as readonly string[]).includes(o.backend)) {
    throw new UsageError(`unknown backend "${o.backend}"`, `use one of ${BACKEND_NAMES.join(', ')}`);
  }
  if (o.minSamples !== undefined && o.minCount === undefined) {
    throw new UsageError('--min-samples counts the samples with a raw value of at least --min-count, and no --min-count is given',
      'add --min-count N (e.g. --min-count 10 --min-samples 3), or leave out --min-samples');
  }
  return {
    transform: parseTransform(o.transform),
    method: oneOf<Method>('method', o.method ?? 'reml', METHODS),
    varPart: o.varPart === true ? true : undefined,
    backend: o.backend as BackendChoice,
    threads: number('--threads', o.threads, true),
    levels: levels(o.levels),
    ...contrastOptions(o),
    ...(typeof o.ebayes === 'string' ? { ebayes: oneOf('--ebayes mode', o.ebayes, ['robust'] as const) } : o.ebayes === true && { ebayes: true }),
    ...(o.voom === true && { voom: true }),
    ...(o.ddf !== undefined && o.ddf !== 'satterthwaite' && { ddf: oneOf<Ddf>('--ddf', o.ddf, DDF_METHODS) }),
    minMean: number('--min-mean', o.minMean),
    minCount: number('--min-count', o.minCount),
    minSamples: number('--min-samples', o.minSamples, true),
    rlrtExact: o.rlrtExact === undefined ? undefined
      : o.rlrtExact === true ? RLRT_EXACT_DEFAULT_NSIM : number('--rlrt-exact', String(o.rlrtExact), true),
    bootstrap: number('--bootstrap', o.bootstrap, true),
    seed: seed(o.seed),
    shard: parseShard(o.shard),
  };
}

/** `--format`, or the format the --out extension names (before any `.gz`), else tsv. */
export function outputFormat(o: Pick<FitCliOptions, 'format' | 'out'>): OutputFormat {
  if (o.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(o.format)) throw new UsageError(`unknown format "${o.format}"`, `use one of ${FORMATS.join(', ')}`);
    return o.format as OutputFormat;
  }
  const compressed = o.out?.toLowerCase().match(/\.(bz2|xz|zst|lz4|br|zip|7z|z)$/)?.[1];
  if (compressed !== undefined) {
    throw new UsageError(`--out "${o.out}": genelmm compresses with gzip only, not .${compressed}`, 'end the name in .gz, or pipe the output to the compressor');
  }
  const ext = o.out?.toLowerCase().replace(/\.gz$/, '').match(/\.(csv|json)$/)?.[1];
  return (ext as OutputFormat | undefined) ?? 'tsv';
}
