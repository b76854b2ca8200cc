/**
 * The host's f64 checks of a GPU's answers, in f64 alone (no device needed): polishLambda refuses a local optimum
 * in the wrong basin, and confirmedInterval keeps an f32 interval of h2 only where the f64 criterion brackets
 * each end.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { polishLambda } from '../../src/gpu/host-finish.js';
import { brentRoot } from '../../src/numerics/brent.js';
import { buildDesign } from '../../src/model/design.js';
import { parseFormula } from '../../src/model/formula.js';
import { computeGeneStats, type GeneStats } from '../../src/model/gene-stats.js';
import { lambdaOf, searchLambda } from '../../src/model/lambda-search.js';
import { GenePreparer } from '../../src/model/prepare.js';
import { remlCriterion, remlScore } from '../../src/model/reml.js';
import { confirmedInterval, H2_END_CHECK, h2ProfileInterval } from '../../src/model/inference/h2-uncertainty.js';
import { caseGeneStats, FIXTURES_LME4, loadCase } from '../helpers/cases.js';

/**
 * Two groups of one and two of six, `~ x + (1 | g)`: a gene whose criterion has a minimum at λ = 0 and a higher one
 * at h ≈ 0.45 (found by scanning seeded random genes of this design on a fine grid of h).
 */
function bimodalGene(): GeneStats {
  const y = [-1.92, 0.53, -0.99, 0.87, 0.8, 0.87, 0.12, -0.03, -0.43, 1.14, 0.19, -0.23, -0.62, 0.8];
  const x = 'baaaaabaabbabb'.split('');
  const group = [0, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3].map((j) => `g${j}`);
  const ids = y.map((_, i) => `s${i + 1}`);
  const samples = { file: 'bimodal.tsv', idColumn: 'sample', ids, columns: new Map([['g', group], ['x', x]]), lines: ids.map((_, i) => i + 2) };
  const design = buildDesign(parseFormula('~ x + (1 | g)'), samples, ids);
  const prepared = new GenePreparer({ design, transform: 'none', librarySizes: null, filters: {} }).prepare(Float64Array.from(y));
  assert.equal(prepared.status, 'ready');
  if (prepared.status !== 'ready') throw new Error('unreachable');
  return computeGeneStats(prepared.pattern, prepared.y);
}

describe('polishLambda: the f64 checks of a GPU\'s λ̂', () => {
  it('refuses an interior optimum above the criterion at λ = 0, which the CPU search does not end at', () => {
    const stats = bimodalGene();
    const score = (h: number): number => remlScore(stats, lambdaOf(h));
    assert.ok(score(0) > 0 && score(0.3) < 0 && score(0.6) > 0, 'a minimum at 0 and another inside');
    const inner = lambdaOf(brentRoot(score, 0.3, 0.6, score(0.3), score(0.6), 1e-14).x);
    assert.ok(remlCriterion(stats, inner) > remlCriterion(stats, 0) + 1e-3, 'the inner minimum is the higher one');
    assert.equal(searchLambda(stats).lambda, 0, 'the CPU finds the boundary fit');
    assert.match(String(polishLambda(stats, inner * (1 + 1e-5), true)), /lower at λ = 0/);
  });

  it('polishes an f32-accurate λ̂ to the CPU\'s f64 optimum on every fitted gene of sim300', async () => {
    let interior = 0;
    for (const { id, stats } of caseGeneStats(await loadCase(FIXTURES_LME4, 'sim300'))) {
      const cpu = searchLambda(stats).lambda;
      if (!(cpu > 1e-6)) continue;
      interior++;
      const polished = polishLambda(stats, cpu * (1 + 1e-5), true);
      assert.equal(typeof polished, 'number', `${id}: ${polished}`);
      assert.ok(Math.abs((polished as number) - cpu) <= 1e-9 * cpu, `${id}: polished ${polished}, cpu ${cpu}`);
    }
    assert.ok(interior > 200, `${interior} interior fits`);
  });
});

describe('confirmedInterval: an f32 interval of h2 kept only where f64 brackets its ends', () => {
  it('keeps an interval within a fraction of H2_END_CHECK of the f64 one, and replaces one that is off or reversed', async () => {
    let checked = 0;
    for (const { id, stats } of caseGeneStats(await loadCase(FIXTURES_LME4, 'sim300'))) {
      const lambda = searchLambda(stats).lambda;
      const exact = h2ProfileInterval(stats, lambda);
      if (!(exact.lo > 0.01 && exact.hi < 0.99)) continue;
      checked++;
      for (const shift of [-1e-6, 1e-6]) {
        const near = { lo: exact.lo + shift, hi: exact.hi - shift };
        assert.equal(confirmedInterval(stats, lambda, near), near, `${id}: ends ${shift} from the f64 ones are kept`);
      }
      for (const wrong of [{ lo: exact.lo + 10 * H2_END_CHECK, hi: exact.hi }, { lo: exact.lo, hi: exact.hi - 10 * H2_END_CHECK },
        { lo: 0, hi: exact.hi }, { lo: exact.lo, hi: 1 }, { lo: exact.hi, hi: exact.lo }, { lo: NaN, hi: NaN }]) {
        assert.deepEqual(confirmedInterval(stats, lambda, wrong), exact, `${id}: [${wrong.lo}, ${wrong.hi}] is replaced by the f64 interval`);
      }
    }
    assert.ok(checked > 50, `${checked} genes with both ends inside (0, 1)`);
  });

  it('keeps an end at 0 where the criterion stays within the cut-off down to λ = 0', async () => {
    let checked = 0;
    for (const { id, stats } of caseGeneStats(await loadCase(FIXTURES_LME4, 'sim300'))) {
      const lambda = searchLambda(stats).lambda;
      const exact = h2ProfileInterval(stats, lambda);
      if (exact.lo !== 0 || !(exact.hi < 0.99)) continue;
      checked++;
      const f32 = { lo: 0, hi: exact.hi * (1 + 1e-7) };
      assert.equal(confirmedInterval(stats, lambda, f32), f32, id);
    }
    assert.ok(checked > 10, `${checked} genes whose interval reaches 0`);
  });
});
