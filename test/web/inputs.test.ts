/**
 * The web app's inputs: matrices in every format the CLI reads, the formula built from the sample sheet's columns,
 * the options reaching the fit as the CLI's flags do (the download equals the CLI's output with the same flags),
 * files dropped on their zones as picked ones, and bad input, each error inline beside the input it concerns with the
 * CLI's own text for the same file (file:line:column: problem, then the suggestion), the page staying usable afterwards.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { EXAMPLE } from '../../src/example.js';
import { REPO_ROOT } from '../helpers/cases.js';
import { runCli, tempFiles } from '../helpers/cli.js';
import { type AppSession, download, fit, loadFiles, openApp, skipUnlessBrowser } from './browser.js';

const SHEET = 'sample\ttrt\tgroup\ns1\ta\tg1\ns2\tb\tg1\ns3\ta\tg2\ns4\tb\tg2\ns5\ta\tg3\ns6\tb\tg3\n';
const HEADER = 'gene\ts1\ts2\ts3\ts4\ts5\ts6\n';
const ROWS = 'g1\t1.5\t2\t3.25\t4\t0.5\t6\ng2\t2\t1\t7\t3\t4\t5\ng3\t0.1\t0.4\t0.3\t0.9\t0.2\t0.8\n';
const FILES = {
  'good.tsv': HEADER + ROWS,
  'samples.tsv': SHEET,
  'abc.tsv': HEADER + ROWS + 'g4\t1\tabc\t3\t4\t5\t6\n',
  'ragged.tsv': HEADER + 'g1\t1\t2\t3\n',
  'dup-sheet.tsv': `${SHEET}s2\tb\tg3\n`,
  'plain.tsv.gz': HEADER + ROWS,
  'mac.tsv': (HEADER + ROWS).replaceAll('\n', '\r'),
  'mac-sheet.tsv': SHEET.replaceAll('\n', '\r'),
};

/** What the CLI prints on stderr for these arguments, without its "genelmm: error: " prefix. */
function cliError(dir: string, ...args: string[]): string {
  const run = runCli(['fit', '--quiet', ...args], dir);
  assert.equal(run.status, 2, `the CLI rejects the input: ${run.stderr}`);
  return run.stderr.replace(/^genelmm: error: /, '').trimEnd();
}

describe('bad input in the web app (headless Chromium)', skipUnlessBrowser(), () => {
  let app: AppSession;
  let files: ReturnType<typeof tempFiles>;
  const at = (name: string): string => path.join(files.dir, name);
  const formula = ['--formula', '~ trt + (1 | group)'];
  before(async () => {
    files = tempFiles(FILES);
    app = await openApp();
  });
  after(async () => {
    await app?.close();
    files?.cleanup();
  });

  const matrixError = async (name: string): Promise<string> => {
    await app.page.setInputFiles('#matrix-file', at(name));
    await app.page.waitForFunction(() => document.getElementById('matrix-error')!.textContent !== '' ||
      !document.getElementById('matrix-loaded')!.textContent!.startsWith('reading'));
    return (await app.page.textContent('#matrix-error')) ?? '';
  };

  it('a cell that is not a number: the CLI\'s file:line:column message, under the matrix', async () => {
    assert.equal(await matrixError('abc.tsv'), cliError(files.dir, '--expr', 'abc.tsv', '--samples', 'samples.tsv', ...formula));
    assert.ok(await app.page.isDisabled('#run'), 'nothing to fit');
  });

  it('a ragged row, likewise', async () => {
    assert.equal(await matrixError('ragged.tsv'), cliError(files.dir, '--expr', 'ragged.tsv', '--samples', 'samples.tsv', ...formula));
  });

  it('a .gz that is not gzip: the CLI\'s message up to the decompressor\'s own words, and its suggestion', async () => {
    const shown = await matrixError('plain.tsv.gz');
    const cli = cliError(files.dir, '--expr', 'plain.tsv.gz', '--samples', 'samples.tsv', ...formula);
    const [problem, suggestion] = cli.split('\n');
    assert.ok(shown.startsWith(problem.slice(0, problem.indexOf('gunzip the file:') + 'gunzip the file:'.length)), `${shown}\nagainst\n${cli}`);
    assert.equal(shown.split('\n')[1], suggestion);
  });

  it('lines ended by a carriage return alone, in the matrix or the sample sheet: the CLI\'s message', async () => {
    assert.equal(await matrixError('mac.tsv'), cliError(files.dir, '--expr', 'mac.tsv', '--samples', 'samples.tsv', ...formula));
    await app.page.setInputFiles('#samples-file', at('mac-sheet.tsv'));
    await app.page.waitForFunction(() => document.getElementById('samples-error')!.textContent !== '');
    assert.equal(await app.page.textContent('#samples-error'),
      cliError(files.dir, '--expr', 'good.tsv', '--samples', 'mac-sheet.tsv', ...formula));
  });

  it('a duplicated sample id: the CLI\'s message, under the sample sheet', async () => {
    await app.page.setInputFiles('#samples-file', at('dup-sheet.tsv'));
    await app.page.waitForFunction(() => document.getElementById('samples-error')!.textContent !== '');
    assert.equal(await app.page.textContent('#samples-error'),
      cliError(files.dir, '--expr', 'good.tsv', '--samples', 'dup-sheet.tsv', ...formula));
  });

  it('a formula that does not parse, as typed; one naming a column the sheet lacks, when run', async () => {
    await app.page.setInputFiles('#matrix-file', at('good.tsv'));
    await app.page.setInputFiles('#samples-file', at('samples.tsv'));
    await app.page.waitForFunction(() => document.getElementById('samples-loaded')!.textContent!.includes('6 samples'));
    await app.page.fill('#formula', '~ trt + (trt | group)');
    assert.equal(await app.page.textContent('#formula-error'),
      cliError(files.dir, '--expr', 'good.tsv', '--samples', 'samples.tsv', '--formula', '~ trt + (trt | group)').split('\n')[0]);
    assert.ok(await app.page.isDisabled('#run'));
    await app.page.fill('#formula', '~ dose + (1 | group)');
    await app.page.click('#run');
    await app.page.waitForFunction(() => document.getElementById('run-error')!.textContent !== '');
    assert.equal(await app.page.textContent('#run-error'),
      cliError(files.dir, '--expr', 'good.tsv', '--samples', 'samples.tsv', '--formula', '~ dose + (1 | group)'));
  });

  it('an option the CLI would refuse: its message, beside the run button', async () => {
    await app.page.fill('#formula', '~ trt + (1 | group)');
    await app.page.fill('#min-mean', 'lots');
    await app.page.click('#run');
    await app.page.waitForFunction(() => document.getElementById('run-error')!.textContent!.includes('min-mean'));
    assert.equal(await app.page.textContent('#run-error'),
      cliError(files.dir, '--expr', 'good.tsv', '--samples', 'samples.tsv', ...formula, '--min-mean', 'lots'));
    await app.page.fill('#min-mean', '');
  });

  it('after all that, the page still fits good input', async () => {
    const used = await fit(app.page, 'cpu');
    assert.match(used, /^backend: cpu/);
    assert.match(await app.page.textContent('#status-counts') ?? '', /ok|singular/);
    assert.equal(await app.page.textContent('#matrix-error'), '', 'the good matrix replaced the bad one');
    assert.equal(await app.page.textContent('#samples-error'), '');
  });
});

describe('inputs and options in the web app (headless Chromium)', skipUnlessBrowser(), () => {
  let app: AppSession;
  let files: ReturnType<typeof tempFiles>;
  const at = (name: string): string => path.join(files.dir, name);
  const exampleMatrix = fs.readFileSync(path.join(REPO_ROOT, EXAMPLE.expr));
  const exampleSheet = fs.readFileSync(path.join(REPO_ROOT, EXAMPLE.samples), 'utf8');
  before(async () => {
    files = tempFiles({
      'sheet.tsv': 'sample\tcell type\tdose\tbatch\ns1\tT\t1\tb1\ns2\tB\t2\tb1\ns3\tT\t3\tb2\ns4\tB\t1\tb2\n',
      'm.gct': '#1.2\n2\t4\nName\tDescription\ts1\ts2\ts3\ts4\ng1\tna\t1\t2\t3\t4\ng2\tna\t2\t2\t5\t1\n',
      'bottomly_phenodata.tsv': exampleSheet,
    });
    fs.writeFileSync(at('bottomly_count_table.tsv.gz'), gzipSync(exampleMatrix));
    // Three gzip members, as bgzip writes them (or `cat a.gz b.gz`), the cuts inside lines.
    const [third, twoThirds] = [Math.floor(exampleMatrix.length / 3), Math.floor((2 * exampleMatrix.length) / 3)];
    fs.writeFileSync(at('members.tsv.gz'), Buffer.concat([exampleMatrix.subarray(0, third), exampleMatrix.subarray(third, twoThirds),
      exampleMatrix.subarray(twoThirds)].map((part) => gzipSync(part))));
    app = await openApp();
  });
  after(async () => {
    await app?.close();
    files?.cleanup();
  });

  it('reads a gzipped matrix as the plain one, one of several gzip members (bgzip\'s) too, and a GCT file', async () => {
    await loadFiles(app.page, at('members.tsv.gz'), at('bottomly_phenodata.tsv'));
    assert.match(await app.page.textContent('#matrix-loaded') ?? '', /members\.tsv\.gz: 36,536 genes × 21 samples/);
    await loadFiles(app.page, at('bottomly_count_table.tsv.gz'), at('bottomly_phenodata.tsv'));
    assert.match(await app.page.textContent('#matrix-loaded') ?? '', /bottomly_count_table\.tsv\.gz: 36,536 genes × 21 samples/);
    await loadFiles(app.page, at('m.gct'), at('sheet.tsv'));
    assert.match(await app.page.textContent('#matrix-loaded') ?? '', /m\.gct: 2 genes × 4 samples/);
  });

  it('takes files dropped on their zones, as the picker does', async () => {
    // Dropped under names of their own, so what the page shows can only come from the drop.
    const drop = async (zone: string, from: string, name: string): Promise<void> => {
      const dataTransfer = await app.page.evaluateHandle(([file, text]) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([text], file));
        return transfer;
      }, [name, fs.readFileSync(at(from), 'utf8')]);
      await app.page.dispatchEvent(zone, 'drop', { dataTransfer });
    };
    await drop('#samples-drop', 'sheet.tsv', 'dropped-sheet.tsv');
    await app.page.waitForFunction(() => /dropped-sheet\.tsv: 4 samples, ids in "sample"/.test(document.getElementById('samples-loaded')!.textContent!));
    await drop('#matrix-drop', 'm.gct', 'dropped.gct');
    await app.page.waitForFunction(() => /dropped\.gct: 2 genes × 4 samples/.test(document.getElementById('matrix-loaded')!.textContent!));
    assert.match(await app.page.textContent('#formula-builder') ?? '', /cell type/, 'the dropped sheet\'s columns are offered');
  });

  it('builds the formula from the picked columns, in R\'s syntax (backticks for a name R would not take bare)', async () => {
    assert.match(await app.page.textContent('#formula-builder') ?? '', /dose\s*numeric/);
    await app.page.selectOption('#formula-builder select[aria-label="group column"]', 'batch');
    await app.page.check('#fixed-dose');
    await app.page.check('[id="fixed-cell type"]');
    assert.equal(await app.page.inputValue('#formula'), '~ `cell type` + dose + (1 | batch)');
    assert.ok(await app.page.isDisabled('#fixed-batch'), 'the group is not offered as a fixed effect too');
    await app.page.fill('#formula', '~ dose * `cell type` + (1 | batch)');
    assert.ok(await app.page.isChecked('#fixed-dose'), 'typing the formula moves the pickers');
    await app.page.uncheck('#fixed-dose');
    assert.equal(await app.page.inputValue('#formula'), '~ `cell type` + dose:`cell type` + (1 | batch)',
      'a picker change keeps the interaction it cannot show');
  });

  it('passes the options as the CLI\'s flags: a filter, a reference level, the exact RLRT and a seed give the CLI\'s output', async () => {
    await loadFiles(app.page, at('bottomly_count_table.tsv.gz'), at('bottomly_phenodata.tsv'));
    await app.page.fill('#formula', EXAMPLE.formula);
    await app.page.selectOption('#transform', 'logcpm');
    await app.page.fill('#min-count', '10');
    await app.page.selectOption('select[aria-label="reference level of strain"]', 'DBA/2J');
    await app.page.check('#rlrt-exact');
    await app.page.fill('#rlrt-nsim', '2000');
    await app.page.fill('#seed', '7');
    await fit(app.page, 'cpu');
    const { text } = await download(app.page, 'tsv');
    const run = runCli(['fit', '--expr', 'bottomly_count_table.tsv.gz', '--samples', 'bottomly_phenodata.tsv', '--formula', EXAMPLE.formula,
      '--transform', 'logcpm', '--min-count', '10', '--levels', 'strain=DBA/2J,C57BL/6J', '--rlrt-exact', '2000', '--seed', '7',
      '--backend', 'cpu', '--quiet', '--out', 'cli.tsv'], files.dir);
    assert.equal(run.status, 0, run.stderr);
    const cli = fs.readFileSync(at('cli.tsv'), 'utf8');
    assert.match(cli.slice(0, cli.indexOf('\n')), /p_rlrt_exact.*beta_strainC57BL\/6J/, 'the flags did something');
    assert.match(cli, /\tfiltered\t/);
    assert.ok(text === cli, 'the download equals the CLI\'s output with the same flags');
  });

  it('passes contrasts, F tests and empirical Bayes as the CLI\'s flags, and the volcano plot shows the contrast\'s moderated p', async () => {
    const study = (name: string): string => path.join(REPO_ROOT, 'test/fixtures/contrasts', name);
    const formula = '~ disease + time + (1 | donor)';
    await loadFiles(app.page, study('study.expr.tsv'), study('study.samples.tsv'));
    await app.page.fill('#formula', formula);
    await app.page.selectOption('#transform', 'none');
    await app.page.fill('#min-count', '');
    await app.page.uncheck('#rlrt-exact');
    await app.page.fill('#seed', '');
    await app.page.fill('#contrasts', 'DvsE=diseaseD - diseaseE\nlate=(timet2 + timet3)/2 - timet1');
    await app.page.check('#anova');
    await app.page.check('#ebayes');
    await fit(app.page, 'cpu');
    const { text } = await download(app.page, 'tsv');
    const out = path.join(files.dir, 'cli-contrasts.tsv');
    const run = runCli(['fit', '--expr', study('study.expr.tsv'), '--samples', study('study.samples.tsv'), '--formula', formula,
      '--contrast', 'DvsE=diseaseD - diseaseE', '--contrast', 'late=(timet2 + timet3)/2 - timet1', '--anova', '--ebayes',
      '--backend', 'cpu', '--quiet', '--out', out], files.dir);
    assert.equal(run.status, 0, run.stderr);
    const cli = fs.readFileSync(out, 'utf8');
    assert.match(cli.slice(0, cli.indexOf('\n')), /\trdf\t.*mod_q_DvsE.*F_disease/, 'the flags did something');
    assert.ok(text === cli, 'the download equals the CLI\'s output with the same flags');
    assert.equal(await app.page.inputValue('select[aria-label="coefficient or contrast of the volcano plot"]'), 'DvsE');
    assert.match(await app.page.textContent('#plot-volcano') ?? '', /mod_p_DvsE/);
  });

  it('passes Kenward–Roger\'s df as --ddf kenward-roger', async () => {
    const study = (name: string): string => path.join(REPO_ROOT, 'test/fixtures/contrasts', name);
    await app.page.selectOption('#ddf', 'kenward-roger');
    await fit(app.page, 'cpu');
    const { text } = await download(app.page, 'tsv');
    const out = path.join(files.dir, 'cli-kr.tsv');
    const run = runCli(['fit', '--expr', study('study.expr.tsv'), '--samples', study('study.samples.tsv'), '--formula', '~ disease + time + (1 | donor)',
      '--contrast', 'DvsE=diseaseD - diseaseE', '--contrast', 'late=(timet2 + timet3)/2 - timet1', '--anova', '--ebayes', '--ddf', 'kenward-roger',
      '--backend', 'cpu', '--quiet', '--out', out], files.dir);
    assert.equal(run.status, 0, run.stderr);
    const cli = fs.readFileSync(out, 'utf8');
    assert.notEqual(cli, fs.readFileSync(path.join(files.dir, 'cli-contrasts.tsv'), 'utf8'), 'the flag did something');
    assert.ok(text === cli, 'the download equals the CLI\'s output with the same flags');
  });

  it('passes robust empirical Bayes as --ebayes robust', async () => {
    const study = (name: string): string => path.join(REPO_ROOT, 'test/fixtures/contrasts', name);
    await app.page.check('#ebayes-robust');
    await fit(app.page, 'cpu');
    const { text } = await download(app.page, 'tsv');
    const out = path.join(files.dir, 'cli-robust.tsv');
    const run = runCli(['fit', '--expr', study('study.expr.tsv'), '--samples', study('study.samples.tsv'), '--formula', '~ disease + time + (1 | donor)',
      '--contrast', 'DvsE=diseaseD - diseaseE', '--contrast', 'late=(timet2 + timet3)/2 - timet1', '--anova', '--ebayes', 'robust', '--ddf', 'kenward-roger',
      '--backend', 'cpu', '--quiet', '--out', out], files.dir);
    assert.equal(run.status, 0, run.stderr);
    const cli = fs.readFileSync(out, 'utf8');
    assert.match(cli.slice(0, cli.indexOf('\n')), /\trdf\tdf_prior\t/, 'the flag did something');
    assert.ok(text === cli, 'the download equals the CLI\'s output with the same flags');
  });
});
