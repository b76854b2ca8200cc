import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runCli, tempFiles, TINY_SHEET } from '../helpers/cli.js';

const HEADER = 'gene\ts1\ts2\ts3\ts4\ts5\ts6\n';
const ROW = (id: string): string => `${id}\t1.5\t2\t3.25\t4\t5e-1\t6\n`;

interface BadCase {
  title: string;
  files: Record<string, string>;
  /** Extra arguments; a function of the case's folder where they name one of its files. */
  args?: string[] | ((dir: string) => string[]);
  /** What stderr must say: the location (file:line:column) or the ids. */
  says: RegExp[];
}

const CASES: BadCase[] = [
  { title: 'a cell that is not a number', files: { 'm.tsv': HEADER + ROW('g1') + 'g2\t1\tabc\t3\t4\t5\t6\n' },
    says: [/m\.tsv:3:3/, /abc/] },
  { title: 'a decimal comma in a TSV', files: { 'm.tsv': HEADER + ROW('g1') + 'g2\t1\t2\t1,5\t4\t5\t6\n' },
    says: [/m\.tsv:3:4/, /1,5/] },
  { title: 'Inf', files: { 'm.tsv': HEADER + 'g1\t1\t2\t3\tInf\t5\t6\n' }, says: [/m\.tsv:2:5/, /Inf/] },
  { title: 'a number beyond a double\'s range', files: { 'm.tsv': HEADER + 'g1\t1\t2\t3\t1e400\t5\t6\n' },
    says: [/m\.tsv:2:5/, /cell "1e400" is beyond the range of a double/] },
  { title: 'a duplicated gene id', files: { 'm.tsv': HEADER + ROW('g1') + ROW('g2') + ROW('g1') },
    says: [/m\.tsv:4:1/, /g1/, /line 2/] },
  { title: 'a duplicated sample id', files: { 'm.tsv': 'gene\ts1\ts2\ts3\ts4\ts5\ts1\n' + ROW('g1') },
    says: [/m\.tsv:1:7/, /s1/] },
  { title: 'a ragged row', files: { 'm.tsv': HEADER + ROW('g1') + 'g2\t1\t2\t3\n' }, says: [/m\.tsv:3/, /7/, /4/] },
  { title: 'an empty file', files: { 'm.tsv': '' }, says: [/m\.tsv/, /empty/i] },
  { title: 'a header without data', files: { 'm.tsv': HEADER }, says: [/m\.tsv:1/, /not followed by any data/i] },
  { title: 'matrix samples missing from the sheet', files: { 'm.tsv': 'gene\ts1\ts2\ts3\ts4\ts5\ts6\tx7\tx8\n' +
      'g1\t1\t2\t3\t4\t5\t6\t7\t8\n' }, says: [/x7, x8/, /s\.tsv/] },
  { title: 'a formula column that does not exist', files: { 'm.tsv': HEADER + ROW('g1') },
    args: ['--formula', '~ dose + (1 | group)'], says: [/"dose"/, /available columns: trt, group/] },
  { title: 'a random slope', files: { 'm.tsv': HEADER + ROW('g1') },
    args: ['--formula', '~ trt + (trt | group)'], says: [/random slopes "\(trt \| group\)" are not supported yet/] },
  { title: 'a random term given twice', files: { 'm.tsv': HEADER + ROW('g1') },
    args: ['--formula', '~ 1 + (1 | trt) + (1 | trt/group)'], says: [/"\(1 \| trt\)" appears twice/] },
  { title: 'a grouping that mixes nesting and interaction', files: { 'm.tsv': HEADER + ROW('g1') },
    args: ['--formula', '~ 1 + (1 | trt/group:trt)'], says: [/random term "\(1 \| trt\/group:trt\)" \(grouping "trt\/group:trt"\) is not supported/] },
  { title: 'the exact RLRT with two random terms', files: { 'm.tsv': HEADER + ROW('g1') },
    args: ['--formula', '~ 1 + (1 | group) + (1 | trt)', '--rlrt-exact', '100'],
    says: [/--rlrt-exact is for models with one random intercept fitted by REML/, /2 random terms/] },
  { title: 'the bootstrap with --method ml', files: { 'm.tsv': HEADER + ROW('g1') },
    args: ['--method', 'ml', '--bootstrap', '10'], says: [/--bootstrap is for models with one random intercept fitted by REML/, /--method ml/] },
  { title: 'a GCT whose dimension line disagrees', files: { 'm.gct': '#1.2\n3\t6\nName\tDescription\ts1\ts2\ts3\ts4\ts5\ts6\n' +
      'g1\tna\t1\t2\t3\t4\t5\t6\n' }, says: [/m\.gct/, /3/, /1/] },
  { title: 'a GCT without its Description column', files: { 'm.gct': '#1.2\n1\t5\nName\ts1\ts2\ts3\ts4\ts5\ts6\n' +
      'g1\t1\t2\t3\t4\t5\t6\n' }, says: [/m\.gct:3:2/, /its second column is "s1"/] },
  { title: 'a duplicated id in the sample sheet', files: { 'm.tsv': HEADER + ROW('g1'), 's.tsv': TINY_SHEET + 's2\ta\tg4\n' },
    says: [/s\.tsv:8/, /s2/] },
  { title: 'an unknown transform', files: { 'm.tsv': HEADER + ROW('g1') }, args: ['--transform', 'vst'],
    says: [/unknown transform "vst"/] },
  ...weightsCases(),
  { title: '--voom on log-scale values (a negative one)', files: { 'm.tsv': HEADER + ROW('g1') + 'g2\t1.2\t0.5\t-0.25\t2\t3\t1\n' },
    args: ['--voom'], says: [/m\.tsv:3:4/, /--voom models counts, and gene "g2" has -0\.25 in sample "s3"/, /raw \(or estimated\) counts/] },
  { title: '--voom on a negative count after blank lines: its own line', files: { 'm.tsv': HEADER + '\n' + ROW('g1') + '\n\n' + 'g2\t1\t0\t-3\t2\t3\t1\n' },
    args: ['--voom'], says: [/m\.tsv:6:4/, /has -3 in sample "s3"/] },
  { title: 'a matrix whose lines end in a carriage return alone (classic Mac OS)', files: { 'm.tsv': (HEADER + ROW('g1')).replaceAll('\n', '\r') },
    says: [/m\.tsv: its lines end in a carriage return alone/, /LF/] },
  { title: 'a sample sheet whose lines end in a carriage return alone', files: { 'm.tsv': HEADER + ROW('g1'), 's.tsv': TINY_SHEET.replaceAll('\n', '\r') },
    says: [/s\.tsv: its lines end in a carriage return alone/] },
  // It would enter s3's library size, and so every gene's log-CPM in s3 (limma's voom refuses it too).
  { title: '--transform logcpm on a negative count', files: { 'm.tsv': HEADER + ROW('g1') + 'g2\t1\t0\t-100000\t2\t3\t1\n' },
    args: ['--transform', 'logcpm'],
    says: [/m\.tsv:3:4/, /--transform logcpm takes counts .*, and gene "g2" has -100000 in sample "s3"/, /--transform none/] },
];

/** Precision weights that do not match the matrix (m.tsv: genes g1 g2, samples s1..s6), or are not positive where observed. */
function weightsCases(): BadCase[] {
  const matrix = HEADER + ROW('g1') + 'g2\t1\tNA\t3\t4\t5\t6\n';
  const weights = (text: string): Record<string, string> => ({ 'm.tsv': matrix, 'w.tsv': text });
  const args = (dir: string): string[] => ['--weights', path.join(dir, 'w.tsv')];
  const good = 'g1\t1\t1\t1\t1\t1\t1\n';
  return [
    { title: 'weights without a sample of the matrix, and with one it does not have', args,
      files: weights('gene\ts1\ts2\ts3\ts4\ts5\ts7\n' + good + 'g2\t1\t1\t1\t1\t1\t1\n'),
      says: [/w\.tsv:1/, /no column for sample\(s\) "s6"/, /"s7" are not samples/] },
    { title: 'weights without a gene of the matrix', args, files: weights(HEADER + good + 'g3\t1\t1\t1\t1\t1\t1\n'),
      says: [/w\.tsv/, /no row for gene "g2"/] },
    { title: 'weights with a gene the matrix does not have', args,
      files: weights(HEADER + good + 'g2\t1\t1\t1\t1\t1\t1\n' + 'g9\t1\t1\t1\t1\t1\t1\n'),
      says: [/w\.tsv/, /1 gene\(s\) are not in .*m\.tsv: "g9"/] },
    { title: 'a zero weight where the value is observed', args, files: weights(HEADER + good + 'g2\t1\t1\t1\t0\t1\t1\n'),
      says: [/w\.tsv:3:5/, /gene "g2" in sample "s4" is 0/, /positive and finite/] },
    { title: 'a negative weight where the value is observed', args, files: weights(HEADER + 'g1\t1\t1\t-2\t1\t1\t1\n' + good.replace('g1', 'g2')),
      says: [/w\.tsv:2:4/, /is -2/] },
    { title: 'a missing weight where the value is observed', args, files: weights(HEADER + good + 'g2\tNA\t1\t1\t1\t1\t1\n'),
      says: [/w\.tsv:3:2/, /sample "s1" is missing/] },
    { title: 'an empty weights file', args, files: weights(''), says: [/w\.tsv/, /empty/i] },
    { title: 'a weights file cut short in a row', args, files: weights(HEADER + good + 'g2\t1\t1\n'), says: [/w\.tsv:3/, /7/, /3/] },
    { title: 'a bad weight after a blank line: its own line', args, files: weights(HEADER + good + '\n' + 'g2\t1\t1\t1\t1\t-1\t1\n'),
      says: [/w\.tsv:4:6/, /is -1/] },
  ];
}

describe('bad input: exit code 2, a message naming file, line and column or ids, and no output file', () => {
  for (const c of CASES) {
    it(c.title, () => {
      const matrixName = Object.keys(c.files).find((f) => f.startsWith('m.'))!;
      const { dir, cleanup } = tempFiles({ 's.tsv': TINY_SHEET, ...c.files });
      try {
        const out = path.join(dir, 'out.tsv');
        const args = ['fit', '--expr', path.join(dir, matrixName), '--samples', path.join(dir, 's.tsv'),
          '--formula', '~ trt + (1 | group)', '--out', out, ...(typeof c.args === 'function' ? c.args(dir) : c.args ?? [])];
        // later flags win in commander, so a case's --formula replaces the default one
        const run = runCli(args);
        assert.equal(run.status, 2, `exit code 2, got ${run.status}; stderr: ${run.stderr}`);
        for (const pattern of c.says) assert.match(run.stderr, pattern);
        assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace without --debug');
        assert.ok(run.stderr.trim().split('\n').length <= 3, `a short message, got:\n${run.stderr}`);
        assert.deepEqual(fs.readdirSync(dir).sort(), Object.keys({ 's.tsv': 1, ...c.files }).sort(),
          'no output or temporary file is left');
      } finally {
        cleanup();
      }
    });
  }
});

describe('a gzipped matrix under a name without .gz', () => {
  it('is an input error saying so (exit 2), not a garbled header', () => {
    const { dir, cleanup } = tempFiles({ 's.tsv': TINY_SHEET });
    try {
      fs.writeFileSync(path.join(dir, 'm.tsv'), gzipSync(HEADER + ROW('g1')));
      const run = runCli(['fit', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'), '--formula', '~ trt + (1 | group)',
        '--out', path.join(dir, 'out.tsv')]);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /m\.tsv: the file is gzip-compressed, but its name does not end in \.gz/);
    } finally {
      cleanup();
    }
  });
});
