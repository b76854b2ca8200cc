/**
 * The spectral form of the REML criterion (src/model/spectral.ts), which the gpu.js kernels evaluate, against the
 * M-form of reml.ts: the criterion and the score at fixed λ and at the CPU's optimum, on every fitted gene of the
 * lme4 fixtures and the lme4 classics (NA patterns, size-1 groups, no intercept, covariates, singular fits).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchLambda } from '../../src/model/lambda-search.js';
import { profileAt, remlCriterion, remlScore } from '../../src/model/reml.js';
import { spectralCriterion, spectralGene, spectralResidual, spectralScore } from '../../src/model/spectral.js';
import { caseGeneStats, caseNames, CLASSICS_LME4, FIXTURES_LME4, loadCase } from '../helpers/cases.js';

const LAMBDAS = [0, 0.1, 1, 10, 1e3];
const REL = 1e-10;

/** The score's own scale at λ: its log-determinant term Σ_j m_j ξ_j / (1 + λξ_j), of which it is a difference. */
function scoreScale(xi: Float64Array, multiplicity: Float64Array, lambda: number): number {
  let s = 0;
  for (let j = 0; j < xi.length; j++) s += (multiplicity[j] * xi[j]) / (1 + lambda * xi[j]);
  return s;
}

const cases: [string, string][] = [
  ...caseNames(CLASSICS_LME4).map((name): [string, string] => [CLASSICS_LME4, name]),
  ...caseNames(FIXTURES_LME4).map((name): [string, string] => [FIXTURES_LME4, name]),
];

describe('REML criterion in spectral form equals the M-form (remlCriterion, remlScore)', () => {
  for (const [dir, name] of cases) {
    it(`${name}: every fitted gene at λ ∈ {${LAMBDAS.join(', ')}} and at λ̂`, async () => {
      const genes = caseGeneStats(await loadCase(dir, name));
      assert.ok(genes.length > 0);
      const failures: string[] = [];
      let worst = 0;
      for (const { id, stats } of genes) {
        const gene = spectralGene(stats);
        const { xi, multiplicity } = gene.basis;
        const lambdaHat = searchLambda(stats).lambda;
        for (const lambda of [...LAMBDAS, lambdaHat]) {
          const expected = remlCriterion(stats, lambda);
          const actual = spectralCriterion(gene, lambda);
          const rel = Math.abs(actual - expected) / Math.abs(expected);
          worst = Math.max(worst, rel);
          if (!(rel <= REL)) failures.push(`${id} criterion λ=${lambda}: expected ${expected}, actual ${actual}`);
          const score = remlScore(stats, lambda);
          const spectral = spectralScore(gene, lambda);
          const scale = scoreScale(xi, multiplicity, lambda);
          if (!(Math.abs(spectral - score) <= REL * scale)) {
            failures.push(`${id} score λ=${lambda}: expected ${score}, actual ${spectral} (scale ${scale})`);
          }
        }
        // At λ = 0, r is the OLS residual sum of squares: e_0 and the projections account for all of it.
        const r0 = profileAt(stats, 0)!.r;
        if (!(Math.abs(spectralResidual(gene, 0) - r0) <= REL * r0)) failures.push(`${id} r_0: expected ${r0}, actual ${spectralResidual(gene, 0)}`);
      }
      console.log(`${name}: ${genes.length} genes, largest relative difference of the criterion ${worst.toExponential(2)}`);
      assert.deepEqual(failures, [], failures.slice(0, 20).join('\n'));
    });
  }
});
