/**
 * The text of a fit's result table, made on several threads where the table is large. The genes are cut into parts
 * in order; this thread formats the first (written as it comes) while worker threads (format-worker.ts) format the
 * others, and each part's text follows the one before it: the same bytes as formatTableChunks(fitTable(fit)).
 */
import { Worker } from 'node:worker_threads';
import { fitTable, type FitResult } from '../fit-genes.js';
import { formatTableChunks, type TableFormat } from '../io/table-format.js';
import { sliceResults } from '../results/gene-results.js';
import { resultTable } from '../results/results-table.js';
import type { FormatPart } from './format-worker.js';

/**
 * Cells a part has at least. A worker thread starts and formats its first rows slowly (its code is new to the JIT):
 * on the 2-core VM, 36,536 genes × 30 columns (1.1 million cells) were written no faster in two parts than in one,
 * 40,000 × 36 took 0.55 s against 0.65 s, and 40,000 × 64 0.93 s against 1.16 s.
 */
export const PART_CELLS = 700_000;

/**
 * The table's text in chunks, on up to `threads` threads (parts of at least `partCells` cells). JSON, whose rows are
 * joined by separators, is made on this thread alone. A worker's failure is thrown when its part is due; workers
 * still running when the text is abandoned (an error, a closed pipe) are stopped.
 */
export async function* resultTextChunks(fit: FitResult, format: TableFormat, threads: number,
  partCells = PART_CELLS): AsyncGenerator<string | Uint8Array> {
  const table = fitTable(fit);
  const nGenes = fit.geneIds.length;
  const parts = Math.max(1, Math.min(threads, Math.floor((nGenes * table.columns.length) / partCells)));
  if (format === 'json' || parts === 1) {
    yield* formatTableChunks(table, format);
    return;
  }
  // This thread's part is half as large again as a worker's, which starts later (measured best on 40,000 genes:
  // 60% of them here and 40% on a worker wrote in 0.52 s, halves in 0.59 s, two thirds here in 0.59 s).
  const bounds = Array.from({ length: parts + 1 }, (_, k) => (k === 0 ? 0 : Math.round((nGenes * (k + 0.5)) / (parts + 0.5))));
  const workers = bounds.slice(1, -1).map((start, k) => formatInWorker({ ...partOf(fit, start, bounds[k + 2]), format }));
  try {
    const first = partOf(fit, 0, bounds[1]);
    yield* formatTableChunks(resultTable(first.geneIds, first.coefNames, first.results, first.shape), format);
    for (const worker of workers) yield* await worker.text;
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

/** Genes [start, end) of the fit, as a worker is sent them. */
function partOf(fit: FitResult, start: number, end: number): Omit<FormatPart, 'format'> {
  return { geneIds: fit.geneIds.slice(start, end), coefNames: fit.coefNames, results: sliceResults(fit.results, start, end), shape: fit.shape };
}

/** A worker formatting one part: its text (UTF-8 chunks) when done, and a way to stop it. */
function formatInWorker(part: FormatPart): { text: Promise<Uint8Array[]>; stop: () => Promise<unknown> } {
  const worker = new Worker(new URL('./format-worker.js', import.meta.url));
  const text = new Promise<Uint8Array[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`a formatting thread exited with code ${code} before its part was done`)));
  });
  text.catch(() => undefined); // awaited in its turn; a failure before then is not unhandled
  worker.postMessage(part);
  return { text, stop: () => worker.terminate() };
}
