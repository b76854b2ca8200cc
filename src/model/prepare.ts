import { type GeneResults, isFitted } from '../results.js';
import { type Design, groupSizeRange } from './design.js';
import { buildPattern, type DesignPattern } from './pattern.js';
import { type Transform, transformValue } from './transform.js';

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
}

/** A gene ready to fit: its transformed, non-missing values and the design rows they belong to. */
export interface ReadyGene {
  status: 'ready';
  pattern: DesignPattern;
  /** [pattern.n] transformed values, in pattern row order. */
  y: Float64Array;
  mean: number;
}

/** A gene that is not fitted, with the reason (SPEC §2). */
export interface SkippedGene {
  status: 'constant' | 'insufficient' | 'filtered' | 'failed';
  message: string;
  n: number;
  nGroups: number;
  mean: number;
}

/**
 * Why no gene can be fitted with this design, whatever its values (every gene would be `insufficient` for this one
 * reason), with the ways out; undefined when genes can be fitted. Missing values only take observations away, so
 * what the design with every sample fails, every gene fails.
 */
export function designInsufficiency(design: Design): string | undefined {
  const { nObs, p, groupLevels } = design;
  const group = `"${design.formula.group}"`;
  const q = groupLevels.length;
  if (q < 2) {
    return `no gene can be fitted: the samples form ${q} group(s) of ${group}, and at least 2 are needed; ` +
      'group the samples by a factor with several levels';
  }
  if (groupSizeRange(design).largest === 1) {
    return `no gene can be fitted: each of the ${q} levels of ${group} has one sample, so the group and residual ` +
      `variances cannot be told apart; group the samples by a factor whose levels have several samples, or fit the ` +
      `fixed effects alone with a linear model (such as R's lm) instead of a model with "(1 | ${design.formula.group})"`;
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
export class GenePreparer {
  private readonly patterns = new Map<string, DesignPattern>();
  private readonly full: DesignPattern;
  private readonly y: Float64Array;
  private readonly rows: Int32Array;
  private readonly seen: Int32Array;
  private stamp = 0;
  private readonly minSamples: number;

  constructor(private readonly context: FitContext) {
    const { design } = context;
    this.y = new Float64Array(design.nObs);
    this.rows = new Int32Array(design.nObs);
    this.seen = new Int32Array(design.groupLevels.length);
    this.full = buildPattern(design, Int32Array.from({ length: design.nObs }, (_, i) => i));
    this.minSamples = context.filters.minSamples ?? groupSizeRange(design).smallest;
  }

  /** Distinct missing-value patterns met so far, the complete one included. */
  get patternCount(): number {
    return this.patterns.size + 1;
  }

  /** `raw`: the gene's row of the matrix ([nSamples]). */
  prepare(raw: Float64Array): ReadyGene | SkippedGene {
    const { design, transform, librarySizes, filters } = this.context;
    const { nObs, sampleIndex, group } = design;
    const { y, rows, seen } = this;
    const stamp = ++this.stamp;
    let n = 0;
    let nGroups = 0;
    let rawSum = 0;
    let rawAboveCount = 0;
    let outOfDomain: number | undefined;
    let rawConstant = true;
    let constant = true;
    const first = { raw: NaN, y: NaN };
    for (let i = 0; i < nObs; i++) {
      const s = sampleIndex[i];
      const x = raw[s];
      if (Number.isNaN(x)) continue;
      rawSum += x;
      if (filters.minCount !== undefined && x >= filters.minCount) rawAboveCount++;
      const v = transform === 'none' ? x : transformValue(x, transform, librarySizes ? librarySizes[s] : 0);
      if (Number.isNaN(v)) outOfDomain ??= x;
      if (n === 0) {
        first.raw = x;
        first.y = v;
      } else {
        rawConstant &&= x === first.raw;
        constant &&= v === first.y;
      }
      if (seen[group[i]] !== stamp) {
        seen[group[i]] = stamp;
        nGroups++;
      }
      y[n] = v;
      rows[n++] = i;
    }
    let mean = 0;
    for (let i = 0; i < n; i++) mean += y[i];
    mean = n > 0 ? mean / n : NaN;
    const skip = (status: SkippedGene['status'], message: string): SkippedGene => ({ status, message, n, nGroups, mean });

    if (filters.minMean !== undefined && n > 0 && rawSum / n < filters.minMean) {
      return skip('filtered', `mean raw value ${rawSum / n} is below --min-mean ${filters.minMean}`);
    }
    if (filters.minCount !== undefined && rawAboveCount < this.minSamples) {
      return skip('filtered', `${rawAboveCount} sample(s) have a value of at least --min-count ${filters.minCount}; ${this.minSamples} needed`);
    }
    if (outOfDomain !== undefined) return skip('failed', `value ${outOfDomain} is outside the domain of --transform ${transform}`);
    if (nGroups < 2) return skip('insufficient', `data in ${nGroups} group(s); at least 2 are needed`);
    // H_λ = (1 + λ) I: the criterion does not depend on λ, and lme4 refuses such a model outright.
    if (nGroups === n) {
      return skip('insufficient', `one observation in each of the ${n} groups: the group and residual variances cannot be told apart`);
    }
    const pattern = n === nObs ? this.full : this.patternOf(rows.subarray(0, n));
    if (n < pattern.p + 2) {
      return skip('insufficient', `${n} observation(s) for ${pattern.p} fixed effect(s); at least ${pattern.p + 2} are needed`);
    }
    if (constant || rawConstant) {
      return skip('constant', `all ${n} values are equal (${first.raw}${constant ? '' : ' before the transform'})`);
    }
    return { status: 'ready', pattern, y: y.subarray(0, n), mean };
  }

  private patternOf(rows: Int32Array): DesignPattern {
    // Keyed by the missing rows, a few, rather than the observed ones, hundreds.
    let key = '';
    for (let i = 0, r = 0; r < this.context.design.nObs; r++) {
      if (rows[i] === r) i++;
      else key += `${r},`;
    }
    let pattern = this.patterns.get(key);
    if (pattern === undefined) {
      pattern = buildPattern(this.context.design, Int32Array.from(rows));
      this.patterns.set(key, pattern);
    }
    return pattern;
  }
}

/**
 * The genes a step after the fit works on (status ok or singular), each prepared again as the fit prepared it,
 * in gene order, with its design pattern and transformed values (valid until the next gene is yielded).
 * values: the raw matrix, [results.nGenes × nSamples].
 */
export function* fittedGenes(context: FitContext, values: Float64Array, nSamples: number, results: GeneResults):
  Generator<{ gene: number; ready: ReadyGene }> {
  const preparer = new GenePreparer(context);
  for (let g = 0; g < results.nGenes; g++) {
    if (!isFitted(results, g)) continue;
    const prepared = preparer.prepare(values.subarray(g * nSamples, (g + 1) * nSamples));
    if (prepared.status === 'ready') yield { gene: g, ready: prepared }; // always: the fit prepared the same values
  }
}
