/** compareResults (genelmm compare's judgement): what counts as agreement between two fits of the same genes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareResults } from '../src/results/compare.js';
import { allocateResults, type GeneResults, statusCode } from '../src/results/gene-results.js';

/** One fitted gene (status ok, intercept only) whose σ²s are `sigma2`, everything else equal on both sides. */
function oneGene(sigma2: number): GeneResults {
  const r = allocateResults(1, 1);
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
});
