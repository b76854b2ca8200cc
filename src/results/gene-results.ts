import { moderatedTests } from '../stats/moderated-t.js';
import { bhAdjust } from '../stats/qvalues.js';
import type { RobustVariancePrior } from '../stats/robust-prior.js';
import type { VariancePrior } from '../stats/squeeze-var.js';
import { STATUSES, type Status } from './statuses.js';

/**
 * Columnar per-gene results, shared by every backend, the table writer and the web app. One entry per input
 * gene, in input order, whatever happened to it (SPEC §5).
 */

/**
 * Columnar results of nGenes genes with p coefficients; matrices are [nGenes × p], gene-major. NaN = NA.
 * A model with one random term fills the single-term fields (sigma2G, nGroups, h2…, lrt…); one with two or more
 * fills the per-term matrices [nGenes × nTerms] instead; a fixed-effects model fills neither.
 */
export interface GeneResults {
  nGenes: number;
  p: number;
  /** Random terms of the per-term matrices: the model's number of terms when two or more, else 0. */
  nTerms: number;
  /** Variance fractions per gene (`--var-part`), 0 without them. */
  nFractions: number;
  /** `--contrast`s and `--anova` terms per gene, 0 without them. */
  nContrasts: number;
  nAnova: number;
  /** `--ebayes`: the moderated columns, p + nContrasts (coefficients, then contrasts), 0 without it. */
  nModerated: number;
  /**
   * `--ebayes`: whether the moderated df are capped at the pooled residual df (limma's eBayes, for a fixed-effects
   * model; dream's are not), and the prior of the genes' variances once finishResults has estimated it.
   */
  ebayes?: { capAtPooled: boolean; robust: boolean; prior?: VariancePrior };
  /** [nGenes] index into STATUSES. */
  status: Uint8Array;
  n: Int32Array;
  nGroups: Int32Array;
  mean: Float64Array;
  sigma2G: Float64Array;
  sigma2E: Float64Array;
  /** dream's residual df of the fit, n − 2 tr(H) + tr(H²) (residual-df.ts; n − p without random terms). */
  rdf: Float64Array;
  /** `--ebayes robust`: the gene's own prior df (limma's df.prior per gene, set by finishResults); NA otherwise. */
  dfPrior: Float64Array;
  h2: Float64Array;
  h2Se: Float64Array;
  h2Lo: Float64Array;
  h2Hi: Float64Array;
  remlLogLik: Float64Array;
  lrt: Float64Array;
  pLrt: Float64Array;
  /** BH q-values of pLrt across the genes that have one; set once every block is in (finishResults). */
  qLrt: Float64Array;
  /** Exact RLRT p-values and their BH q-values, with `--rlrt-exact` only (see rlrt-exact.ts); else NaN. */
  pRlrtExact: Float64Array;
  qRlrtExact: Float64Array;
  /**
   * 95% parametric-bootstrap percentile intervals of h2, σ²_g and σ²_e, with `--bootstrap` only (see
   * bootstrap.ts); else NaN.
   */
  h2BootLo: Float64Array;
  h2BootHi: Float64Array;
  sigma2GBootLo: Float64Array;
  sigma2GBootHi: Float64Array;
  sigma2EBootLo: Float64Array;
  sigma2EBootHi: Float64Array;
  beta: Float64Array;
  se: Float64Array;
  df: Float64Array;
  t: Float64Array;
  pValue: Float64Array;
  /** [nGenes × p] BH q-values of each coefficient's p-values; set by finishResults. */
  qValue: Float64Array;
  /** [nGenes × nTerms] levels with data, σ̂²_k, and each term's LRT, its p-value and its BH q-value (finishResults). */
  nLevels: Int32Array;
  sigma2Terms: Float64Array;
  lrtTerms: Float64Array;
  pLrtTerms: Float64Array;
  qLrtTerms: Float64Array;
  /** [nGenes × nFractions] variance fractions and their delta-method SEs (see ResultShape.fractions). */
  vp: Float64Array;
  vpSe: Float64Array;
  /** [nGenes × nContrasts] each contrast's estimate L'β̂, SE, df, t, p and BH q-value (finishResults). */
  contrastEstimate: Float64Array;
  contrastSe: Float64Array;
  contrastDf: Float64Array;
  contrastT: Float64Array;
  contrastP: Float64Array;
  contrastQ: Float64Array;
  /** [nGenes × nAnova] each term's F, numerator and denominator df, p and BH q-value (finishResults). */
  anovaF: Float64Array;
  anovaNdf: Float64Array;
  anovaDdf: Float64Array;
  anovaP: Float64Array;
  anovaQ: Float64Array;
  /** [nGenes × nModerated] `--ebayes`' moderated t, its p and BH q-value (all set by finishResults). */
  modT: Float64Array;
  modP: Float64Array;
  modQ: Float64Array;
  iterations: Int32Array;
  /** 1 converged, 0 not, 255 not applicable (gene not fitted). */
  converged: Uint8Array;
  /** Why, for every status other than ok. */
  messages: (string | null)[];
}

const PER_GENE = ['mean', 'sigma2G', 'sigma2E', 'rdf', 'dfPrior', 'h2', 'h2Se', 'h2Lo', 'h2Hi', 'remlLogLik', 'lrt', 'pLrt', 'qLrt', 'pRlrtExact',
  'qRlrtExact', 'h2BootLo', 'h2BootHi', 'sigma2GBootLo', 'sigma2GBootHi', 'sigma2EBootLo', 'sigma2EBootHi'] as const;
const PER_COEF = ['beta', 'se', 'df', 't', 'pValue', 'qValue'] as const;
const PER_TERM = ['sigma2Terms', 'lrtTerms', 'pLrtTerms', 'qLrtTerms'] as const;
const PER_FRACTION = ['vp', 'vpSe'] as const;
const PER_CONTRAST = ['contrastEstimate', 'contrastSe', 'contrastDf', 'contrastT', 'contrastP', 'contrastQ'] as const;
const PER_ANOVA = ['anovaF', 'anovaNdf', 'anovaDdf', 'anovaP', 'anovaQ'] as const;
const PER_MODERATED = ['modT', 'modP', 'modQ'] as const;

/** The widths of a GeneResults' per-gene matrices besides the coefficients (see GeneResults). */
export interface ResultWidths {
  nTerms?: number;
  nFractions?: number;
  nContrasts?: number;
  nAnova?: number;
  /** `--ebayes`, whether its df are capped and whether its prior is robust (see GeneResults.ebayes). */
  ebayes?: { capAtPooled: boolean; robust?: boolean };
}

/** Results for nGenes genes, every estimate NA until set; the widths as in GeneResults (0 when absent). */
export function allocateResults(nGenes: number, p: number, widths: ResultWidths = {}): GeneResults {
  const na = (length: number): Float64Array => new Float64Array(length).fill(NaN);
  const { nTerms = 0, nFractions = 0, nContrasts = 0, nAnova = 0, ebayes } = widths;
  const nModerated = ebayes === undefined ? 0 : p + nContrasts;
  const perContrast = Object.fromEntries(PER_CONTRAST.map((k) => [k, na(nGenes * nContrasts)])) as Record<(typeof PER_CONTRAST)[number], Float64Array>;
  const perAnova = Object.fromEntries(PER_ANOVA.map((k) => [k, na(nGenes * nAnova)])) as Record<(typeof PER_ANOVA)[number], Float64Array>;
  return {
    nGenes, p, nTerms, nFractions, nContrasts, nAnova, nModerated, ...perContrast, ...perAnova,
    ...(ebayes === undefined ? {} : { ebayes: { robust: false, ...ebayes } }),
    modT: na(nGenes * nModerated), modP: na(nGenes * nModerated), modQ: na(nGenes * nModerated),
    nLevels: new Int32Array(nGenes * nTerms),
    sigma2Terms: na(nGenes * nTerms), lrtTerms: na(nGenes * nTerms), pLrtTerms: na(nGenes * nTerms),
    qLrtTerms: na(nGenes * nTerms),
    vp: na(nGenes * nFractions), vpSe: na(nGenes * nFractions),
    status: new Uint8Array(nGenes),
    n: new Int32Array(nGenes),
    nGroups: new Int32Array(nGenes),
    mean: na(nGenes), sigma2G: na(nGenes), sigma2E: na(nGenes), rdf: na(nGenes), dfPrior: na(nGenes), h2: na(nGenes),
    h2Se: na(nGenes), h2Lo: na(nGenes), h2Hi: na(nGenes),
    remlLogLik: na(nGenes), lrt: na(nGenes), pLrt: na(nGenes), qLrt: na(nGenes),
    pRlrtExact: na(nGenes), qRlrtExact: na(nGenes),
    h2BootLo: na(nGenes), h2BootHi: na(nGenes), sigma2GBootLo: na(nGenes), sigma2GBootHi: na(nGenes),
    sigma2EBootLo: na(nGenes), sigma2EBootHi: na(nGenes),
    beta: na(nGenes * p), se: na(nGenes * p), df: na(nGenes * p), t: na(nGenes * p), pValue: na(nGenes * p),
    qValue: na(nGenes * p),
    iterations: new Int32Array(nGenes),
    converged: new Uint8Array(nGenes).fill(255),
    messages: new Array<string | null>(nGenes).fill(null),
  };
}

/** Copies the block `part` into `into` at gene offset `offset`. */
export function copyResults(part: GeneResults, into: GeneResults, offset: number): void {
  into.status.set(part.status, offset);
  into.n.set(part.n, offset);
  into.nGroups.set(part.nGroups, offset);
  for (const key of PER_GENE) into[key].set(part[key], offset);
  for (const key of PER_COEF) into[key].set(part[key], offset * into.p);
  into.nLevels.set(part.nLevels, offset * into.nTerms);
  for (const key of PER_TERM) into[key].set(part[key], offset * into.nTerms);
  for (const key of PER_FRACTION) into[key].set(part[key], offset * into.nFractions);
  for (const key of PER_CONTRAST) into[key].set(part[key], offset * into.nContrasts);
  for (const key of PER_ANOVA) into[key].set(part[key], offset * into.nAnova);
  for (const key of PER_MODERATED) into[key].set(part[key], offset * into.nModerated);
  into.iterations.set(part.iterations, offset);
  into.converged.set(part.converged, offset);
  for (let i = 0; i < part.nGenes; i++) into.messages[offset + i] = part.messages[i];
}

/** Genes [start, end) of `r` as a GeneResults of views (no copies). */
export function sliceResults(r: GeneResults, start: number, end: number): GeneResults {
  const { p, nTerms, nFractions, nContrasts, nAnova, nModerated, ebayes } = r;
  const part = {
    nGenes: end - start, p, nTerms, nFractions, nContrasts, nAnova, nModerated, ebayes, messages: r.messages.slice(start, end),
  } as GeneResults;
  part.status = r.status.subarray(start, end);
  part.n = r.n.subarray(start, end);
  part.nGroups = r.nGroups.subarray(start, end);
  part.iterations = r.iterations.subarray(start, end);
  part.converged = r.converged.subarray(start, end);
  for (const key of PER_GENE) part[key] = r[key].subarray(start, end);
  for (const key of PER_COEF) part[key] = r[key].subarray(start * p, end * p);
  part.nLevels = r.nLevels.subarray(start * nTerms, end * nTerms);
  for (const key of PER_TERM) part[key] = r[key].subarray(start * nTerms, end * nTerms);
  for (const key of PER_FRACTION) part[key] = r[key].subarray(start * nFractions, end * nFractions);
  for (const key of PER_CONTRAST) part[key] = r[key].subarray(start * nContrasts, end * nContrasts);
  for (const key of PER_ANOVA) part[key] = r[key].subarray(start * nAnova, end * nAnova);
  for (const key of PER_MODERATED) part[key] = r[key].subarray(start * nModerated, end * nModerated);
  return part;
}

/** The typed arrays of a GeneResults, for zero-copy transfer between threads. */
export function transferables(results: GeneResults): ArrayBuffer[] {
  return [results.status, results.n, results.nGroups, ...PER_GENE.map((k) => results[k]),
    ...PER_COEF.map((k) => results[k]), results.nLevels, ...PER_TERM.map((k) => results[k]),
    ...PER_FRACTION.map((k) => results[k]), ...PER_CONTRAST.map((k) => results[k]), ...PER_ANOVA.map((k) => results[k]),
    ...PER_MODERATED.map((k) => results[k]), results.iterations, results.converged].map((a) => a.buffer as ArrayBuffer);
}

/**
 * Once every block is in: `--ebayes`' prior and moderated tests (moderated-t.ts), then the q-values, Benjamini–
 * Hochberg across genes, for p_lrt, each term's p_lrt, coefficient, contrast, F test and moderated test.
 */
export function finishResults(results: GeneResults): void {
  if (results.ebayes !== undefined) moderateResults(results, results.ebayes);
  adjustColumns(results.modP, results.modQ, results.nGenes, results.nModerated);
  results.qLrt.set(bhAdjust(results.pLrt));
  adjustColumns(results.pLrtTerms, results.qLrtTerms, results.nGenes, results.nTerms);
  adjustColumns(results.pValue, results.qValue, results.nGenes, results.p);
  adjustColumns(results.contrastP, results.contrastQ, results.nGenes, results.nContrasts);
  adjustColumns(results.anovaP, results.anovaQ, results.nGenes, results.nAnova);
}

/** The moderated t and p of each coefficient and contrast, from σ̂², rdf and their t and df. */
function moderateResults(results: GeneResults, ebayes: NonNullable<GeneResults['ebayes']>): void {
  const { nGenes, p, nContrasts, nModerated } = results;
  const column = (c: number) => (c < p
    ? { t: (g: number) => results.t[g * p + c], df: (g: number) => results.df[g * p + c] }
    : { t: (g: number) => results.contrastT[g * nContrasts + c - p], df: (g: number) => results.contrastDf[g * nContrasts + c - p] });
  const tests = moderatedTests(nGenes, (g) => results.sigma2E[g], (g) => results.rdf[g],
    Array.from({ length: nModerated }, (_, c) => column(c)), ebayes.capAtPooled, ebayes.robust);
  ebayes.prior = tests.prior;
  if (ebayes.robust && tests.prior !== undefined) results.dfPrior.set((tests.prior as RobustVariancePrior).dfShrunk);
  for (let c = 0; c < nModerated; c++) {
    for (let g = 0; g < nGenes; g++) {
      results.modT[g * nModerated + c] = tests.t[c][g];
      results.modP[g * nModerated + c] = tests.p[c][g];
    }
  }
}

/** BH q-values of each column of the [nGenes × width] p-values into `q`. */
function adjustColumns(p: Float64Array, q: Float64Array, nGenes: number, width: number): void {
  for (let k = 0; k < width; k++) {
    const column = Float64Array.from({ length: nGenes }, (_, g) => p[g * width + k]);
    bhAdjust(column).forEach((value, g) => {
      q[g * width + k] = value;
    });
  }
}

/** True for a gene with estimates: status ok or singular. */
export function isFitted(results: GeneResults, g: number): boolean {
  const status = STATUSES[results.status[g]];
  return status === 'ok' || status === 'singular';
}

/** Number of genes with each status. */
export function countStatuses(results: GeneResults): Record<Status, number> {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (let i = 0; i < results.nGenes; i++) counts[STATUSES[results.status[i]]]++;
  return counts;
}
