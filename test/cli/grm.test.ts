/**
 * `genelmm grm` against plink2 --make-grm-bin (test/fixtures/make-kinship.R and make-grm.R ran it): the family
 * genotypes with missing calls, and the edge set (non-autosomes, chromosome 0, a monomorphic SNP, non-founders whose
 * parents are not in the file), with frequencies from the founders and from every sample; then every input error.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/cases.js';
import { runCli, tempFiles } from '../helpers/cli.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures');

function f32(file: string): Float32Array {
  const bytes = fs.readFileSync(file);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

/** Largest |a − b| / max|b| over the triangle. */
function relativeDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst / scale;
}

/** Runs genelmm grm into a temp folder and returns the written files' prefix; the caller removes `dir`. */
function grm(bfile: string, dir: string, ...extra: string[]): string {
  const out = path.join(dir, 'mine');
  const run = runCli(['grm', '--bfile', bfile, '--out', out, '--quiet', ...extra]);
  assert.equal(run.status, 0, run.stderr);
  return out;
}

describe('genelmm grm equals plink2 --make-grm-bin', () => {
  const cases: [string, string, string[]][] = [
    ['240 family members, 0.5% missing calls', 'kinship/sim', []],
    ['the edge set: X left out, chromosome 0 kept, a monomorphic SNP, 2% missing', 'grm/edge', []],
    ['the edge set with --nonfounders', 'grm/edge-nf', ['--nonfounders']],
  ];
  for (const [name, reference, extra] of cases) {
    it(name, () => {
      const { dir, cleanup } = tempFiles({});
      try {
        const bfile = path.join(FIXTURES, reference.replace(/-nf$/, ''));
        const mine = grm(bfile, dir, ...extra);
        const theirs = path.join(FIXTURES, reference);
        assert.ok(relativeDifference(f32(`${mine}.grm.bin`), f32(`${theirs}.grm.bin`)) <= 1e-6);
        assert.deepEqual(f32(`${mine}.grm.N.bin`), f32(`${theirs}.grm.N.bin`));
        assert.equal(fs.readFileSync(`${mine}.grm.id`, 'utf8'), fs.readFileSync(`${theirs}.grm.id`, 'utf8'));
      } finally {
        cleanup();
      }
    });
  }

  it('says what it used on stderr, and notes too few founders as plink2 would', () => {
    const { dir, cleanup } = tempFiles({});
    try {
      const run = runCli(['grm', '--bfile', path.join(FIXTURES, 'grm/edge'), '--out', path.join(dir, 'g')]);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stderr, /120 samples, 2990 autosomal variants \(10 on X, Y, XY or MT left out\), allele frequencies from the 60 founders/);
      assert.doesNotMatch(run.stderr, /note:/);
      const few = runCli(['grm', '--bfile', writeBfile(dir, GENOTYPES), '--out', path.join(dir, 'few')]);
      assert.equal(few.status, 0, few.stderr);
      assert.match(few.stderr, /note: the allele frequencies come from 5 founders only \(plink2 refuses fewer than 50\)/);
      assert.doesNotMatch(few.stderr, /in more than one family/);
      const fam = Array.from({ length: 5 }, (_, i) => `f${i % 2}\ti${i === 4 ? 1 : i}\t0\t0\t1\t-9\n`).join('');
      const shared = runCli(['grm', '--bfile', writeBfile(dir, GENOTYPES, fam), '--out', path.join(dir, 'shared')]);
      assert.equal(shared.status, 0, shared.stderr);
      assert.match(shared.stderr, /note: the individual id "i1" is in more than one family of .*g\.fam; fit --kinship matches the individuals by their IID alone/);
    } finally {
      cleanup();
    }
  });
});

/** A .bed/.bim/.fam set in `dir` from genotypes (rows: samples; A1 copies, null missing). */
function writeBfile(dir: string, genotypes: (number | null)[][], fam?: string, chromosomes?: string[]): string {
  const n = genotypes.length;
  const m = genotypes[0].length;
  const perVariant = Math.ceil(n / 4);
  const bed = new Uint8Array(3 + m * perVariant);
  bed.set([0x6c, 0x1b, 0x01]);
  const code = (x: number | null): number => (x === null ? 1 : [3, 2, 0][x]);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) bed[3 + j * perVariant + (i >> 2)] |= code(genotypes[i][j]) << ((i & 3) * 2);
  }
  const prefix = path.join(dir, 'g');
  fs.writeFileSync(`${prefix}.bed`, bed);
  fs.writeFileSync(`${prefix}.bim`, Array.from({ length: m }, (_, j) => `${chromosomes?.[j] ?? '1'}\trs${j + 1}\t0\t${j + 1}\tA\tG\n`).join(''));
  fs.writeFileSync(`${prefix}.fam`, fam ?? Array.from({ length: n }, (_, i) => `f${i}\ti${i}\t0\t0\t1\t-9\n`).join(''));
  return prefix;
}

const GENOTYPES = [[0, 1, 2], [1, 1, 0], [2, 0, 1], [1, 2, 1], [0, 1, 1]];

describe('genelmm grm refuses bad input before writing anything', () => {
  const cases: [string, (dir: string) => string[], RegExp][] = [
    ['an empty .fam', (dir) => { const p = writeBfile(dir, GENOTYPES); fs.writeFileSync(`${p}.fam`, ''); return ['--bfile', p]; },
      /g\.fam: the file has no lines\n {2}a PLINK file lists FID IID PAT MAT SEX PHENO/],
    ['an empty .bim', (dir) => { const p = writeBfile(dir, GENOTYPES); fs.writeFileSync(`${p}.bim`, ''); return ['--bfile', p]; },
      /g\.bim: the file has no lines/],
    ['a missing .bim', (dir) => { const p = writeBfile(dir, GENOTYPES); fs.rmSync(`${p}.bim`); return ['--bfile', p]; }, /g\.bim: cannot read the file \(ENOENT\)/],
    ['a truncated .bed', (dir) => { const p = writeBfile(dir, GENOTYPES); fs.truncateSync(`${p}.bed`, 5); return ['--bfile', p]; },
      /g\.bed: 5 bytes, where 5 samples .* × 3 variants .* need 9: the file is truncated/],
    ['a .bed of another set', (dir) => { const p = writeBfile(dir, GENOTYPES); fs.appendFileSync(`${p}.bed`, new Uint8Array(2)); return ['--bfile', p]; },
      /do not belong together/],
    ['not a .bed', (dir) => { const p = writeBfile(dir, GENOTYPES); fs.writeFileSync(`${p}.bed`, 'hello, world'); return ['--bfile', p]; }, /not a PLINK 1 \.bed file/],
    ['a sample-major .bed', (dir) => {
      const p = writeBfile(dir, GENOTYPES);
      const bytes = fs.readFileSync(`${p}.bed`);
      bytes[2] = 0;
      fs.writeFileSync(`${p}.bed`, bytes);
      return ['--bfile', p];
    }, /sample-major/],
    ['a short .fam line', (dir) => ['--bfile', writeBfile(dir, GENOTYPES, 'f0 i0 0 0 1 -9\nf1 i1 0 0\n'.repeat(1))], /g\.fam:2:5: expected 6 fields/],
    ['a sample twice', (dir) => ['--bfile', writeBfile(dir, GENOTYPES, 'f i 0 0 1 -9\n'.repeat(5))], /g\.fam:2:2: sample f i appears twice \(first on line 1\)/],
    ['no founder', (dir) => ['--bfile', writeBfile(dir, GENOTYPES, Array.from({ length: 5 }, (_, i) => `f i${i} p m 1 -9\n`).join(''))], /has no founder/],
    ['no autosome', (dir) => ['--bfile', writeBfile(dir, GENOTYPES, undefined, ['X', 'chrY', 'MT'])], /has no autosomal variant/],
    ['a variant monomorphic among the founders only', (dir) => ['--bfile', writeBfile(dir, [[0, 1, 2], [0, 1, 0], [1, 0, 1], [0, 2, 1], [0, 1, 1]],
      'f a 0 0 1 -9\nf b 0 0 1 -9\nf c a b 1 -9\nf d 0 0 1 -9\nf e 0 0 1 -9\n')], /variant rs1 is monomorphic among the founders but not in the other samples/],
    ['a pair of samples with no variant called in both', (dir) => ['--bfile', writeBfile(dir, [[0, null, null], [null, 1, 1], [2, 0, 1], [1, 2, 1], [0, 1, 1]])],
      /samples i0 and i1 have no autosomal variant called in both/],
    ['--out naming an input', (dir) => { const p = writeBfile(dir, GENOTYPES); fs.renameSync(`${p}.bed`, `${p}.grm.bin`); fs.symlinkSync(`${p}.grm.bin`, `${p}.bed`); return ['--bfile', p, '--out', p]; },
      /--out \(\.grm\.bin\) ".*" and --bfile \(\.bed\) are the same file/],
    ['no --bfile', () => [], /--bfile is required/],
  ];
  for (const [name, setUp, message] of cases) {
    it(name, () => {
      const { dir, cleanup } = tempFiles({});
      try {
        const args = setUp(dir);
        const out = path.join(dir, 'out');
        const run = runCli(['grm', '--out', out, ...args]);
        assert.equal(run.status, 2, run.stderr);
        assert.match(run.stderr, message);
        assert.ok(!fs.existsSync(`${out}.grm.bin`) && !fs.existsSync(`${out}.grm.id`) && !fs.existsSync(`${out}.grm.N.bin`));
      } finally {
        cleanup();
      }
    });
  }
});
