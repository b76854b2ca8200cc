/**
 * `genelmm fit --kinship`: the CLI writes what the library fits, says what it did to the kinship (stderr and the
 * summary), and refuses every kinship usage error before reading the matrix.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fitGenes, fitTable } from '../../src/fit-genes.js';
import { readKinship } from '../../src/io/kinship-files.js';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import { REPO_ROOT } from '../helpers/cases.js';
import { runCli, tempFiles } from '../helpers/cli.js';
import { itOn, webgpuBackend } from '../conformance/backends.js';

const webgpu = await webgpuBackend();

const K = path.join(REPO_ROOT, 'test/fixtures/kinship');
const FORMULA = '~ sex + (1 | individual)';
const inputs = (name: string): string[] =>
  ['--expr', path.join(K, `${name}.expr.tsv`), '--samples', path.join(K, `${name}.samples.tsv`), '--formula', FORMULA];

describe('genelmm fit --kinship', () => {
  it('writes the library\'s fit, and reports the kinship on stderr and in the summary', async () => {
    const { dir, cleanup } = tempFiles({});
    try {
      const out = path.join(dir, 'h2.tsv');
      const run = runCli(['fit', ...inputs('replicates'), '--kinship', path.join(K, 'sim'), '--out', out, '--summary', path.join(dir, 's.json')]);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /kinship: .*sim\.grm\.bin, 240 individuals\n/);
      const summary = JSON.parse(fs.readFileSync(path.join(dir, 's.json'), 'utf8'));
      assert.equal(summary.model.kinship.individuals, 240);
      assert.equal(summary.model.kinship.clamped, false);
      assert.equal(summary.inputs.kinship, path.join(K, 'sim'));
      const fit = await fitGenes(await readMatrix(path.join(K, 'replicates.expr.tsv')), await readSampleSheet(path.join(K, 'replicates.samples.tsv')),
        FORMULA, { kinship: await readKinship(path.join(K, 'sim')), backend: 'cpu' });
      const table = fitTable(fit);
      const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
      assert.deepEqual(lines[0].split('\t'), table.columns);
      const rows = [...table.rows];
      assert.equal(lines.length - 1, rows.length);
      const h2 = table.columns.indexOf('h2');
      rows.forEach((row, g) => assert.equal(lines[g + 1].split('\t')[h2], row[h2] === null ? 'NA' : String(row[h2])));
    } finally {
      cleanup();
    }
  });

  it('refuses kinship usage errors before any work, with what to do', () => {
    const cases: [string[], RegExp][] = [
      [['--kinship', path.join(K, 'nope')], /nope: no such file, and no \.grm\.bin, \.grm\.gz, \.rel\.bin, \.rel file beside it\n {2}give the prefix/],
      [['--kinship', path.join(K, 'sim'), '--method', 'ml'], /--kinship: --method ml is not implemented for a kinship model/],
      [['--kinship', path.join(K, 'sim'), '--formula', '~ 1 + (1 | individual) + (1 | sex)'], /--kinship: the formula has 2 random terms/],
      [['--kinship', path.join(K, 'sim'), '--var-part'], /--kinship: --var-part is for models of plain random intercepts/],
    ];
    for (const [extra, message] of cases) {
      const run = runCli(['fit', ...inputs('single'), ...extra]);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /reading|fitting/);
    }
    const clobber = runCli(['fit', ...inputs('single'), '--kinship', path.join(K, 'sim'), '--out', path.join(K, 'sim.grm.id')]);
    assert.equal(clobber.status, 2, clobber.stderr);
    assert.match(clobber.stderr, /sim\.grm\.id/);
    assert.match(clobber.stderr, /--kinship/);
    const two = runCli(['fit', ...inputs('single').slice(0, 4), '--formula', '~ (1 | individual) + (1 | sex)', '--kinship', path.join(K, 'sim')]);
    assert.equal(two.status, 2);
    assert.match(two.stderr, /--kinship: the formula has 2 random terms, and a kinship is the covariance of one random intercept's levels/);
    const compare = runCli(['compare', ...inputs('single'), '--kinship', path.join(K, 'sim'), '--backend', 'gpujs']);
    assert.equal(compare.status, 2);
    assert.match(compare.stderr, /genelmm compare checks the GPU against the CPU, and gpu.js has no kinship programs\n.*--backend webgpu/);
    assert.doesNotMatch(compare.stderr, /reading|fitting/);
  });

  itOn(webgpu, 'genelmm compare --kinship: the WebGPU kinship fit agrees with the CPU within SPEC §6 (exit 0)', () => {
    const compare = runCli(['compare', ...inputs('replicates'), '--kinship', path.join(K, 'sim'), '--quiet']);
    assert.equal(compare.status, 0, compare.stdout + compare.stderr);
    assert.match(compare.stdout, /GPU: webgpu on .*; 1[0-9] genes on the GPU, \d+ refined in f64 on the CPU, [1-9]\d* on the CPU/);
    assert.match(compare.stdout, /SPEC §6/);
  });

  it('names the individuals the kinship lacks, and points one-sample-per-individual runs to --kinship', () => {
    const { dir, cleanup } = tempFiles({
      'k.tsv': 'id\tF01_1\tF01_2\nF01_1\t1\t0\nF01_2\t0\t1\n',
    });
    try {
      const run = runCli(['fit', ...inputs('single'), '--kinship', path.join(dir, 'k.tsv'), '--out', path.join(dir, 'o.tsv')]);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /k\.tsv: 238 level\(s\) of "individual" are not ids of the kinship matrix: "F01_3", "F01_4", "F02_1", "F02_2", "F02_3", … \(238 in all\)/);
      assert.ok(!fs.existsSync(path.join(dir, 'o.tsv')), 'nothing written');
      const without = runCli(['fit', ...inputs('single'), '--out', path.join(dir, 'o.tsv')]);
      assert.equal(without.status, 0, without.stderr);
      assert.match(without.stderr, /each of the 240 levels of "individual" has one sample.*or give the kinship of the individual levels \(--kinship/);
    } finally {
      cleanup();
    }
  });
});
