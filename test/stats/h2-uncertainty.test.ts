/**
 * h2Uncertainty against lme4/lmerTest (test/fixtures/h2-intervals.json, made by make-h2-intervals.R): the 95%
 * profile-likelihood interval of every reference gene to 1e-6 in h2, and the delta-method SE to 1e-3 relative
 * against two R references:
 * - `se_h2`, lmerTest's vcov_varpar recipe in (θ, σ) at the exact optimum, at interior fits with θ̂ ≥ 0.01. Closer
 *   to θ = 0 its numerical Hessian in θ loses precision to rounding (1.4% at singular gene07, θ̂ = 1.9e-3), and at
 *   θ = 0 it is 0 (dh2/dθ = 0).
 * - `se_h2_lambda`, the delta method in (λ, σ²) on the REML deviance written out in R with dense matrices, at every
 *   gene, singular ones included: genelmm's formula, and NaN (null in the JSON) where its Hessian is not positive
 *   definite.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { buildDesign } from '../../src/model/design.js';
import { parseFormula } from '../../src/model/formula.js';
import { computeGeneStats } from '../../src/model/gene-stats.js';
import { searchLambda } from '../../src/model/lambda-search.js';
import { GenePreparer } from '../../src/model/prepare.js';
import { h2Uncertainty } from '../../src/model/inference/h2-uncertainty.js';
import { CLASSICS_LME4, FIXTURES_LME4, loadCase, REPO_ROOT } from '../helpers/cases.js';

/** SPEC §4 / issue #4: the interval's ends to 1e-6 in h2, the SE to 1e-3 relative. */
const INTERVAL_ABS = 1e-6;
const SE_REL = 1e-3;
/** Below this θ̂, R's numerical Hessian in θ is not accurate to SE_REL (see above). */
const THETA_MIN_FOR_LMERTEST_SE = 0.01;

interface ReferenceInterval {
  gene: string;
  theta: number;
  singular: boolean;
  h2: number;
  lo: number;
  hi: number;
  se_h2: number;
  se_h2_lambda: number | null;
}

interface ReferenceIntervals {
  cutoff: number;
  cases: { name: string; source: 'classics' | 'fixtures'; formula: string; genes: ReferenceInterval[] }[];
}

const reference: ReferenceIntervals = JSON.parse(
  fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/h2-intervals.json'), 'utf8'));

const largest: Record<string, { dev: number; where: string }> = {};
function note(column: string, dev: number, where: string): void {
  if (!(dev <= (largest[column]?.dev ?? -1))) largest[column] = { dev, where };
}

describe('h2 uncertainty against lme4/lmerTest', () => {
  for (const c of reference.cases) {
    it(`${c.name}: 95% profile interval to ${INTERVAL_ABS}, SE to ${SE_REL} relative`, async () => {
      const data = await loadCase(c.source === 'classics' ? CLASSICS_LME4 : FIXTURES_LME4, c.name);
      const design = buildDesign(parseFormula(data.formula), data.samples, data.matrix.sampleIds);
      const preparer = new GenePreparer({ design, transform: 'none', librarySizes: null, filters: {} });
      const failures: string[] = [];
      for (const ref of c.genes) {
        const g = data.matrix.geneIds.indexOf(ref.gene);
        assert.ok(g >= 0, `${ref.gene} is in ${c.name}`);
        const prepared = preparer.prepare(data.matrix.values.subarray(g * data.matrix.nSamples, (g + 1) * data.matrix.nSamples));
        assert.equal(prepared.status, 'ready', `${c.name} ${ref.gene} is fitted`);
        if (prepared.status !== 'ready') continue;
        const stats = computeGeneStats(prepared.pattern, prepared.y);
        const { lambda } = searchLambda(stats);
        const actual = h2Uncertainty(stats, lambda);
        const where = `${c.name} ${ref.gene}`;
        const check = (column: string, expected: number, value: number, dev: number, tol: number): void => {
          note(column, dev, where);
          if (!(dev <= tol)) failures.push(`${where} ${column}: expected ${expected}, actual ${value}`);
        };
        check('h2_lo', ref.lo, actual.lo, Math.abs(actual.lo - ref.lo), INTERVAL_ABS);
        check('h2_hi', ref.hi, actual.hi, Math.abs(actual.hi - ref.hi), INTERVAL_ABS);
        if (ref.singular) {
          if (lambda !== 0) failures.push(`${where} singular: expected λ̂ = 0, actual ${lambda}`);
          if (actual.lo !== 0) failures.push(`${where} h2_lo: expected exactly 0 at a singular fit, actual ${actual.lo}`);
        } else if (ref.theta >= THETA_MIN_FOR_LMERTEST_SE) {
          check('h2_se vs lmerTest (rel)', ref.se_h2, actual.se, Math.abs(actual.se - ref.se_h2) / ref.se_h2, SE_REL);
        }
        const column = ref.singular ? 'h2_se (λ, σ²) at λ̂ = 0 (rel)' : 'h2_se (λ, σ²) (rel)';
        const expected = ref.se_h2_lambda ?? NaN;
        if (Number.isNaN(expected)) {
          if (!Number.isNaN(actual.se)) failures.push(`${where} ${column}: expected NaN, actual ${actual.se}`);
        } else {
          check(column, expected, actual.se, Math.abs(actual.se - expected) / expected, SE_REL);
        }
      }
      assert.deepEqual(failures, [], failures.join('\n'));
    });
  }

  after(() => {
    const devs = Object.entries(largest).map(([k, { dev, where }]) => `${k} ${dev.toExponential(2)} (${where})`);
    console.log(`h2 uncertainty, largest deviations from R: ${devs.join(', ')}`);
  });
});
