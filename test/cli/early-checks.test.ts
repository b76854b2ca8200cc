import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli, tempFiles, TINY_MATRIX, TINY_SHEET } from '../helpers/cli.js';

/** A matrix whose third line does not parse: reading it would fail with an input error naming m.tsv:3. */
const UNREADABLE = `${TINY_MATRIX}g3\t1\tabc\t3\t4\t5\t6\n`;

interface EarlyCase {
  title: string;
  args: (dir: string) => string[];
  /** What the message must say: the option or path and the problem. */
  says: RegExp[];
}

const CASES: EarlyCase[] = [
  { title: '--out in a folder that does not exist', args: (dir) => ['--out', path.join(dir, 'missing', 'r.tsv')],
    says: [/--out/, /missing/, /does not exist/] },
  { title: '--out that is a folder', args: (dir) => ['--out', dir], says: [/--out/, /is a folder/] },
  { title: 'an empty --out', args: () => ['--out', ''], says: [/--out is empty/] },
  { title: '--levels naming a column twice', args: () => ['--levels', 'trt=b,a', '--levels', 'trt=a,b'], says: [/--levels names "trt" twice/] },
  { title: '--example with a matrix of one\'s own', args: () => ['--example'], says: [/--example runs on the bundled data set, and --expr and --samples give files of your own/] },
  { title: '--min-samples above the sheet\'s rows', args: () => ['--min-count', '1', '--min-samples', '1000'],
    says: [/--min-samples 1000 asks for more samples than the \d+ rows of .*: every gene would be filtered/] },
  { title: '--min-samples without --min-count', args: () => ['--min-samples', '3'], says: [/--min-samples counts .* no --min-count is given/] },
  { title: '--summary in a folder that does not exist', args: (dir) => ['--out', path.join(dir, 'r.tsv'), '--summary',
    path.join(dir, 'missing', 's.json')], says: [/--summary/, /does not exist/] },
  { title: '--summary that is a folder', args: (dir) => ['--summary', dir], says: [/--summary/, /is a folder/] },
  { title: '--seed -1 with --bootstrap', args: () => ['--seed', '-1', '--bootstrap', '5'], says: [/--seed/, /"-1"/] },
  { title: '--seed 1.5 with --rlrt-exact', args: () => ['--seed', '1.5', '--rlrt-exact', '100'], says: [/--seed/, /"1\.5"/] },
  { title: 'a formula that does not parse', args: () => ['--formula', '~ trt + (1 | )'], says: [/formula|\(1 \| \)/] },
  { title: 'a formula naming a column the sample sheet lacks', args: () => ['--formula', '~ trt + (1 | batch)'],
    says: [/"batch"/, /not a column of/] },
  { title: '--levels naming a column the sample sheet lacks', args: () => ['--levels', 'dose=lo,hi'],
    says: [/--levels/, /"dose"/, /not a column of/] },
  { title: '--levels listing a level twice', args: () => ['--levels', 'trt=a,b,a'], says: [/--levels/, /"a" more than once/] },
  { title: '--levels with an empty level', args: () => ['--levels', 'trt=a,,b'], says: [/--levels/, /empty level/] },
  { title: '--bootstrap beyond what any machine holds', args: () => ['--bootstrap', '1e12'], says: [/--bootstrap/, /more than/] },
  { title: '--rlrt-exact beyond what any machine holds', args: () => ['--rlrt-exact', '1e15'], says: [/--rlrt-exact/, /more than/] },
  { title: '--threads in hexadecimal', args: () => ['--threads', '0x10'], says: [/--threads/, /"0x10"/] },
  { title: '--out compressed other than by gzip', args: (dir) => ['--out', path.join(dir, 'r.tsv.zst')], says: [/--out/, /gzip only/] },
  { title: '--method that is neither reml nor ml', args: () => ['--method', 'REML'], says: [/unknown method "REML"/, /use one of reml, ml/] },
  { title: 'a random term given twice', args: () => ['--formula', '~ trt + (1 | group) + (1 | group)'], says: [/"\(1 \| group\)" appears twice/] },
  { title: '--rlrt-exact with two random terms', args: () => ['--formula', '~ 1 + (1 | group) + (1 | trt)', '--rlrt-exact', '100'],
    says: [/--rlrt-exact is for models with one random intercept/, /2 random terms/] },
  { title: '--bootstrap with --var-part', args: () => ['--var-part', '--bootstrap', '5'], says: [/--bootstrap is for models/, /--var-part/] },
  { title: '--contrast without a name', args: () => ['--contrast', 'trtb'], says: [/--contrast "trtb" is not NAME=EXPR/] },
  { title: '--contrast with a name no column can carry', args: () => ['--contrast', 'b vs a=trtb'], says: [/--contrast/, /"b vs a" is not a plain name/] },
  { title: 'two contrasts of one name', args: () => ['--contrast', 'x=trtb', '--contrast', 'x=-trtb'], says: [/--contrast/, /"x" is given twice/] },
  { title: '--contrast naming a coefficient the model does not have', args: () => ['--contrast', 'x=trtc - trtb'],
    says: [/--contrast x=trtc - trtb/, /"trtc" is not a coefficient/, /\(Intercept\), trtb/] },
  { title: '--contrast that is not linear', args: () => ['--contrast', 'x=trtb*trtb'], says: [/--contrast/, /product of two coefficients/] },
  { title: '--contrast named as a coefficient', args: () => ['--contrast', 'trtb=trtb'], says: [/--contrast/, /"trtb" is the name of a coefficient/] },
  { title: '--weights with --bootstrap', args: (dir) => ['--weights', path.join(dir, 'w.tsv'), '--bootstrap', '5'],
    says: [/--weights cannot be combined with --bootstrap/, /unweighted models/] },
  { title: '--weights with --kinship and --rlrt-exact', args: (dir) => ['--weights', path.join(dir, 'w.tsv'), '--kinship',
    path.join(dir, 'k.tsv'), '--rlrt-exact', '100'], says: [/--weights cannot be combined with --kinship .* or --rlrt-exact/] },
  { title: '--voom with --weights', args: (dir) => ['--voom', '--weights', path.join(dir, 's.tsv')],
    says: [/--voom computes the precision weights, and --weights gives them/] },
  { title: '--voom with --transform log2p1', args: () => ['--voom', '--transform', 'log2p1'], says: [/--voom fits log-CPM/, /not --transform log2p1/] },
  { title: '--voom with --bootstrap', args: () => ['--voom', '--bootstrap', '10'], says: [/--voom cannot be combined with --bootstrap/] },
  { title: '--ddf that is not a method', args: () => ['--ddf', 'KR'], says: [/unknown --ddf "KR"/, /satterthwaite, kenward-roger/] },
  { title: '--ebayes with a mode other than robust', args: () => ['--ebayes', 'Robust'], says: [/unknown --ebayes mode "Robust"/, /use one of robust/] },
  { title: '--ddf kenward-roger with --method ml', args: () => ['--ddf', 'kenward-roger', '--method', 'ml'],
    says: [/--ddf kenward-roger: Kenward-Roger's method is only available for REML model fits/] },
  { title: '--ddf kenward-roger with a kinship', args: (dir) => ['--ddf', 'kenward-roger', '--kinship', path.join(dir, 's.tsv')],
    says: [/--ddf kenward-roger is not implemented for a kinship model/] },
  { title: '--out that is the weights file', args: (dir) => ['--weights', path.join(dir, 'r.tsv'), '--out', path.join(dir, 'r.tsv')],
    says: [/--out/, /--weights/, /same file/] },
  { title: '--summary that is the weights file', args: (dir) => ['--weights', path.join(dir, 'r.tsv'), '--out', path.join(dir, 'x.tsv'),
    '--summary', path.join(dir, 'r.tsv')], says: [/--summary/, /--weights/, /same file/] },
  { title: 'a weights file that does not exist', args: (dir) => ['--weights', path.join(dir, 'w.tsv')], says: [/--weights|w\.tsv/, /ENOENT|does not exist/] },
  { title: 'a sample sheet that does not exist', args: (dir) => ['--samples', path.join(dir, 'nope.tsv')], says: [/nope\.tsv/, /ENOENT/] },
];

describe('every option value and output path is checked before the matrix is read (exit 2)', () => {
  for (const c of CASES) {
    it(c.title, () => {
      const { dir, cleanup } = tempFiles({ 'm.tsv': UNREADABLE, 's.tsv': TINY_SHEET, 'r.tsv': 'old results\n' });
      try {
        const run = runCli(['fit', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'),
          '--formula', '~ trt + (1 | group)', '--backend', 'cpu', ...c.args(dir)]);
        assert.equal(run.status, 2, `exit 2, got ${run.status}: ${run.stderr}`);
        for (const pattern of c.says) assert.match(run.stderr, pattern);
        // Had the matrix been read, its error (m.tsv:3:3, "abc") would be the one reported.
        assert.doesNotMatch(run.stderr, /m\.tsv:3|abc/, 'the usage error comes before reading the matrix');
        assert.doesNotMatch(run.stderr, /tmp-|\n\s+at /, 'no temporary file name, no stack trace');
        assert.ok(run.stderr.trim().split('\n').length <= 2, `one or two lines, got:\n${run.stderr}`);
        assert.equal(fs.readFileSync(path.join(dir, 'r.tsv'), 'utf8'), 'old results\n', 'an existing --out is untouched');
        assert.deepEqual(fs.readdirSync(dir).sort(), ['m.tsv', 'r.tsv', 's.tsv'], 'nothing written');
      } finally {
        cleanup();
      }
    });
  }

  it('--out in a folder it cannot write into', (t) => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': UNREADABLE, 's.tsv': TINY_SHEET });
    try {
      const locked = path.join(dir, 'locked');
      fs.mkdirSync(locked, { mode: 0o555 });
      try {
        fs.accessSync(locked, fs.constants.W_OK);
        t.skip(`this user (uid ${os.userInfo().uid}) may write into a read-only folder, as root may`);
        return;
      } catch {
        // not writable for this user: the case to test
      }
      const run = runCli(['fit', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'),
        '--formula', '~ trt + (1 | group)', '--out', path.join(locked, 'r.tsv')]);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /--out .*cannot write into the folder/);
      assert.doesNotMatch(run.stderr, /m\.tsv:3/);
    } finally {
      cleanup();
    }
  });
});

describe('input paths that are folders', () => {
  for (const option of ['--expr', '--samples']) {
    it(`${option} naming a folder says it is a folder`, () => {
      const { dir, cleanup } = tempFiles({ 'm.tsv': TINY_MATRIX, 's.tsv': TINY_SHEET });
      try {
        const folder = path.join(dir, option === '--expr' ? 'matrices' : 'sheets.tsv');
        fs.mkdirSync(folder);
        const args = { '--expr': path.join(dir, 'm.tsv'), '--samples': path.join(dir, 's.tsv'), [option]: folder };
        const run = runCli(['fit', '--expr', args['--expr'], '--samples', args['--samples'], '--formula', '~ trt + (1 | group)',
          '--out', path.join(dir, 'r.tsv')]);
        assert.equal(run.status, 2, run.stderr);
        assert.match(run.stderr, new RegExp(`${path.basename(folder).replace('.', '\\.')}: this is a folder`));
        assert.doesNotMatch(run.stderr, /cannot tell the format|EISDIR/);
      } finally {
        cleanup();
      }
    });
  }
});

describe('--threads', () => {
  it('above the available cores is lowered to them, with a notice', () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': TINY_MATRIX, 's.tsv': TINY_SHEET });
    try {
      const cores = os.availableParallelism();
      const run = runCli(['fit', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'),
        '--formula', '~ trt + (1 | group)', '--backend', 'cpu', '--threads', String(cores * 100 + 1), '--out', path.join(dir, 'r.tsv'),
        '--summary', path.join(dir, 's.json')]);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, new RegExp(`note: --threads ${cores * 100 + 1} is more than the ${cores} core\\(s\\).*using ${cores}`));
      const summary = JSON.parse(fs.readFileSync(path.join(dir, 's.json'), 'utf8'));
      assert.match(summary.backend.device, new RegExp(`\\(${cores} threads?, f64\\)`));
    } finally {
      cleanup();
    }
  });
});

describe('a sample sheet with no usable sample', () => {
  it('a formula variable with no value in any sample: exit 2 before the matrix is read, naming it', () => {
    const sheet = TINY_SHEET.replace('\n', '\tnone\n').replaceAll(/(g\d)\n/g, '$1\tNA\n');
    const { dir, cleanup } = tempFiles({ 'm.tsv': UNREADABLE, 's.tsv': sheet });
    try {
      const run = runCli(['fit', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'),
        '--formula', '~ trt + none + (1 | group)', '--backend', 'cpu', '--out', path.join(dir, 'r.tsv')]);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /no sample can be used: each of the 6 samples misses a value of trt, none, group/);
      assert.match(run.stderr, /no sample has a value of "none"/);
      assert.doesNotMatch(run.stderr, /m\.tsv:3|abc/, 'the usage error comes before reading the matrix');
      assert.deepEqual(fs.readdirSync(dir).sort(), ['m.tsv', 's.tsv'], 'nothing written');
    } finally {
      cleanup();
    }
  });
});
