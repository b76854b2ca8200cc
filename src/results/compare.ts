import { type GeneResults, isFitted } from './gene-results.js';
import { STATUSES } from './statuses.js';

/**
 * GPU (f32) against CPU (f64) agreement, SPEC §6. Near zero, where a relative difference means nothing, a
 * value passes within 1e-6 of the gene's scale V = σ²_g + σ²_e (√V for β), the floor SPEC §6 sets for CPU
 * against lme4.
 */
export const GPU_TOLERANCE = {
  h2Abs: 1e-4,
  rel: 1e-4,
  absFloor: 1e-6,
  /** p-values are compared only above this. */
  pFloor: 1e-12,
} as const;

/** The largest difference seen in one column, where, and how many genes were past the tolerance. */
export interface ColumnDifference {
  column: string;
  maxAbs: number;
  maxRel: number;
  gene: string | null;
  /** Genes past SPEC §6 in this column; null for columns SPEC §6 does not judge. */
  failures: number | null;
}

/** A whole comparison: per column, and the genes whose status differs. */
export interface Comparison {
  columns: ColumnDifference[];
  statusMismatches: { gene: string; expected: string; actual: string }[];
  /** True when every judged column and every status agree within SPEC §6. */
  ok: boolean;
}

/**
 * What compareResults needs of the results' shape: the contrasts and F tests, and for several random terms the terms'
 * and the variance fractions' names (results-table.ts' ResultShape).
 */
export interface ComparedShape {
  contrasts: readonly string[];
  anova: readonly string[];
  terms?: readonly string[];
  fractions?: readonly string[];
}

/** Null draws by which CPU and GPU Monte Carlo p-values may differ (see compareResults). */
export const MONTE_CARLO_DRAWS = 5;

type Limit = (expected: number, scale: number) => number;
const relative: (floorOf: (scale: number) => number) => Limit = (floorOf) => (expected, scale) =>
  Math.max(GPU_TOLERANCE.rel * Math.abs(expected), GPU_TOLERANCE.absFloor * floorOf(scale));

/**
 * Compares `actual` (a GPU run) with `expected` (the CPU run) on every gene that is ok or singular in both.
 * Columns SPEC §6 judges: h2 and its interval ends (abs 1e-4), sigma2_group, sigma2_resid, beta_*, p_lrt,
 * p_* (and status), with several random terms each term's sigma2_T and p_lrt_T and the variance fractions vp_*
 * (abs 1e-4, as h2), and where computed p_rlrt_exact and the bootstrap intervals (h2 ends abs 1e-4, σ² ends as
 * σ²), the contrasts' beta_* and p_*, the F tests' p_F_* and the moderated mod_p_* (named by `tested`); the others
 * are reported for information.
 */
export function compareResults(geneIds: string[], coefNames: string[], expected: GeneResults, actual: GeneResults,
  monteCarlo: { rlrtNsim?: number } = {}, tested: ComparedShape = { contrasts: [], anova: [] }): Comparison {
  const p = expected.p;
  const columns = new Map<string, ColumnDifference>();
  const record = (column: string, e: number, a: number, g: number, limit: Limit | null, scale: number): void => {
    let c = columns.get(column);
    if (c === undefined) {
      c = { column, maxAbs: 0, maxRel: 0, gene: null, failures: limit === null ? null : 0 };
      columns.set(column, c);
    }
    // Both NA, or both the same infinity (a variance of y × 1e160 and beyond overflows alike on both sides): agreement.
    if ((Number.isNaN(e) && Number.isNaN(a)) || (e === a && !Number.isFinite(e))) return;
    const abs = Math.abs(a - e);
    const rel = abs / Math.abs(e);
    if (!(abs <= c.maxAbs)) {
      c.maxAbs = Number.isNaN(abs) ? Infinity : abs;
      c.gene = geneIds[g];
    }
    if (rel > c.maxRel && Number.isFinite(rel)) c.maxRel = rel;
    if (limit !== null && !(Number.isFinite(abs) && abs <= limit(e, scale))) c.failures!++; // an infinite expected value must not make its own tolerance infinite
  };
  const statusMismatches: Comparison['statusMismatches'] = [];
  for (let g = 0; g < expected.nGenes; g++) {
    if (expected.status[g] !== actual.status[g]) {
      statusMismatches.push({ gene: geneIds[g], expected: STATUSES[expected.status[g]], actual: STATUSES[actual.status[g]] });
      continue;
    }
    if (!isFitted(expected, g)) continue; // nothing estimated
    const { nTerms, nFractions } = expected;
    let v = expected.sigma2E[g] + (nTerms === 0 ? expected.sigma2G[g] : 0);
    for (let k = 0; k < nTerms; k++) v += expected.sigma2Terms[g * nTerms + k];
    const pLimit: Limit = (e) => (e > GPU_TOLERANCE.pFloor ? GPU_TOLERANCE.rel * e : Infinity);
    record('h2', expected.h2[g], actual.h2[g], g, () => GPU_TOLERANCE.h2Abs, v);
    // Reported, not judged, as SPEC §6 judges no standard error: at a boundary fit whose likelihood is nearly
    // flat the delta method divides by a curvature near 0, and f32 statistics move it by more than 1e-4.
    record('h2_se', expected.h2Se[g], actual.h2Se[g], g, null, v);
    record('h2_lo', expected.h2Lo[g], actual.h2Lo[g], g, () => GPU_TOLERANCE.h2Abs, v);
    record('h2_hi', expected.h2Hi[g], actual.h2Hi[g], g, () => GPU_TOLERANCE.h2Abs, v);
    record('sigma2_group', expected.sigma2G[g], actual.sigma2G[g], g, relative((s) => s), v);
    record('sigma2_resid', expected.sigma2E[g], actual.sigma2E[g], g, relative((s) => s), v);
    record('reml_loglik', expected.remlLogLik[g], actual.remlLogLik[g], g, null, v);
    record('lrt', expected.lrt[g], actual.lrt[g], g, null, v);
    record('p_lrt', expected.pLrt[g], actual.pLrt[g], g, pLimit, v);
    record('q_lrt', expected.qLrt[g], actual.qLrt[g], g, null, v);
    // A Monte Carlo p-value agrees to its resolution: the streams are the same draws, but an f32 draw (or the
    // GPU's RLRT) can fall on the other side of a few null values.
    const rlrtLimit: Limit = (e) => Math.max(GPU_TOLERANCE.rel * e, MONTE_CARLO_DRAWS / (monteCarlo.rlrtNsim ?? Infinity));
    if (!Number.isNaN(expected.pRlrtExact[g])) record('p_rlrt_exact', expected.pRlrtExact[g], actual.pRlrtExact[g], g, rlrtLimit, v);
    if (!Number.isNaN(expected.h2BootLo[g])) {
      record('h2_boot_lo', expected.h2BootLo[g], actual.h2BootLo[g], g, () => GPU_TOLERANCE.h2Abs, v);
      record('h2_boot_hi', expected.h2BootHi[g], actual.h2BootHi[g], g, () => GPU_TOLERANCE.h2Abs, v);
      record('sigma2_group_boot_lo', expected.sigma2GBootLo[g], actual.sigma2GBootLo[g], g, relative((s) => s), v);
      record('sigma2_group_boot_hi', expected.sigma2GBootHi[g], actual.sigma2GBootHi[g], g, relative((s) => s), v);
      record('sigma2_resid_boot_lo', expected.sigma2EBootLo[g], actual.sigma2EBootLo[g], g, relative((s) => s), v);
      record('sigma2_resid_boot_hi', expected.sigma2EBootHi[g], actual.sigma2EBootHi[g], g, relative((s) => s), v);
    }
    for (let k = 0; k < nTerms; k++) {
      const term = tested.terms?.[k] ?? `term${k + 1}`;
      const i = g * nTerms + k;
      record(`sigma2_${term}`, expected.sigma2Terms[i], actual.sigma2Terms[i], g, relative((s) => s), v);
      record(`lrt_${term}`, expected.lrtTerms[i], actual.lrtTerms[i], g, null, v);
      record(`p_lrt_${term}`, expected.pLrtTerms[i], actual.pLrtTerms[i], g, pLimit, v);
    }
    // Fractions of the variance, as h2 is one: abs 1e-4; their SEs reported, as h2_se is.
    for (let f = 0; f < nFractions; f++) {
      const name = tested.fractions?.[f] ?? `fraction${f + 1}`;
      const i = g * nFractions + f;
      record(`vp_${name}`, expected.vp[i], actual.vp[i], g, () => GPU_TOLERANCE.h2Abs, v);
      record(`vp_se_${name}`, expected.vpSe[i], actual.vpSe[i], g, null, v);
    }
    coefNames.forEach((c, k) => {
      const i = g * p + k;
      record(`beta_${c}`, expected.beta[i], actual.beta[i], g, relative(Math.sqrt), v);
      record(`se_${c}`, expected.se[i], actual.se[i], g, null, v);
      record(`df_${c}`, expected.df[i], actual.df[i], g, null, v);
      record(`p_${c}`, expected.pValue[i], actual.pValue[i], g, pLimit, v);
    });
    tested.contrasts.forEach((c, k) => {
      const i = g * expected.nContrasts + k;
      record(`beta_${c}`, expected.contrastEstimate[i], actual.contrastEstimate[i], g, relative(Math.sqrt), v);
      record(`df_${c}`, expected.contrastDf[i], actual.contrastDf[i], g, null, v);
      record(`p_${c}`, expected.contrastP[i], actual.contrastP[i], g, pLimit, v);
    });
    tested.anova.forEach((t, k) => {
      const i = g * expected.nAnova + k;
      record(`F_${t}`, expected.anovaF[i], actual.anovaF[i], g, null, v);
      record(`p_F_${t}`, expected.anovaP[i], actual.anovaP[i], g, pLimit, v);
    });
    if (expected.nModerated > 0) record('rdf', expected.rdf[g], actual.rdf[g], g, null, v);
    [...coefNames, ...tested.contrasts].slice(0, expected.nModerated).forEach((c, k) => {
      const i = g * expected.nModerated + k;
      record(`mod_p_${c}`, expected.modP[i], actual.modP[i], g, pLimit, v);
    });
  }
  const list = [...columns.values()];
  return { columns: list, statusMismatches, ok: statusMismatches.length === 0 && list.every((c) => !c.failures) };
}

/** The comparison as a table for a terminal. */
export function formatComparison(c: Comparison): string {
  const rows = c.columns.map((d) => [d.column, d.maxAbs.toExponential(2), d.maxRel.toExponential(2), d.gene ?? '',
    d.failures === null ? '(not judged)' : d.failures === 0 ? 'ok' : `${d.failures} gene(s) past SPEC §6`]);
  const header = ['column', 'max |Δ|', 'max rel Δ', 'at gene', 'SPEC §6'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd();
  const out = [line(header), ...rows.map(line)];
  out.push(c.statusMismatches.length === 0 ? 'statuses: identical'
    : `statuses: ${c.statusMismatches.length} differ, e.g. ${c.statusMismatches.slice(0, 5).map((s) => `${s.gene} (${s.expected} vs ${s.actual})`).join(', ')}`);
  out.push(c.ok ? 'agreement: within SPEC §6' : 'agreement: NOT within SPEC §6');
  return out.join('\n');
}
