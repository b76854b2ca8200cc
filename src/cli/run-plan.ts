import { defaultThreads } from '../backends/cpu-threads.js';
import { UsageError } from '../errors.js';
import type { FitOptions } from '../fit-genes.js';
import { checkInputFile } from '../io/file-source.js';
import { checkOutputs, type NamedPath } from '../io/output-target.js';
import { readSampleSheet } from '../io/read-files.js';
import type { SampleSheet } from '../io/types.js';
import { checkContrastNames, contrastOf } from '../model/contrasts.js';
import { buildDesign, checkSheetColumns } from '../model/design.js';
import { type Formula, parseFormula } from '../model/formula.js';
import { kinshipFiles } from '../io/kinship-files.js';
import { voomTransform } from '../model/voom.js';
import { modelChoiceOf } from '../model/prepare.js';
import { refuseKenwardRogerOptions, refuseKinshipOptions, refuseMinSamples, refuseSingleTermOptions, refuseWeightsOptions } from '../model/option-checks.js';
import { type FitCliOptions, type OutputFormat, outputFormat, toFitOptions } from './option-values.js';
import { manifestPath } from './shards.js';

/** Inputs of a run, after `--example` filled in what it provides. */
export interface RunInputs {
  expr: string;
  samples: string;
  formula: string;
  /** `--kinship`, as given (a prefix or a file). */
  kinship?: string;
  /** `--weights`, the precision weights' matrix. */
  weights?: string;
}

/** A run of `fit` or `compare` whose every option value and path was checked. */
export interface RunPlan {
  inputs: RunInputs;
  /** inputs.formula, parsed (its syntax is checked first of all). */
  formula: Formula;
  options: FitOptions;
  format: OutputFormat;
}

/** Options `compare` takes with fit's but has no use for: it writes no results table and no summary. */
export const COMPARE_REFUSES = ['out', 'format', 'summary', 'shard'] as const;

/** The three required inputs, or a UsageError naming the one that is missing. */
export function requireInputs(o: FitCliOptions): RunInputs {
  for (const name of ['expr', 'samples', 'formula'] as const) {
    if (o[name] === undefined) {
      throw new UsageError(`--${name} is required`, 'see genelmm fit --help, or run genelmm fit --example');
    }
  }
  return {
    expr: o.expr!, samples: o.samples!, formula: o.formula!,
    ...(o.kinship !== undefined && { kinship: o.kinship }), ...(o.weights !== undefined && { weights: o.weights }),
  };
}

/**
 * Checks everything a run of `command` can check before reading its inputs: required options, every option
 * value, the formula's syntax, that the input files exist and the output paths can be written (and are no
 * input and no other output). `--threads` above the available cores is lowered to them, with a notice to `say`.
 * Throws UsageError or InputError.
 */
export async function planRun(o: FitCliOptions, command: 'fit' | 'compare', say: (line: string) => void): Promise<RunPlan> {
  if (command === 'compare') {
    const given = COMPARE_REFUSES.find((name) => o[name] !== undefined);
    if (given !== undefined) {
      throw new UsageError(`genelmm compare writes no results table or summary: --${given} is for genelmm fit`,
        'drop it; the comparison is printed on stdout');
    }
    if (o.backend === 'cpu') {
      throw new UsageError('genelmm compare always fits on the CPU: --backend picks the GPU side to compare with it',
        'use --backend webgpu (the default) or --backend gpujs');
    }
  }
  const inputs = requireInputs(o);
  const options = toFitOptions(o);
  const format = outputFormat(o);
  const formula = parseFormula(inputs.formula);
  const K = formula.random.length;
  refuseKinshipOptions(K, { ...options, kinship: o.kinship });
  refuseSingleTermOptions(K, options);
  refuseWeightsOptions({ ...options, kinship: o.kinship, weights: o.weights });
  voomTransform({ ...options, weights: o.weights });
  refuseKenwardRogerOptions({ ...options, kinship: o.kinship });
  if (command === 'compare' && (o.weights !== undefined || o.voom === true)) {
    throw new UsageError('genelmm compare checks the GPU against the CPU, and the GPU fits unweighted models',
      `compare the model without ${o.weights !== undefined ? '--weights' : '--voom'}; weighted models are fitted on the CPU`);
  }
  if (command === 'compare' && options.ddf === 'kenward-roger') {
    throw new UsageError('genelmm compare checks the GPU against the CPU, and Kenward-Roger\'s df are computed on the CPU only',
      'compare without --ddf kenward-roger');
  }
  const engine = modelChoiceOf(K, { ...options, kinship: o.kinship }).engine;
  if (command === 'compare' && K === 0) {
    throw new UsageError('genelmm compare checks the GPU against the CPU, and a model without random terms is least squares, fitted on the CPU',
      'compare a model with a random term');
  }
  if (command === 'compare' && engine !== 'single-term' && options.backend === 'gpujs') {
    throw new UsageError(`genelmm compare checks the GPU against the CPU, and gpu.js has no ${engine === 'kinship' ? 'kinship programs'
      : 'programs for several random terms, ML or variance fractions'}`, 'compare with --backend webgpu, whose programs fit this model');
  }
  const cores = defaultThreads();
  if (options.threads !== undefined && options.threads > cores) {
    say(`note: --threads ${options.threads} is more than the ${cores} core(s) this process may use; using ${cores}`);
    options.threads = cores;
  }
  const named = (option: string, path: string | undefined): NamedPath[] => (path === undefined ? [] : [{ option, path }]);
  const inputPaths = [...named('--expr', inputs.expr), ...named('--samples', inputs.samples),
    ...(inputs.kinship === undefined ? [] : kinshipFiles(inputs.kinship).map((path) => ({ option: '--kinship', path }))),
    ...named('--weights', inputs.weights)];
  for (const input of inputPaths) await checkInputFile(input.path);
  if (options.shard !== undefined && (o.out ?? '-') === '-') {
    throw new UsageError('--shard writes its table and, beside it, the manifest genelmm merge reads: --out must be a file',
      `e.g. --out part-${options.shard.index}.tsv`);
  }
  if (o.summary === '-' && (o.out ?? '-') === '-') {
    throw new UsageError('--summary - and the results table would both go to stdout', 'give --out a file name, or --summary one');
  }
  const file = (path: string | undefined): string | undefined => (path === '-' ? undefined : path);
  const outputs = [...named('--out', file(o.out)), ...named('--summary', file(o.summary)),
    ...named('--shard (the manifest)', options.shard && manifestPath(o.out!))];
  await checkOutputs(outputs, inputPaths);
  return { inputs, formula, options, format };
}

/**
 * Reads the sample sheet, the small input, and checks against it, before any matrix is read, the formula's and
 * `--levels`' columns and the `--contrast`s' coefficients (those of the design of every sample in the sheet; the
 * run's own design, on the matrix's samples, checks them again).
 */
export async function readCheckedSheet({ inputs, formula, options }: RunPlan): Promise<SampleSheet> {
  const samples = await readSampleSheet(inputs.samples);
  checkSheetColumns(formula, samples, options);
  refuseMinSamples(options.minSamples, samples.ids.length, `rows of ${inputs.samples}`);
  if (options.contrasts !== undefined) {
    const { coefNames, aliasedNames } = buildDesign(formula, samples, samples.ids, options);
    checkContrastNames(options.contrasts, coefNames);
    for (const spec of options.contrasts) contrastOf(spec, coefNames, aliasedNames);
  }
  return samples;
}
