import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minimizeTheta, type ThetaObjective } from '../../src/model/terms/optimize-theta.js';

/** f(θ) = (θ_1² − 1)² + (θ_2² − 4)² / 4 + θ_1² θ_2² / 10: even in each θ_k, so θ_k = 0 is stationary in θ_k. */
const doubleWell: ThetaObjective = {
  value: ([a, b]) => (a * a - 1) ** 2 + (b * b - 4) ** 2 / 4 + (a * a * b * b) / 10,
  gradient: ([a, b], out) => {
    out[0] = 4 * a * (a * a - 1) + (a * b * b) / 5;
    out[1] = b * (b * b - 4) + (a * a * b) / 5;
    return out;
  },
};

/** Its minimum over θ ≥ 0, solved from the gradient: a² = 1 − b²/20 and b² = 4 − a²/5. */
const B2 = (4 - 1 / 5) / (1 - 1 / 100);
const A2 = 1 - B2 / 20;
const F_MIN = doubleWell.value(Float64Array.of(Math.sqrt(A2), Math.sqrt(B2)));

describe('minimizeTheta: θ ≥ 0 as the criterion folded at 0', () => {
  it('leaves a saddle at θ_k = 0, where the gradient is 0 and the curvature negative', () => {
    const opt = minimizeTheta(doubleWell, [0, 1]);
    assert.equal(opt.returnCode, 'converged');
    assert.ok(Math.abs(opt.final[0] - Math.sqrt(A2)) < 1e-6 && Math.abs(opt.final[1] - Math.sqrt(B2)) < 1e-6, `${opt.final}`);
    assert.ok(opt.fmin - F_MIN < 1e-12);
  });

  it('leaves it too when handed a positive definite Hessian from elsewhere (BFGS alone would stay)', () => {
    const opt = minimizeTheta(doubleWell, [0, 2], undefined, Float64Array.of(8, 0, 0, 8));
    assert.ok(Math.abs(opt.final[0] - Math.sqrt(A2)) < 1e-6, `${opt.final}`);
  });

  it('reaches a boundary minimum and returns θ ≥ 0 from the negative side', () => {
    const bowl: ThetaObjective = {
      value: ([a, b]) => a * a * (1 + b * b) + (b * b - 4) ** 2,
      gradient: ([a, b], out) => {
        out[0] = 2 * a * (1 + b * b);
        out[1] = 2 * a * a * b + 4 * b * (b * b - 4);
        return out;
      },
    };
    const opt = minimizeTheta(bowl, [0.7, -1]);
    assert.equal(opt.returnCode, 'converged');
    assert.ok(opt.final[0] < 1e-6 && Math.abs(opt.final[1] - 2) < 1e-6, `${opt.final}`);
  });

  it('keeps fixed coordinates at their start', () => {
    const opt = minimizeTheta(doubleWell, [0.5, 0], [false, true]);
    assert.equal(opt.final[1], 0);
    assert.ok(Math.abs(opt.final[0] - 1) < 1e-6, `${opt.final}`);
  });
});
