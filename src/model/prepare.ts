import { type Design, groupSizeRange } from './design.js';
import { buildPattern, type DesignPattern } from './pattern.js';
import type { Method } from './terms/criterion.js';
import type { RunHypotheses } from './hypotheses.js';
import type { KinshipBasis } from './kinship.js';
import { type Transform, transformValue } from './transform.js';
import type { VoomTrend } from './voom.js';

/** Gene filters (SPEC §2 `filtered`), applied to the raw values before the transform. */
export interface GeneFilters {
  /** Filter genes whose mean raw value is below this. */
  minMean?: number;
  /** Filter genes with fewer than `minSamples` samples whose raw value is at least this. */
  minCount?: number;
  /** Samples needed by minCount; default: the size of the smallest group. */
  minSamples?: number;
}

/** Everything a worker needs to prepare and fit any gene of the run; structured-cloneable. */
export interface FitContext {
  design: Design;
  transform: Transform;
  /** [nSamples of the matrix] library sizes for logcpm, else null. */
  librarySizes: Float64Array | null;
  filters: GeneFilters;
  /** `reml` (default) or `ml` (SPEC §3). */
  method?: Method;
  /** Variance fractions (SPEC §3); default: on with two or more random terms. */
  varPart?: boolean;
  /**
   * The whole matrix's row of the first gene fitted (a shard's first gene; default 0): simulations draw gene g
   * from the stream of row firstGene + g, so a shard draws what the whole run does.
   */
  firstGene?: number;
  /** The kinship of the random term's levels (`--kinship`, SPEC §1): the term's covariance is σ²_g K, not σ²_g I. */
  kinship?: KinshipBasis;
  /** Contrasts and terms tested on every fitted gene (`--contrast`, `--anova`); none when absent. */
  hypotheses?: RunHypotheses;
  /** `--ebayes`: each fit's residual df is kept for the moderated tests of the whole run (moderated-t.ts). */
  ebayes?: boolean | 'robust';
  /** `--voom`'s trend, after its first pass: each gene is weighted by it (voom.ts). */
  voom?: VoomTrend;
  /** `--ddf`: the df (and, for Kenward–Roger, the adjusted SEs) of every Wald test; default Satterthwaite. */
  ddf?: Ddf;
  /**
   * `--voom`'s trend pass (fit-genes.ts), which needs each gene's variance components only: the single-term engine
   * fits those alone (fitVariances), with the same bits, and leaves the tests NA.
   */
  variancesOnly?: boolean;
}

/** `--ddf`'s methods, lmerTest's `ddf` (Satterthwaite, Kenward–Roger). */
export const DDF_METHODS = ['satterthwaite', 'kenward-roger'] as const;
export type Ddf = (typeof DDF_METHODS)[number];

/**
 * Which engine fits the run's genes: the one-intercept engine (`single-term`: REML with one random intercept,
 * its collapsed size classes, its GPU programs, exact RLRT, profile intervals and bootstrap) or the model core
 * for any number of random terms (`terms`: several terms, none, ML, or variance fractions).
 */
export interface ModelChoice {
  engine: 'single-term' | 'terms' | 'kinship';
  method: Method;
  varPart: boolean;
}

export function modelChoice(context: Pick<FitContext, 'design' | 'method' | 'varPart' | 'kinship'>): ModelChoice {
  return modelChoiceOf(context.design.randomTerms.length, context);
}

/** Options that choose the engine; a kinship (its file name, the matrix or its levels' part) when one is given. */
export type ModelOptions = { method?: Method; varPart?: boolean; kinship?: unknown };

/** modelChoice from the number of random terms, before there is a design (the CLI's usage checks). */
export function modelChoiceOf(nTerms: number, options: ModelOptions): ModelChoice {
  const method = options.method ?? 'reml';
  const varPart = (options.varPart ?? false) || nTerms >= 2;
  if (options.kinship !== undefined) return { engine: 'kinship', method, varPart };
  return { engine: nTerms === 1 && method === 'reml' && !varPart ? 'single-term' : 'terms', method, varPart };
}

/** A gene ready to fit: its transformed, non-missing values and the design rows they belong to. */
export interface ReadyGene<P = DesignPattern> {
  status: 'ready';
  pattern: P;
  /** [pattern.n] transformed values, in pattern row order. */
  y: Float64Array;
  /**
   * [pattern.n] the gene's precision weights in the same order (`--weights`), rescaled to mean 1 where the model has
   * random terms (dream's convention, SPEC §2) and as given without; undefined without weights.
   */
  weights?: Float64Array;
  mean: number;
}

/** A gene that is not fitted, with the reason (SPEC §2). */
export interface SkippedGene {
  status: 'constant' | 'insufficient' | 'filtered' | 'failed';
  message: string;
  n: number;
  /** [K] levels with data of each random term, in the design's order. */
  nLevels: Int32Array;
  mean: number;
}

/**
 * Why no gene can be fitted with this design, whatever its values (every gene would be `insufficient` for this one
 * reason), with the ways out; undefined when genes can be fitted. Missing values only take observations away, so
 * what the design with every sample fails, every gene fails.
 */
export function designInsufficiency(design: Design, kinship = false): string | undefined {
  const { nObs, p, randomTerms } = design;
  for (const term of randomTerms) {
    const name = `"${term.name}"`;
    const q = term.levels.length;
    if (q < 2) {
      return `no gene can be fitted: the samples form ${q} group(s) of ${name}, and at least 2 are needed; ` +
        'group the samples by a factor with several levels';
    }
    // With a kinship, one sample per level is GCTA's usual case: K tells the variances apart.
    if (!kinship && groupSizeRange(design, term).largest === 1) {
      const without = randomTerms.length === 1
        ? `fit the fixed effects alone with a linear model (such as R's lm) instead of a model with "(1 | ${term.name})"`
        : `drop "(1 | ${term.name})" from the formula`;
      return `no gene can be fitted: each of the ${q} levels of ${name} has one sample, so the group and residual ` +
        `variances cannot be told apart; group the samples by a factor whose levels have several samples, or ${without}, ` +
        `or give the kinship of the ${term.name} levels (--kinship: GCTA's GREML model, narrow-sense heritability)`;
    }
  }
  if (nObs < p + 2) {
    return `no gene can be fitted: ${nObs} sample(s) for ${p} fixed effect(s), and at least ${p + 2} are needed; ` +
      'add samples or drop fixed-effect terms from the formula';
  }
  return undefined;
}

/**
 * Prepares genes one at a time for the fit: filters on the raw values, transforms, drops the gene's missing
 * values (na.omit for that gene only) and decides whether it can be fitted. Genes with the same missing
 * values share one DesignPattern. Scratch buffers are reused, so a ReadyGene's `y` is valid only until the
 * next call.
 */
export class GenePreparer<P extends { n: number; columns: Int32Array } = DesignPattern> {
  private readonly patterns = new Map<string, P>();
  /** The kept patterns' bytes, by `keep.bytes`. */
  private keptBytes = 0;
  private readonly full: P;
  /** [nObs] the gene's raw values without its missing ones, in design order; its y when the transform is none. */
  private readonly x: Float64Array;
  /** [nObs] the transformed values (unused when the transform is none). */
  private readonly transformed: Float64Array;
  /** [nObs] the gene's weights at its observed samples (with weights). */
  private readonly weights: Float64Array;
  private readonly rows: Int32Array;
  /** [K] levels with data of each random term: of the complete design, and of the gene being prepared. */
  private readonly fullLevels: Int32Array;
  private readonly levels: Int32Array;
  /** Per random term, the stamp of the last gene that had data in each level. */
  private readonly seen: Int32Array[];
  private stamp = 0;
  private readonly minSamples: number;

  /** build: the engine's pattern of a set of design rows (the one-intercept engine's by default). */
  constructor(private readonly context: FitContext,
    private readonly build: (design: Design, rows: Int32Array) => P = buildPattern as unknown as (design: Design, rows: Int32Array) => P,
    /**
     * Missing-value patterns kept (besides the complete one): at most `patterns` of them, and of at most `budget`
     * bytes together by `bytes`; the oldest are dropped for a new one (the newest is kept whatever its size).
     */
    private readonly keep: { patterns: number; bytes?: (pattern: P) => number; budget?: number } = { patterns: Infinity }) {
    const { design } = context;
    this.x = new Float64Array(design.nObs);
    this.transformed = new Float64Array(design.nObs);
    this.weights = new Float64Array(design.nObs);
    this.rows = Int32Array.from({ length: design.nObs }, (_, i) => i);
    this.seen = design.randomTerms.map((term) => new Int32Array(term.levels.length));
    this.levels = new Int32Array(design.randomTerms.length);
    this.fullLevels = new Int32Array(design.randomTerms.length);
    this.countLevels(design.nObs);
    this.fullLevels.set(this.levels);
    this.full = build(design, this.rows.slice());
    this.minSamples = context.filters.minSamples ??
      (design.randomTerms.length > 0 ? groupSizeRange(design).smallest : 1);
  }

  /** Distinct missing-value patterns met so far, the complete one included. */
  get patternCount(): number {
    return this.patterns.size + 1;
  }

  /**
   * `raw`: the gene's row of the matrix ([nSamples]); `rawWeights` its row of the weights matrix, if any, positive
   * and finite wherever `raw` is observed (checked as the run reads them: weights-matrix.ts).
   */
  prepare(raw: Float64Array, rawWeights?: Float64Array): ReadyGene<P> | SkippedGene {
    const { design, transform, filters } = this.context;
    const { nObs, randomTerms } = design;
    const { x, levels } = this;
    const K = randomTerms.length;
    const n = this.gather(raw);
    if (n === nObs) levels.set(this.fullLevels);
    else this.countLevels(n);
    let rawSum = 0;
    for (let i = 0; i < n; i++) rawSum += x[i];
    const y = transform === 'none' ? x : this.transformed;
    let outOfDomain: number | undefined;
    if (transform !== 'none') outOfDomain = this.transformInto(n);
    // Summed in a variable of its own: `skip` captures `mean`, and a captured variable is boxed anew at every `+=`.
    let sum = 0;
    for (let i = 0; i < n; i++) sum += y[i];
    const mean = n > 0 ? sum / n : NaN;
    const skip = (status: SkippedGene['status'], message: string): SkippedGene =>
      ({ status, message, n, nLevels: levels.slice(), mean });

    if (filters.minMean !== undefined && n > 0 && rawSum / n < filters.minMean) {
      return skip('filtered', `mean raw value ${rawSum / n} is below --min-mean ${filters.minMean}`);
    }
    if (filters.minCount !== undefined) {
      let rawAboveCount = 0;
      for (let i = 0; i < n; i++) if (x[i] >= filters.minCount) rawAboveCount++;
      if (rawAboveCount < this.minSamples) {
        return skip('filtered', `${rawAboveCount} sample(s) have a value of at least --min-count ${filters.minCount}; ${this.minSamples} needed`);
      }
    }
    if (outOfDomain !== undefined) return skip('failed', `value ${outOfDomain} is outside the domain of --transform ${transform}`);
    for (let k = 0; k < K; k++) {
      // One term keeps the single-term wording ("groups"); several name the term.
      const [groups, term] = K === 1 ? ['group(s)', 'group'] : [`level(s) of "${randomTerms[k].name}"`, 'term\'s'];
      if (levels[k] < 2) return skip('insufficient', `data in ${levels[k]} ${groups}; at least 2 are needed`);
      // H_λ = (1 + λ) I: the criterion does not depend on λ, and lme4 refuses such a model outright.
      if (levels[k] === n && this.context.kinship === undefined) {
        return skip('insufficient', `one observation in each of the ${n} ${groups.replace('(s)', 's')}: the ${term} and residual variances cannot be told apart`);
      }
    }
    const pattern = n === nObs ? this.full : this.patternOf(this.rows.subarray(0, n));
    const p = pattern.columns.length;
    if (n < p + 2) {
      return skip('insufficient', `${n} observation(s) for ${p} fixed effect(s); at least ${p + 2} are needed`);
    }
    const rawConstant = allEqual(x, n);
    const constant = transform === 'none' ? rawConstant : allEqual(y, n);
    if (constant || rawConstant) {
      return skip('constant', `all ${n} values are equal (${x[0]}${constant ? '' : ' before the transform'})`);
    }
    return { status: 'ready', pattern, y: y.subarray(0, n), weights: rawWeights && this.gatherWeights(rawWeights, n), mean };
  }

  /**
   * The weights of the gene's observations rows[0..n), rescaled to mean 1 with random terms (SPEC §2: σ²_k and every
   * test are unchanged by it); as given without, as limma's lmFit takes them.
   */
  private gatherWeights(rawWeights: Float64Array, n: number): Float64Array {
    const { sampleIndex, randomTerms } = this.context.design;
    const { rows, weights } = this;
    for (let i = 0; i < n; i++) weights[i] = rawWeights[sampleIndex[rows[i]]];
    return asModelWeights(weights.subarray(0, n), randomTerms.length);
  }

  /**
   * The gene's non-missing raw values into x and their design rows into rows, in design order; their count.
   */
  private gather(raw: Float64Array): number {
    const { nObs, sampleIndex } = this.context.design;
    const { x, rows } = this;
    let n = 0;
    for (let i = 0; i < nObs; i++) {
      const v = raw[sampleIndex[i]];
      if (v !== v) continue; // NaN: missing
      x[n] = v;
      rows[n++] = i;
    }
    return n;
  }

  /** The transformed values of x[0..n) into `transformed`; the first raw value outside the transform's domain. */
  private transformInto(n: number): number | undefined {
    const { design, transform, librarySizes } = this.context;
    const { x, rows, transformed } = this;
    let outOfDomain: number | undefined;
    for (let i = 0; i < n; i++) {
      const v = transformValue(x[i], transform, librarySizes ? librarySizes[design.sampleIndex[rows[i]]] : 0);
      if (Number.isNaN(v)) outOfDomain ??= x[i];
      transformed[i] = v;
    }
    return outOfDomain;
  }

  /** Levels of each random term with data among rows[0..n) into `levels`. */
  private countLevels(n: number): void {
    const { randomTerms } = this.context.design;
    const { rows, seen, levels } = this;
    const stamp = ++this.stamp;
    for (let k = 0; k < randomTerms.length; k++) {
      const codes = randomTerms[k].codes;
      const seenK = seen[k];
      let count = 0;
      for (let i = 0; i < n; i++) {
        const level = codes[rows[i]];
        if (seenK[level] !== stamp) {
          seenK[level] = stamp;
          count++;
        }
      }
      levels[k] = count;
    }
  }

  private patternOf(rows: Int32Array): P {
    // Keyed by the missing rows, a few, rather than the observed ones, hundreds.
    let key = '';
    for (let i = 0, r = 0; r < this.context.design.nObs; r++) {
      if (rows[i] === r) i++;
      else key += `${r},`;
    }
    let pattern = this.patterns.get(key);
    if (pattern === undefined) {
      pattern = this.build(this.context.design, Int32Array.from(rows));
      // The oldest patterns go first: with a kinship, a gene's missing values are a pattern of their own, as
      // large as the kinship's rank, and cheap to build again.
      const { patterns: most, bytes = () => 0, budget = Infinity } = this.keep;
      const size = bytes(pattern);
      while (this.patterns.size > 0 && (this.patterns.size >= most || this.keptBytes + size > budget)) {
        const oldest = this.patterns.keys().next().value!;
        this.keptBytes -= bytes(this.patterns.get(oldest)!);
        this.patterns.delete(oldest);
      }
      this.patterns.set(key, pattern);
      this.keptBytes += size;
    }
    return pattern;
  }
}

/**
 * A gene's weights as its model takes them, in place: rescaled to mean 1 with random terms (dream's convention,
 * SPEC §2), as given without (limma's lmFit).
 */
export function asModelWeights(weights: Float64Array, randomTerms: number): Float64Array {
  if (randomTerms === 0) return weights;
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += weights[i];
  const mean = sum / weights.length;
  for (let i = 0; i < weights.length; i++) weights[i] /= mean;
  return weights;
}

/** True when the first n values are equal (and n ≥ 1, or none). */
function allEqual(values: Float64Array, n: number): boolean {
  const first = values[0];
  for (let i = 1; i < n; i++) if (values[i] !== first) return false;
  return true;
}
