import { termHypotheses, type TermHypothesis } from './anova-hypotheses.js';
import { type Contrast, type ContrastSpec, checkContrastNames, contrastOf } from './contrasts.js';
import type { Design } from './design.js';

/**
 * The linear hypotheses a run tests on every gene besides its coefficients (SPEC §4): `--contrast`s and, with
 * `--anova`, the F test of each fixed term of two or more columns. Plain data, so a FitContext carrying it can be
 * sent to worker threads.
 */
export interface RunHypotheses {
  contrasts: Contrast[];
  /** Indices into design.fixedTerms of the terms F-tested, and their labels. */
  anovaTerms: number[];
  anovaLabels: string[];
}

/** The run's hypotheses for its design; notices for contrasts whose weights do not sum to 0 (dream warns too). */
export function runHypotheses(design: Design, specs: readonly ContrastSpec[], anova: boolean,
  notice: (message: string) => void): RunHypotheses | undefined {
  if (specs.length === 0 && !anova) return undefined;
  checkContrastNames(specs, design.coefNames);
  const contrasts = specs.map((spec) => contrastOf(spec, design.coefNames, design.aliasedNames));
  for (const c of contrasts) {
    const sum = c.weights.reduce((s, w) => s + w, 0);
    if (Math.abs(sum) > 1e-12) notice(`contrast ${c.name}: its weights sum to ${sum}, not 0 (dream warns of such contrasts too)`);
  }
  const anovaTerms = anova ? design.fixedTerms.flatMap((term, t) => (term.columns.length >= 2 ? [t] : [])) : [];
  if (anova && anovaTerms.length === 0) {
    notice('--anova: no fixed term has two or more columns, so there is no F test beyond the coefficients\' t tests');
  }
  return { contrasts, anovaTerms, anovaLabels: anovaTerms.map((t) => design.fixedTerms[t].label) };
}

/** The hypotheses on one pattern's columns of X: each contrast's weights (null where it weighs a column aliased there) and each term's L. */
export interface PatternHypotheses {
  contrasts: (Float64Array | null)[];
  anova: TermHypothesis[];
}

const cache = new WeakMap<Int32Array, PatternHypotheses>();

/**
 * The run's hypotheses on the columns `columns` of X that the design rows `rows` keep (a pattern's), cached by the
 * pattern's `rows` array: every gene of a pattern shares them.
 */
export function patternHypotheses(design: Design, hypotheses: RunHypotheses, rows: Int32Array, columns: Int32Array): PatternHypotheses {
  let found = cache.get(rows);
  if (found === undefined) {
    const contrasts = hypotheses.contrasts.map(({ weights }) => {
      const aliased = weights.some((w, j) => w !== 0 && !columns.includes(j));
      return aliased ? null : Float64Array.from(columns, (j) => weights[j]);
    });
    found = { contrasts, anova: termHypotheses(design, rows, columns, hypotheses.anovaTerms) };
    cache.set(rows, found);
  }
  return found;
}
