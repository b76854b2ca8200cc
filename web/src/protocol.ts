/**
 * Messages between the page and the fit worker (worker.ts). The page asks; the worker answers each request
 * with its id, and streams progress and notices of the run under way.
 */
import type { BackendDescription } from '../../src/backends/backend.js';
import type { GpuRunReport } from '../../src/backends/gpu-batches.js';
import type { FitCliOptions } from '../../src/cli/option-values.js';
import type { FitResult } from '../../src/fit-genes.js';
import type { TableFormat } from '../../src/io/table-format.js';
import type { ResultShape } from '../../src/results/results-table.js';
import type { GeneResults } from '../../src/results/gene-results.js';
import type { Status } from '../../src/results/statuses.js';

/** The run's options as the form holds them: the CLI's option values, as text (see toFitOptions). */
export type FormOptions = Pick<FitCliOptions, 'transform' | 'backend' | 'levels' | 'minMean' | 'minCount' | 'minSamples' |
  'rlrtExact' | 'bootstrap' | 'seed' | 'method' | 'varPart' | 'contrast' | 'anova' | 'ebayes' | 'voom' | 'ddf'>;

/** What the page asks of the worker. */
export type Request =
  /**
   * The expression matrix; held in the worker's memory when its values take at most holdBytes (see HOLD_BYTES).
   * `checked`: its summary from an earlier load of the same file (a reload after a cancel).
   */
  | { type: 'matrix'; file: File; holdBytes: number; checked?: MatrixSummary }
  | { type: 'samples'; file: File }
  /** The kinship's files (fit --kinship); none: the run has no kinship. */
  | { type: 'kinship'; files: File[] }
  /** The precision weights' matrix (fit --weights); null: the run has none. */
  | { type: 'weights'; file: File | null }
  | { type: 'run'; formula: string; options: FormOptions }
  | { type: 'table'; format: TableFormat }
  | { type: 'gene'; gene: number };

/** A loaded matrix, in brief. */
export interface MatrixSummary {
  file: string;
  nGenes: number;
  nSamples: number;
  /** Its samples, in column order. */
  sampleIds: string[];
  /** Non-negative integers with a maximum above 1000: raw counts, which want a transform. */
  looksLikeCounts: boolean;
  /** Left in its file and read again by each run (larger than the page's holdBytes), rather than held in memory. */
  streamed: boolean;
}

/**
 * The most memory the fit worker gives a matrix's values (8 bytes a value: 32 million values, 40,000 genes × 800
 * samples); a larger matrix is streamed from its file, block by block, by each run, so a matrix larger than the tab's
 * memory can be fitted. The page's `?hold-mb=N` sets it (N MiB; 0 streams every matrix).
 */
export const HOLD_BYTES = 256 * 2 ** 20;

/** A loaded kinship, in brief. */
export interface KinshipSummary {
  file: string;
  individuals: number;
}

/** A sample-sheet column as the formula reads it. */
export interface SheetColumn {
  name: string;
  /** The name as it goes into a formula (backticks where R needs them). */
  formulaName: string;
  numeric: boolean;
  /** Levels as a factor, in R's order (the first is the reference); at most MAX_LISTED_LEVELS. */
  levels: string[];
  nLevels: number;
  missing: number;
}

/** A loaded sample sheet, in brief. */
export interface SheetSummary {
  file: string;
  idColumn: string;
  nSamples: number;
  columns: SheetColumn[];
}

/** A finished run: everything the results view shows. */
export interface RunView {
  geneIds: string[];
  coefNames: string[];
  results: GeneResults;
  counts: Record<Status, number>;
  backend: BackendDescription;
  gpu?: GpuRunReport;
  formula: string;
  nObs: number;
  /** Levels of the random term with most levels (0 without one). */
  nGroups: number;
  /** The table's columns besides the coefficients (the fit's own). */
  shape: ResultShape;
  rlrtExact: boolean;
  /** The bootstrap's record, where one ran (fitGenes' own). */
  bootstrap?: FitResult['bootstrap'];
  notices: string[];
  timings: FitResult['timings'];
  /** The kinship of a GREML run (fit --kinship). */
  kinship?: FitResult['kinship'];
  /** The precision weights' file of a weighted run (fit --weights). */
  weights?: string;
  /** voom's trend and the genes' points (fit --voom). */
  voom?: FitResult['voom'];
}

/** One gene's values by group, with its fitted group means (groupMeans). */
export interface GeneView {
  gene: string;
  status: Status;
  /** The model's first fixed-effect factor (firstFixedFactor), which the plot colours the samples by. */
  factor?: { name: string; levels: string[] };
  /**
   * The values the fit used (after the transform), their sample ids, group labels and levels of the factor;
   * groups in level order.
   */
  points: { sample: string; group: string; level?: string; value: number }[];
  groups: { group: string; n: number; observed: number; fitted: number }[];
  /**
   * With two or more random terms: the term whose levels facet the plot (the one with fewest levels) and the
   * term that colours the samples (the next, when it has few enough levels to tell apart); `group` of a point is
   * then its facet level and `level` its colour level, and `groups` holds no fitted means.
   */
  terms?: { facet: { name: string; levels: string[] }; colour?: { name: string; levels: string[] } };
}

/** What a request resolves to. */
export interface Answers {
  matrix: MatrixSummary;
  samples: SheetSummary;
  kinship: KinshipSummary | null;
  weights: MatrixSummary | null;
  run: RunView;
  table: Blob;
  gene: GeneView;
}

/** An error as the page shows it: the CLI's message and suggestion, and where it comes from. */
export interface ErrorView {
  name: string;
  message: string;
  suggestion?: string;
  file?: string;
  line?: number;
  column?: number;
}

/** What the worker says. */
export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: ErrorView }
  | { type: 'progress'; phase: 'reading' | 'fitting'; done: number; total: number }
  | { type: 'notice'; message: string };

/** Levels listed per sheet column. */
export const MAX_LISTED_LEVELS = 200;
