/**
 * Exact RLRT p-values (SPEC §4, issue #4) against RLRsim 3.1.8's exactRLRT (test/fixtures/rlrt-exact.json, made
 * by test/fixtures/make-rlrt-exact.R): the eigenvalues μ_s against R's and against a dense computation, the
 * simulated null distribution's mass at 0 and quantiles, and each gene's p-value, within the Monte Carlo bound
 * |Δp| ≤ 4·√(p(1−p)/nsim) + 2/nsim.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildDesign } from '../../src/model/design.js';
import { parseFormula } from '../../src/model/formula.js';
import type { DesignPattern } from '../../src/model/pattern.js';
import { GenePreparer } from '../../src/model/prepare.js';
import {
  exactRlrtPValue, rlrtEigenvalues, rlrtGridWalk, rlrtLambdaGrid, rlrtNullDraw, rlrtNullSetup, simulatePatternRlrtNull,
  simulateRlrtNull,
} from '../../src/model/inference/rlrt-null.js';
import { chiSquareDraw, philoxKey } from '../../src/stats/philox.js';
import { symmetricEigen } from '../../src/numerics/symmetric-eigen.js';
import { CLASSICS_LME4, FIXTURES_LME4, loadCase, REPO_ROOT } from '../helpers/cases.js';
import { monteCarloBound, type RlrtGene } from '../helpers/rlrt-fixture.js';

/** Simulations per design; RLRsim used 1e5. One simulation of a design serves all of its genes. */
const NSIM = 100000;
const SEED = 4;


interface RlrtCase {
  name: string;
  source: 'classics' | 'fixtures';
  formula: string;
  genes: RlrtGene[];
}

const fixture: { nsim: number; cases: RlrtCase[] } = JSON.parse(
  fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/rlrt-exact.json'), 'utf8'));

const bound = monteCarloBound;

/** Each gene's DesignPattern, as the fit prepares it (missing values dropped per gene). */
async function patternsOf(c: RlrtCase): Promise<Map<string, DesignPattern>> {
  const ref = await loadCase(c.source === 'classics' ? CLASSICS_LME4 : FIXTURES_LME4, c.name);
  const design = buildDesign(parseFormula(c.formula), ref.samples, ref.matrix.sampleIds);
  const preparer = new GenePreparer({ design, transform: 'none', librarySizes: null, filters: {} });
  const out = new Map<string, DesignPattern>();
  for (const g of c.genes) {
    const row = ref.matrix.geneIds.indexOf(g.gene);
    const { nSamples, values } = ref.matrix;
    const prepared = preparer.prepare(values.subarray(row * nSamples, (row + 1) * nSamples));
    assert.equal(prepared.status, 'ready', `${c.name} ${g.gene} is fitted`);
    if (prepared.status === 'ready') out.set(g.gene, prepared.pattern);
  }
  return out;
}

/** Zᵀ(I − P_X)Z the slow way: Z's columns minus their projection on X by modified Gram–Schmidt, then their Gram matrix. */
function denseMatrix(pattern: DesignPattern, x: Float64Array, pAll: number): Float64Array {
  const { n, q, p, rows, columns, groupOf } = pattern;
  const basis: Float64Array[] = [];
  for (let a = 0; a < p; a++) {
    const v = Float64Array.from(rows, (r) => x[r * pAll + columns[a]]);
    for (const b of basis) {
      let d = 0;
      for (let i = 0; i < n; i++) d += b[i] * v[i];
      for (let i = 0; i < n; i++) v[i] -= d * b[i];
    }
    const norm = Math.sqrt(v.reduce((s, t) => s + t * t, 0));
    basis.push(v.map((t) => t / norm));
  }
  const r: Float64Array[] = [];
  for (let j = 0; j < q; j++) {
    const v = Float64Array.from(groupOf, (gi) => (gi === j ? 1 : 0));
    for (let pass = 0; pass < 2; pass++) {
      for (const b of basis) {
        let d = 0;
        for (let i = 0; i < n; i++) d += b[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= d * b[i];
      }
    }
    r.push(v);
  }
  const m = new Float64Array(q * q);
  for (let a = 0; a < q; a++) {
    for (let b = 0; b < q; b++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += r[a][i] * r[b][i];
      m[a * q + b] = d;
    }
  }
  return m;
}

describe('RLRT null distribution: building blocks', () => {
  it("the λ grid is RLRTSim's c(0, exp(seq(-10, 8, length = 199)))", () => {
    const grid = rlrtLambdaGrid();
    assert.equal(grid.length, 200);
    assert.equal(grid[0], 0);
    // Values printed by R 4.2.2 with sprintf("%.17g").
    const expected: [number, number][] = [[1, 4.5399929762484854e-05], [2, 4.9720615648329678e-05], [100, 0.36787944117144233], [199, 2980.9579870417283]];
    for (const [i, v] of expected) assert.ok(Math.abs(grid[i] - v) <= 4e-16 * v, `grid[${i}]: expected ${v}, actual ${grid[i]}`);
  });

  it('the grid walk stops at the first local maximum, as RLRsimCpp does', () => {
    // μ = (1, 0.01), u = (1, 1), w = 0.1, n − p = 5: f has two local maxima on the grid; the walk keeps the first.
    const setup = rlrtNullSetup(Float64Array.of(1, 0.01), 6, 1, rlrtLambdaGrid());
    const u = Float64Array.of(1, 1);
    const f = setup.grid.map((l) => 5 * Math.log1p((l / (1 + l) + (0.01 * l) / (1 + 0.01 * l)) / (1 / (1 + l) + 1 / (1 + 0.01 * l) + 0.1))
      - Math.log1p(l) - Math.log1p(0.01 * l));
    let first = 1;
    while (first + 1 < f.length && f[first + 1] >= f[first]) first++;
    const walked = rlrtGridWalk(setup, u, 0.1);
    assert.ok(Math.abs(walked - f[first]) < 1e-12, `walked ${walked}, first local maximum ${f[first]} at λ = ${setup.grid[first]}`);
    assert.ok(Math.max(...f) > walked + 1, `the global maximum ${Math.max(...f)} lies further up the grid`);
    // With u = (0.1, 0.1) and w = 10, f falls from λ = 0 at once: the draw is 0.
    assert.equal(rlrtGridWalk(setup, Float64Array.of(0.1, 0.1), 10), 0);
  });

  it('equal eigenvalues are merged, with their multiplicities', () => {
    const setup = rlrtNullSetup(Float64Array.of(2, 6, 6 * (1 - 1e-15), 4, 6), 20, 2, rlrtLambdaGrid());
    assert.deepEqual(Array.from(setup.multiplicity), [3, 1, 1]);
    assert.deepEqual(Array.from(setup.values).map((v) => +v.toFixed(12)), [1, 0.666666666667, 0.333333333333]);
    assert.equal(setup.df, 13);
  });

  it('the p-value is the share strictly above the observed value, and 1 at RLRT = 0', () => {
    const sorted = Float64Array.of(0, 0, 0, 1, 2, 2, 3, 5);
    assert.equal(exactRlrtPValue(sorted, 0), 1);
    assert.equal(exactRlrtPValue(sorted, 1e-300), 5 / 8);
    assert.equal(exactRlrtPValue(sorted, 2), 2 / 8);
    assert.equal(exactRlrtPValue(sorted, 5), 0);
    assert.ok(Number.isNaN(exactRlrtPValue(sorted, NaN)));
  });

  it('the simulation is reproducible and any one draw can be recomputed alone', () => {
    const mu = Float64Array.of(5, 4, 4, 1.5);
    const a = simulateRlrtNull(mu, 20, 2, 500, 11);
    assert.deepEqual(a, simulateRlrtNull(mu, 20, 2, 500, 11));
    assert.notDeepEqual(a, simulateRlrtNull(mu, 20, 2, 500, 12));
    const all = new Set(a);
    const setup = rlrtNullSetup(mu, 20, 2, rlrtLambdaGrid());
    const u = new Float64Array(setup.values.length);
    for (const i of [0, 1, 17, 250, 499]) {
      const v = rlrtNullDraw(setup, philoxKey(11), i, u);
      assert.ok(all.has(v), `draw ${i} (${v}) recomputed alone is one of the simulation's`);
      setup.multiplicity.forEach((m, j) => {
        assert.equal(u[j], chiSquareDraw(m, philoxKey(11), i, j + 1), `simulation ${i}: U_${j} is χ²_${m} variable ${j + 1}`);
      });
    }
  });

  it('with q > n − p, nRandom gives RLRsim\'s residual degrees of freedom', () => {
    const mu = Float64Array.of(1, 1);
    assert.throws(() => simulateRlrtNull(mu, 3, 2, 10, 1), RangeError);
    // RLRsim: K = 3 groups, n − p = 1: w ~ χ²_{0 + 3 − 2}.
    assert.equal(simulateRlrtNull(mu, 3, 2, 10, 1, { nRandom: 3 }).length, 10);
  });
});

describe('RLRT eigenvalues μ_s of Zᵀ(I − P_X)Z', async () => {
  it('with p = 0 (`~ 0 + (1 | g)`) they are the group sizes', async () => {
    const ref = await loadCase(FIXTURES_LME4, 'unbalanced');
    const design = buildDesign(parseFormula('~ 0 + (1 | g)'), ref.samples, ref.matrix.sampleIds);
    const pattern = new GenePreparer({ design, transform: 'none', librarySizes: null, filters: {} })
      .prepare(ref.matrix.values.subarray(ref.matrix.nSamples, 2 * ref.matrix.nSamples));
    assert.equal(pattern.status, 'ready');
    if (pattern.status !== 'ready') return;
    assert.deepEqual(Array.from(rlrtEigenvalues(pattern.pattern)), [7, 5, 4, 3, 3, 2, 2, 1]);
  });

  for (const c of fixture.cases) {
    const patterns = await patternsOf(c);
    const ref = await loadCase(c.source === 'classics' ? CLASSICS_LME4 : FIXTURES_LME4, c.name);
    const design = buildDesign(parseFormula(c.formula), ref.samples, ref.matrix.sampleIds);
    it(`${c.name}: R's svd, a dense Jacobi and the trace agree with the size-class reduction`, () => {
      const failures: string[] = [];
      const seen = new Set<DesignPattern>();
      for (const g of c.genes) {
        const pattern = patterns.get(g.gene)!;
        assert.deepEqual([pattern.n, pattern.p, pattern.q], [g.n, g.p, g.K], `${c.name} ${g.gene}: n, p, q as lme4's`);
        const mu = rlrtEigenvalues(pattern);
        const maxR = Math.max(...g.mu);
        const muR = g.mu.filter((v) => v > 1e-12 * maxR);
        if (mu.length !== muR.length) failures.push(`${c.name} ${g.gene}: ${muR.length} non-zero eigenvalues expected, ${mu.length} actual`);
        muR.forEach((v, s) => {
          if (!(Math.abs(mu[s] - v) <= 1e-10 * maxR)) failures.push(`${c.name} ${g.gene} μ[${s}]: expected ${v}, actual ${mu[s]}`);
        });
        if (seen.has(pattern)) continue;
        seen.add(pattern);
        const dense = denseMatrix(pattern, design.x, design.p);
        const all = symmetricEigen(dense, pattern.q).values;
        let trace = 0;
        for (let j = 0; j < pattern.q; j++) trace += dense[j * pattern.q + j];
        const sum = mu.reduce((s, v) => s + v, 0);
        if (!(Math.abs(sum - trace) <= 1e-10 * trace)) failures.push(`${c.name} ${g.gene} Σμ: expected trace ${trace}, actual ${sum}`);
        mu.forEach((v, s) => {
          if (!(Math.abs(all[s] - v) <= 1e-10 * all[0])) failures.push(`${c.name} ${g.gene} μ[${s}] dense: expected ${all[s]}, actual ${v}`);
        });
        for (let s = mu.length; s < pattern.q; s++) {
          if (!(Math.abs(all[s]) <= 1e-10 * all[0])) failures.push(`${c.name} ${g.gene} dense eigenvalue ${s} should be 0: ${all[s]}`);
        }
      }
      assert.deepEqual(failures, []);
    });
  }
});

describe(`exact RLRT p-values against RLRsim::exactRLRT (nsim ${NSIM} here, ${fixture.nsim} in R)`, async () => {
  const table: string[] = [];
  for (const c of fixture.cases) {
    const patterns = await patternsOf(c);
    it(`${c.name}: each gene's p-value, and the null's mass at 0 and quantiles`, () => {
      const nulls = new Map<DesignPattern, Float64Array>();
      const failures: string[] = [];
      for (const g of c.genes) {
        const pattern = patterns.get(g.gene)!;
        let sample = nulls.get(pattern);
        if (sample === undefined) {
          sample = simulatePatternRlrtNull(pattern, NSIM, SEED);
          nulls.set(pattern, sample);
          // The null itself: the share of our draws above each of R's quantiles is 1 − the quantile's level.
          const summary = g.null;
          if (summary !== null && 'p0' in summary) {
            const checks: [string, number, number][] = [['P(RLRT = 0)', summary.p0, 1 - exactRlrtPValue(sample, Number.MIN_VALUE)]];
            // Quantiles at 0 (the levels below the mass at 0) are the mass at 0, checked already.
            summary.probs.forEach((prob, i) => {
              const q = summary.quantiles[i];
              if (q > 0) checks.push([`P(RLRT > R's q${prob} = ${q.toPrecision(6)})`, 1 - prob, exactRlrtPValue(sample!, q)]);
            });
            for (const [what, expected, actual] of checks) {
              const b = bound(expected, Math.min(NSIM, fixture.nsim));
              if (!(Math.abs(actual - expected) <= b)) failures.push(`${c.name} ${g.gene} ${what}: expected ${expected}, actual ${actual}, bound ${b.toExponential(2)}`);
            }
          }
        }
        const ours = exactRlrtPValue(sample, g.rlrt);
        const b = g.nsim === 0 ? 0 : bound(g.p_value, Math.min(NSIM, g.nsim));
        table.push(`${c.name.padEnd(10)} ${g.gene.padEnd(10)} rlrt ${g.rlrt.toPrecision(6).padStart(12)}  p_R ${String(g.p_value).padEnd(8)} p_ours ${String(ours).padEnd(8)} bound ${b.toExponential(2)}`);
        if (!(Math.abs(ours - g.p_value) <= b)) {
          failures.push(`${c.name} ${g.gene} p_rlrt_exact: expected ${g.p_value}, actual ${ours}, bound ${b.toExponential(2)} (rlrt ${g.rlrt})`);
        }
      }
      assert.deepEqual(failures, []);
    });
  }
  it('agreement table', () => {
    if (process.env.GENELMM_PRINT_RLRT) console.log(table.join('\n'));
    assert.equal(table.length, fixture.cases.reduce((s, c) => s + c.genes.length, 0));
  });
});
