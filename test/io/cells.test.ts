import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { isMissing, parseCell } from '../../src/io/cells.js';
import { parseMatrix } from '../../src/io/matrix-reader.js';
import { chunksOf } from './helpers.js';

const NUMBERS = ['1', '-0.5', '77.9', '1e-3', '+2', '.5', '1.', '1E5', '-0', '0.000', '007', '1.e5', '-.5e-3', '2.5E+10',
  '123456789012345', '1234567890123456', '0.1234567890123456789', '12345678901234567890', '9007199254740993',
  '1e22', '1e23', '123e-22', '1e-400', '4.9e-324', '1.7976931348623157e308', ' 12', '12 ', '\t3.5', '1e0022'];
const MISSING = ['NA', 'NaN', 'nan', '.', '', ' NA ', '  '];
const INVALID = ['abc', '1,5', 'Inf', '-Inf', 'Infinity', '0x10', '1e400', '-1e309', 'na', 'N/A', '-', '+', 'e5', '.e5',
  '1e', '1e+', '1.2.3', '--1', '+-1', '1_000', '١', '１', '1 2', '1d5', '0b1', '12\r'];

describe('parseCell', () => {
  it('reads decimal numbers as Number(text)', () => {
    for (const text of NUMBERS) assert.ok(Object.is(parseCell(text), Number(text)), text);
  });
  it('reads the missing-value tokens as NaN', () => {
    for (const text of MISSING) {
      assert.ok(Number.isNaN(parseCell(text)), text);
      assert.ok(isMissing(text), text);
    }
  });
  it('refuses everything else', () => {
    for (const text of INVALID) assert.equal(parseCell(text), undefined, text);
    assert.equal(isMissing('0'), false);
  });
});

describe('the byte-level reader uses the grammar of parseCell', () => {
  // Tabs and carriage returns are field and line syntax in a TSV file, not part of a cell.
  const inCell = (text: string) => !/[\t\r]/.test(text);
  const readCell = async (text: string, size: number) => (await parseMatrix(chunksOf(`g\tS\nG\t${text}\n`, size), 'c.tsv')).values[0];
  for (const size of [1, 1 << 16]) {
    it(`agrees on every token (chunks of ${size} bytes)`, async () => {
      for (const text of [...NUMBERS, ...MISSING].filter(inCell)) {
        assert.ok(Object.is(await readCell(text, size), parseCell(text)), JSON.stringify(text));
      }
      for (const text of INVALID.filter(inCell)) {
        await assert.rejects(readCell(text, size), InputError, JSON.stringify(text));
      }
    });
  }
});
