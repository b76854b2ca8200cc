import { InputError, UsageError } from '../errors.js';
import { parseCell } from '../io/cells.js';
import { ROW_NAMES, type SampleSheet } from '../io/types.js';
import { type Formula, type RandomTerm, fixedVariables, formulaVariables, groupingVariables } from './formula.js';
import { independentColumns } from '../numerics/linalg.js';

/**
 * The fixed-effect design X and the grouping of the samples that enter the fits, in matrix column order.
 * Built once per run; a gene with missing values uses a subset of its rows (see pattern.ts).
 */
export interface Design {
  formula: Formula;
  /** Ids of the samples used, in matrix column order. */
  sampleIds: string[];
  /** [nObs] column of the expression matrix that holds each used sample. */
  sampleIndex: Int32Array;
  nObs: number;
  /** Number of columns of X (after dropping aliased columns). */
  p: number;
  /** [nObs × p], row-major: the model matrix with treatment contrasts, as R's `model.matrix`. */
  x: Float64Array;
  /** Column names as R's `model.matrix` writes them: `(Intercept)`, `age`, `SexMale`, `sexM:dosemid`. */
  coefNames: string[];
  /** Names of the columns dropped as aliased with the others (lme4's "rank deficient so dropping"). */
  aliasedNames: string[];
  /** Index of the `(Intercept)` column, or -1. */
  interceptColumn: number;
  /** The random intercepts, the one with most levels first (ties in formula order), as lme4 orders them. */
  randomTerms: RandomTermDesign[];
  /** The fixed part's terms in R's `terms()` order, with what their F tests need (see FixedTerm). */
  fixedTerms: FixedTerm[];
  /**
   * lmerTest's `get_rdX`: [nObs × names.length] row-major, the intercept (if any) and then each fixed term coded by
   * `model.matrix(~ 0 + term)` (every level of each factor). Its columns that are columns of X share their names.
   */
  termIndicators: { names: string[]; x: Float64Array };
  /** Things the user should know (dropped samples, ignored sheet rows, dropped columns), one line each. */
  notices: string[];
}

/** A term of the fixed part, as R's `terms()` describes it. */
export interface FixedTerm {
  /** R's term label: `sex`, `sex:dose`. */
  label: string;
  /** The number of variables in it (R's `order`). */
  order: number;
  /**
   * Its variables whose entry in R's `factors` matrix is 1 (coded by contrasts, or a numeric with its margin in the
   * model), and the numeric ones among them: lmerTest's containment of one term in another compares these.
   */
  variables: string[];
  numerics: string[];
  /** Its columns of X (after aliased columns are dropped), in X's order. */
  columns: number[];
}

/** A random intercept's grouping of the used samples. */
export interface RandomTermDesign {
  /** As lme4's `VarCorr` names it: `individual`, `cask:batch`. */
  name: string;
  /** Levels present among the used samples; an interaction's levels are its factors' levels joined by ":". */
  levels: string[];
  /** [nObs] level index of each sample. */
  codes: Int32Array;
}

/** Options of buildDesign. */
export interface DesignOptions {
  /** Level order per factor column, overriding the C-locale sort (`--levels col=a,b,c`). */
  levels?: Record<string, string[]>;
}

type FactorVariable = { kind: 'factor'; name: string; levels: string[]; codes: Int32Array };
type Variable = { kind: 'numeric'; name: string; values: Float64Array } | FactorVariable;

/** R's sort() in the C locale: by code point. */
function compareC(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Names as R writes them in formulas and column names: syntactic names bare, others in backticks. */
export function rName(name: string): string {
  return /^([A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*$/.test(name) ? name : `\`${name}\``;
}

/** Up to ten ids, those whose spaces, commas or quotes would not show bare in quotes. */
function listIds(ids: string[]): string {
  const shown = ids.slice(0, 10).map((id) => (/^[^\s,"](?:[^,"]*[^\s,"])?$/.test(id) ? id : JSON.stringify(id))).join(', ');
  return ids.length > 10 ? `${shown} and ${ids.length - 10} more` : shown;
}

/**
 * Checks that every variable of the formula and every `--levels` column is a column of the sample sheet; the
 * part of buildDesign that needs no matrix, so the CLI can run it before reading one. Throws UsageError.
 */
export function checkSheetColumns(formula: Formula, sheet: SampleSheet, options: DesignOptions = {}): void {
  const available = [...sheet.columns.keys()];
  const vars = formulaVariables(formula);
  // A sheet with one column whose name holds another delimiter was most likely read with the wrong one.
  const other = available.length === 0 ? [';', ',', '\t', '|'].find((d) => sheet.idColumn.includes(d)) : undefined;
  for (const v of vars) {
    if (!sheet.columns.has(v) && v === sheet.idColumn) {
      throw new UsageError(`the formula names "${v}", the column of ${sheet.file} that holds the sample ids`,
        'a variable of the formula is a column besides the ids: to use the ids as one, add a copy of the column under another name');
    }
    if (!sheet.columns.has(v)) {
      throw new UsageError(`the formula names "${v}", which is not a column of ${sheet.file}`, other !== undefined
        ? `the sheet was read as one column, "${sheet.idColumn}": its fields seem to be separated by "${other === '\t' ? '\\t' : other}"; ` +
          'save it tab-separated as .tsv, or comma-separated as .csv'
        : `available columns: ${available.join(', ') || '(none)'}`);
    }
  }
  // Before the matrix is read, over the sheet's rows; buildDesign asks again of the matrix's samples.
  refuseUnusable(sheet, vars, sheet.ids.map((_, row) => row), '');
  for (const [col, order] of Object.entries(options.levels ?? {})) {
    if (!sheet.columns.has(col)) {
      throw new UsageError(`--levels names "${col}", which is not a column of ${sheet.file}`,
        `available columns: ${available.join(', ')}`);
    }
    const repeated = order.find((v, i) => order.indexOf(v) !== i);
    if (repeated !== undefined) {
      const present = sheet.columns.get(col)!.filter((c): c is string => c !== null);
      throw new UsageError(`--levels ${col}=... lists "${repeated}" more than once`,
        `list each level of "${col}" once: ${columnLevels(present).levels.join(',')}`);
    }
  }
}

/**
 * A UsageError where none of the sheet's `rows` (the samples `whose` names) has a value of every formula variable
 * `vars`: lme4 stops too ("0 (non-NA) cases"), and a row of `insufficient` for every gene would say nothing of the cause.
 */
function refuseUnusable(sheet: SampleSheet, vars: string[], rows: number[], whose: string): void {
  const has = (v: string, row: number): boolean => sheet.columns.get(v)![row] !== null;
  if (rows.length === 0 || rows.some((row) => vars.every((v) => has(v, row)))) return;
  const empty = vars.filter((v) => rows.every((row) => !has(v, row)));
  throw new UsageError(`no sample can be used: each of the ${rows.length} samples${whose} misses a value of ${vars.join(', ')} ` +
    `in ${sheet.file}`, empty.length > 0
    ? `no sample has a value of ${empty.map((v) => `"${v}"`).join(', ')}: fill in the sheet, or leave it out of the formula`
    : 'fill in the missing values, or leave out of the formula the variables that miss them');
}

/**
 * Matches the matrix columns to the sample sheet, drops samples with a missing formula covariate, and builds
 * X with R's coding rules (treatment contrasts; dummy coding where a term's margin is absent, as
 * `model.matrix` does). Throws InputError for samples without a sheet row, UsageError for unknown columns.
 */
export function buildDesign(
  formula: Formula,
  sheet: SampleSheet,
  matrixSampleIds: string[],
  options: DesignOptions = {},
): Design {
  const notices: string[] = [];
  checkSheetColumns(formula, sheet, options);

  const rowOf = new Map<string, number>();
  sheet.ids.forEach((id, r) => rowOf.set(id, r));
  const unmatched = matrixSampleIds.filter((id) => !rowOf.has(id));
  if (unmatched.length > 0) {
    const trimmed = new Map(sheet.ids.map((id) => [id.trim(), id]));
    const spaced = unmatched.find((id) => trimmed.has(id.trim()));
    throw new InputError(`${unmatched.length} sample(s) of the matrix have no row in the sample sheet: ${listIds(unmatched)}`,
      { file: sheet.file }, spaced !== undefined
        ? `the matrix's ${JSON.stringify(spaced)} and the sheet's ${JSON.stringify(trimmed.get(spaced.trim()))} differ in the spaces around them: remove the spaces`
        : `add them to the sheet's ${sheet.idColumn === ROW_NAMES ? 'row names (its first column)' : `"${sheet.idColumn}" column`}, ` +
          'or check the ids match the matrix header');
  }
  const inMatrix = new Set(matrixSampleIds);
  const ignored = sheet.ids.filter((id) => !inMatrix.has(id));
  if (ignored.length > 0) notices.push(`${ignored.length} sample sheet row(s) not in the matrix, ignored: ${listIds(ignored)}`);

  const vars = formulaVariables(formula);
  const used: number[] = [];
  const dropped: string[] = [];
  matrixSampleIds.forEach((id, col) => {
    const row = rowOf.get(id)!;
    if (vars.every((v) => sheet.columns.get(v)![row] !== null)) used.push(col);
    else dropped.push(id);
  });
  if (used.length === 0) refuseUnusable(sheet, vars, matrixSampleIds.map((id) => rowOf.get(id)!), ' of the matrix');
  if (dropped.length > 0) {
    notices.push(`${dropped.length} sample(s) dropped for a missing value in ${vars.join(', ')}: ${listIds(dropped)}`);
  }
  const rows = used.map((col) => rowOf.get(matrixSampleIds[col])!);

  const read = (v: string, isGroup: boolean): Variable =>
    readVariable(v, rows.map((r) => sheet.columns.get(v)![r]!), isGroup, sheet, levelOrder(options, v));
  const variables = new Map(fixedVariables(formula).map((v) => [v, read(v, false)]));
  for (const [v, variable] of variables) {
    if (variable.kind === 'factor' && levelOrder(options, v) === undefined) {
      const stray = strayTexts(rows.map((r) => sheet.columns.get(v)![r]!));
      if (stray !== undefined) {
        notices.push(`"${v}" is fitted as a factor of ${variable.levels.length} levels, though all its values but ${stray} are numbers; ` +
          'to fit it as a number, make those cells numbers or NA');
      }
    }
  }
  const groupings = new Map(groupingVariables(formula).map((v) => [v, read(v, true) as FactorVariable]));
  for (const [v, variable] of [...variables, ...groupings]) {
    if (variable.kind !== 'factor') continue;
    const twice = oneNumberTwice(variable.levels);
    if (twice !== undefined) {
      notices.push(`"${v}" has ${twice}, two spellings of one number: they are two levels here (R, reading the column as numbers, ` +
        'would make them one); write each value one way if they are one');
    }
  }

  const columns = modelColumns(formula, variables, used.length);
  const nObs = used.length;
  const termIndicators = termIndicatorColumns(formula, variables, nObs);
  const pFull = columns.length;
  const xFull = new Float64Array(nObs * pFull);
  columns.forEach((c, j) => {
    for (let i = 0; i < nObs; i++) xFull[i * pFull + j] = c.values[i];
  });
  const kept = independentColumns(xFull, nObs, pFull);
  const aliasedNames = columns.filter((_, j) => !kept.includes(j)).map((c) => c.name);
  if (aliasedNames.length > 0) {
    notices.push(`fixed-effect model matrix is rank deficient so dropping ${aliasedNames.length} column(s): ${aliasedNames.join(', ')}`);
  }
  const p = kept.length;
  const x = new Float64Array(nObs * p);
  for (let i = 0; i < nObs; i++) for (let j = 0; j < p; j++) x[i * p + j] = xFull[i * pFull + kept[j]];
  const coefNames = kept.map((j) => columns[j].name);
  const fixedTerms = formula.terms.map((term, t): FixedTerm => {
    const coded = term.filter((v) => factorsEntry(formula.terms, t, v) === 1);
    return {
      label: term.map(rName).join(':'),
      order: term.length,
      variables: coded,
      numerics: coded.filter((v) => variables.get(v)!.kind === 'numeric'),
      columns: kept.flatMap((j, a) => (columns[j].term === t ? [a] : [])),
    };
  });

  return {
    formula,
    sampleIds: used.map((col) => matrixSampleIds[col]),
    sampleIndex: Int32Array.from(used),
    nObs,
    p,
    x,
    coefNames,
    aliasedNames,
    interceptColumn: coefNames.indexOf('(Intercept)'),
    randomTerms: randomTermDesigns(formula.random, groupings, nObs),
    fixedTerms,
    termIndicators,
    notices,
  };
}

/**
 * The random terms' groupings, largest first. A single factor keeps its level order; an interaction's levels are
 * the combinations present, in code-point order of their names.
 */
function randomTermDesigns(terms: RandomTerm[], groupings: Map<string, FactorVariable>, n: number): RandomTermDesign[] {
  const designs = terms.map((term): RandomTermDesign => {
    if (term.factors.length === 1) {
      const { levels, codes } = groupings.get(term.factors[0])!;
      return { name: term.name, levels, codes };
    }
    const parts = term.factors.map((f) => groupings.get(f)!);
    const labels = Array.from({ length: n }, (_, i) => parts.map((v) => v.levels[v.codes[i]]).join(':'));
    const levels = [...new Set(labels)].sort(compareC);
    const index = new Map(levels.map((l, i) => [l, i]));
    return { name: term.name, levels, codes: Int32Array.from(labels, (l) => index.get(l)!) };
  });
  return designs.map((d, i) => ({ d, i })).sort((a, b) => b.d.levels.length - a.d.levels.length || a.i - b.i).map((x) => x.d);
}

/**
 * How the formula reads a sample-sheet column (SPEC §1): numeric when every non-missing cell parses as a number,
 * else a factor; and its levels as a factor in R's default order, numerically for numbers, else by code point
 * (LC_COLLATE=C). The grouping variable is a factor either way.
 */
export function columnLevels(cells: readonly (string | null)[]): { numeric: boolean; levels: string[] } {
  const present = cells.filter((c): c is string => c !== null);
  const numeric = present.every((c) => Number.isFinite(parseCell(c)));
  const distinct = [...new Set(present)];
  const levels = numeric ? distinct.sort((a, b) => Number(a) - Number(b) || compareC(a, b)) : distinct.sort(compareC);
  return { numeric, levels };
}

/**
 * Where a column is numbers but for a few cells of text (at most STRAY_TEXTS distinct ones, in at most a tenth of
 * the cells: `Inf`, `n/a`, a typo), those texts quoted, for a notice; else undefined.
 */
function strayTexts(cells: string[]): string | undefined {
  const texts = cells.filter((c) => !Number.isFinite(parseCell(c)));
  const distinct = [...new Set(texts)];
  if (texts.length === 0 || distinct.length > STRAY_TEXTS || texts.length > cells.length / 10) return undefined;
  return distinct.map((t) => `"${t}"`).join(', ');
}

/** `--levels`' order of column `v`, if given (an own property only: a column may be named `constructor`). */
function levelOrder(options: DesignOptions, v: string): string[] | undefined {
  return options.levels !== undefined && Object.hasOwn(options.levels, v) ? options.levels[v] : undefined;
}

/**
 * In a column of numbers (as R reads one), two levels that are one number spelled two ways (`1` and `1.0`, `01` and
 * `1`), quoted; undefined where none are, or where a level is not a number (R keeps such a column's texts apart).
 */
function oneNumberTwice(levels: string[]): string | undefined {
  const values = levels.map(parseCell);
  if (!values.every(Number.isFinite)) return undefined;
  const spelled = new Map<number, string>();
  for (const [i, level] of levels.entries()) {
    const x = values[i]!;
    const other = spelled.get(x);
    if (other !== undefined) return `"${other}" and "${level}"`;
    spelled.set(x, level);
  }
  return undefined;
}

/** Distinct texts in a column of numbers that strayTexts points out, at most. */
const STRAY_TEXTS = 3;

function readVariable(name: string, cells: string[], isGroup: boolean, sheet: SampleSheet, order?: string[]): Variable {
  const { numeric, levels: sorted } = columnLevels(cells);
  if (numeric && !isGroup && order === undefined) return { kind: 'numeric', name, values: Float64Array.from(cells, (c) => parseCell(c)!) };

  let levels = sorted;
  if (order !== undefined) {
    const unknown = sorted.filter((v) => !order.includes(v));
    if (unknown.length > 0) {
      // A space after a comma (`--levels "trt=b, a"`) is part of the level, as in the sheet, which is read as it is.
      const spaced = order.find((v) => v.trim() !== v && unknown.includes(v.trim()));
      throw new UsageError(`--levels ${name}=... does not list ${listIds(unknown)}, found in ${sheet.file}`,
        `list every level of "${name}": ${sorted.join(',')}${spaced === undefined ? '' : ` (the level "${spaced}" has spaces the sheet's has not)`}`);
    }
    levels = order.filter((v) => sorted.includes(v));
  }
  if (!isGroup && levels.length === 1) {
    throw new UsageError(`the factor "${name}" has one level ("${levels[0]}") in the samples used, so it has no contrast to fit`,
      `remove "${name}" from the formula (lme4 refuses it too)`);
  }
  const index = new Map(levels.map((l, i) => [l, i]));
  return { kind: 'factor', name, levels, codes: Int32Array.from(cells, (c) => index.get(c)!) };
}

interface Column {
  name: string;
  values: Float64Array;
  /** Index of its term in formula.terms; -1 for the intercept. */
  term: number;
}

/**
 * R's `attr(terms, "factors")` entry of variable `v` in term `t` (TermCode in R's model.c): 1 when the term without
 * `v` is empty or contained in a preceding term, else 2.
 */
function factorsEntry(terms: string[][], t: number, v: string): 1 | 2 {
  const rest = terms[t].filter((w) => w !== v);
  return rest.length === 0 || terms.slice(0, t).some((prev) => rest.every((w) => prev.includes(w))) ? 1 : 2;
}

/** lmerTest's `get_rdX` (see Design.termIndicators). */
function termIndicatorColumns(formula: Formula, variables: Map<string, Variable>, n: number): Design['termIndicators'] {
  const columns = formula.terms.flatMap((term) => modelColumns({ ...formula, intercept: false, terms: [term] }, variables, n));
  if (formula.intercept) columns.unshift({ name: '(Intercept)', values: new Float64Array(n).fill(1), term: -1 });
  const width = columns.length;
  const x = new Float64Array(n * width);
  columns.forEach((c, j) => {
    for (let i = 0; i < n; i++) x[i * width + j] = c.values[i];
  });
  return { names: columns.map((c) => c.name), x };
}

/**
 * The columns of R's model.matrix for the formula's fixed part. A factor in a term is coded by contrasts when
 * the term without it is the empty term or is contained in a preceding term, else by indicators (R's
 * TermCode); without an intercept the first factor of the first term holding one is coded by indicators.
 */
function modelColumns(formula: Formula, variables: Map<string, Variable>, n: number): Column[] {
  const isFactor = (v: string): boolean => variables.get(v)!.kind === 'factor';
  const columns: Column[] = [];
  if (formula.intercept) columns.push({ name: '(Intercept)', values: new Float64Array(n).fill(1), term: -1 });
  const noInterceptTerm = formula.intercept ? -1 : formula.terms.findIndex((term) => term.some(isFactor));
  formula.terms.forEach((term, t) => {
    const parts = term.map((v) => {
      const variable = variables.get(v)!;
      if (variable.kind === 'numeric') return [{ name: rName(v), values: variable.values }];
      const rest = term.filter((w) => w !== v);
      const contrasts = t === noInterceptTerm && v === term.find(isFactor)
        ? false
        : rest.length === 0 || formula.terms.slice(0, t).some((prev) => rest.every((w) => prev.includes(w)));
      const levels = contrasts ? variable.levels.slice(1) : variable.levels;
      const offset = contrasts ? 1 : 0;
      return levels.map((level, l) => ({
        name: rName(v) + level,
        values: Float64Array.from(variable.codes, (c) => (c === l + offset ? 1 : 0)),
      }));
    });
    // The first variable varies fastest, as in R.
    let combined: Column[] = [{ name: '', values: new Float64Array(n).fill(1), term: t }];
    for (const part of parts) {
      const next: Column[] = [];
      for (const right of part) {
        for (const left of combined) {
          next.push({
            name: left.name === '' ? right.name : `${left.name}:${right.name}`,
            values: left.values.map((x, i) => x * right.values[i]),
            term: t,
          });
        }
      }
      combined = next;
    }
    columns.push(...combined);
  });
  return columns;
}

/** The sizes of a random term's smallest and largest groups (samples per level); by default the largest term's. */
export function groupSizeRange(design: Design, term = design.randomTerms[0]): { smallest: number; largest: number } {
  const sizes = new Int32Array(term.levels.length);
  for (const g of term.codes) sizes[g]++;
  // A loop, not Math.min(...sizes): spreading a few hundred thousand groups overflows the stack.
  let smallest = Infinity;
  let largest = 0;
  for (const s of sizes) {
    smallest = Math.min(smallest, s);
    largest = Math.max(largest, s);
  }
  return { smallest, largest };
}
