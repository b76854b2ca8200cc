import { Option } from 'commander';
import { BACKEND_NAMES, type BackendChoice } from '../backends/backend.js';
import { UsageError } from '../errors.js';
import type { FitOptions } from '../fit-genes.js';
import { parseTransform } from '../model/transform.js';
import { RLRT_EXACT_DEFAULT_NSIM } from '../rlrt-exact.js';

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
  backend: string;
  format?: string;
  summary?: string;
  threads?: string;
  levels: string[];
  minMean?: string;
  minCount?: string;
  minSamples?: string;
  example?: boolean;
  rlrtExact?: string | boolean;
  bootstrap?: string;
  seed?: string;
  quiet?: boolean;
  debug?: boolean;
}

/** The options shared by `fit` and `compare`, in the order `--help` lists them. */
export function fitOptions(): Option[] {
  return [
    new Option('--expr <file>', 'expression matrix: genes in rows, samples in columns (.tsv .csv .txt .gct, optionally .gz)'),
    new Option('--samples <file>', 'sample sheet: one row per sample, ids in column "sample" or the first column'),
    new Option('--formula <formula>', 'lme4 formula without the response, e.g. "~ treatment + (1 | individual)"'),
    new Option('--out <file>', 'where to write the results; - for stdout').default('-'),
    new Option('--transform <name>', 'none | log2p1 | logcpm (limma-voom log-CPM)').default('none'),
    new Option('--backend <name>', `${BACKEND_NAMES.join(' | ')} (gpujs: gpu.js, on WebGL2 in a browser and on WebGPU in Node)`)
      .default('auto'),
    new Option('--format <format>', 'tsv | csv | json (default: from the --out extension, else tsv)'),
    new Option('--summary <file>', 'also write the run summary as JSON'),
    new Option('--threads <n>', 'CPU threads (default: the available cores)'),
    new Option('--levels <col=a,b,c>', 'level order of a factor; the first is the reference (repeatable)')
      .argParser((value: string, previous: string[] = []) => [...previous, value]).default([]),
    new Option('--min-mean <x>', 'filter genes whose mean raw value is below x'),
    new Option('--min-count <n>', 'filter genes with fewer than --min-samples samples of raw value ≥ n'),
    new Option('--min-samples <k>', 'samples needed by --min-count (default: the smallest group size)'),
    new Option('--rlrt-exact [nsim]', `exact RLRT p-values from nsim null simulations per design (default ${RLRT_EXACT_DEFAULT_NSIM})`),
    new Option('--bootstrap <B>', 'parametric bootstrap: 95% percentile intervals of h2, sigma2_group and sigma2_resid from B ' +
      'simulated REML refits per fitted gene (seeded by --seed), after the fit: on the GPU with --backend webgpu, else on ' +
      'one CPU thread (about 46 µs per refit at 500 samples)'),
    new Option('--seed <n>', 'seed of every simulation (default 1)'),
    new Option('--quiet', 'no progress bar or summary on stderr'),
    new Option('--debug', 'show stack traces'),
  ];
}

function number(name: string, value: string | undefined, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || (integer && (!Number.isInteger(x) || x < 1))) {
    throw new UsageError(`${name} must be ${integer ? 'a positive integer' : 'a number'}, not "${value}"`);
  }
  return x;
}

function levels(values: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw new UsageError(`--levels "${v}" is not of the form column=level1,level2,...`);
    out[v.slice(0, eq)] = v.slice(eq + 1).split(',');
  }
  return out;
}

/** The library options the CLI values stand for; UsageError for a bad value. */
export function toFitOptions(o: FitCliOptions): FitOptions {
  if (!(BACKEND_NAMES as readonly string[]).includes(o.backend)) {
    throw new UsageError(`unknown backend "${o.backend}"`, `use one of ${BACKEND_NAMES.join(', ')}`);
  }
  return {
    transform: parseTransform(o.transform),
    backend: o.backend as BackendChoice,
    threads: number('--threads', o.threads, true),
    levels: levels(o.levels),
    minMean: number('--min-mean', o.minMean),
    minCount: number('--min-count', o.minCount),
    minSamples: number('--min-samples', o.minSamples, true),
    rlrtExact: o.rlrtExact === undefined ? undefined
      : o.rlrtExact === true ? RLRT_EXACT_DEFAULT_NSIM : number('--rlrt-exact', String(o.rlrtExact), true),
    bootstrap: number('--bootstrap', o.bootstrap, true),
    seed: number('--seed', o.seed),
  };
}

/** `--format`, or the format the --out extension names, else tsv. */
export function outputFormat(o: FitCliOptions): OutputFormat {
  if (o.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(o.format)) throw new UsageError(`unknown format "${o.format}"`, `use one of ${FORMATS.join(', ')}`);
    return o.format as OutputFormat;
  }
  const ext = o.out?.toLowerCase().match(/\.(csv|json)$/)?.[1];
  return (ext as OutputFormat | undefined) ?? 'tsv';
}
