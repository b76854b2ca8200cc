import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { mixedInput } from '../helpers/inputs.js';
import { runCli, tempFiles } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/cases.js';

/**
 * The mixed matrix (a gene of every status: ok, NA-holding, constant, all-zero, insufficient, singular, aliased)
 * three times over with the values perturbed, as files: 30 genes, so 7 shards hold 4 or 5 each.
 */
function mixedFiles(): { dir: string; cleanup: () => void } {
  const { matrix, samples } = mixedInput();
  const lines = [`gene\t${matrix.sampleIds.join('\t')}`];
  for (let copy = 0; copy < 3; copy++) {
    matrix.geneIds.forEach((id, g) => {
      const row = Array.from(matrix.values.subarray(g * matrix.nSamples, (g + 1) * matrix.nSamples),
        (v, i) => (Number.isNaN(v) ? 'NA' : String(v === 0 || id.startsWith('constant') || id.startsWith('singular') ? v : v + copy * 0.01 * ((i * 7) % 5))));
      lines.push(`${id}_${copy}\t${row.join('\t')}`);
    });
  }
  const sheet = ['sample\tgroup\ttreatment', ...samples.ids.map((s, i) =>
    `${s}\t${samples.columns.get('group')![i]}\t${samples.columns.get('treatment')![i]}`)];
  return tempFiles({ 'm.tsv': `${lines.join('\n')}\n`, 's.tsv': `${sheet.join('\n')}\n` });
}

const fitArgs = (dir: string, formula: string, out: string, ...extra: string[]): string[] =>
  ['fit', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'), '--formula', formula, '--backend', 'cpu',
    '--quiet', '--out', path.join(dir, out), ...extra];

/** Fits the whole run and its N shards, merges them in reverse order; returns both texts. */
function wholeAndMerged(dir: string, formula: string, n: number, ext: string, ...extra: string[]): { whole: string; merged: string } {
  const whole = runCli(fitArgs(dir, formula, `whole.${ext}`, ...extra));
  assert.equal(whole.status, 0, whole.stderr);
  const parts: string[] = [];
  for (let i = 1; i <= n; i++) {
    const part = runCli(fitArgs(dir, formula, `part${i}.${ext}`, '--shard', `${i}/${n}`, ...extra));
    assert.equal(part.status, 0, part.stderr);
    parts.unshift(path.join(dir, `part${i}.${ext}`));
  }
  const merge = runCli(['merge', '--out', path.join(dir, `merged.${ext}`), ...parts]);
  assert.equal(merge.status, 0, merge.stderr);
  return { whole: fs.readFileSync(path.join(dir, `whole.${ext}`), 'utf8'), merged: fs.readFileSync(path.join(dir, `merged.${ext}`), 'utf8') };
}

describe('genelmm fit --shard I/N and genelmm merge: the shards of a run are the whole run', () => {
  for (const n of [1, 3, 7]) {
    it(`${n} shard(s), every status, exact RLRT, bootstrap and empirical Bayes: the merged table is the whole run's, byte for byte`, () => {
      const { dir, cleanup } = mixedFiles();
      try {
        const { whole, merged } = wholeAndMerged(dir, '~ treatment + (1 | group)', n, 'tsv', '--rlrt-exact', '300', '--bootstrap', '20', '--seed', '7',
          '--ebayes');
        assert.equal(merged, whole);
        // The shards' rows as they are would not do: each shard's q-values and empirical Bayes prior are over its own genes only.
        const pasted = Array.from({ length: n }, (_, k) => fs.readFileSync(path.join(dir, `part${k + 1}.tsv`), 'utf8').split('\n'))
          .map((lines, k) => (k === 0 ? lines : lines.slice(1)).join('\n')).join('').replace(/\n*$/, '\n');
        if (n > 1) assert.notEqual(pasted, whole);
        assert.match(whole, /\tsingular\t/);
        assert.match(whole, /\tinsufficient\t/);
      } finally {
        cleanup();
      }
    });
  }

  it('the general core (an lm and an ML fit, with a contrast and empirical Bayes) as CSV and as JSON', () => {
    const { dir, cleanup } = mixedFiles();
    try {
      const contrast = ['--contrast', 'flip=-treatmenttrt', '--ebayes'];
      for (const [formula, extra] of [['~ treatment', contrast], ['~ treatment + (1 | group)', ['--method', 'ml', '--var-part', ...contrast]]] as const) {
        for (const ext of ['csv', 'json']) {
          const { whole, merged } = wholeAndMerged(dir, formula, 3, ext, ...extra);
          assert.equal(merged, whole, `${formula} ${ext}`);
        }
      }
    } finally {
      cleanup();
    }
  });
});

describe('shards of weighted runs', () => {
  const fixture = (dir: string, name: string): string => path.join(REPO_ROOT, 'test/fixtures', dir, name);

  it('--voom (each shard fits the trend over every gene, as it reads library sizes), Kenward-Roger and robust empirical Bayes', () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': fs.readFileSync(fixture('voom', 'study.expr.tsv'), 'utf8'),
      's.tsv': fs.readFileSync(fixture('voom', 'study.samples.tsv'), 'utf8') });
    try {
      const { whole, merged } = wholeAndMerged(dir, '~ disease + time + (1 | donor)', 3, 'tsv', '--voom', '--ddf', 'kenward-roger',
        '--contrast', 'late=timet3 - timet1', '--ebayes', 'robust');
      assert.equal(merged, whole);
      assert.match(whole.split('\n')[0], /\trdf\tdf_prior\t/);
    } finally {
      cleanup();
    }
  });

  it('--weights, with robust empirical Bayes', () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': fs.readFileSync(fixture('contrasts', 'study.expr.tsv'), 'utf8'),
      's.tsv': fs.readFileSync(fixture('contrasts', 'study.samples.tsv'), 'utf8') });
    try {
      const { whole, merged } = wholeAndMerged(dir, '~ disease + time + (1 | donor)', 3, 'tsv', '--weights',
        fixture('contrasts', 'study.weights.tsv'), '--ebayes', 'robust');
      assert.equal(merged, whole);
    } finally {
      cleanup();
    }
  });
});

describe('genelmm merge refuses what is not every shard of one run, before writing anything', () => {
  const split = (dir: string, n: number, ...extra: string[]): string[] => Array.from({ length: n }, (_, k) => {
    const r = runCli(fitArgs(dir, '~ treatment + (1 | group)', `part${k + 1}.tsv`, '--shard', `${k + 1}/${n}`, ...extra));
    assert.equal(r.status, 0, r.stderr);
    return path.join(dir, `part${k + 1}.tsv`);
  });
  const refuses = (args: string[], pattern: RegExp, dir: string): void => {
    const r = runCli(['merge', '--out', path.join(dir, 'merged.tsv'), ...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, pattern);
    assert.ok(!fs.existsSync(path.join(dir, 'merged.tsv')), 'nothing written');
  };

  it('shards fitted with other options, a missing shard, a shard given twice, shards of another split', () => {
    const { dir, cleanup } = mixedFiles();
    try {
      const parts = split(dir, 3);
      const other = runCli(fitArgs(dir, '~ treatment + (1 | group)', 'seed.tsv', '--shard', '3/3', '--seed', '5'));
      assert.equal(other.status, 0, other.stderr);
      refuses([parts[0], parts[1], path.join(dir, 'seed.tsv')], /shards of different runs: the options differ.*"seed":5/, dir);
      refuses([parts[0], parts[2]], /shard 2 of 3 is missing/, dir);
      refuses([...parts, parts[1]], /both shard 2 of 3/, dir);
      const half = runCli(fitArgs(dir, '~ treatment + (1 | group)', 'half.tsv', '--shard', '1/2'));
      assert.equal(half.status, 0, half.stderr);
      refuses([...parts, path.join(dir, 'half.tsv')], /shard 1 of 2/, dir);
    } finally {
      cleanup();
    }
  });

  it('a table without its manifest, a table cut short, an --out of another format, an empty table, a broken manifest', () => {
    const { dir, cleanup } = mixedFiles();
    try {
      const parts = split(dir, 2);
      fs.copyFileSync(parts[1], path.join(dir, 'bare.tsv'));
      refuses([parts[0], path.join(dir, 'bare.tsv')], /no manifest .*bare\.tsv\.shard\.json/, dir);
      const text = fs.readFileSync(parts[1], 'utf8');
      fs.writeFileSync(parts[1], text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1));
      refuses(parts, /has \d+ genes, and its manifest says \d+/, dir);
      const r = runCli(['merge', '--out', path.join(dir, 'merged.json'), ...parts]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /tsv tables, and --out .* names another format/);
      fs.writeFileSync(parts[1], '');
      refuses(parts, /part2\.tsv.*the table is empty/, dir);
      fs.writeFileSync(`${parts[1]}.shard.json`, '{"run": {"formula": "~ treat');
      refuses(parts, /part2\.tsv\.shard\.json.*not a genelmm shard manifest/, dir);
    } finally {
      cleanup();
    }
  });

  it('an --out that is one of the shards\' tables', () => {
    const { dir, cleanup } = mixedFiles();
    try {
      const parts = split(dir, 2);
      const before = fs.readFileSync(parts[0], 'utf8');
      const r = runCli(['merge', '--out', parts[0], ...parts]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /--out/);
      assert.equal(fs.readFileSync(parts[0], 'utf8'), before, 'the shard is untouched');
    } finally {
      cleanup();
    }
  });
});

describe('--shard is checked before any input is read', () => {
  it('a value that is not I/N with 1 ≤ I ≤ N, --shard without --out, and genelmm compare --shard are usage errors', () => {
    const { dir, cleanup } = tempFiles({ 'm.tsv': 'not a matrix\n', 's.tsv': 'sample\tgroup\ns1\tg1\n' });
    try {
      for (const value of ['0/3', '4/3', '3', 'a/b', '1/0']) {
        const r = runCli(fitArgs(dir, '~ (1 | group)', 'out.tsv', '--shard', value));
        assert.equal(r.status, 2, value);
        assert.match(r.stderr, /--shard must be I\/N/, value);
      }
      const stdout = runCli(['fit', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'), '--formula', '~ (1 | group)', '--shard', '1/2']);
      assert.equal(stdout.status, 2);
      assert.match(stdout.stderr, /--out must be a file/);
      const compare = runCli(['compare', '--expr', path.join(dir, 'm.tsv'), '--samples', path.join(dir, 's.tsv'), '--formula', '~ (1 | group)', '--shard', '1/2']);
      assert.equal(compare.status, 2);
      assert.match(compare.stderr, /--shard is for genelmm fit/);
    } finally {
      cleanup();
    }
  });
});
