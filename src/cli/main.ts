#!/usr/bin/env node
/** The genelmm command line: the only place where errors become exit codes (0 ok, 1 failed run, 2 bad input). */
import { Command, CommanderError } from 'commander';
import { InputError, UsageError } from '../errors.js';
import { exampleExplanation } from './example.js';
import { runFit } from './fit.js';
import { runInfo } from './info.js';
import { type FitCliOptions, fitOptions } from './options.js';
import { EXAMPLE } from './paths.js';
import { packageVersion } from './summary.js';

let debug = process.argv.includes('--debug');

function fail(error: unknown): never {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  const usage = error instanceof InputError || error instanceof UsageError;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`genelmm: error: ${message}\n`);
  const suggestion = (error as { suggestion?: string }).suggestion;
  if (suggestion) process.stderr.write(`  ${suggestion}\n`);
  if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  else if (!usage) process.stderr.write('  run again with --debug for details\n');
  process.exit(usage ? 2 : 1);
}

const program = new Command('genelmm')
  .description('One linear mixed model per gene, for every gene of an expression matrix, as lme4/lmerTest fit it.')
  .version(packageVersion())
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `genelmm: ${s}` : s) });

const fit = program.command('fit')
  .description('fit y ~ fixed + (1 | group) to every gene by REML and write one row per gene')
  .option('--example', 'run on the bundled example (Bottomly et al. 2011), writing genelmm-example.tsv')
  .exitOverride();
for (const option of fitOptions()) fit.addOption(option);
fit.action(async (o: FitCliOptions, cmd: Command) => {
  debug = Boolean(o.debug);
  if (o.example) {
    o.expr ??= EXAMPLE.expr;
    o.samples ??= EXAMPLE.samples;
    o.formula ??= EXAMPLE.formula;
    if (cmd.getOptionValueSource('transform') === 'default') o.transform = EXAMPLE.transform;
    if (cmd.getOptionValueSource('out') === 'default') o.out = EXAMPLE.out;
  }
  const summary = await runFit(o);
  if (o.example) process.stderr.write(`${exampleExplanation(summary).join('\n')}\n`);
});

program.command('info')
  .description('list the compute backends and adapters on this machine')
  .exitOverride()
  .action(runInfo);

program.parseAsync(process.argv).catch(fail);
