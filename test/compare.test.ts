/** compareResults (genelmm compare's judgement): what counts as agreement between two fits of the same genes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareResults } from '../src/results/compare.js';
import { allocateResults, type GeneResults, statusCode } from '../src/results/gene-results.js';

/** One fitted gene (status ok, intercept only) whose σ²s are `sigma2`, everything else equal on both sides. */
function oneGene(sigma2: number, widths: Parameters<typeof allocateResults>[2] = {}): GeneResults {
  const r = allocateResults(1, 1, widths);
  r.status[0] = statusCode('ok');
  Object.assign(r, { messages: [''] });
  for (const column of [r.h2, r.h2Lo, r.h2Hi, r.pLrt, r.qLrt]) column[0] = 0.5;
  r.sigma2G[0] = sigma2;
  r.sigma2E[0] = sigma2;
  r.beta[0] = 1;
  r.pValue[0] = 0.01;
  return r;
}

describe('compareResults', () => {
  it('takes the same infinite variance on both sides as agreement (y × 1e160 and beyond overflows σ² alike)', () => {
    const comparison = compareResults(['g1'], ['(Intercept)'], oneGene(Infinity), oneGene(Infinity));
    assert.equal(comparison.ok, true, JSON.stringify(comparison));
  });
  it('but an infinite variance against a finite one, or a finite difference past the tolerance, as disagreement', () => {
    assert.equal(compareResults(['g1'], ['(Intercept)'], oneGene(Infinity), oneGene(1)).ok, false);
    assert.equal(compareResults(['g1'], ['(Intercept)'], oneGene(1), oneGene(1.01)).ok, false);
  });
  it('judges a contrast\'s estimate and p, an F test\'s p and a moderated p as the coefficients\'', () => {
    const withTests = (): GeneResults => {
      const r = oneGene(1, { nContrasts: 1, nAnova: 1, ebayes: { capAtPooled: false } });
      for (const column of [r.contrastEstimate, r.anovaF]) column[0] = 1;
      for (const column of [r.contrastP, r.anovaP, r.modP]) column.fill(0.01);
      return r;
    };
    const tested = { contrasts: ['flip'], anova: ['trt'] };
    assert.equal(compareResults(['g1'], ['(Intercept)'], withTests(), withTests(), {}, tested).ok, true);
    for (const key of ['contrastEstimate', 'contrastP', 'anovaP', 'modP'] as const) {
      const off = withTests();
      off[key][key === 'modP' ? 1 : 0] *= 1.01;
      const comparison = compareResults(['g1'], ['(Intercept)'], withTests(), off, {}, tested);
      assert.equal(comparison.ok, false, key);
    }
  });
});
