import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choleskyInPlace, choleskyInverse } from '../../src/numerics/linalg.js';
import { devianceGradient, type Method, objective, objectiveGradient, profileBeta, termsGene, updateL } from '../../src/model/terms/criterion.js';
import { gradient } from '../../src/numerics/finite-differences.js';
import { buildTermsPattern, type TermsDesign } from '../../src/model/terms/terms-pattern.js';
import { random as uniforms } from '../io/helpers.js';

/** An unbalanced design: 41 samples, an intercept and a covariate, three crossed terms of 9, 4 and 3 levels. */
function smallDesign(): { design: TermsDesign; y: Float64Array; n: number } {
  const u = uniforms(7);
  const n = 41;
  const x = new Float64Array(n * 2);
  const y = new Float64Array(n);
  const levels = [9, 4, 3];
  const codes = levels.map(() => new Int32Array(n));
  for (let i = 0; i < n; i++) {
    x[i * 2] = 1;
    x[i * 2 + 1] = 40 + 20 * u();
    codes.forEach((c, k) => { c[i] = i < levels[k] ? i : Math.floor(u() * levels[k]); });
    y[i] = 5 + 0.1 * x[i * 2 + 1] + 2 * u() + codes[0][i] * 0.3 - codes[2][i] * 0.5;
  }
  const design = {
    x, p: 2, coefNames: ['(Intercept)', 'age'],
    randomTerms: codes.map((c, k) => ({ name: `t${k}`, codes: c })),
  };
  return { design, y, n };
}

/**
 * The criterion straight from its definition: V = I + Σ_k θ_k² Z_k Z_kᵀ formed and factored densely, β̂ by
 * generalised least squares, r = (y − Xβ̂)ᵀ V⁻¹ (y − Xβ̂), log|L_θ|² = log|V| (Sylvester), log|R_X|² = log|XᵀV⁻¹X|.
 */
function denseCriterion(design: TermsDesign, y: Float64Array, n: number, theta: ArrayLike<number>, method: Method):
  { value: number; beta: number[]; deviance: (sigma: number) => number } {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    v[i * n + i] = 1;
    for (let j = 0; j < n; j++) {
      design.randomTerms.forEach((term, k) => {
        if (term.codes[i] === term.codes[j]) v[i * n + j] += theta[k] * theta[k];
      });
    }
  }
  const vinv = (() => {
    const l = Float64Array.from(v);
    assert.ok(choleskyInPlace(l, n));
    return { inv: choleskyInverse(l, n, n), logDet: Array.from({ length: n }, (_, i) => 2 * Math.log(l[i * n + i])).reduce((a, b) => a + b) };
  })();
  const p = design.p;
  const xtvx = new Float64Array(p * p);
  const xtvy = new Float64Array(p);
  for (let a = 0; a < p; a++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const w = design.x[i * p + a] * vinv.inv[i * n + j];
        xtvy[a] += w * y[j];
        for (let b = 0; b < p; b++) xtvx[a * p + b] += w * design.x[j * p + b];
      }
    }
  }
  const lx = Float64Array.from(xtvx);
  assert.ok(choleskyInPlace(lx, p));
  const cinv = choleskyInverse(lx, p, p);
  const beta = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, b) => cinv[a * p + b] * xtvy[b]).reduce((s, t) => s + t));
  const e = Array.from(y, (yi, i) => yi - beta.reduce((s, b, a) => s + design.x[i * p + a] * b, 0));
  let r = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) r += e[i] * vinv.inv[i * n + j] * e[j];
  const logDetX = Array.from({ length: p }, (_, i) => 2 * Math.log(lx[i * p + i])).reduce((a, b) => a + b);
  const dof = method === 'reml' ? n - p : n;
  const value = vinv.logDet + (method === 'reml' ? logDetX : 0) + dof * (1 + Math.log(2 * Math.PI * r / dof));
  // lmerTest's devfun_vp: the same criterion before σ² is profiled out.
  const deviance = (sigma: number): number => vinv.logDet + r / sigma ** 2 + n * Math.log(2 * Math.PI * sigma ** 2) +
    (method === 'reml' ? logDetX - p * Math.log(2 * Math.PI * sigma ** 2) : 0);
  return { value, beta, deviance };
}

describe('the blocked criterion equals the dense one at fixed θ (SPEC §3)', () => {
  const { design, y, n } = smallDesign();
  const pattern = buildTermsPattern(design, Int32Array.from({ length: n }, (_, i) => i));
  const thetas = [[1, 1, 1], [0, 0, 0], [0, 0.7, 2], [3, 0, 0.2], [0.05, 5, 0], [10, 10, 10]];
  for (const method of ['reml', 'ml'] as const) {
    for (const theta of thetas) {
      it(`${method} at θ = (${theta.join(', ')})`, () => {
        const gene = termsGene(pattern, y, method);
        const dense = denseCriterion(design, y, n, theta, method);
        const blocked = objective(gene, theta);
        assert.ok(Math.abs(blocked - dense.value) < 1e-9 * Math.abs(dense.value), `blocked ${blocked}, dense ${dense.value}`);
        assert.ok(updateL(gene, theta));
        const { beta } = profileBeta(gene);
        beta.forEach((b, a) => assert.ok(Math.abs(b * gene.stats.scale - dense.beta[a]) < 1e-9 * (1 + Math.abs(dense.beta[a])),
          `β${a}: blocked ${b}, dense ${dense.beta[a]}`));
      });
    }
  }

  it('does not depend on which observations are missing beyond the rows it is given', () => {
    const rows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 5 !== 2);
    const sub = {
      ...design,
      x: Float64Array.from(Array.from(rows).flatMap((i) => [design.x[i * 2], design.x[i * 2 + 1]])),
      randomTerms: design.randomTerms.map((t) => ({ name: t.name, codes: Int32Array.from(rows, (i) => t.codes[i]) })),
    };
    const subY = Float64Array.from(rows, (i) => y[i]);
    const direct = buildTermsPattern(sub, Int32Array.from({ length: rows.length }, (_, i) => i));
    const viaRows = buildTermsPattern(design, rows);
    for (const theta of thetas) {
      const a = objective(termsGene(direct, subY, 'reml'), theta);
      const b = objective(termsGene(viaRows, subY, 'reml'), theta);
      assert.ok(Math.abs(a - b) < 1e-10 * Math.abs(a), `${a} vs ${b}`);
      assert.ok(Math.abs(a - denseCriterion(sub, subY, rows.length, theta, 'reml').value) < 1e-9 * Math.abs(a));
    }
  });
});

describe('the analytic gradients equal differences of the dense criterion', () => {
  const { design, y, n } = smallDesign();
  const pattern = buildTermsPattern(design, Int32Array.from({ length: n }, (_, i) => i));
  // θ_k = 0 (a boundary, where the gradient is 0) and negative θ_k (the criterion folded at 0) included.
  const thetas = [[1, 1, 1], [0, 0.7, 2], [3, 0, 0.2], [-0.4, 1.5, -0.3], [0.05, 5, 0.01]];
  const close = (analytic: Float64Array, numeric: Float64Array, what: string): void => {
    numeric.forEach((v, k) => assert.ok(Math.abs(analytic[k] - v) < 1e-6 * (1 + Math.abs(v)),
      `${what} ∂/∂${k}: analytic ${analytic[k]}, differences ${v}`));
  };
  for (const method of ['reml', 'ml'] as const) {
    for (const theta of thetas) {
      it(`${method} at θ = (${theta.join(', ')}): objective and lmerTest's deviance at σ = 0.8`, () => {
        const gene = termsGene(pattern, y, method);
        close(objectiveGradient(gene, theta, new Float64Array(3)),
          gradient((t) => denseCriterion(design, y, n, t, method).value, theta), 'objective');
        const at = [...theta, 0.8];
        close(devianceGradient(gene, theta, 0.8, new Float64Array(4)),
          gradient((v) => denseCriterion(design, y, n, v.subarray(0, 3), method).deviance(v[3]), at), 'deviance');
      });
    }
  }
});
