/**
 * The fit worker: reads the user's files, fits every gene and answers the results view, off the page's thread
 * so the page stays responsive. Cancelling a run terminates the worker (the page starts a fresh one).
 */
import { toFitOptions } from '../../src/cli/option-values.js';
import { fitGeneSource, fitTable, type FitResult } from '../../src/fit-genes.js';
import { type GeneSource, memorySource } from '../../src/io/gene-source.js';
import { blockOf, type HeldBlock } from '../../src/io/stream-source.js';
import { formatTableChunks, type TableFormat } from '../../src/io/table-format.js';
import type { ExpressionMatrix, SampleSheet } from '../../src/io/types.js';
import type { Kinship } from '../../src/model/kinship.js';
import { columnLevels, rName } from '../../src/model/design.js';
import { groupMeans } from '../../src/model/group-means.js';
import { voomWeightsOf } from '../../src/backends/cpu-kernel.js';
import { VoomWeigher, voomStride } from '../../src/model/voom.js';
import { WeightsMatrix } from '../../src/io/weights-matrix.js';
import { GenePreparer } from '../../src/model/prepare.js';
import { buildTermsPattern } from '../../src/model/terms/terms-pattern.js';
import { CountsCheck } from '../../src/model/transform.js';
import { STATUSES } from '../../src/results/statuses.js';
import { firstFixedFactor, type FixedFactor } from './fixed-factor.js';
import { type Answers, type ErrorView, type GeneView, MAX_LISTED_LEVELS, type MatrixSummary, type Reply, type Request,
  type RunView, type SheetSummary } from './protocol.js';
import { matrixFileSource, readKinshipFiles, readMatrixFile, readSampleSheetFile } from './read-files.js';

/** The parts of a DedicatedWorkerGlobalScope used here (the page's DOM types do not include it). */
interface WorkerScope {
  postMessage(message: Reply): void;
  onmessage: ((event: MessageEvent<{ id: number; request: Request }>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/**
 * The loaded expression matrix: its summary, where a run reads its genes, and its values where the worker holds them
 * (up to the page's holdBytes of values); a larger one stays in its File and is read again, block by block, by each
 * run and each gene view (gene views keep the last block read).
 */
interface LoadedMatrix {
  summary: MatrixSummary;
  source: GeneSource;
  held: ExpressionMatrix | undefined;
}

let matrix: LoadedMatrix | undefined;
let sheet: SampleSheet | undefined;
let kinship: Kinship | undefined;
let weights: ExpressionMatrix | undefined;
/**
 * The last run's fit, the matrix it fitted and the fixed-effect factor its gene plots colour by, which the
 * downloads and the gene view read (and, for a streamed matrix, the block a gene view read last); gone with a new
 * input.
 */
let last: { fit: FitResult; matrix: LoadedMatrix; factor: FixedFactor | undefined; weights: WeightsMatrix | undefined; block?: HeldBlock } | undefined;
/** The inputs are read one at a time, in the order asked for, so the file asked for last is the one kept. */
let reading: Promise<unknown> = Promise.resolve();

function inOrder<T>(read: () => Promise<T>): Promise<T> {
  const next = reading.then(read);
  reading = next.catch(() => undefined);
  return next;
}

const MIME: Record<TableFormat, string> = { tsv: 'text/tab-separated-values', csv: 'text/csv', json: 'application/json' };

async function answer(request: Request): Promise<Answers[Request['type']]> {
  switch (request.type) {
    case 'matrix':
      return inOrder(async () => {
        matrix = undefined;
        last = undefined;
        matrix = await loadMatrix(request.file, request.holdBytes, request.checked);
        return matrix.summary;
      });
    case 'samples':
      return inOrder(async () => {
        sheet = undefined;
        last = undefined;
        sheet = await readSampleSheetFile(request.file);
        return summarizeSheet(sheet);
      });
    case 'kinship':
      return inOrder(async () => {
        kinship = undefined;
        last = undefined;
        if (request.files.length === 0) return null;
        kinship = await readKinshipFiles(request.files);
        return { file: kinship.source, individuals: kinship.ids.length };
      });
    case 'weights':
      return inOrder(async () => {
        weights = undefined;
        last = undefined;
        if (request.file === null) return null;
        weights = await readMatrixFile(request.file, () => {});
        return { file: weights.file, nGenes: weights.nGenes, nSamples: weights.nSamples, sampleIds: weights.sampleIds, looksLikeCounts: false,
          streamed: false };
      });
    case 'run': {
      const m = matrix;
      const s = sheet;
      if (m === undefined || s === undefined) throw new Error('load an expression matrix and a sample sheet first');
      const options = toFitOptions({ ...request.options, threads: undefined });
      const fit = await fitGeneSource(m.source, s, request.formula, {
        ...options,
        kinship,
        weights,
        onProgress: (done, total) => scope.postMessage({ type: 'progress', phase: 'fitting', done, total }),
        onNotice: (message) => scope.postMessage({ type: 'notice', message }),
      });
      last = { fit, matrix: m, factor: firstFixedFactor(fit.context.design, s, options.levels ?? {}), weights: weightsOf(m) };
      return { ...runView(fit, request.formula), ...(weights !== undefined && { weights: weights.file }) };
    }
    case 'table':
      if (last === undefined) throw new Error('no results: fit the genes first');
      return new Blob([...formatTableChunks(fitTable(last.fit), request.format)], { type: MIME[request.format] });
    case 'gene':
      if (last === undefined) throw new Error('no results: fit the genes first');
      return geneView(last.fit, await rawValues(last, request.gene), last.factor, last.weights, request.gene);
  }
}

function summarizeSheet(s: SampleSheet): SheetSummary {
  return {
    file: s.file,
    idColumn: s.idColumn,
    nSamples: s.ids.length,
    columns: [...s.columns].map(([name, cells]) => {
      const { numeric, levels } = columnLevels(cells);
      return { name, formulaName: rName(name), numeric, levels: levels.slice(0, MAX_LISTED_LEVELS), nLevels: levels.length,
        missing: cells.filter((c) => c === null).length };
    }),
  };
}

function runView(fit: FitResult, formula: string): RunView {
  const { design } = fit.context;
  return {
    geneIds: fit.geneIds,
    coefNames: fit.coefNames,
    results: fit.results,
    counts: fit.counts,
    backend: fit.backend,
    gpu: fit.gpu,
    formula,
    nObs: design.nObs,
    nGroups: design.randomTerms[0]?.levels.length ?? 0,
    shape: fit.shape,
    rlrtExact: fit.rlrtExact !== undefined,
    bootstrap: fit.bootstrap,
    notices: fit.notices,
    timings: fit.timings,
    kinship: fit.kinship,
    voom: fit.voom,
  };
}

/**
 * Gene g's values by group (with each sample's level of the fixed-effect factor, if any) and its fitted group
 * means, prepared again exactly as the fit prepared it.
 */
function geneView(fit: FitResult, raw: Float64Array, factor: FixedFactor | undefined, matched: WeightsMatrix | undefined, g: number): GeneView {
  const { design } = fit.context;
  const r = fit.results;
  const status = STATUSES[r.status[g]];
  const fixed = factor && { name: factor.name, levels: factor.levels };
  if (design.randomTerms.length >= 2) return termsGeneView(fit, raw, g);
  if (design.randomTerms.length === 0) return { gene: fit.geneIds[g], status, factor: fixed, points: [], groups: [] };
  const prepared = new GenePreparer(fit.context).prepare(raw, weightsRow(fit, matched, g, raw));
  if (prepared.status !== 'ready' || (status !== 'ok' && status !== 'singular')) {
    return { gene: fit.geneIds[g], status, factor: fixed, points: [], groups: [] };
  }
  const { pattern, y } = prepared;
  // The weights the fit took: --weights' (prepared), or voom's from the trend pass' ratios.
  const voom = fit.context.voom && new VoomWeigher(fit.context.voom, fit.context.librarySizes!, design.sampleIndex);
  const weights = prepared.weights ?? (voom && voomWeightsOf(fit.context, pattern, y, voom,
    fit.voom!.ratios.subarray(g * voomStride(design), (g + 1) * voomStride(design))));
  const labels: string[] = new Array(pattern.q);
  const points = Array.from(y, (value, i) => {
    const row = pattern.rows[i];
    const group = design.randomTerms[0].levels[design.randomTerms[0].codes[row]];
    labels[pattern.groupOf[i]] = group;
    return { sample: design.sampleIds[row], group, level: factor?.levelOf[row], value };
  });
  const beta = Array.from(pattern.columns, (k) => r.beta[g * r.p + k]);
  const lambda = r.sigma2E[g] > 0 ? r.sigma2G[g] / r.sigma2E[g] : 0;
  const means = groupMeans(pattern, y, beta, lambda, weights);
  const groups = labels.map((group, j) => ({ group, n: pattern.groupSize[j], observed: means.observed[j], fitted: means.fitted[j] }));
  const level = new Map(design.randomTerms[0].levels.map((l, k) => [l, k]));
  groups.sort((a, b) => level.get(a.group)! - level.get(b.group)!);
  return { gene: fit.geneIds[g], status, factor: fixed, points, groups };
}

/** The run's precision weights (fit --weights) matched to the matrix `m`'s samples, for the gene view; undefined without. */
function weightsOf(m: LoadedMatrix): WeightsMatrix | undefined {
  if (weights === undefined) return undefined;
  const matched = new WeightsMatrix(weights);
  matched.matchSamples(m.summary.sampleIds, m.summary.file);
  return matched;
}

/**
 * The expression matrix in `file`, read through once (its errors, sizes and the counts check) and held in memory when
 * its values take at most `holdBytes` (8 bytes a value); a larger one is left in the File, to be streamed by each run.
 * `checked`: the summary of an earlier load of this file (a reload into a fresh worker, after a cancel), which spares
 * a streamed matrix its read.
 */
async function loadMatrix(file: File, holdBytes: number, checked: MatrixSummary | undefined): Promise<LoadedMatrix> {
  // A run's reads show the fit's progress, not the file's: only the load's read reports bytes.
  const streamed = matrixFileSource(file);
  if (checked?.streamed === true) return { summary: checked, source: streamed, held: undefined };
  const total = file.size;
  const source = matrixFileSource(file, (done) => scope.postMessage({ type: 'progress', phase: 'reading', done, total }));
  const counts = new CountsCheck();
  let kept: Float64Array[] | undefined = [];
  let valueBytes = 0;
  const shape = await source.read(async (block) => {
    counts.add(block.values);
    valueBytes += block.values.byteLength;
    if (kept !== undefined && valueBytes <= holdBytes) kept.push(block.values.slice());
    else kept = undefined;
    block.release();
  });
  const summary = { file: shape.file, nGenes: shape.nGenes, nSamples: shape.nSamples, sampleIds: shape.sampleIds,
    looksLikeCounts: counts.looksLikeCounts, streamed: kept === undefined };
  if (kept === undefined) return { summary, source: streamed, held: undefined };
  const values = new Float64Array(shape.nGenes * shape.nSamples);
  kept.reduce((at, part) => (values.set(part, at), at + part.length), 0);
  const held = { ...shape, values };
  return { summary, source: memorySource(held), held };
}

/** Gene g's values as the matrix has them: from the values held, else from its block, read again unless it was the last read. */
async function rawValues(run: NonNullable<typeof last>, g: number): Promise<Float64Array> {
  const { held, source, summary } = run.matrix;
  const n = summary.nSamples;
  if (held !== undefined) return held.values.subarray(g * n, (g + 1) * n);
  if (run.block === undefined || g < run.block.first || g >= run.block.first + run.block.nGenes) run.block = await blockOf(source, g);
  const at = g - run.block.first;
  return run.block.values.subarray(at * n, (at + 1) * n);
}

/** Gene g's row of the run's precision weights, in the matrix's sample order; undefined without. */
function weightsRow(fit: FitResult, matched: WeightsMatrix | undefined, g: number, raw: Float64Array): Float64Array | undefined {
  return matched?.blockWeights({ first: g, nGenes: 1, geneIds: [fit.geneIds[g]], values: raw, release: () => {} }, fit.context.design.sampleIndex);
}

/** Terms the gene view colours by: more levels than this are not told apart by colour. */
const MAX_COLOUR_LEVELS = 9;

/**
 * Gene g's values under a model with two or more random terms, faceted by the term with fewest levels and coloured
 * by the next (see GeneView.terms), prepared again exactly as the fit prepared it.
 */
function termsGeneView(fit: FitResult, raw: Float64Array, g: number): GeneView {
  const { design } = fit.context;
  const status = STATUSES[fit.results.status[g]];
  const [facet, colour] = [...design.randomTerms].sort((a, b) => a.levels.length - b.levels.length);
  const terms = {
    facet: { name: facet.name, levels: facet.levels },
    colour: colour.levels.length <= MAX_COLOUR_LEVELS ? { name: colour.name, levels: colour.levels } : undefined,
  };
  const prepared = new GenePreparer(fit.context, buildTermsPattern).prepare(raw);
  if (prepared.status !== 'ready' || (status !== 'ok' && status !== 'singular')) {
    return { gene: fit.geneIds[g], status, points: [], groups: [], terms };
  }
  const points = Array.from(prepared.y, (value, i) => {
    const row = prepared.pattern.rows[i];
    return { sample: design.sampleIds[row], group: facet.levels[facet.codes[row]], level: terms.colour && colour.levels[colour.codes[row]], value };
  });
  return { gene: fit.geneIds[g], status, points, groups: [], terms };
}

function errorView(error: unknown): ErrorView {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { file, line, column, suggestion } = error as Error & Omit<ErrorView, 'name' | 'message'>;
  return { name: error.name, message: error.message, suggestion, file, line, column };
}

scope.onmessage = ({ data: { id, request } }) => {
  answer(request).then(
    (value) => scope.postMessage({ id, ok: true, value }),
    (error: unknown) => scope.postMessage({ id, ok: false, error: errorView(error) }),
  );
};
