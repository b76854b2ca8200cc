/**
 * The t and F p-values every test reports (pTwoSidedT, pFUpper) against R's pt and pf on grids that span the fits'
 * degrees of freedom and p-values from 1 down to 1e-300 (test/fixtures/distributions, made by make-distributions.R),
 * the p-values near 1 included, where a statistic's x = ν/(ν + t²) rounds to 1.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pFUpper, pTwoSidedT } from '../../src/stats/distributions.js';
import { REPO_ROOT } from '../helpers/cases.js';

/** Rows of numbers of a fixture, the reference p-value last. */
function grid(name: string): number[][] {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/distributions', name), 'utf8');
  return text.trim().split('\n').slice(1).map((line) => line.split('\t').map(Number));
}

/** Relative agreement required: R's pt and pf are accurate to a few units of 1e-16 there. */
const RELATIVE = 5e-12;
/** Below this R's value is 0 or subnormal: the difference is taken absolutely. */
const SMALLEST = 1e-300;

/** The rows where `p` disagrees with R's, described. */
function disagreements(rows: number[][], p: (row: number[]) => number): string[] {
  return rows.flatMap((row) => {
    const expected = row[row.length - 1];
    const actual = p(row);
    const ok = expected > SMALLEST ? Math.abs(actual - expected) <= RELATIVE * expected : Math.abs(actual - expected) <= SMALLEST;
    return ok ? [] : [`${row.slice(0, -1).join(', ')}: ${actual}, R ${expected}`];
  });
}

describe('p-values against R', () => {
  it('2 P(T_df > |t|) agrees with 2 * pt(-|t|, df) over 5,293 (t, df), t up to 1e300, df from 0.3 to 3e5', () => {
    const rows = grid('t.tsv');
    assert.ok(rows.length > 4000);
    assert.deepEqual(disagreements(rows, ([t, df]) => pTwoSidedT(t, df)).slice(0, 10), []);
    assert.deepEqual(disagreements(rows, ([t, df]) => pTwoSidedT(-t, df)).slice(0, 10), []);
  });

  it('P(F > f) agrees with pf(f, d1, d2, lower.tail = FALSE) over 2,640 (f, d1, d2)', () => {
    const rows = grid('f.tsv');
    assert.ok(rows.length > 2000);
    assert.deepEqual(disagreements(rows, ([f, d1, d2]) => pFUpper(f, d1, d2)).slice(0, 10), []);
  });

  it('keeps p-values near 1 apart from 1, where ν/(ν + t²) rounds to 1', () => {
    // R: 2 * pt(-1e-6, 3e5) = 0.99999920211610…; made as I_{ν/(ν+t²)}(ν/2, ½), it was exactly 1.
    assert.ok(pTwoSidedT(1e-6, 3e5) < 1 - 7e-7);
    assert.ok(pFUpper(1e-8, 1, 1e5) < 1 - 7e-5);
  });

  it('gives the limits at the edges: 0 for an infinite statistic, 1 at 0, NaN without df', () => {
    assert.equal(pTwoSidedT(Infinity, 3), 0);
    assert.equal(pTwoSidedT(1e200, 3), 0);
    assert.equal(pTwoSidedT(0, 3), 1);
    assert.equal(pFUpper(Infinity, 2, 10), 0);
    assert.equal(pFUpper(0, 2, 10), 1);
    assert.ok(Number.isNaN(pTwoSidedT(1, 0)));
    assert.ok(Number.isNaN(pTwoSidedT(NaN, 3)));
    assert.ok(Number.isNaN(pFUpper(1, 2, -1)));
  });
});
