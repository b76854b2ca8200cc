/**
 * Every fenced block of README.md is run or checked here, chosen by its info string: `bash` blocks run (genelmm
 * through bin/genelmm.js, the file both `npx genelmm` and a global install link; npm's own commands are named
 * with the script or test that runs them), `r` blocks run in Rscript, the `ts` block is type-checked and run
 * against the built package, and `text` blocks are compared with the CLI's help and a real run's stderr. A block
 * in any other language, a text block of no known kind or a command that nothing runs fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type TestContext, after, describe, it } from 'node:test';
import ts from 'typescript';
import { EXAMPLE } from '../src/example.js';
import { DEFAULT_PORT } from '../src/cli/serve.js';
import { REPO_ROOT } from './helpers/cases.js';
import { type CliRun, tempFiles } from './helpers/cli.js';
import { assertServesApp, startServeProcess } from './helpers/serve-process.js';

/** One fenced block: its info string's first word, its text and the line of its opening fence. */
interface Block {
  lang: string;
  body: string;
  line: number;
}

/** The fenced (```) blocks of a Markdown text. */
function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let open: Block | undefined;
  markdown.split('\n').forEach((text, i) => {
    if (!open) {
      const fence = /^```\s*(\S*)/.exec(text);
      if (fence) open = { lang: fence[1].toLowerCase(), body: '', line: i + 1 };
    } else if (/^```\s*$/.test(text)) {
      blocks.push(open);
      open = undefined;
    } else open.body += `${text}\n`;
  });
  assert.equal(open, undefined, `README.md:${open?.line}: a fence that is never closed`);
  return blocks;
}

/**
 * A shell script's simple commands as words: quotes removed, `\` line continuations joined, `#` comments dropped,
 * split at newlines and `&&`.
 */
function shellCommands(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  let quote = '';
  const endWord = (): void => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length) commands.push(words);
    words = [];
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (quote) {
      if (c === quote) quote = '';
      else word = (word ?? '') + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && script[i + 1] === '\n') i++;
    else if (c === '#' && word === undefined) while (i + 1 < script.length && script[i + 1] !== '\n') i++;
    else if (c === '\n' || (c === '&' && script[i + 1] === '&')) {
      if (c === '&') i++;
      endCommand();
    } else if (c === ' ' || c === '\t') endWord();
    else word = (word ?? '') + c;
  }
  assert.equal(quote, '', 'an unclosed quote');
  endCommand();
  return commands;
}

/** npm commands the suite cannot run inside itself, and where they do run. */
const RUN_ELSEWHERE: Record<string, string> = {
  'npm ci': '.ci/run',
  'npm test': '.ci/run',
  'npm install -g --ignore-scripts .': 'test/install/checkout.test.ts',
  'snakemake --snakefile workflow/Snakefile --cores 4 --configfile my-run.yaml': 'test/workflow/snakemake.test.ts',
};
/** genelmm commands that another test runs and checks in full. */
const TESTED_ELSEWHERE: Record<string, string> = {
  'fit --example': 'test/cli/example.test.ts',
};

const BIN = path.join(REPO_ROOT, 'bin/genelmm.js');
const README = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const blocks = fencedBlocks(README);

/** The arguments of a `genelmm` or `npx genelmm` command; undefined for any other command. */
function genelmmArgs(words: string[]): string[] | undefined {
  if (words[0] === 'genelmm') return words.slice(1);
  if (words[0] === 'npx' && words[1] === 'genelmm') return words.slice(2);
  return undefined;
}

/** A folder to run the README's commands in: the bundled data/ and test/fixtures/ beside them, and genelmm as an installed package. */
const work = tempFiles({});
fs.symlinkSync(path.join(REPO_ROOT, 'data'), path.join(work.dir, 'data'));
// The kinship section runs on the test fixtures' simulated families.
fs.mkdirSync(path.join(work.dir, 'test'));
fs.symlinkSync(path.join(REPO_ROOT, 'test/fixtures'), path.join(work.dir, 'test/fixtures'));
fs.mkdirSync(path.join(work.dir, 'node_modules'));
fs.symlinkSync(REPO_ROOT, path.join(work.dir, 'node_modules/genelmm'));
fs.writeFileSync(path.join(work.dir, 'package.json'), '{ "type": "module", "private": true }\n');

const runs = new Map<string, CliRun>();
/** `genelmm ...args` in the work folder, run once per distinct command. */
function genelmm(args: string[]): CliRun {
  const key = JSON.stringify(args);
  if (!runs.has(key)) {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work.dir, encoding: 'utf8', env: { ...process.env, CI: '' } });
    runs.set(key, { status: r.status, stdout: r.stdout, stderr: r.stderr });
  }
  return runs.get(key) as CliRun;
}

/** The README's command that writes genelmm-example.tsv (the worked example), run; what the R lines read. */
function workedExample(): { args: string[]; run: CliRun } {
  const args = blocks.filter((block) => block.lang === 'bash').flatMap((block) => shellCommands(block.body))
    .map(genelmmArgs).find((a) => a?.[0] === 'fit' && a[a.indexOf('--out') + 1] === 'genelmm-example.tsv');
  assert.ok(args, 'no README command writes genelmm-example.tsv');
  return { args, run: genelmm(args) };
}

/** The option names in `genelmm ...command --help`, without --help. */
function helpOptions(command: string[]): { names: string[]; text: string } {
  const help = genelmm([...command, '--help']);
  assert.equal(help.status, 0, help.stderr);
  const names = [...help.stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z][\w-]*)/gm)].map((m) => m[1]).filter((o) => o !== '--help');
  return { names: names.sort(), text: help.stdout };
}

async function checkBash(block: Block): Promise<void> {
  for (const words of shellCommands(block.body)) {
    const command = words.join(' ');
    const args = genelmmArgs(words);
    const elsewhere = RUN_ELSEWHERE[command] ?? (args && TESTED_ELSEWHERE[args.join(' ')]);
    if (elsewhere) {
      assert.ok(fs.existsSync(path.join(REPO_ROOT, elsewhere)), `\`${command}\` is said to run in ${elsewhere}, which is missing`);
    } else if (args?.[0] === 'serve') {
      assert.ok(block.body.includes(`http://127.0.0.1:${DEFAULT_PORT}/`), `the block names serve's default port, ${DEFAULT_PORT}`);
      const server = await startServeProcess(process.execPath, [BIN, ...args, '--port', '0'], work.dir);
      try {
        await assertServesApp(server.url);
      } finally {
        server.stop();
      }
    } else if (args) {
      const run = genelmm(args);
      assert.equal(run.status, 0, `\`${command}\`: ${run.stderr}`);
      const out = args.indexOf('--out');
      // grm's --out is a prefix: its matrix is PREFIX.grm.bin.
      const written = out < 0 ? undefined : `${args[out + 1]}${args[0] === 'grm' ? '.grm.bin' : ''}`;
      if (written !== undefined) assert.ok(fs.statSync(path.join(work.dir, written)).size > 0, `\`${command}\` wrote nothing`);
    } else assert.fail(`no test runs \`${command}\`: run it here, or name the test that does in RUN_ELSEWHERE`);
  }
}

function checkR(block: Block, t: TestContext): void {
  if (spawnSync('Rscript', ['--version']).error) return t.skip('Rscript is not installed');
  assert.equal(workedExample().run.status, 0, workedExample().run.stderr);
  fs.writeFileSync(path.join(work.dir, 'block.R'), block.body);
  const r = spawnSync('Rscript', ['block.R'], { cwd: work.dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /strainDBA\/2J/, 'the subsets print rows with their columns');
}

function checkTypeScript(block: Block): void {
  const file = path.join(work.dir, `block-${block.line}.ts`);
  fs.writeFileSync(file, block.body);
  const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, types: ['node'],
    typeRoots: [path.join(REPO_ROOT, 'node_modules/@types')] });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  assert.equal(diagnostics.length, 0, ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => work.dir, getNewLine: () => '\n' }));
  assert.equal(program.emit().emitSkipped, false);
  const r = spawnSync(process.execPath, [file.replace(/\.ts$/, '.js')], { cwd: work.dir, encoding: 'utf8', env: { ...process.env, CI: '' } });
  assert.equal(r.status, 0, r.stderr);
  const written = [...block.body.matchAll(/writeTable\('([^']+)'/g)].map((m) => m[1]);
  assert.ok(written.length > 0, 'the example writes a table');
  for (const name of written) {
    const rows = fs.readFileSync(path.join(work.dir, name), 'utf8').trimEnd().split('\n').length - 1;
    assert.equal(rows, 36_536, `${name}: one row per gene of the bundled example`);
  }
}

/** The command-line synopsis: its commands and options are the CLI's, with the same choices. */
function checkSynopsis(block: Block): void {
  const lines = block.body.trimEnd().split('\n');
  const commands = lines.map((line) => /^genelmm (\w+)/.exec(line)?.[1]).filter((c) => c !== undefined);
  const main = genelmm(['--help']);
  const listed = [...main.stdout.matchAll(/^ {2}(\w+)[ [<]/gm)].map((m) => m[1]).filter((c) => c !== 'help');
  assert.deepEqual([...new Set(commands)].sort(), listed.sort(), 'the commands of genelmm --help');

  let current = '';
  const fitLines = lines.filter((line) => {
    current = /^genelmm (\w+)/.exec(line)?.[1] ?? current;
    return current === 'fit';
  });
  const fitOptions = [...new Set(fitLines.join(' ').match(/--[a-z][\w-]*/g))].sort();
  const fitHelp = helpOptions(['fit']);
  assert.deepEqual(fitOptions, fitHelp.names, 'the options of genelmm fit --help');
  for (const [, option, choices] of fitLines.join(' ').matchAll(/(--[\w-]+) (\w+(?:\|\w+)+)/g)) {
    const helpLine = fitHelp.text.split('\n').find((line) => line.trimStart().startsWith(`${option} `)) ?? '';
    assert.ok(helpLine.includes(choices.split('|').join(' | ')), `${option} takes ${choices}; its help says: ${helpLine}`);
  }
  const serveLine = lines.find((line) => line.startsWith('genelmm serve')) ?? '';
  assert.deepEqual(serveLine.split('#')[0].match(/--[a-z][\w-]*/g) ?? [], helpOptions(['serve']).names, 'genelmm serve --help');
  const compare = helpOptions(['compare']).names;
  assert.deepEqual(compare.filter((o) => !fitHelp.names.includes(o)), [], 'compare takes "the same arguments as fit"');
}

/** The sample of stderr: the same lines as a real run of the worked example, numbers and machine aside. */
function checkStderrSample(block: Block): void {
  const { run } = workedExample();
  assert.equal(run.status, 0, run.stderr);
  const shape = (text: string): string[] => text.trimEnd().split('\n').map((line) => line.startsWith('backend: ')
    ? line.replace(/^backend: \w+ on .+$/, 'backend: NAME on DEVICE')
    : line.replace(/\d[\d.,]*/g, 'N').replace(/\b(ms|s)\b/g, 'UNIT'));
  assert.deepEqual(shape(run.stderr), shape(block.body),
    "a real run's stderr, numbers and machine aside, against the README's sample: a line that only one has is a bug");
}

/** What each kind of text block is, and how it is checked. */
const TEXT_BLOCKS: { kind: string; matches: RegExp; check: (block: Block) => void }[] = [
  { kind: 'the command-line synopsis', matches: /^genelmm fit --expr/, check: checkSynopsis },
  { kind: 'a sample of stderr', matches: /^genelmm \d+\.\d+\.\d+: /, check: checkStderrSample },
  { kind: 'a formula, not a command', matches: /ℓ_R\(λ\) =/, check: () => undefined },
];

describe('README.md: every code block runs or is checked', () => {
  after(work.cleanup);

  it('the worked example is the command genelmm fit --example runs', () => {
    const { args } = workedExample();
    const value = (option: string): string | undefined => args[args.indexOf(option) + 1];
    assert.deepEqual([value('--expr'), value('--samples'), value('--formula'), value('--transform'), value('--out')],
      [EXAMPLE.expr, EXAMPLE.samples, EXAMPLE.formula, EXAMPLE.transform, 'genelmm-example.tsv']);
  });

  for (const block of blocks) {
    it(`README.md:${block.line}: the ${block.lang || 'unlabelled'} block`, async (t) => {
      if (block.lang === 'bash') return checkBash(block);
      if (block.lang === 'r') return checkR(block, t);
      if (block.lang === 'ts') return checkTypeScript(block);
      if (block.lang === 'text') {
        const kind = TEXT_BLOCKS.find((k) => k.matches.test(block.body));
        assert.ok(kind, `a text block of no kind this test knows: add it to TEXT_BLOCKS, with its check`);
        return kind.check(block);
      }
      assert.fail(`no test runs a block of language "${block.lang}": label it bash, r, ts or text`);
    });
  }
});
