import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { readMatrix } from '../../src/io/read-files.js';
import { assertInputError, readWithCsvParse, tempDir, writeInput } from './helpers.js';

/** A malformed file, where its error is (`file:line:column` after the directory), and words the message holds. */
interface ErrorCase {
  what: string;
  name: string;
  text: string;
  where: string;
  parts: string[];
}

const HEADER = 'gene\tS1\tS2\tS3\n';
const GCT_HEAD = '#1.2\n2\t2\nName\tDescription\tS1\tS2\n';

const cases: ErrorCase[] = [
  { what: 'a word in a cell', name: 'counts.tsv', text: `${HEADER}g1\t1\t2\t3\ng2\t4\tabc\t6\n`, where: 'counts.tsv:3:3', parts: ['cell "abc" is not a number', '"g2"', '"S2"'] },
  { what: 'a decimal comma in a TSV', name: 'm.tsv', text: `${HEADER}g1\t1\t1,5\t3\n`, where: 'm.tsv:2:3', parts: ['"1,5"'] },
  { what: 'Inf', name: 'm.tsv', text: `${HEADER}g1\tInf\t2\t3\n`, where: 'm.tsv:2:2', parts: ['"Inf"'] },
  { what: '-Inf', name: 'm.tsv', text: `${HEADER}g1\t1\t2\t-Inf\n`, where: 'm.tsv:2:4', parts: ['"-Inf"'] },
  { what: 'hexadecimal', name: 'm.csv', text: 'gene,S1\ng1,0x10\n', where: 'm.csv:2:2', parts: ['"0x10"'] },
  { what: 'a number beyond the doubles', name: 'm.tsv', text: `${HEADER}g1\t1\t1e400\t3\n`, where: 'm.tsv:2:3', parts: ['"1e400"'] },
  { what: 'an exponent without digits', name: 'm.tsv', text: `${HEADER}g1\t1\t2\t3e\n`, where: 'm.tsv:2:4', parts: ['"3e"'] },
  { what: 'a bad cell in a gzipped file (decompressed line and column)', name: 'm.tsv.gz', text: `${HEADER}g1\t1\t2\t3\n\ng2\t4\t5\tx\n`, where: 'm.tsv.gz:4:4', parts: ['"x"'] },
  { what: 'a bad cell after CRLF lines', name: 'm.csv', text: 'gene,S1,S2\r\ng1,1,2\r\ng2,3,?\r\n', where: 'm.csv:3:3', parts: ['"?"'] },
  { what: 'a bad cell on a last line without newline', name: 'm.tsv', text: `${HEADER}g1\t1\t2\tz`, where: 'm.tsv:2:4', parts: ['"z"'] },
  { what: 'a row with a missing field', name: 'm.tsv', text: `${HEADER}g1\t1\t2\t3\ng2\t1\t2\n`, where: 'm.tsv:3:4', parts: ['3 fields', 'header has 4'] },
  { what: 'a row with extra fields', name: 'm.tsv', text: `${HEADER}g1\t1\t2\t3\t4\t5\n`, where: 'm.tsv:2:5', parts: ['6 fields', 'header has 4'] },
  { what: 'a row with only an id', name: 'm.csv', text: 'gene,S1\ng1\n', where: 'm.csv:2:2', parts: ['1 fields', 'header has 2'] },
  { what: 'a duplicated gene id', name: 'm.tsv', text: `${HEADER}g1\t1\t2\t3\ng2\t1\t2\t3\ng1\t1\t2\t3\n`, where: 'm.tsv:4:1', parts: ['gene id "g1" on line 4 repeats line 2'] },
  { what: 'a missing gene id', name: 'm.tsv', text: `${HEADER}\t1\t2\t3\n`, where: 'm.tsv:2:1', parts: ['missing gene id'] },
  { what: 'a duplicated sample id', name: 'm.tsv', text: 'gene\tS1\tS2\tS1\ng1\t1\t2\t3\n', where: 'm.tsv:1:4', parts: ['sample id "S1" in column 4 repeats column 2'] },
  { what: 'an empty sample id', name: 'm.csv', text: 'gene,S1,,S3\ng1,1,2,3\n', where: 'm.csv:1:3', parts: ['missing sample id in column 3'] },
  { what: 'a header without samples', name: 'm.csv', text: 'gene\ng1\n', where: 'm.csv:1', parts: ['no sample column'] },
  { what: 'a header without data', name: 'm.tsv', text: `\n${HEADER}\n`, where: 'm.tsv:2', parts: ['not followed by any data line'] },
  { what: 'a GCT file whose dimensions disagree', name: 'm.gct', text: `${GCT_HEAD}g1\td\t1\t2\n`, where: 'm.gct:2:1', parts: ['says 2 genes × 2 samples', 'holds 1 genes × 2 samples'] },
  { what: 'a GCT file without its first line', name: 'm.gct', text: `2\t2\nName\tDescription\tS1\tS2\ng1\td\t1\t2\n`, where: 'm.gct:1:1', parts: ['#1.2'] },
  { what: 'a plain table named .gct', name: 'm.gct', text: `${HEADER}g1\t1\t2\t3\n`, where: 'm.gct:1:1', parts: ['#1.2'] },
  { what: 'a GCT file with a bad dimensions line', name: 'm.gct', text: '#1.2\nName\tDescription\tS1\ng1\td\t1\n', where: 'm.gct:2:1', parts: ['numbers of genes and samples'] },
  { what: 'a GCT file that ends after its preamble', name: 'm.gct', text: '#1.2\n1\t1\n', where: 'm.gct:2', parts: ['before its header line'] },
  { what: 'a bad cell in a GCT file', name: 'm.gct', text: `${GCT_HEAD}g1\td\t1\tNA\ng2\td\tfoo\t2\n`, where: 'm.gct:5:3', parts: ['"foo"', '"S1"'] },
  { what: 'a bad cell after a quoted id', name: 'q.csv', text: 'gene,S1,S2\ng1,1,2\n"g,2",3,4\ng3,5,wrong\n', where: 'q.csv:4:3', parts: ['"wrong"'] },
  { what: 'a duplicated id after a quoted id', name: 'q.csv', text: 'gene,S1\ng1,1\n"g2",3\n\n"g1",5\n', where: 'q.csv:5:1', parts: ['repeats line 2'] },
  { what: 'a bad cell after csv-parse took over', name: 'q.csv', text: 'gene,S1,S2\ng1,1,2\n"g ""2""",3,4\ng3,5,wrong\n', where: 'q.csv:4:3', parts: ['"wrong"'] },
  { what: 'a bad cell after a multi-line quoted id', name: 'q.csv', text: 'gene,S1\n"g\n1",1\n\ng2,x\n', where: 'q.csv:5:2', parts: ['"x"'] },
  { what: 'a duplicated sample id in a quoted header', name: 'q.tsv', text: '"gene"\t"S1"\t"S1"\n"g1"\t1\t2\n', where: 'q.tsv:1:3', parts: ['"S1" in column 3 repeats column 2'] },
  { what: 'a line one short in R write.table\'s layout: the first line may hold a stray field', name: 'wt.tsv', text: 'S1\tS2\ng1\t1\t2\ng2\t3\n', where: 'wt.tsv:3:3', parts: ['line has 2 fields, one per name of the header, but line 2 has 3', 'write.table'] },
  { what: 'a long line in R write.table\'s layout', name: 'wt.tsv', text: 'S1\tS2\ng1\t1\t2\ng2\t3\t4\t5\n', where: 'wt.tsv:3:4', parts: ['4 fields but the lines before it have 3', 'write.table'] },
  { what: 'a first line ending in a stray delimiter is a ragged line, not R write.table\'s layout', name: 'm.tsv', text: 'gene\tS1\tS2\ng1\t1\t2\t\ng2\t3\t4\n', where: 'm.tsv:2:4', parts: ['4 fields but the header has 3'] },
  { what: 'a sample id twice in R write.table\'s layout', name: 'wt.csv', text: '"S1","S2","S1"\n"g1",1,2,3\n', where: 'wt.csv:1:3', parts: ['"S1" in column 3 repeats column 1'] },
  { what: 'an unclosed quote (named where its record starts)', name: 'q.csv', text: 'gene,S1\ng1,1\n"g2,3\ng3,4\n', where: 'q.csv:3', parts: ['cannot read the file', 'a quoted field starts on this line', 'still open'] },
];

describe('matrix input errors: both readers, same InputError, with file, line and column', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  for (const c of cases) {
    it(c.what, async () => {
      const path = writeInput(dir, c.name, c.text);
      const where = `${dir}/${c.where}`;
      const fast = await assertInputError(readMatrix(path), where, ...c.parts);
      const slow = await assertInputError(readWithCsvParse(path), where, ...c.parts);
      assert.equal(slow.message, fast.message);
      assert.equal(slow.suggestion, fast.suggestion);
    });
  }

  it('an empty file, or one of blank lines only', async () => {
    for (const text of ['', '\n\r\n\n', '\ufeff']) {
      const path = writeInput(dir, 'empty.tsv', text);
      await assertInputError(readMatrix(path), `${path}`, 'the file is empty');
      await assertInputError(readWithCsvParse(path), `${path}`, 'the file is empty');
    }
  });

  it('a file that does not exist, or is not gzip despite its name', async () => {
    await assertInputError(readMatrix(`${dir}/absent.tsv`), `${dir}/absent.tsv`, 'cannot read the file (ENOENT)');
    const notGzip = join(dir, 'plain.tsv.gz');
    writeFileSync(notGzip, 'gene\tS1\ng\t1\n');
    await assertInputError(readMatrix(notGzip), notGzip, 'cannot gunzip');
  });

  it('a file name without a known extension is a usage error', async () => {
    await assert.rejects(readMatrix(`${dir}/counts.xlsx`), (error) => error instanceof UsageError && /\.tsv, \.txt/.test(error.suggestion ?? ''));
  });
});
