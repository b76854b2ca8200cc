/** compareResults (genelmm compare's judgement): what counts as agreement between two fits of the same genes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareResults } from '../src/results/compare.js';
import { allocateResults, type GeneResults } from '../src/results/gene-results.js';
import { statusCode } from '../src/results/statuses.js';

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
  it('judges each term\'s σ² and LRT p-value and each variance fraction with several random terms, by their names', () => {
    const withTerms = (): GeneResults => {
      const r = oneGene(NaN, { nTerms: 2, nFractions: 3 }); // the single-term σ²_group is NA with several terms
      r.sigma2E[0] = 1;
      r.sigma2Terms.set([1, 2]);
      r.pLrtTerms.set([0.01, 0.02]);
      r.lrtTerms.set([5, 4]);
      r.vp.set([0.2, 0.4, 0.4]);
      r.vpSe.set([0.1, 0.1, 0.1]);
      return r;
    };
    const shape = { contrasts: [], anova: [], terms: ['donor', 'batch'], fractions: ['donor', 'batch', 'resid'] };
    const same = compareResults(['g1'], ['(Intercept)'], withTerms(), withTerms(), {}, shape);
    assert.equal(same.ok, true, JSON.stringify(same));
    assert.deepEqual(same.columns.filter((c) => /_(donor|batch|resid)$/.test(c.column)).map((c) => c.column),
      ['sigma2_resid', 'sigma2_donor', 'lrt_donor', 'p_lrt_donor', 'sigma2_batch', 'lrt_batch', 'p_lrt_batch', 'vp_donor', 'vp_se_donor', 'vp_batch',
        'vp_se_batch', 'vp_resid', 'vp_se_resid']);
    for (const [key, i, factor] of [['sigma2Terms', 1, 1.001], ['pLrtTerms', 0, 1.001], ['vp', 2, 1.001]] as const) {
      const off = withTerms();
      off[key][i] *= factor;
      const comparison = compareResults(['g1'], ['(Intercept)'], withTerms(), off, {}, shape);
      assert.equal(comparison.ok, false, key);
      assert.ok(comparison.columns.some((c) => c.failures === 1 && c.column.endsWith(shape.terms[i] ?? 'resid')), JSON.stringify(comparison.columns));
    }
  });
});
