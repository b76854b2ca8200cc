/** The entry points of a fit: a matrix in memory (fitGenes) or read block by block (fitGeneSource), and its table. */

import { BlockRun, type PassResult, type RunTimings, type WholeMatrix } from './block-run.js';
import { InputError } from './errors.js';
import { cellLocation } from './io/input-errors.js';
import type { FitOptions, FitResult } from './fit-options.js';
import { type GeneSource, memorySource } from './io/gene-source.js';
import type { Table } from './io/table-format.js';
import type { ExpressionMatrix, GeneBlock, SampleSheet } from './io/types.js';
import { type Formula, parseFormula } from './model/formula.js';
import { refuseKenwardRogerOptions, refuseSingleTermOptions, refuseWeightsOptions } from './model/option-checks.js';
import { addLibrarySizes, CountsCheck, type Transform } from './model/transform.js';
import { resultTable } from './results/results-table.js';
import { isFitted } from './results/gene-results.js';
import { log2 } from './numerics/libm.js';
import { meanLogCount, type VoomTrend, voomStride, voomTransform, voomTrend } from './model/voom.js';

export type { FitOptions, FitResult, Shard } from './fit-options.js';

/**
 * Fits the formula's model to every gene of `matrix` (genes in rows), with covariates from `samples`. Genes that
 * cannot be fitted get a status and a message, never an exception; bad input (unknown columns, samples missing
 * from the sheet, an unsupported formula) throws InputError or UsageError.
 */
export async function fitGenes(matrix: ExpressionMatrix, samples: SampleSheet, formula: string | Formula,
  options: FitOptions = {}): Promise<FitResult> {
  return fitGeneSource(memorySource(matrix, options.blockValues), samples, formula, options);
}

/**
 * fitGenes for a matrix read block by block (a file: read-files.ts' fileSource), with the memory of one block and
 * not of the matrix: each block is fitted (and bootstrapped) while the next is read. logcpm's library sizes and
 * a shard's gene range need the whole matrix first: then a first pass reads it once without fitting. The exact
 * RLRT, the q-values and the counts check follow the last block. The results equal fitGenes' on the whole matrix.
 */
export async function fitGeneSource(source: GeneSource, samples: SampleSheet, formula: string | Formula,
  options: FitOptions = {}): Promise<FitResult> {
  const notices: string[] = [];
  const notice = (message: string): void => {
    notices.push(message);
    options.onNotice?.(message);
  };
  const parsed = typeof formula === 'string' ? parseFormula(formula) : formula;
  refuseSingleTermOptions(parsed.random.length, options);
  refuseWeightsOptions(options);
  refuseKenwardRogerOptions(options);
  const transform = voomTransform(options) ?? options.transform ?? 'none';
  const counts = transform === 'none' ? new CountsCheck() : undefined;
  const firstStarted = performance.now();
  let whole = transform === 'logcpm' || options.shard !== undefined
    ? await firstPass(source, transform, counts, options.voom === true) : undefined;
  const timings = { readMs: performance.now() - firstStarted, prepareMs: 0, fitMs: 0, rlrtExactMs: 0, bootstrapMs: 0 };
  let onProgress = options.onProgress;
  if (options.voom === true && whole !== undefined) {
    // The trend's pass: every gene (a shard's too, as for library sizes) fitted unweighted by REML, then the fit's.
    const report = options.onProgress;
    const trendFit = await fitPass(source, parsed, samples, {
      ...options, transform, voom: undefined, method: 'reml', varPart: false, contrasts: undefined, anova: false, ebayes: false, shard: undefined,
      // In f64 on the CPU, as the fit's pass finds its fitted values from these fits' estimates.
      ddf: undefined, backend: 'cpu',
      onProgress: report && ((done, total) => report(done, 2 * total)),
    }, { ...whole, trendPass: true }, undefined, () => {}, timings);
    whole = { ...whole, voom: trendOf(trendFit, whole.librarySizes!), voomRatios: varianceRatios(trendFit) };
    onProgress = report && ((done, total) => report(trendFit.geneIds.length + done, trendFit.geneIds.length + total));
  }
  const fit = await fitPass(source, parsed, samples, { ...options, transform, onProgress }, whole, counts, notice, timings);
  if (whole?.voom === undefined) return { ...fit, notices };
  const stride = voomStride(fit.context.design);
  const first = fit.context.firstGene ?? 0;
  const ratios = whole.voomRatios!.slice(first * stride, (first + fit.geneIds.length) * stride);
  return { ...fit, notices, voom: { ...voomReport(whole.voom), ratios } };
}

/**
 * One pass of a fit over `source`: each block fitted (and bootstrapped) while the next is read, the exact RLRT and
 * q-values after the last. `counts`: the counts check, where no first pass made it.
 */
async function fitPass(source: GeneSource, parsed: Formula, samples: SampleSheet, options: FitOptions, whole: WholeMatrix | undefined,
  counts: CountsCheck | undefined, notice: (message: string) => void, timings: RunTimings): Promise<PassResult> {
  let run: BlockRun | undefined;
  const start = async (sampleIds: string[], estimatedGenes: number): Promise<BlockRun> => {
    const t = performance.now();
    const started = await BlockRun.start(parsed, samples, sampleIds, source.file, options, whole, estimatedGenes, notice, timings);
    timings.prepareMs += performance.now() - t;
    return started;
  };
  let working: Promise<void> = Promise.resolve();
  try {
    let readFrom = performance.now();
    const shape = await source.read(async (block, sampleIds, shareRead) => {
      timings.readMs += performance.now() - readFrom;
      const estimatedGenes = Math.max(block.first + block.nGenes, Math.round((block.first + block.nGenes) / Math.max(shareRead, 1e-9)));
      run ??= await start(sampleIds, estimatedGenes);
      if (whole === undefined) counts?.add(block.values); // else the first pass saw every value
      const fitting = run;
      await working; // the block before is done; this one is fitted while the next is read
      working = fitting.fit(block, estimatedGenes).finally(() => block.release());
      working.catch(() => {}); // awaited at the next block or after the last; must not go unhandled meanwhile
      readFrom = performance.now();
    });
    timings.readMs += performance.now() - readFrom;
    await working;
    run ??= await start(shape.sampleIds, 0);
    if (counts?.looksLikeCounts) {
      notice('the matrix looks like raw counts (non-negative integers, maximum above 1000) and --transform is none; ' +
        'consider --transform logcpm or log2p1');
    }
    return await run.finish(shape);
  } finally {
    await working.catch(() => {});
    await run?.dispose();
  }
}

/** The voom trend of the trend pass' fits: the fitted genes' mean log2 counts and residual SDs (voom.ts, step 2). */
function trendOf(fit: PassResult, librarySizes: Float64Array): VoomTrend {
  const { design } = fit.context;
  let meanLogLibrary = 0;
  for (const column of design.sampleIndex) meanLogLibrary += log2(librarySizes[column] + 1) / design.nObs;
  const { mean, sigma2E, nGenes } = fit.results;
  const fitted = Array.from({ length: nGenes }, (_, g) => g).filter((g) => isFitted(fit.results, g));
  if (fitted.length < 2) {
    throw new InputError(`--voom: ${fitted.length} gene(s) could be fitted, and voom's trend needs at least 2`);
  }
  return voomTrend(fitted.map((g) => meanLogCount(mean[g], meanLogLibrary)), fitted.map((g) => Math.sqrt(sigma2E[g])));
}

/**
 * [nGenes × voomStride] the trend pass' σ²_k / σ² of each gene (0 without random terms; NaN where it was not fitted),
 * from which the fit's pass finds each gene's fitted values again without refitting it.
 */
function varianceRatios(fit: PassResult): Float64Array {
  const { sigma2G, sigma2E, sigma2Terms, nGenes, nTerms } = fit.results;
  const K = fit.context.design.randomTerms.length;
  const stride = voomStride(fit.context.design);
  const ratios = new Float64Array(nGenes * stride);
  for (let g = 0; g < nGenes; g++) {
    const fitted = isFitted(fit.results, g);
    for (let k = 0; k < stride; k++) {
      const sigma2 = K === 0 ? 0 : K === 1 ? sigma2G[g] : sigma2Terms[g * nTerms + k];
      ratios[g * stride + k] = fitted ? sigma2 / sigma2E[g] : NaN;
    }
  }
  return ratios;
}

/** Points of the trend kept in the run's report at most: a curve to draw, not every gene. */
const REPORTED_TREND_POINTS = 200;

/** The trend as the run reports it (FitResult.voom): the lowess curve, thinned to REPORTED_TREND_POINTS. */
function voomReport(trend: VoomTrend): Omit<NonNullable<FitResult['voom']>, 'ratios'> {
  const { x, y } = trend.curve;
  const step = Math.max(1, Math.ceil(x.length / REPORTED_TREND_POINTS));
  const kept = Array.from({ length: x.length }, (_, i) => i).filter((i) => i % step === 0 || i === x.length - 1);
  return { span: trend.span, genes: trend.genes, trend: { x: kept.map((i) => x[i]), y: kept.map((i) => y[i]) }, points: trend.points };
}

/**
 * Reads `source` once for WholeMatrix; under logcpm (`voom`: for --voom), a negative value is an InputError naming
 * its cell.
 */
async function firstPass(source: GeneSource, transform: Transform, counts: CountsCheck | undefined, voom: boolean): Promise<WholeMatrix> {
  let sizes: Float64Array | null = null;
  const shape = await source.read(async (block, sampleIds) => {
    if (transform === 'logcpm') {
      refuseNegative(block, sampleIds, source.file, voom);
      sizes ??= new Float64Array(sampleIds.length);
      addLibrarySizes(sizes, block.values, block.nGenes, sampleIds.length);
    }
    counts?.add(block.values);
    block.release();
  });
  return { nGenes: shape.nGenes, librarySizes: transform === 'logcpm' ? sizes ?? new Float64Array(shape.nSamples) : null };
}

/**
 * logcpm (and --voom, which takes it) works on counts: the block's first negative value is an InputError naming its
 * cell. A negative count would enter its sample's library size and so every gene's log-CPM there; limma's voom
 * refuses negative counts too ("Negative counts not allowed").
 */
function refuseNegative(block: GeneBlock, sampleIds: string[], file: string, voom: boolean): void {
  const at = block.values.findIndex((v) => v < 0);
  if (at < 0) return;
  const [g, s] = [Math.floor(at / sampleIds.length), at % sampleIds.length];
  const what = voom ? '--voom models counts' : '--transform logcpm takes counts (a sample\'s library size sums its column)';
  throw new InputError(`${what}, and gene "${block.geneIds[g]}" has ${block.values[at]} in sample "${sampleIds[s]}"`,
    cellLocation(file, block.lines, g, s),
    voom ? 'give voom the raw (or estimated) counts, not log-scale or normalized values'
      : 'give the raw (or estimated) counts, or --transform none for values that are already on a log scale');
}

/** The SPEC §5 output table of a fit. */
export function fitTable(fit: FitResult): Table {
  return resultTable(fit.geneIds, fit.coefNames, fit.results, fit.shape);
}
