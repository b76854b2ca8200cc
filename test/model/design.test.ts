import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildDesign } from '../../src/model/design.js';
import { MAX_TERMS, parseFormula } from '../../src/model/formula.js';
import { InputError, UsageError } from '../../src/errors.js';
import { readSampleSheet } from '../../src/io/read-files.js';
import { parseSampleSheet } from '../../src/io/sample-sheet.js';
import { REPO_ROOT } from '../helpers/cases.js';

const DIR = path.join(REPO_ROOT, 'test/fixtures/model-matrix');

interface ModelMatrixCase {
  formula: string;
  columns: string[];
  x: number[][];
}

describe("design matrices equal R's model.matrix (test/fixtures/make-model-matrix.R)", async () => {
  const sheet = await readSampleSheet(path.join(DIR, 'samples.tsv'));
  const cases: ModelMatrixCase[] = JSON.parse(fs.readFileSync(path.join(DIR, 'model-matrix.json'), 'utf8')).cases;
  for (const c of cases) {
    it(c.formula, () => {
      const design = buildDesign(parseFormula(c.formula), sheet, sheet.ids);
      assert.deepEqual(design.coefNames, c.columns);
      for (let i = 0; i < design.nObs; i++) {
        const row = Array.from(design.x.subarray(i * design.p, (i + 1) * design.p));
        assert.deepEqual(row, c.x[i], `row ${i + 1} of ${c.formula}`);
      }
      assert.equal(design.interceptColumn, c.columns.indexOf('(Intercept)'));
    });
  }
});

describe("formulas expand to R's terms (test/fixtures/make-model-matrix.R)", () => {
  const cases: { formula: string; labels: string[]; intercept: number }[] =
    JSON.parse(fs.readFileSync(path.join(DIR, 'model-matrix.json'), 'utf8')).terms;
  it(`brackets, powers, removal with "-" and nesting with "/": ${cases.length} formulas, labels and intercept as terms() gives them`, () => {
    assert.ok(cases.length >= 30);
    for (const c of cases) {
      const formula = parseFormula(c.formula);
      assert.deepEqual(formula.terms.map((term) => term.join(':')), c.labels, c.formula);
      assert.equal(formula.intercept, c.intercept === 1, c.formula);
    }
  });
});

describe('design: samples, levels and groups', async () => {
  const sheet = await readSampleSheet(path.join(DIR, 'samples.tsv'));

  it('treats a numeric grouping column as a factor', () => {
    const design = buildDesign(parseFormula('~ age + (1 | g)'), sheet, sheet.ids);
    assert.deepEqual(design.randomTerms[0].levels, ['2', '3', '10']);
    assert.deepEqual(design.coefNames, ['(Intercept)', 'age']);
  });

  it('orders random terms by their levels, most first, ties as written; an interaction has the combinations present', () => {
    const design = buildDesign(parseFormula('~ age + (1 | a) + (1 | g) + (1 | a:g)'), sheet, sheet.ids);
    const names = design.randomTerms.map((t) => t.name);
    const levels = (name: string): string[] => design.randomTerms.find((t) => t.name === name)!.levels;
    assert.deepEqual(levels('g'), ['2', '3', '10']);
    for (let k = 1; k < names.length; k++) {
      assert.ok(levels(names[k - 1]).length >= levels(names[k]).length, names.join(', '));
    }
    assert.equal(names[0], 'a:g');
    const a = design.randomTerms[names.indexOf('a')];
    const g = design.randomTerms[names.indexOf('g')];
    const ag = design.randomTerms[0];
    for (let i = 0; i < design.nObs; i++) {
      assert.equal(ag.levels[ag.codes[i]], `${a.levels[a.codes[i]]}:${g.levels[g.codes[i]]}`, `sample ${i + 1}`);
    }
  });

  it('one number spelled two ways in a factor (1 and 1.0) stays two levels, as the sheet spells them, with a notice', () => {
    const spelled = parseSampleSheet('sample\tg\ty\ns1\t1\t0.5\ns2\t1.0\t1\ns3\t9\t2\ns4\t10\t3\ns5\t9\t4\ns6\t10\t5\n', 'spelled.tsv');
    const design = buildDesign(parseFormula('~ y + (1 | g)'), spelled, spelled.ids);
    assert.deepEqual(design.randomTerms[0].levels, ['1', '1.0', '9', '10']);
    assert.ok(design.notices.some((m) => /"g" has "1" and "1\.0", two spellings of one number: they are two levels here/.test(m)),
      design.notices.join('\n'));
    const padded = parseSampleSheet('sample\tg\ty\ns1\t01\t0.5\ns2\t01\t1\ns3\t02\t2\ns4\t02\t3\n', 'padded.tsv');
    assert.ok(!buildDesign(parseFormula('~ y + (1 | g)'), padded, padded.ids).notices.some((m) => /two spellings/.test(m)),
      'zero-padded ids, one spelling each: no notice');
    const text = parseSampleSheet('sample\tg\ty\ns1\t1\t0.5\ns2\t01\t1\ns3\tA\t2\ns4\tA\t3\n', 'text.tsv');
    assert.ok(!buildDesign(parseFormula('~ y + (1 | g)'), text, text.ids).notices.some((m) => /two spellings/.test(m)),
      'a column of texts (R keeps 1 and 01 apart there): no notice');
  });

  it('a column named like an object property (constructor) is read as any other, with or without --levels', () => {
    const sheet2 = parseSampleSheet('sample\tg\tconstructor\ns1\t1\ta\ns2\t1\tb\ns3\t2\ta\ns4\t2\tb\n', 'props.tsv');
    assert.deepEqual(buildDesign(parseFormula('~ constructor + (1 | g)'), sheet2, sheet2.ids, { levels: {} }).coefNames,
      ['(Intercept)', 'constructorb']);
    assert.deepEqual(buildDesign(parseFormula('~ constructor + (1 | g)'), sheet2, sheet2.ids, { levels: { constructor: ['b', 'a'] } }).coefNames,
      ['(Intercept)', 'constructora']);
  });

  it('no sample with a value of every formula variable is an error naming the empty column (lme4: "0 (non-NA) cases")', () => {
    const empty = parseSampleSheet('sample\tg\tb\tnone\ns1\t1\tx\tNA\ns2\t2\ty\t\ns3\t2\tx\tNA\n', 'empty.tsv');
    assert.throws(() => buildDesign(parseFormula('~ b + none + (1 | g)'), empty, empty.ids),
      (e: unknown) => e instanceof UsageError && /no sample can be used: each of the 3 samples misses a value of b, none, g in empty\.tsv/.test(e.message)
        && /no sample has a value of "none"/.test(e.suggestion ?? ''));
    // Usable rows of the sheet that the matrix lacks: the same error, of the matrix's samples.
    const elsewhere = parseSampleSheet('sample\tg\tb\ts1\t1\tNA\ns2\t2\tNA\ns9\t2\tx\n'.replace('b\t', 'b\n'), 'elsewhere.tsv');
    assert.throws(() => buildDesign(parseFormula('~ b + (1 | g)'), elsewhere, ['s1', 's2']),
      /no sample can be used: each of the 2 samples of the matrix misses a value of b, g in elsewhere\.tsv/);
    // One sample left is not this error (its genes are insufficient, each with its row).
    const one = parseSampleSheet('sample\tg\tb\tsome\ns1\t1\tx\t1\ns2\t2\ty\t\ns3\t2\tx\tNA\n', 'one.tsv');
    assert.equal(buildDesign(parseFormula('~ some + (1 | g)'), one, one.ids).nObs, 1);
  });

  it('a column of numbers but for a stray text is a factor (as R reads n/a), with a notice naming the text', () => {
    const cells = ['21', '35', 'n/a', '40', '22', '51', '33', '29', '47', '38', '26', '30'];
    const text = `sample\tg\tage\n${cells.map((c, i) => `s${i + 1}\t${i % 4}\t${c}`).join('\n')}\n`;
    const stray = parseSampleSheet(text, 'stray.tsv');
    const design = buildDesign(parseFormula('~ age + (1 | g)'), stray, stray.ids);
    assert.equal(design.coefNames.length, 12, 'age is a factor of 12 levels');
    assert.ok(design.notices.some((m) => /"age" is fitted as a factor of 12 levels, though all its values but "n\/a" are numbers/.test(m)),
      design.notices.join('\n'));
    const words = parseSampleSheet(text.replace(/\t(\d+)\n/g, '\tw$1\n'), 'words.tsv');
    assert.ok(!buildDesign(parseFormula('~ age + (1 | g)'), words, words.ids).notices.some((m) => /fitted as a factor/.test(m)),
      'no notice for a column of words');
  });

  it('a sheet read as one column because of another delimiter: the error says which', () => {
    const semicolons = parseSampleSheet('sample;g;age\ns1;1;30\ns2;2;40\n', 'semi.tsv');
    assert.throws(() => buildDesign(parseFormula('~ age + (1 | g)'), semicolons, semicolons.ids),
      (e: unknown) => e instanceof UsageError && /not a column of semi\.tsv/.test(e.message)
        && /read as one column, "sample;g;age": its fields seem to be separated by ";"/.test(e.suggestion ?? ''));
  });

  it('the sheet\'s id column named in the formula, and ids that differ in spaces: the errors say so', () => {
    const ids = parseSampleSheet('sample\tg\ns1\t1\ns2 \t2\n', 'ids.tsv');
    assert.throws(() => buildDesign(parseFormula('~ (1 | sample)'), ids, ids.ids),
      (e: unknown) => e instanceof UsageError && /names "sample", the column of ids\.tsv that holds the sample ids/.test(e.message));
    assert.throws(() => buildDesign(parseFormula('~ (1 | g)'), ids, ['s1', 's2']),
      (e: unknown) => e instanceof InputError && /have no row in the sample sheet: s2$/.test(e.message)
        && /the matrix's "s2" and the sheet's "s2 " differ in the spaces around them/.test(e.suggestion ?? ''));
    assert.throws(() => buildDesign(parseFormula('~ (1 | g)'), parseSampleSheet('sample\tg\ns1\t1\ns2\t2\n', 'ids.tsv'), ['s1', ' s2']),
      (e: unknown) => e instanceof InputError && /have no row in the sample sheet: " s2"$/.test(e.message));
  });

  it('--levels sets the reference level and order', () => {
    const design = buildDesign(parseFormula('~ a + (1 | g)'), sheet, sheet.ids, { levels: { a: ['z', 'x', 'y'] } });
    assert.deepEqual(design.coefNames, ['(Intercept)', 'ax', 'ay']);
    assert.throws(() => buildDesign(parseFormula('~ a + (1 | g)'), sheet, sheet.ids, { levels: { a: ['z', 'x'] } }),
      /does not list y/);
    // A space after a comma is part of the level, as a sheet's cell would be: the hint says so.
    assert.throws(() => buildDesign(parseFormula('~ a + (1 | g)'), sheet, sheet.ids, { levels: { a: ['z', ' x', 'y'] } }),
      (e: unknown) => e instanceof UsageError && /does not list x/.test(e.message) && /the level " x" has spaces the sheet's has not/.test(e.suggestion ?? ''));
  });

  it('drops samples with a missing covariate, and reports them and the unused sheet rows', () => {
    const columns = new Map(sheet.columns);
    columns.set('age', sheet.columns.get('age')!.map((v, i) => (i === 4 ? null : v)));
    const design = buildDesign(parseFormula('~ age + (1 | g)'), { ...sheet, columns }, sheet.ids.slice(0, 10));
    assert.equal(design.nObs, 9);
    assert.ok(!design.sampleIds.includes('s05'));
    assert.ok(design.notices.some((n) => /1 sample\(s\) dropped for a missing value in age, g: s05/.test(n)), design.notices.join('\n'));
    assert.ok(design.notices.some((n) => /2 sample sheet row\(s\) not in the matrix, ignored: s11, s12/.test(n)), design.notices.join('\n'));
  });

  it('--levels listing a level twice is refused', () => {
    assert.throws(() => buildDesign(parseFormula('~ a + (1 | g)'), sheet, sheet.ids, { levels: { a: ['x', 'y', 'x', 'z'] } }),
      (e: Error) => e instanceof UsageError && /--levels a=\.\.\. lists "x" more than once/.test(e.message));
  });

  it('a fixed-effect factor with one level among the samples used is refused, naming it (lme4 errors too)', () => {
    const rows = sheet.ids.filter((_, i) => sheet.columns.get('b')![i] === 'B');
    assert.ok(rows.length >= 4 && rows.length < sheet.ids.length, 'the fixture has samples of level B and others');
    assert.throws(() => buildDesign(parseFormula('~ age + b + (1 | g)'), sheet, rows),
      (e: Error) => e instanceof UsageError && /the factor "b" has one level \("B"\)/.test(e.message));
    assert.throws(() => buildDesign(parseFormula('~ age + a:b + (1 | g)'), sheet, rows), /the factor "b" has one level/);
  });

  it('a column that does not exist is an error listing the columns', () => {
    assert.throws(() => buildDesign(parseFormula('~ weight + (1 | g)'), sheet, sheet.ids),
      /"weight", which is not a column.*\n?/);
  });
});

describe('formula parsing', () => {
  it('reads intercept flags, products, interactions and backticked names', () => {
    assert.deepEqual(parseFormula('~ a * b + (1 | g)').terms, [['a'], ['b'], ['a', 'b']]);
    assert.equal(parseFormula('~ 0 + a + (1 | g)').intercept, false);
    assert.equal(parseFormula('~ a - 1 + (1 | g)').intercept, false);
    assert.equal(parseFormula('~ -1 + a + (1|g)').intercept, false);
    assert.equal(parseFormula('~ 1 + (1 | g)').terms.length, 0);
    assert.deepEqual(parseFormula('~ `dose level` + experiment.number + (1 | cell_line)').terms,
      [['dose level'], ['experiment.number']]);
    assert.equal(parseFormula('~ x + (1 | experiment.number)').random[0].name, 'experiment.number');
    assert.deepEqual(parseFormula('~ a:b + b:a + a + (1 | g)').terms, [['a'], ['a', 'b']]);
  });

  it('rejects what lme4 would read differently from what genelmm fits', () => {
    const cases: [string, RegExp][] = [
      ['~ log(x) + (1 | g)', /function calls/],
      ['~ b %in% a + (1 | g)', /the operator %in% is not supported \(formula position 5\)/],
      ['~ a + (1 || g)', /not supported yet/],
      ['~ a + (0 + a | g)', /random slopes/],
      ['~ a*(1 | g)', /random term inside a product/],
      ['~ (a + (1 | g))', /random term inside brackets/],
      ['~ (a + 0)*b + (1 | g)', /"0" inside brackets/],
      ['~ (a + b)^x + (1 | g)', /whole number from 2 up after "\^"/],
      ['~ (a + b)^1 + (1 | g)', /whole number from 2 up after "\^"/],
      ['~ (a + b)^2^3 + (1 | g)', /a power of a power/],
      ['~ . + (1 | g)', /"\." \(every other column\) is not supported/],
      ['~ `` + a', /an empty name between backticks/],
      [`~ ${'('.repeat(51)}a${')'.repeat(51)}`, /brackets nested more than 50 deep/],
      [`~ b + ${'-'.repeat(20000)}a + (1 | g`, /this "\(" is never closed/],
      ['y ~ a + (1 | g)', /starts with "~"/],
      ['~ a + ', /ends with an operator/],
      ['~ a + 2 + (1 | g)', /unexpected number/],
    ];
    for (const [text, message] of cases) assert.throws(() => parseFormula(text), message, text);
  });

  it('reads random intercepts crossed, interacted and nested, named as lme4 names them', () => {
    const random = (text: string): [string, string[]][] => parseFormula(text).random.map((r) => [r.name, r.factors]);
    assert.deepEqual(random('~ a + b'), []);
    assert.deepEqual(random('~ x + (1 | a) + (1|b)'), [['a', ['a']], ['b', ['b']]]);
    assert.deepEqual(random('~ dex + (1 | cell) + (1 | cell:batch)'), [['cell', ['cell']], ['cell:batch', ['cell', 'batch']]]);
    // lme4's expandSlash: (1 | a/b) is (1 | b:a) + (1 | a); findbars() gives c:(b:a) for a/b/c.
    assert.deepEqual(random('~ 1 + (1 | donor/visit)'), [['visit:donor', ['donor', 'visit']], ['donor', ['donor']]]);
    assert.deepEqual(random('~ (1 | a/b/c)').map((r) => r[0]), ['c:(b:a)', 'b:a', 'a']);
    assert.deepEqual(random('~ z + (1 | a:b) + (1 | c)').map((r) => r[0]), ['a:b', 'c']);
  });

  it('refuses a random term given twice, a variable twice in one, and mixed nesting', () => {
    const cases: [string, RegExp][] = [
      ['~ (1 | g) + (1 | g)', /"\(1 \| g\)" appears twice/],
      ['~ (1 | a:b) + (1 | b:a)', /"\(1 \| b:a\)" appears twice/],
      ['~ (1 | a) + (1 | a/b)', /"\(1 \| a\)" appears twice/],
      ['~ (1 | a:a)', /names a variable twice/],
      ['~ (1 | a/b:c)', /is not supported/],
      ['~ (1 | a) + (b || g)', /not supported/],
    ];
    for (const [text, message] of cases) assert.throws(() => parseFormula(text), message, text);
  });

  it('refuses a variable that is both a fixed effect and the grouping factor', () => {
    for (const text of ['~ g + (1 | g)', '~ a * g + (1 | g)', '~ (1 | g) + a:g']) {
      assert.throws(() => parseFormula(text), /"g" is both a fixed effect \(.*\) and the grouping factor/, text);
    }
  });

  it('reports a syntax error as one, once, with the formula and a caret under the position', () => {
    const cases: [string, number, RegExp][] = [
      ['~ a + (1 | g', 6, /this "\(" is never closed/],
      ['~ a + (b + c', 6, /this "\(" is never closed/],
      ['~ a + ((1 | g)', 6, /this "\(" is never closed/],
      ['~ (a + b c) + (1 | g)', 9, /expected "\)", found "c"/],
      ['~ a + (1 | g) + )', 16, /expected a variable name, found "\)"/],
      ['~ a + (1 | g) )', 14, /unexpected "\)"/],
      ['~ a + # + (1 | g)', 6, /unexpected character "#"/],
      ['~ a + ', 6, /ends with an operator/],
      ['~ `a + (1 | g)', 2, /backtick is never closed/],
    ];
    for (const [text, pos, problem] of cases) {
      assert.throws(() => parseFormula(text), (e: Error) => {
        const lines = e.message.split('\n');
        assert.equal(lines.length, 3, e.message);
        assert.match(lines[0], new RegExp(`^syntax error in the formula at position ${pos + 1}: `));
        assert.match(lines[0], problem);
        assert.doesNotMatch(lines[0], /not supported/);
        assert.equal(lines[1], `  ${text}`);
        assert.equal(lines[2], `  ${' '.repeat(pos)}^`);
        return e instanceof UsageError;
      }, text);
    }
  });

  it('expands a product to its distinct terms, and refuses one of more than MAX_TERMS terms', () => {
    const x22 = Array.from({ length: 22 }, () => 'x').join('*');
    assert.deepEqual(parseFormula(`~ ${x22} + (1 | g)`).terms, [['x']]);
    assert.deepEqual(parseFormula('~ a*b*a + (1 | g)').terms, [['a'], ['b'], ['a', 'b']]);
    const distinct = Array.from({ length: 22 }, (_, i) => `v${i}`).join('*');
    assert.throws(() => parseFormula(`~ ${distinct} + (1 | g)`), new RegExp(`more than ${MAX_TERMS} terms`));
    const ten = Array.from({ length: 10 }, (_, i) => `v${i}`).join('*');
    assert.equal(parseFormula(`~ ${ten} + (1 | g)`).terms.length, 2 ** 10 - 1);
  });
});
