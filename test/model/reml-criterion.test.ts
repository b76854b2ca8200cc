import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDesign } from '../../src/model/design.js';
import { parseFormula } from '../../src/model/formula.js';
import { computeGeneStats } from '../../src/model/gene-stats.js';
import { GenePreparer } from '../../src/model/prepare.js';
import { remlCriterion } from '../../src/model/reml.js';
import { CLASSICS_LME4, FIXTURES_LME4, loadCase } from '../helpers/cases.js';

/** Inverse and log-determinant of a dense symmetric positive definite matrix by Gauss–Jordan with pivoting. */
function invertDense(a: number[][]): { inverse: number[][]; logDet: number } {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  let logDet = 0;
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    const d = m[c][c];
    logDet += Math.log(Math.abs(d));
    for (let j = 0; j < 2 * n; j++) m[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      if (f !== 0) for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return { inverse: m.map((row) => row.slice(n)), logDet };
}

/** SPEC §3's −2ℓ_R(λ) the slow way: form H = I + λZZᵀ, invert it, and apply the formula term by term. */
function denseCriterion(x: number[][], group: number[], y: number[], lambda: number): number {
  const n = y.length;
  const p = x[0]?.length ?? 0;
  const h = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0) + (group[i] === group[j] ? lambda : 0)));
  const { inverse: hi, logDet: logDetH } = invertDense(h);
  const hiX = hi.map((row) => Array.from({ length: p }, (_, b) => row.reduce((s, v, k) => s + v * x[k][b], 0)));
  const hiY = hi.map((row) => row.reduce((s, v, k) => s + v * y[k], 0));
  const xhx = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, b) => x.reduce((s, row, k) => s + row[a] * hiX[k][b], 0)));
  const xhy = Array.from({ length: p }, (_, a) => x.reduce((s, row, k) => s + row[a] * hiY[k], 0));
  const { inverse: xhxInv, logDet: logDetXHX } = p > 0 ? invertDense(xhx) : { inverse: [], logDet: 0 };
  const beta = xhxInv.map((row) => row.reduce((s, v, b) => s + v * xhy[b], 0));
  const e = y.map((v, i) => v - x[i].reduce((s, xv, b) => s + xv * beta[b], 0));
  const r = e.reduce((s, ei, i) => s + ei * hi[i].reduce((t, v, k) => t + v * e[k], 0), 0);
  return logDetH + logDetXHX + (n - p) * (1 + Math.log((2 * Math.PI * r) / (n - p)));
}

const LAMBDAS = [0, 0.1, 0.5, 0.713, 1, 3.7, 100];
const CASES: [string, string, string[]][] = [
  [CLASSICS_LME4, 'Orthodont', []],
  [CLASSICS_LME4, 'ergoStool', []],
  [FIXTURES_LME4, 'unbalanced', ['gene01', 'gene05']],
  [FIXTURES_LME4, 'missing', ['gene2', 'gene5', 'gene7']],
  [FIXTURES_LME4, 'covariates', ['gene03']],
  [FIXTURES_LME4, 'nointercept', ['gene1']],
  [FIXTURES_LME4, 'size1', ['gene2']],
];

describe('REML criterion at fixed λ equals the dense SPEC §3 formula', () => {
  for (const [dir, name, genes] of CASES) {
    it(`${name} at λ ∈ {${LAMBDAS.join(', ')}}`, async () => {
      const c = await loadCase(dir, name);
      const formula = parseFormula(c.formula);
      const design = buildDesign(formula, c.samples, c.matrix.sampleIds);
      const preparer = new GenePreparer({ design, transform: 'none', librarySizes: null, filters: {} });
      const ids = genes.length > 0 ? genes : [c.matrix.geneIds[0]];
      for (const id of ids) {
        const g = c.matrix.geneIds.indexOf(id);
        assert.ok(g >= 0, `${id} is in ${name}`);
        const raw = c.matrix.values.subarray(g * c.matrix.nSamples, (g + 1) * c.matrix.nSamples);
        const prepared = preparer.prepare(raw);
        assert.equal(prepared.status, 'ready');
        if (prepared.status !== 'ready') continue;
        const { pattern, y } = prepared;
        const stats = computeGeneStats(pattern, y);
        const x = Array.from(pattern.rows, (row) => Array.from(pattern.columns, (col) => design.x[row * design.p + col]));
        const group = Array.from(pattern.rows, (row) => design.randomTerms[0].codes[row]);
        for (const lambda of LAMBDAS) {
          const expected = denseCriterion(x, group, Array.from(y), lambda);
          const actual = remlCriterion(stats, lambda);
          assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.abs(expected),
            `${name} ${id} λ=${lambda}: expected ${expected}, actual ${actual}`);
        }
      }
    });
  }
});
