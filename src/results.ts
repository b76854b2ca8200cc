import { bhAdjust } from './stats/qvalues.js';

/**
 * Columnar per-gene results, shared by every backend, the table writer and the web app. One entry per input
 * gene, in input order, whatever happened to it (SPEC §5).
 */

/** Statuses of SPEC §2–3, in the order the run summary lists them. */
export const STATUSES = ['ok', 'singular', 'constant', 'insufficient', 'filtered', 'failed'] as const;
export type Status = (typeof STATUSES)[number];

/** Status code: index into STATUSES. */
export function statusCode(status: Status): number {
  return STATUSES.indexOf(status);
}

/** Columnar results of nGenes genes with p coefficients; matrices are [nGenes × p], gene-major. NaN = NA. */
export interface GeneResults {
  nGenes: number;
  p: number;
  /** [nGenes] index into STATUSES. */
  status: Uint8Array;
  n: Int32Array;
  nGroups: Int32Array;
  mean: Float64Array;
  sigma2G: Float64Array;
  sigma2E: Float64Array;
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
  iterations: Int32Array;
  /** 1 converged, 0 not, 255 not applicable (gene not fitted). */
  converged: Uint8Array;
  /** Why, for every status other than ok. */
  messages: (string | null)[];
}

const PER_GENE = ['mean', 'sigma2G', 'sigma2E', 'h2', 'h2Se', 'h2Lo', 'h2Hi', 'remlLogLik', 'lrt', 'pLrt', 'qLrt', 'pRlrtExact',
  'qRlrtExact', 'h2BootLo', 'h2BootHi', 'sigma2GBootLo', 'sigma2GBootHi', 'sigma2EBootLo', 'sigma2EBootHi'] as const;
const PER_COEF = ['beta', 'se', 'df', 't', 'pValue', 'qValue'] as const;

/** Results for nGenes genes, every estimate NA until set. */
export function allocateResults(nGenes: number, p: number): GeneResults {
  const na = (length: number): Float64Array => new Float64Array(length).fill(NaN);
  return {
    nGenes, p,
    status: new Uint8Array(nGenes),
    n: new Int32Array(nGenes),
    nGroups: new Int32Array(nGenes),
    mean: na(nGenes), sigma2G: na(nGenes), sigma2E: na(nGenes), h2: na(nGenes),
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
  into.iterations.set(part.iterations, offset);
  into.converged.set(part.converged, offset);
  for (let i = 0; i < part.nGenes; i++) into.messages[offset + i] = part.messages[i];
}

/** Genes [start, end) of `r` as a GeneResults of views (no copies). */
export function sliceResults(r: GeneResults, start: number, end: number): GeneResults {
  const part = { nGenes: end - start, p: r.p, messages: r.messages.slice(start, end) } as GeneResults;
  part.status = r.status.subarray(start, end);
  part.n = r.n.subarray(start, end);
  part.nGroups = r.nGroups.subarray(start, end);
  part.iterations = r.iterations.subarray(start, end);
  part.converged = r.converged.subarray(start, end);
  for (const key of PER_GENE) part[key] = r[key].subarray(start, end);
  for (const key of PER_COEF) part[key] = r[key].subarray(start * r.p, end * r.p);
  return part;
}

/** The typed arrays of a GeneResults, for zero-copy transfer between threads. */
export function transferables(results: GeneResults): ArrayBuffer[] {
  return [results.status, results.n, results.nGroups, ...PER_GENE.map((k) => results[k]),
    ...PER_COEF.map((k) => results[k]), results.iterations, results.converged].map((a) => a.buffer as ArrayBuffer);
}

/** Fills the q-values: Benjamini–Hochberg across genes, for p_lrt and for each coefficient. */
export function finishResults(results: GeneResults): void {
  const { nGenes, p } = results;
  results.qLrt.set(bhAdjust(results.pLrt));
  for (let k = 0; k < p; k++) {
    const column = Float64Array.from({ length: nGenes }, (_, g) => results.pValue[g * p + k]);
    bhAdjust(column).forEach((q, g) => {
      results.qValue[g * p + k] = q;
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
