/**
 * `--ddf kenward-roger` on the command line: the summary says which df the tests have, a model without random terms
 * says that its tests stay lm's, and `genelmm compare` (GPU against CPU) refuses it before reading anything.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli, tempFiles, TINY_MATRIX, TINY_SHEET, tinyFitArgs } from '../helpers/cli.js';

describe('genelmm fit --ddf', () => {
  it('kenward-roger: other SEs and df than Satterthwaite\'s, and the summary says so', () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': TINY_MATRIX, 's.tsv': TINY_SHEET });
    try {
      const kr = runCli([...tinyFitArgs(dir, '--ddf', 'kenward-roger', '--summary', path.join(dir, 'kr.json'), '--out', path.join(dir, 'kr.tsv'))]);
      assert.equal(kr.status, 0, kr.stderr);
      const satterthwaite = runCli(tinyFitArgs(dir, '--summary', path.join(dir, 'sat.json'), '--out', path.join(dir, 'sat.tsv')));
      assert.equal(satterthwaite.status, 0, satterthwaite.stderr);
      assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'kr.json'), 'utf8')).model.ddf, 'kenward-roger');
      assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'sat.json'), 'utf8')).model.ddf, 'satterthwaite');
      const column = (file: string, name: string): string[] => {
        const [header, ...rows] = fs.readFileSync(path.join(dir, file), 'utf8').trim().split('\n').map((l) => l.split('\t'));
        return rows.map((r) => r[header.indexOf(name)]);
      };
      assert.notDeepEqual(column('kr.tsv', 'df_trtb'), column('sat.tsv', 'df_trtb'));
      assert.deepEqual(column('kr.tsv', 'beta_trtb'), column('sat.tsv', 'beta_trtb'), 'the estimates are the fit\'s either way');
    } finally {
      cleanup();
    }
  });

  it('kenward-roger without random terms: lm\'s tests, with a note', () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': TINY_MATRIX, 's.tsv': TINY_SHEET });
    try {
      const run = runCli(['fit', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'), '--formula', '~ trt',
        '--backend', 'cpu', '--ddf', 'kenward-roger']);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /--ddf kenward-roger: the model has no random terms, so its tests are lm's, on n − p df/);
    } finally {
      cleanup();
    }
  });

  it('genelmm compare refuses kenward-roger before reading the matrix', () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': `${TINY_MATRIX}g3\t1\tabc\t3\t4\t5\t6\n`, 's.tsv': TINY_SHEET });
    try {
      const run = runCli(['compare', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'), '--formula', '~ trt + (1 | group)',
        '--ddf', 'kenward-roger']);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /Kenward-Roger's df are computed on the CPU only/);
      assert.doesNotMatch(run.stderr, /abc/);
    } finally {
      cleanup();
    }
  });
});
