import { buildKinshipPattern, type KinshipPattern } from './kinship.js';
import { GRID_LAMBDAS } from './lambda-search.js';
import type { DesignPattern } from './pattern.js';
import { type FitContext, GenePreparer, modelChoice } from './prepare.js';
import { buildTermsPattern, type TermsPattern } from './terms/terms-pattern.js';

/**
 * Kinship patterns kept per preparer: each holds [rank × (p + k)²] cross-products (0.5 MB at 500 samples and 10
 * missing values, 420 MB at 5,000 samples and 100), and costs O(n (p + k)²) to build again, about what one gene's
 * statistics cost, and its part of the criterion at the search's grid points once its genes were there (atGrid):
 * at most 16 of them, of at most 256 MB together.
 */
const KINSHIP_PATTERNS_KEPT = {
  patterns: 16,
  bytes: (p: KinshipPattern) => 8 * (p.bxx.length + p.xRotated.length + GRID_LAMBDAS * (p.nSizes + p.p * p.p)),
  budget: 256 * 2 ** 20,
};

/** A preparer of any engine's patterns. */
export type RunPreparer = GenePreparer<DesignPattern> | GenePreparer<TermsPattern> | GenePreparer<KinshipPattern>;

/** The preparer of the run's engine (see modelChoice). */
export function runPreparer(context: FitContext): RunPreparer {
  const { kinship } = context;
  if (kinship !== undefined) {
    return new GenePreparer<KinshipPattern>(context, (design, rows) => buildKinshipPattern(design, rows, kinship), KINSHIP_PATTERNS_KEPT);
  }
  if (modelChoice(context).engine === 'terms') return new GenePreparer<TermsPattern>(context, buildTermsPattern);
  return new GenePreparer<DesignPattern>(context);
}
