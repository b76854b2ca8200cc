/**
 * `--ebayes robust` on the command line: the table gains each gene's prior df (df_prior, after rdf), and the summary
 * (stderr and JSON) says how many genes limma's robust prior finds outlying, as the table does.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/cases.js';
import { runCli, tempFiles } from '../helpers/cli.js';

describe('genelmm fit --ebayes robust', () => {
  it('writes df_prior and says which genes are outlying', () => {
    const { dir, cleanup } = tempFiles({});
    try {
      const fixture = (name: string): string => path.join(REPO_ROOT, 'test/fixtures/contrasts', name);
      const run = runCli(['fit', '--expr', fixture('study.expr.tsv'), '--samples', fixture('study.samples.tsv'),
        '--formula', '~ disease + time + (1 | donor)', '--ebayes', 'robust', '--backend', 'cpu',
        '--out', path.join(dir, 'out.tsv'), '--summary', path.join(dir, 'summary.json')]);
      assert.equal(run.status, 0, run.stderr);
      const [header, ...rows] = fs.readFileSync(path.join(dir, 'out.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
      assert.equal(header[header.indexOf('rdf') + 1], 'df_prior');
      const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
      const dfPrior = rows.map((r) => Number(r[header.indexOf('df_prior')]));
      const outlying = dfPrior.filter((d) => d < summary.ebayes.dfPrior).length;
      assert.ok(outlying > 0);
      assert.deepEqual(summary.ebayes.robust, { outliers: outlying, smallestDfPrior: Math.min(...dfPrior) });
      assert.match(run.stderr, new RegExp(`empirical Bayes \\(robust\\): prior df [\\d.]+, prior variance [\\d.]+; ${outlying} gene\\(s\\) with outlying variances`));
    } finally {
      cleanup();
    }
  });
});
