import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { EXAMPLE } from '../../src/example.js';
import { readSampleSheet } from '../../src/io/read-files.js';
import { parseSampleSheet } from '../../src/io/sample-sheet.js';
import { REPO_ROOT } from '../helpers/cases.js';
import { assertInputError, tempDir, writeInput } from './helpers.js';

const parse = async (text: string, format: 'tsv' | 'csv' = 'tsv') => parseSampleSheet(text, 's.tsv', format);

describe('sample sheet', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  it('takes the first column as ids when none is named "sample" (Bottomly phenodata)', async () => {
    const sheet = await readSampleSheet(path.join(REPO_ROOT, EXAMPLE.samples));
    assert.equal(sheet.idColumn, 'sample.id');
    assert.equal(sheet.ids.length, 21);
    assert.equal(sheet.ids[0], 'SRX033480');
    assert.deepEqual([...sheet.columns.keys()], ['num.tech.reps', 'strain', 'experiment.number', 'lane.number']);
    assert.equal(sheet.columns.get('strain')?.[20], 'DBA/2J');
    assert.deepEqual(sheet.lines, Array.from({ length: 21 }, (_, k) => k + 2));
  });

  it('takes the column named "sample" wherever it is', async () => {
    const sheet = await parse('name\tsample\tdex\nx\tS1\ttrt\ny\tS2\tuntrt\n');
    assert.equal(sheet.idColumn, 'sample');
    assert.deepEqual(sheet.ids, ['S1', 'S2']);
    assert.deepEqual([...sheet.columns.entries()], [['name', ['x', 'y']], ['dex', ['trt', 'untrt']]]);
  });

  it('reads missing-value tokens as null and keeps other cells as text', async () => {
    const sheet = await parse('sample,a,b\nS1,NA,1.50\nS2,,x\nS3,.,NaN\nS4,nan, 2\n', 'csv');
    assert.deepEqual(sheet.columns.get('a'), [null, null, null, null]);
    assert.deepEqual(sheet.columns.get('b'), ['1.50', 'x', null, ' 2']);
  });

  it('reads quoted CSV, CRLF, a BOM and blank lines, and keeps each row\'s file line', async () => {
    const sheet = await parse('\ufeff"sample","group"\r\n\r\n"S1","a, b"\r\n"S2","say ""hi"""\r\n', 'csv');
    assert.deepEqual(sheet.ids, ['S1', 'S2']);
    assert.deepEqual(sheet.columns.get('group'), ['a, b', 'say "hi"']);
    assert.deepEqual(sheet.lines, [3, 4]);
  });

  it('reads gzipped sheets and picks the delimiter from the extension', async () => {
    const sheet = await readSampleSheet(writeInput(dir, 'samples.csv.gz', 'sample,g\nS1,a\n'));
    assert.deepEqual(sheet.columns.get('g'), ['a']);
    const tsv = await readSampleSheet(writeInput(dir, 'samples.txt', 'id\tg,h\nS1\ta\n'));
    assert.deepEqual([...tsv.columns.keys()], ['g,h']);
  });

  it('reads R write.table\'s layout, the header one name short: the row names are the ids, or a "sample" column is', async () => {
    const sheet = await parse('"group"\t"age"\n"S1"\t"a"\t3\n"S2"\t"b"\t4\n');
    assert.deepEqual(sheet.ids, ['S1', 'S2']);
    assert.deepEqual([...sheet.columns.keys()], ['group', 'age']);
    assert.deepEqual(sheet.columns.get('age'), ['3', '4']);
    // R's automatic row names 1, 2, … beside a `sample` column: the column holds the ids, the row names are left out.
    const named = await parse('"sample","g"\n"1","S1","a"\n"2","S2","b"\n', 'csv');
    assert.deepEqual(named.ids, ['S1', 'S2']);
    assert.deepEqual([...named.columns.keys()], ['g']);
  });

  it('refuses a GCT file as a sample sheet', async () => {
    await assert.rejects(readSampleSheet(`${dir}/s.gct`), UsageError);
  });
});

describe('sample sheet errors', () => {
  const cases: [string, string, string, ...string[]][] = [
    ['a duplicated sample id', 'sample\tg\nA\t1\nB\t2\nA\t3\n', 's.tsv:4:1', 'sample id "A" on line 4 repeats line 2'],
    ['a duplicated id in a "sample" column', 'x\tsample\n1\tA\n2\tA\n', 's.tsv:3:2', 'repeats line 2'],
    ['a missing sample id', 'sample\tg\nA\t1\nNA\t2\n', 's.tsv:3:1', 'missing sample id'],
    ['a ragged row', 'sample\tg\tsex\nA\t1\tF\nB\t2\n', 's.tsv:3:3', '2 fields but the header has 3'],
    ['a short row in R write.table\'s layout', 'g\tsex\nA\t1\tF\nB\t2\tM\nC\t3\n', 's.tsv:4:3', 'line has 2 fields, one per name of the header, but line 2 has 3', 'write.table'],
    ['a first row one field long, the second not: a ragged row', 'sample\tg\nA\t1\tx\nB\t2\n', 's.tsv:2:3', '3 fields but the header has 2'],
    ['an unclosed quote, named where its record starts', 'sample\tg\nA\t1\nB\t"2\nC\t3\n', 's.tsv:3', 'a quoted field starts on this line'],
    ['duplicated column names', 'sample\tg\tg\nA\t1\t2\n', 's.tsv:1:3', 'column name "g" in column 3 repeats column 2'],
    ['a header without rows', '\nsample\tg\n', 's.tsv:2', 'not followed by any data line'],
    ['an unclosed quote', 'sample\tg\nA\t"1\n', 's.tsv:2', 'is still open'],
  ];
  for (const [what, text, where, ...parts] of cases) {
    it(what, async () => {
      await assertInputError(parse(text), where, ...parts);
    });
  }
  it('an empty sheet', async () => {
    for (const text of ['', '\n\n']) await assertInputError(parse(text), 's.tsv', 'the file is empty');
  });
});
