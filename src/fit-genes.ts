/** The entry points of a fit: a matrix in memory (fitGenes) or read block by block (fitGeneSource), and its table. */

import { BlockRun, type WholeMatrix } from './block-run.js';
import type { FitOptions, FitResult } from './fit-options.js';
import { type GeneSource, memorySource } from './io/gene-source.js';
import type { Table } from './io/table-format.js';
import type { ExpressionMatrix, SampleSheet } from './io/types.js';
import { type Formula, parseFormula } from './model/formula.js';
import { refuseSingleTermOptions, refuseWeightsOptions } from './model/prepare.js';
import { addLibrarySizes, CountsCheck, type Transform } from './model/transform.js';
import { resultTable } from './results/results-table.js';

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
  const transform = options.transform ?? 'none';
  const counts = transform === 'none' ? new CountsCheck() : undefined;
  const firstStarted = performance.now();
  const whole = transform === 'logcpm' || options.shard !== undefined ? await firstPass(source, transform, counts) : undefined;
  const timings = { readMs: performance.now() - firstStarted, prepareMs: 0, fitMs: 0, rlrtExactMs: 0, bootstrapMs: 0 };
  let run: BlockRun | undefined;
  const start = async (sampleIds: string[], estimatedGenes: number): Promise<BlockRun> => {
    const t = performance.now();
    const started = await BlockRun.start(parsed, samples, sampleIds, source.file, { ...options, transform }, whole, estimatedGenes, notice, timings);
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
    return await run.finish(shape, notices);
  } finally {
    await working.catch(() => {});
    await run?.dispose();
  }
}

/** Reads `source` once for WholeMatrix. */
async function firstPass(source: GeneSource, transform: Transform, counts: CountsCheck | undefined): Promise<WholeMatrix> {
  let sizes: Float64Array | null = null;
  const shape = await source.read(async (block, sampleIds) => {
    if (transform === 'logcpm') {
      sizes ??= new Float64Array(sampleIds.length);
      addLibrarySizes(sizes, block.values, block.nGenes, sampleIds.length);
    }
    counts?.add(block.values);
    block.release();
  });
  return { nGenes: shape.nGenes, librarySizes: transform === 'logcpm' ? sizes ?? new Float64Array(shape.nSamples) : null };
}

/** The SPEC §5 output table of a fit. */
export function fitTable(fit: FitResult): Table {
  return resultTable(fit.geneIds, fit.coefNames, fit.results, fit.shape);
}
