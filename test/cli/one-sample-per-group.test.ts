import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli, tempFiles } from '../helpers/cli.js';

/** 500 individuals with one sample each, 20 genes: no gene can be fitted with `(1 | individual)`. */
function oneSampleEach(): Record<string, string> {
  const ids = Array.from({ length: 500 }, (_, i) => `s${i}`);
  const genes = Array.from({ length: 20 }, (_, g) => [`gene${g}`, ...ids.map((_, i) => String(5 + ((g * 31 + i * 17) % 23) / 7))].join('\t'));
  return {
    'm.tsv': [['gene', ...ids].join('\t'), ...genes].join('\n') + '\n',
    's.tsv': ['sample\tindividual\ttrt', ...ids.map((id, i) => `${id}\tind${i}\t${i % 2 ? 'a' : 'b'}`)].join('\n') + '\n',
  };
}

describe('one sample per group: the run says once why no gene can be fitted, and the ways out', () => {
  for (const quiet of [false, true]) {
    it(quiet ? 'with --quiet: nothing on stderr' : 'one note on stderr naming the grouping factor and the ways out', () => {
      const { dir, cleanup } = tempFiles(oneSampleEach());
      try {
        const run = runCli(['fit', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'), '--backend', 'cpu',
          '--formula', '~ trt + (1 | individual)', '--out', path.join(dir, 'out.tsv'), ...(quiet ? ['--quiet'] : [])]);
        assert.equal(run.status, 0, run.stderr);
        const rows = fs.readFileSync(path.join(dir, 'out.tsv'), 'utf8').trimEnd().split('\n').slice(1);
        assert.equal(rows.length, 20);
        for (const row of rows) assert.equal(row.split('\t')[1], 'insufficient');
        if (quiet) {
          assert.equal(run.stderr, '');
          return;
        }
        const notes = run.stderr.split('\n').filter((line) => line.includes('no gene can be fitted'));
        assert.equal(notes.length, 1, run.stderr);
        assert.match(notes[0], /^note: no gene can be fitted: each of the 500 levels of "individual" has one sample/);
        assert.match(notes[0], /a factor whose levels have several samples/);
        assert.match(notes[0], /linear model/);
      } finally {
        cleanup();
      }
    });
  }
});
