import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { contrastOf, parseContrastSpec } from '../../src/model/contrasts.js';

const COEFS = ['(Intercept)', 'diseaseD', 'diseaseE', 'timet1', 'timet2', 'diseaseD:timet2', 'strainDBA/2J'];

function weights(text: string): number[] {
  return Array.from(contrastOf(parseContrastSpec(text), COEFS).weights);
}

describe('--contrast NAME=EXPR', () => {
  it('reads sums and differences, scaled and divided, with parentheses', () => {
    assert.deepEqual(weights('a=diseaseD - diseaseE'), [0, 1, -1, 0, 0, 0, 0]);
    assert.deepEqual(weights('a = 0.5*timet1 + timet2*0.5 - diseaseD'), [0, -1, 0, 0.5, 0.5, 0, 0]);
    assert.deepEqual(weights('a=(diseaseD + diseaseE)/2 - -timet1'), [0, 0.5, 0.5, 1, 0, 0, 0]);
    assert.deepEqual(weights('a=2e-1*(timet2 - 3*(timet1))'), [0, 0, 0, -0.6000000000000001, 0.2, 0, 0]);
  });

  it('matches coefficient names whole, longest first, whatever characters they hold', () => {
    assert.deepEqual(weights('a=diseaseD:timet2 - diseaseD'), [0, -1, 0, 0, 0, 1, 0]);
    assert.deepEqual(weights('a=strainDBA/2J'), [0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(weights('a=(Intercept) + diseaseD'), [1, 1, 0, 0, 0, 0, 0]);
  });

  const refused: [string, RegExp][] = [
    ['a=diseaseF', /"diseaseF" is not a coefficient at character 1/],
    ['a=timet12 - timet1', /"timet12" is not a coefficient at character 1/],
    ['a=diseaseD * diseaseE', /a product of two coefficients is not linear/],
    ['a=diseaseD / diseaseE', /only division by a non-zero number/],
    ['a=diseaseD / 0', /only division by a non-zero number/],
    ['a=diseaseD + 1', /has a constant term \(1\)/],
    ['a=diseaseD - diseaseD', /gives every coefficient weight 0/],
    ['a=(diseaseD', /a "\)" is missing/],
    ['a=diseaseD diseaseE', /"diseaseE" is not expected/],
    ['a=diseaseD -', /the expression ends too soon/],
    ['diseaseD', /is not NAME=EXPR/],
    ['=diseaseD', /the name "" is not a plain name/],
    ['1a=diseaseD', /the name "1a" is not a plain name/],
    ['a=', /is not NAME=EXPR/],
  ];
  it('says a name is that of a column dropped as aliased, where it is one', () => {
    assert.throws(() => contrastOf(parseContrastSpec('a=timet3 - timet1'), COEFS, ['timet3']),
      (e: unknown) => e instanceof UsageError && /"timet3" was dropped from the model matrix, aliased with other columns/.test(e.message));
  });

  for (const [text, message] of refused) {
    it(`refuses ${JSON.stringify(text)}, saying what and where, and listing the coefficients`, () => {
      assert.throws(() => weights(text), (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.match(e.message, message);
        return true;
      });
    });
  }
});
