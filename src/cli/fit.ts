import fs from 'node:fs';
import { writeTextAtomic } from '../io/atomic-file.js';
import { defaultThreads } from '../backends/cpu-threads.js';
import { fitGeneSource, type FitResult, type Shard } from '../fit-genes.js';
import { readKinship } from '../io/kinship-files.js';
import { fileSource, readMatrix } from '../io/read-files.js';
import { writeChunks } from '../io/table-writer.js';
import type { FitCliOptions } from './option-values.js';
import { createProgress } from './progress.js';
import { resultTextChunks } from './results-text.js';
import { planRun, readCheckedSheet, type RunPlan } from './run-plan.js';
import { manifestPath, runIdentity, type ShardManifest } from './shards.js';
import { packageVersion, peakRssMB, type RunSummary, summaryEbayes, summaryLines } from './summary.js';

/**
 * Reads the inputs (the small sample sheet first, checked against the formula before the matrix) and fits every
 * gene as the matrix is read, block by block, with a progress bar (the bytes read until the fit begins, then the
 * genes) and notices on stderr.
 */
export async function readAndFit(o: FitCliOptions, plan: RunPlan, say: (line: string) => void): Promise<FitResult> {
  const progress = createProgress(!o.quiet);
  const { inputs, options } = plan;
  const samples = await readCheckedSheet(plan);
  const kinship = inputs.kinship === undefined ? undefined : await readKinship(inputs.kinship);
  const weights = inputs.weights === undefined ? undefined : await readMatrix(inputs.weights);
  let fitting = false;
  progress.start('reading', Math.ceil(fs.statSync(inputs.expr).size / 1e6), 'MB'); // planRun saw the file exist
  const source = fileSource(inputs.expr, {
    onProgress: (bytes) => {
      if (!fitting) progress.update(Math.round(bytes / 1e6));
    },
  });
  try {
    return await fitGeneSource(source, samples, plan.formula, {
      ...options,
      kinship,
      weights,
      onProgress: (done, total) => {
        if (!fitting) progress.start('fitting', total, 'genes');
        fitting = true;
        progress.update(done, total);
      },
      onNotice: (message) => say(`note: ${message}`),
    });
  } finally {
    progress.stop();
  }
}

/** The manifest beside shard `shard`'s table `out`, for genelmm merge (see shards.ts). */
async function writeManifest(out: string, plan: RunPlan, fit: FitResult, shard: Shard, format: string): Promise<void> {
  const manifest: ShardManifest = {
    run: await runIdentity(packageVersion(), plan.inputs, plan.options, fit.backend.name, format),
    shard,
    genes: { first: fit.context.firstGene ?? 0, count: fit.geneIds.length, total: fit.wholeGenes },
  };
  await writeTextAtomic(manifestPath(out), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** `genelmm fit`: reads, fits, writes the table atomically, and reports the run. Returns the summary. */
export async function runFit(o: FitCliOptions): Promise<RunSummary> {
  const started = performance.now();
  const say = (line: string): void => {
    if (!o.quiet) process.stderr.write(`${line}\n`);
  };
  const plan = await planRun(o, 'fit', say);
  const { inputs, format } = plan;
  const fit = await readAndFit(o, plan, say);
  const t1 = performance.now();
  await writeChunks(o.out ?? '-', resultTextChunks(fit, format, plan.options.threads ?? defaultThreads()));
  const { shard } = plan.options;
  if (shard !== undefined) await writeManifest(o.out!, plan, fit, shard, format);
  const writeMs = performance.now() - t1;
  const { design } = fit.context;
  const summary: RunSummary = {
    genelmm: packageVersion(),
    date: new Date().toISOString(),
    inputs: { ...inputs, transform: fit.context.transform },
    genes: fit.geneIds.length,
    ...(shard && { shard: { ...shard, first: fit.context.firstGene ?? 0 } }),
    samples: { inMatrix: fit.matrixSamples, used: design.nObs, groups: design.randomTerms[0]?.levels.length ?? 0 },
    model: {
      method: fit.shape.method, terms: design.randomTerms.map((t) => ({ name: t.name, levels: t.levels.length })), varPart: fit.shape.fractions.length > 0,
      ...(fit.kinship !== undefined && { kinship: fit.kinship }),
      ddf: fit.context.ddf ?? 'satterthwaite',
      ...((inputs.weights !== undefined || fit.voom !== undefined) && { weights: inputs.weights ?? 'voom' }),
    },
    coefficients: fit.coefNames,
    backend: fit.backend,
    gpu: fit.gpu,
    rlrtExact: fit.rlrtExact,
    bootstrap: fit.bootstrap,
    ...(fit.voom && { voom: { span: fit.voom.span, genes: fit.voom.genes, trend: fit.voom.trend } }),
    ...(fit.ebayes && { ebayes: summaryEbayes(fit.ebayes) }),
    statuses: fit.counts,
    timings: {
      readMs: fit.timings.readMs, prepareMs: fit.timings.prepareMs, fitMs: fit.timings.fitMs, rlrtExactMs: fit.timings.rlrtExactMs,
      bootstrapMs: fit.timings.bootstrapMs, writeMs, totalMs: performance.now() - started,
    },
    peakRssMB: peakRssMB(),
    notices: fit.notices,
    output: o.out ?? '-',
  };
  summaryLines(summary).forEach(say);
  const json = `${JSON.stringify(summary, null, 2)}\n`;
  if (o.summary === '-') process.stdout.write(json);
  else if (o.summary !== undefined) {
    await writeTextAtomic(o.summary, json).catch((error: unknown) => {
      throw Object.assign(error as Error, { suggestion: `the results table (${o.out === undefined || o.out === '-' ? 'on stdout' : o.out}) was written whole; only the summary was not` });
    });
  }
  return summary;
}
