/**
 * The kinship (GREML) model against lme4 with Zᵀ premultiplied by a square root of the kinship (lme4qtl's
 * relmatLmer approach), on test/fixtures/kinship (make-kinship.R): simulated families, their plink2 GRM, one
 * sample per individual and replicates, genes with missing values, singular genes and h2 near 1, to the
 * tolerances of SPEC §6 (tolerances.ts). Satterthwaite df and the SE of h2 are the script's numerical derivatives
 * of lmerTest's devfun_vp on the same deviance function.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fitGenes, fitTable } from '../../src/fit-genes.js';
import { readKinship } from '../../src/io/kinship-files.js';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import { REPO_ROOT } from '../helpers/cases.js';
import { CPU_VS_LME4 as TOL } from './tolerances.js';

const DIR = path.join(REPO_ROOT, 'test/fixtures/kinship');

interface RefGene {
  gene: string;
  n: number;
  status: string;
  n_levels?: number;
  loglik?: number;
  sigma2_g?: number;
  sigma2_resid?: number;
  h2?: number;
  h2_se?: number | null;
  lrt?: number;
  p_lrt?: number;
  theta?: number;
  fixef_names?: string[];
  beta?: number[];
  se?: number[];
  df?: number[];
}

function close(actual: number, expected: number, rel: number, floor = 0): boolean {
  return Math.abs(actual - expected) <= Math.max(rel * Math.abs(expected), floor);
}

describe('kinship model against lme4 with the kinship premultiplied into Zᵀ (test/fixtures/kinship)', () => {
  for (const name of ['single', 'replicates']) {
    it(`${name}: every gene's status, likelihood, variances, h2 and its SE, LRT, β, SE and Satterthwaite df`, async () => {
      const ref: { formula: string; genes: RefGene[] } = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.lme4.json`), 'utf8'));
      const matrix = await readMatrix(path.join(DIR, `${name}.expr.tsv`));
      const notices: string[] = [];
      const fit = await fitGenes(matrix, await readSampleSheet(path.join(DIR, `${name}.samples.tsv`)), ref.formula,
        { kinship: await readKinship(path.join(DIR, 'sim')), backend: 'cpu', threads: 1, onNotice: (m) => notices.push(m) });
      // The GRM of all 240 from calls with missing genotypes is slightly indefinite: made PSD, with a notice. The
      // 80 individuals of `replicates` have a positive definite part of it.
      const clamped = notices.some((m) => /negative eigenvalues down to -0\.00\d+ .* set to 0/.test(m));
      assert.equal(clamped, name === 'single', notices.join('\n'));
      const table = fitTable(fit);
      const rows = [...table.rows];
      const failures: string[] = [];
      let compared = 0;
      for (const [g, expected] of ref.genes.entries()) {
        const row = rows[g];
        const cell = (column: string): number => {
          const k = table.columns.indexOf(column);
          assert.ok(k >= 0, `no column ${column}`);
          return row[k] === null ? NaN : Number(row[k]);
        };
        const status = String(row[table.columns.indexOf('status')]);
        const where = `${name} ${expected.gene}`;
        assert.equal(row[0], expected.gene);
        assert.equal(cell('n'), expected.n, where);
        if (expected.status === 'constant') {
          assert.equal(status, 'constant', where);
          continue;
        }
        // h2 near 1 in the simulation, one sample per individual: the criterion falls all the way to h2 = 1, where it has
        // a finite limit (admitsH2One), and is flat to 1e-6 beyond λ = 1e6. lme4 stops somewhere on that plateau;
        // genelmm's search ends at λ = 1e8. Both are points of a flat ridge: the likelihood, σ²s and β agree, and
        // genelmm's likelihood is not below lme4's (the early-stop rule of SPEC §6); the df and h2's SE, curvatures at
        // the point where each search stopped, are not compared.
        const onPlateau = expected.theta !== undefined && expected.theta ** 2 > 1e6;
        if (status !== expected.status) {
          failures.push(`${where}: status ${status}, lme4 ${expected.status}`);
          continue;
        }
        compared++;
        const loglik = cell('reml_loglik');
        if (!(Math.abs(loglik - expected.loglik!) <= TOL.remlLogLikAbs)) failures.push(`${where}: reml_loglik ${loglik}, lme4 ${expected.loglik}`);
        if (onPlateau && !(loglik >= expected.loglik! - TOL.earlyStopLogLik && cell('h2') >= 1 - 1e-6)) {
          failures.push(`${where}: on the plateau towards h2 = 1, reml_loglik ${loglik} and h2 ${cell('h2')}, lme4 ${expected.loglik} and ${expected.h2}`);
        }
        const y = Array.from(matrix.values.subarray(g * matrix.nSamples, (g + 1) * matrix.nSamples)).filter((v) => !Number.isNaN(v));
        const mean = y.reduce((a, b) => a + b, 0) / y.length;
        const varY = y.reduce((a, b) => a + (b - mean) ** 2, 0) / (y.length - 1);
        const check = (what: string, actual: number, wanted: number | null | undefined, rel: number, floor = 0): void => {
          if (wanted === null || wanted === undefined) return;
          if (!close(actual, wanted, rel, floor)) failures.push(`${where} ${what}: ${actual}, lme4 ${wanted}`);
        };
        check('n_groups', cell('n_groups'), expected.n_levels, 0);
        const singular = status === 'singular';
        check('sigma2_group', cell('sigma2_group'), expected.sigma2_g, TOL.estimateRel, TOL.estimateAbsFloor * varY);
        // At a boundary fit lme4 stops at θ ≈ 1e-5 rather than 0: its σ²_e is that point's.
        check('sigma2_resid', cell('sigma2_resid'), expected.sigma2_resid, singular ? 1e-4 : TOL.estimateRel, TOL.estimateAbsFloor * varY);
        check('h2', cell('h2'), expected.h2, TOL.estimateRel, 1e-6);
        if (!singular && !onPlateau) check('h2_se', cell('h2_se'), expected.h2_se, TOL.dfRel);
        check('lrt', cell('lrt'), expected.lrt, 0, TOL.lrtAbs);
        expected.fixef_names!.forEach((c, j) => {
          check(`beta_${c}`, cell(`beta_${c}`), expected.beta![j], singular ? 1e-4 : TOL.estimateRel, TOL.estimateAbsFloor * Math.sqrt(varY));
          check(`se_${c}`, cell(`se_${c}`), expected.se![j], singular ? 1e-4 : TOL.seRel);
          if (!onPlateau) check(`df_${c}`, cell(`df_${c}`), expected.df![j], TOL.dfRel);
        });
      }
      assert.deepEqual(failures, []);
      assert.ok(compared >= 15, `${compared} genes compared`);
    });
  }
});
