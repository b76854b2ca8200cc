/**
 * The kinship model's criterion against the dense SPEC §3 formula at fixed λ (H = I + λ Z K Zᵀ formed and inverted),
 * on the fixtures' genes with and without missing values and with replicates; the kinship of the levels (missing
 * ids, indefinite matrices); and the Householder–QL eigen-decomposition it rests on.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { readKinship } from '../../src/io/kinship-files.js';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import { buildDesign } from '../../src/model/design.js';
import { parseFormula } from '../../src/model/formula.js';
import { buildKinshipPattern, clampedKinship, type Kinship, kinshipBasis, type KinshipPattern, kinshipGeneStats, levelKinship } from '../../src/model/kinship.js';
import { GenePreparer } from '../../src/model/prepare.js';
import type { GeneStats } from '../../src/model/gene-stats.js';
import { admitsH2One, H_MAX, lambdaOf, searchLambda } from '../../src/model/lambda-search.js';
import { assembleM, classSum, gridCriterion, remlCriterion } from '../../src/model/reml.js';
import { tridiagonalEigen } from '../../src/numerics/tridiagonal-eigen.js';
import { plainTred2Tql2 } from '../helpers/plain-eigen.js';
import { REPO_ROOT } from '../helpers/cases.js';
import { denseCriterion } from '../helpers/dense-reml.js';

const DIR = path.join(REPO_ROOT, 'test/fixtures/kinship');
const LAMBDAS = [0, 0.05, 0.7, 3, 250];

/**
 * A gene of the kinship fixtures (`single` or `replicates`, ~ sex + (1 | individual)): its statistics under its
 * kinship pattern, and the dense SPEC §3 criterion of its observed samples at λ.
 */
async function fixtureGene(name: string, id: string): Promise<{ stats: GeneStats; dense: (lambda: number) => number }> {
  const matrix = await readMatrix(path.join(DIR, `${name}.expr.tsv`));
  const design = buildDesign(parseFormula('~ sex + (1 | individual)'), await readSampleSheet(path.join(DIR, `${name}.samples.tsv`)), matrix.sampleIds);
  const kinship = levelKinship(await readKinship(path.join(DIR, 'sim')), design.randomTerms[0], () => {});
  const basis = kinshipBasis(design, kinship);
  const context = { design, transform: 'none' as const, librarySizes: null, filters: {}, kinship: basis };
  const preparer = new GenePreparer<KinshipPattern>(context, (d, rows) => buildKinshipPattern(d, rows, basis));
  const g = matrix.geneIds.indexOf(id);
  const prepared = preparer.prepare(matrix.values.subarray(g * matrix.nSamples, (g + 1) * matrix.nSamples));
  assert.ok(prepared.status === 'ready', `${name} ${id}`);
  const { pattern, y } = prepared;
  const x = Array.from(pattern.rows, (row) => Array.from(pattern.columns, (col) => design.x[row * design.p + col]));
  const level = Array.from(pattern.rows, (row) => design.randomTerms[0].codes[row]);
  const clamped = clampedKinship(kinship);
  const dense = (lambda: number): number => denseCriterion(x, (i, j) => clamped[level[i] * kinship.q + level[j]], Array.from(y), lambda);
  return { stats: kinshipGeneStats(pattern, y), dense };
}

describe('kinship criterion at fixed λ equals the dense formula with H = I + λ Z K Zᵀ', () => {
  for (const [name, genes] of [['single', ['gene03', 'gene15']], ['replicates', ['gene08', 'gene16']]] as const) {
    it(`${name}: ${genes.join(', ')} at λ ∈ {${LAMBDAS.join(', ')}}`, async () => {
      for (const id of genes) {
        const { stats, dense } = await fixtureGene(name, id);
        for (const lambda of LAMBDAS) {
          const expected = dense(lambda);
          const actual = remlCriterion(stats, lambda);
          assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.abs(expected), `${name} ${id} λ=${lambda}: expected ${expected}, actual ${actual}`);
        }
      }
    });
  }
});

describe('a kinship gene\'s statistics, its blocks\' X part shared with its pattern', () => {
  it('give M(λ), its derivatives and weighted class sums with the bits of whole blocks [X y]ᵀ[X y] / s_k', async () => {
    for (const [name, id] of [['single', 'gene03'], ['single', 'gene15'], ['replicates', 'gene08']] as const) {
      const { stats } = await fixtureGene(name, id);
      const { pattern, m } = stats;
      const p = m - 1;
      // The same statistics as whole blocks: each class's [m × m] block, its X part from bxx, its y row and column from b.
      const b = new Float64Array(pattern.nSizes * m * m);
      for (let k = 0; k < pattern.nSizes; k++) {
        for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) b[k * m * m + a * m + c] = pattern.bxx[k * p * p + a * p + c];
        for (let c = 0; c < m; c++) b[k * m * m + p * m + c] = b[k * m * m + c * m + p] = stats.b[k * m + c];
      }
      const whole: GeneStats = { ...stats, pattern: { ...pattern, sharedWxx: undefined }, b };
      for (const lambda of LAMBDAS) {
        for (const order of [0, 1, 2] as const) {
          const expected = Array.from(assembleM(whole, lambda, new Float64Array(m * m + 1), order).subarray(0, m * m));
          const actual = Array.from(assembleM(stats, lambda, new Float64Array(m * m + 1), order).subarray(0, m * m));
          assert.deepEqual(actual, expected, `${name} ${id}, λ = ${lambda}, order ${order}`);
        }
      }
      const weights = Float64Array.from({ length: pattern.nSizes }, (_, k) => 1 / (k + 2));
      const expected = Array.from(classSum(whole, weights, true, new Float64Array(m * m + 1)).subarray(0, m * m));
      assert.deepEqual(Array.from(classSum(stats, weights, true, new Float64Array(m * m + 1)).subarray(0, m * m)), expected);
    }
  });
});

describe('the criterion at the search grid\'s λs, with the pattern\'s part of it kept (gridCriterion)', () => {
  it('gives remlCriterion\'s bits for the gene whose evaluation kept it and for the pattern\'s next genes', async () => {
    const { stats } = await fixtureGene('single', 'gene03');
    const pattern = stats.pattern as KinshipPattern;
    const next = kinshipGeneStats(pattern, Float64Array.from(pattern.rows, (_, i) => 7 + 3 * Math.sin(i)));
    const lambdas = [...LAMBDAS, 1e8];
    for (const gene of [stats, next, stats]) {
      for (const lambda of lambdas) assert.ok(Object.is(gridCriterion(gene, lambda), remlCriterion(gene, lambda)), `λ = ${lambda}`);
    }
    assert.equal(pattern.atGrid?.size, lambdas.length);
  });

  it('leaves the search where it was without it: the same λ̂, criterion and grid values', async () => {
    for (const [name, id] of [['single', 'gene15'], ['replicates', 'gene08'], ['single', 'gene14']] as const) {
      const { stats } = await fixtureGene(name, id);
      const without = searchLambda({ ...stats, pattern: { ...stats.pattern, atGrid: undefined } });
      assert.deepEqual(searchLambda(stats), without, `${name} ${id}`);
      assert.deepEqual(searchLambda(stats), without, `${name} ${id}, again from the kept part`);
      assert.ok((stats.pattern.atGrid?.size ?? 0) >= 18);
    }
  });
});

describe('a kinship gene whose criterion falls all the way to h2 = 1', () => {
  it('ends its search at λ = 1e8 with the dense criterion there, where h2 = 1 is a point of the parameter space', async () => {
    // One sample per individual: K_s's null space (the centring direction of the GRM) is explained by the intercept,
    // so σ²_e = 0 is possible; with replicates the within-individual residual keeps it above 0.
    const single = await fixtureGene('single', 'gene14');
    assert.equal(admitsH2One(single.stats), true);
    assert.equal(admitsH2One((await fixtureGene('replicates', 'gene14')).stats), false);
    const search = searchLambda(single.stats);
    // A search on log λ beyond 1e8 ended at LAMBDA_MAX (or where rounding made the criterion lowest, 1e12 to 3e14 on
    // the kinship bench's genes, with log-likelihoods up to 1,550 too high).
    assert.ok(search.lambda >= 1e7 && search.lambda <= lambdaOf(H_MAX), `λ̂ ${search.lambda}`);
    assert.equal(search.atUpperBound, false);
    // The dense formula loses its precision beyond λ ≈ 1e7 (H's eigenvalues span 1 to 1e8 there): the fit is at
    // least as good as its points up to 1e7, and within the plateau's last 1e-6 of them, not far below as rounding was.
    for (const lambda of [1e5, 1e6, 1e7]) {
      const dense = single.dense(lambda);
      assert.ok(search.criterion <= dense + 1e-9 * Math.abs(dense) && search.criterion >= single.dense(1e7) - 1e-6, `λ = ${lambda}: ${search.criterion} against ${dense}`);
    }
  });
});

describe('kinship patterns kept by the preparer', () => {
  it('are dropped, oldest first, once they pass their byte budget, and built again when needed', async () => {
    const matrix = await readMatrix(path.join(DIR, 'single.expr.tsv'));
    const design = buildDesign(parseFormula('~ sex + (1 | individual)'), await readSampleSheet(path.join(DIR, 'single.samples.tsv')), matrix.sampleIds);
    const basis = kinshipBasis(design, levelKinship(await readKinship(path.join(DIR, 'sim')), design.randomTerms[0], () => {}));
    const context = { design, transform: 'none' as const, librarySizes: null, filters: {}, kinship: basis };
    const withMissing = matrix.geneIds.map((_, g) => g).filter((g) => matrix.values.subarray(g * matrix.nSamples, (g + 1) * matrix.nSamples).some(Number.isNaN));
    assert.ok(withMissing.length >= 2);
    const builds = (budget: number): number => {
      let built = 0;
      const preparer = new GenePreparer<KinshipPattern>(context, (d, rows) => {
        built++;
        return buildKinshipPattern(d, rows, basis);
      }, { patterns: 16, bytes: (p) => 8 * p.bxx.length, budget });
      for (const g of [...withMissing, ...withMissing]) preparer.prepare(matrix.values.subarray(g * matrix.nSamples, (g + 1) * matrix.nSamples));
      return built;
    };
    // Each gene with missing values is a pattern of its own (besides the complete pattern, built with the preparer):
    // kept, each is built once; over budget, again each time it comes back.
    const kept = builds(Infinity) - 1;
    assert.ok(kept >= 2);
    assert.equal(builds(1) - 1, 2 * kept);
  });
});

/** A kinship of the ids from a full symmetric matrix given by rows. */
function kinshipOf(ids: string[], rows: number[][]): Kinship {
  const triangle = new Float64Array((ids.length * (ids.length + 1)) / 2);
  for (let i = 0; i < ids.length; i++) for (let j = 0; j <= i; j++) triangle[(i * (i + 1)) / 2 + j] = rows[i][j];
  return { ids, triangle, source: 'k.tsv' };
}

describe('the kinship of a random term\'s levels', () => {
  const term = { name: 'individual', levels: ['b', 'a'], codes: new Int32Array([0, 1]) };
  it('takes the levels\' rows in level order and ignores other ids', () => {
    const k = levelKinship(kinshipOf(['a', 'x', 'b'], [[1, 0.1, 0.25], [0.1, 1, 0.2], [0.25, 0.2, 2]]), term, () => {});
    assert.deepEqual(Array.from(k.values), [2, 0.25, 0.25, 1]);
  });
  it('refuses, before any work, more samples than the kernels can hold the rotation of (WebAssembly\'s 4 GiB a thread)', () => {
    const many = { ...term, codes: new Int32Array(23_500) };
    assert.throws(() => levelKinship(kinshipOf(['a', 'b'], [[1, 0], [0, 1]]), many, () => {}),
      (e: unknown) => e instanceof InputError && /k\.tsv: a kinship model of 23500 samples needs their 23500 × 23500 rotation \(4\.1 GiB\)/.test(e.message));
    assert.doesNotThrow(() => levelKinship(kinshipOf(['a', 'b'], [[1, 0], [0, 1]]), { ...term, codes: new Int32Array(2) }, () => {}));
  });
  it('names the levels missing from the file', () => {
    assert.throws(() => levelKinship(kinshipOf(['a', 'x'], [[1, 0], [0, 1]]), term, () => {}),
      (e: unknown) => e instanceof InputError && /k\.tsv: 1 level\(s\) of "individual" are not ids of the kinship matrix: "b"/.test(e.message));
  });
  it('sets slightly negative eigenvalues to 0 with a notice, and refuses a matrix that is far from PSD', () => {
    const notices: string[] = [];
    // Eigenvalues 2.001 and −0.001.
    const k = levelKinship(kinshipOf(['a', 'b'], [[1, 1.001], [1.001, 1]]), term, (m) => notices.push(m));
    assert.match(notices.join(), /negative eigenvalues down to -0\.001000 \(largest 2\.001\); they are set to 0/);
    const e = tridiagonalEigen(clampedKinship(k), 2);
    assert.ok(Math.abs(e.values[1]) < 1e-15 && Math.abs(e.values[0] - 2.001) < 1e-12, String(e.values));
    assert.throws(() => levelKinship(kinshipOf(['a', 'b'], [[1, 1.1], [1.1, 1]]), term, () => {}),
      (err: unknown) => err instanceof InputError && /not positive semi-definite: its smallest eigenvalue is -0\.1000/.test(err.message));
  });
});

describe('tridiagonalEigen (Householder + QL)', () => {
  const check = (a: Float64Array, m: number): void => {
    const { values, vectors } = tridiagonalEigen(a, m);
    let scale = 1;
    for (let i = 0; i < m * m; i++) scale = Math.max(scale, Math.abs(a[i]));
    for (let k = 0; k < m; k++) {
      if (k > 0) assert.ok(values[k] <= values[k - 1], 'decreasing');
      for (let i = 0; i < m; i++) {
        let av = 0;
        for (let j = 0; j < m; j++) av += a[i * m + j] * vectors[j * m + k];
        assert.ok(Math.abs(av - values[k] * vectors[i * m + k]) < 1e-12 * scale * m, `A v = λ v at ${i}, ${k}`);
      }
      for (let l = 0; l <= k; l++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += vectors[i * m + k] * vectors[i * m + l];
        assert.ok(Math.abs(dot - (k === l ? 1 : 0)) < 1e-12 * m, `orthonormal ${k}, ${l}`);
      }
    }
  };
  it('decomposes random, repeated-eigenvalue, diagonal and tiny matrices', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    for (const m of [0, 1, 2, 3, 17, 120]) {
      const a = new Float64Array(m * m);
      for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) a[i * m + j] = a[j * m + i] = random();
      check(a, m);
    }
    const identity = new Float64Array(36);
    for (let i = 0; i < 6; i++) identity[i * 6 + i] = 1;
    check(identity, 6);
    const blocks = new Float64Array(36).map((_, t) => (Math.floor(Math.floor(t / 6) / 2) === Math.floor((t % 6) / 2) ? 1 : 0));
    check(blocks, 6); // ZZᵀ of three groups of two: eigenvalues 2, 2, 2, 0, 0, 0
    assert.deepEqual(Array.from(tridiagonalEigen(blocks, 6).values, (v) => Math.round(v * 1e12) / 1e12), [2, 2, 2, 0, 0, 0]);
  });

  it('gives the bits of the plain tred2 + tql2 loops, whatever the size mod 4 (rows taken two and four at a time)', () => {
    let seed = 11;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    for (const m of [1, 2, 3, 4, 5, 6, 7, 9, 33, 130]) {
      const a = new Float64Array(m * m);
      for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) a[i * m + j] = a[j * m + i] = random() + (i === j ? 1 : 0);
      const { values, vectors } = tridiagonalEigen(a, m);
      const plain = plainTred2Tql2(a, m);
      const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => plain.d[j] - plain.d[i]);
      assert.deepEqual(Array.from(values), order.map((i) => plain.d[i]), `eigenvalues, m = ${m}`);
      for (let k = 0; k < m; k++) {
        for (let i = 0; i < m; i++) assert.equal(vectors[i * m + k], plain.vt[order[k] * m + i], `vector ${k}, element ${i}, m = ${m}`);
      }
    }
  });
});
