/**
 * limma's robust prior (fitFDistRobustly, behind `--ebayes robust`) against limma 3.54.1 itself on simulated residual
 * variances (test/fixtures/robust-prior/synthetic.json, made by make-robust-prior.R): mixed df with a gene not fitted,
 * constant df, heavy tails, few genes, and variances far out in the tail. SPEC §6's limma tolerance.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fitFDistRobustly } from '../../src/stats/robust-prior.js';
import { CPU_VS_LME4 as TOL } from '../conformance/tolerances.js';
import { REPO_ROOT } from '../helpers/cases.js';

interface SyntheticCase {
  s2: (number | 'NA')[];
  df: number[];
  scale: number;
  df2: number | 'Inf';
  df2_shrunk: (number | 'Inf')[];
}

const cases: Record<string, SyntheticCase> = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/robust-prior/synthetic.json'), 'utf8'));
const value = (v: number | 'Inf' | 'NA'): number => (v === 'Inf' ? Infinity : v === 'NA' ? NaN : v);
const close = (actual: number, expected: number): boolean => actual === expected || Math.abs(actual - expected) <= TOL.limmaRel * Math.abs(expected);

describe('fitFDistRobustly against limma', () => {
  for (const [name, ref] of Object.entries(cases)) {
    it(`${name}: ${ref.s2.length} genes, the scale, df2 and every gene's shrunk df`, () => {
      const prior = fitFDistRobustly(ref.s2.map(value), ref.df);
      assert.ok(prior !== undefined);
      assert.ok(close(prior.s2, ref.scale), `scale ${prior.s2}, limma ${ref.scale}`);
      assert.ok(close(prior.df, value(ref.df2)), `df2 ${prior.df}, limma ${ref.df2}`);
      const wrong = ref.df2_shrunk.map(value).flatMap((expected, g) => (close(prior.dfShrunk[g], expected) ? [] : [`gene ${g + 1}: ${prior.dfShrunk[g]}, limma ${expected}`]));
      assert.deepEqual(wrong, []);
    });
  }

  it('takes 200,000 genes (transcript-level data), with outliers, without spreading them into one call', () => {
    // A deterministic scaled-χ²-like spread of variances on mixed df, a few of them 1,000 times the others.
    const n = 200_000;
    const df = Float64Array.from({ length: n }, (_, g) => 3 + (g % 7));
    const variances = Float64Array.from({ length: n }, (_, g) => (0.5 + ((g * 7919) % 1000) / 1000) * (g % 50_000 === 0 ? 1000 : 1));
    const prior = fitFDistRobustly(variances, df);
    assert.ok(prior !== undefined && Number.isFinite(prior.s2) && prior.df > 0);
    assert.ok(prior.dfShrunk[0] < prior.df, 'the outlying gene has a smaller prior df');
  });
});
