#!/usr/bin/env node
/** The genelmm command line: the only place where errors become exit codes (0 ok, 1 failed run, 2 bad input). */
import { Command, CommanderError } from 'commander';
import { errorMessage, InputError, UsageError } from '../errors.js';
import { exampleExplanation } from './example.js';
import { runFit } from './fit.js';
import { runCompare } from './compare.js';
import { runGrm } from './grm.js';
import { runInfo } from './info.js';
import { runMerge } from './merge.js';
import { DEFAULT_PORT, runServe } from './serve.js';
import type { FitCliOptions } from './option-values.js';
import { fitOptions } from './options.js';
import { EXAMPLE } from './paths.js';
import { COMPARE_REFUSES } from './run-plan.js';
import { packageVersion } from './summary.js';

let debug = process.argv.includes('--debug');

/** A closed pipe on stdout (`genelmm fit ... | head`): the reader has what it wanted, so end quietly, as Unix tools do. */
function isBrokenPipe(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EPIPE';
}

/** The commands that take --debug (a stack trace with an error). */
const DEBUG_COMMANDS = ['fit', 'compare', 'grm'];

function fail(error: unknown): never {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  if (isBrokenPipe(error)) process.exit(0);
  const usage = error instanceof InputError || error instanceof UsageError;
  const command = program.args[0] ?? 'genelmm';
  const message = error instanceof Error && error.message !== '' ? error.message : `${command} failed: ${errorMessage(error)}`;
  process.stderr.write(`genelmm: error: ${message}\n`);
  const suggestion = (error as { suggestion?: string }).suggestion;
  if (suggestion) process.stderr.write(`  ${suggestion}\n`);
  if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  else if (!usage && DEBUG_COMMANDS.includes(command)) process.stderr.write('  run again with --debug for details\n');
  process.exit(usage ? 2 : 1);
}

const program = new Command('genelmm')
  .description('One linear mixed model per gene, for every gene of an expression matrix, as lme4/lmerTest fit it.')
  .version(packageVersion())
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `genelmm: ${s}` : s) });

process.stdout.on('error', (error) => (isBrokenPipe(error) ? process.exit(0) : fail(Object.assign(
  new Error(`cannot write to standard output: ${error.message}`),
  { suggestion: 'what goes to standard output (the table with --out -, the summary with --summary -) is incomplete: check the disk or pipe it goes to' },
))));
// A closed stderr (`genelmm fit ... 2>&1 | head -1`) silences the notes and the summary lines, not the run: it
// still writes its output and --summary. Any other error on stderr has nowhere to be reported either.
process.stderr.on('error', () => {});

/**
 * With --example, the bundled data set's inputs (its formula and transform where the user gave none; for fit, its
 * output file too). Its matrix and sheet are not mixed with files of the user's: --expr or --samples is refused.
 */
function applyExample(o: FitCliOptions, cmd: Command): void {
  debug = Boolean(o.debug);
  if (!o.example) return;
  const own = (['expr', 'samples'] as const).filter((name) => o[name] !== undefined);
  if (own.length > 0) {
    // The example's sheet describes the example's samples only: a matrix of one's own with it cannot be meant.
    throw new UsageError(`--example runs on the bundled data set, and --${own.join(' and --')} ${own.length > 1 ? 'give' : 'gives'} files of your own`,
      'leave out --example to fit your own files (--expr, --samples and --formula), or the file options to run the example');
  }
  o.expr = EXAMPLE.expr;
  o.samples = EXAMPLE.samples;
  o.formula ??= EXAMPLE.formula;
  if (cmd.getOptionValueSource('transform') === 'default') o.transform = EXAMPLE.transform;
  if (cmd.name() === 'fit') o.out ??= EXAMPLE.out;
}

const fit = program.command('fit')
  .description('fit y ~ fixed + (1 | a) + ... to every gene by REML or ML and write one row per gene')
  .option('--example', 'run on the bundled example (Bottomly et al. 2011), writing genelmm-example.tsv')
  .exitOverride();
for (const option of fitOptions()) fit.addOption(option);
fit.action(async (o: FitCliOptions, cmd: Command) => {
  applyExample(o, cmd);
  const summary = await runFit(o);
  if (o.example && !o.quiet) process.stderr.write(`${exampleExplanation(summary).join('\n')}\n`);
});

const compare = program.command('compare')
  .description('fit on the GPU and on the f64 CPU path, print the largest difference per column; exit 1 past SPEC §6')
  .option('--example', 'compare on the bundled example')
  .exitOverride();
// compare refuses these (run-plan.ts), so its --help does not offer them.
for (const option of fitOptions()) {
  compare.addOption((COMPARE_REFUSES as readonly string[]).includes(option.attributeName()) ? option.hideHelp() : option);
}
compare.action(async (o: FitCliOptions, cmd: Command) => {
  applyExample(o, cmd);
  const comparison = await runCompare(o);
  if (!comparison.ok) process.exitCode = 1;
});

program.command('merge')
  .description('join the tables of genelmm fit --shard I/N runs into the table the whole run writes (q-values across all genes)')
  .argument('<tables...>', 'every shard\'s table (with its .shard.json beside it), in any order')
  .option('--out <file>', 'where to write the merged table (.gz: gzipped); - for stdout (the default)')
  .exitOverride()
  .action(runMerge);

program.command('grm')
  .description("the genomic relationship matrix of PLINK 1 binary genotypes, as plink2 --make-grm-bin writes it, for fit --kinship")
  .option('--bfile <prefix>', 'PLINK 1 binary genotypes: PREFIX.bed, PREFIX.bim and PREFIX.fam')
  .option('--out <prefix>', 'write PREFIX.grm.bin, PREFIX.grm.N.bin (pair counts) and PREFIX.grm.id')
  .option('--nonfounders', 'allele frequencies from every sample, not the founders only (plink2\'s flag)')
  .option('--quiet', 'no progress bar or summary on stderr')
  .option('--debug', 'show stack traces')
  .exitOverride()
  .action(runGrm);

program.command('info')
  .description('list the compute backends and adapters on this machine')
  .exitOverride()
  .action(runInfo);

program.command('serve')
  .description('serve the web app on 127.0.0.1: fit in your browser, on its GPU; the data never leave it')
  .option('--port <n>', 'port on 127.0.0.1 (0: any free port)', String(DEFAULT_PORT))
  .exitOverride()
  .action(runServe);

program.parseAsync(process.argv).catch(fail);
