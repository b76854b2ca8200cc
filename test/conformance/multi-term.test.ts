/**
 * The general core (several random intercepts, REML and ML, `lm`) against lme4 / lmerTest and variancePartition's
 * formulas, on every case of test/fixtures/multi (made by make-multiterm.R), to the tolerances of SPEC §6
 * (tolerances.ts). Where lme4 stopped before the optimum (genelmm's log-likelihood above lme4's by more than
 * remlLogLikAbs), the gene is an early stop: its estimates are not compared, and it is listed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fitGenes, fitTable } from '../../src/fit-genes.js';
import { readMatrix, readSampleSheet } from '../../src/io/read-files.js';
import { buildDesign } from '../../src/model/design.js';
import { parseFormula } from '../../src/model/formula.js';
import { objective, termsGene } from '../../src/model/terms/criterion.js';
import { buildTermsPattern } from '../../src/model/terms/terms-pattern.js';
import type { Method } from '../../src/model/terms/criterion.js';
import { REPO_ROOT } from '../helpers/cases.js';
import { CPU_VS_LME4 as TOL } from './tolerances.js';

const DIR = path.join(REPO_ROOT, 'test/fixtures/multi');

type Named = Record<string, number>;
interface RefGene {
  gene: string;
  n: number | null;
  status: string;
  loglik: number | null;
  sigma2: Named | null;
  sigma2_resid: number | null;
  n_levels: Named | null;
  fixef_names: string[] | null;
  fixef: Record<'Estimate' | 'Std. Error' | 'df' | 't value' | 'Pr(>|t|)', number[]> | null;
  lrt: Record<string, { stat: number; p: number; loglik_reduced: number }> | null;
  theta?: Named | null;
  vp: Named | null;
  vp_se: Record<string, number | null> | null;
  theta_terms?: string[];
  devfun_pins?: { theta: number[]; value: number }[];
}
interface RefCase {
  name: string;
  formula: string;
  method: 'reml' | 'ml' | 'lm';
  genes: RefGene[];
}

/** vp_se of a term genelmm fits at θ_k = 0 (its SE 0) against lme4's, which stops at θ_k up to about 1e-4. */
const SINGULAR_VP_SE_ABS = 1e-3;

/** Column prefixes of the quantities compared, longest first (vp_se_ before vp_). */
const QUANTITIES = ['vp_se', 'p_lrt', 'n_levels', 'sigma2', 'beta', 'se', 'df', 'p', 'vp', 'lrt'];

const files = fs.readdirSync(DIR).filter((f) => /\.(reml|ml|lm)\.json$/.test(f)).sort();

/** Relative difference with an absolute floor. */
function close(actual: number, expected: number, rel: number, floor: number): boolean {
  return Math.abs(actual - expected) <= Math.max(rel * Math.abs(expected), floor);
}

describe('several random terms, REML and ML, and lm: against lme4/lmerTest and variancePartition (test/fixtures/multi)', () => {
  it('has the cases the issue asks for', () => {
    const names = new Set(files.map((f) => f.split('.')[0]));
    for (const name of ['penicillin', 'pastes', 'crossed3', 'nested', 'singleton', 'bottomly', 'fixedonly']) assert.ok(names.has(name), name);
  });

  const earlyStops: string[] = [];
  const flatOptima: string[] = [];
  /** The largest deviation from the reference per method and quantity, over the genes compared in full. */
  const largest = new Map<string, { deviation: number; where: string }>();
  for (const file of files) {
    const ref: RefCase = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
    const method: Method = ref.method === 'reml' ? 'reml' : 'ml';
    it(`${ref.name} by ${ref.method}: ${ref.formula}`, async () => {
      const matrix = await readMatrix(path.join(DIR, `${ref.name}.expr.tsv`));
      const samples = await readSampleSheet(path.join(DIR, `${ref.name}.samples.tsv`));
      const fit = await fitGenes(matrix, samples, ref.formula, { method, varPart: true, backend: 'cpu', threads: 1 });
      const table = fitTable(fit);
      const columns = table.columns;
      const rows = [...table.rows];
      const failures: string[] = [];
      for (const [g, expected] of ref.genes.entries()) {
        const row = rows[g];
        const cell = (column: string): number => {
          const k = columns.indexOf(column);
          assert.ok(k >= 0, `no column ${column} in ${columns.join(' ')}`);
          const v = row[k];
          return v === null ? NaN : Number(v);
        };
        const where = `${ref.name} ${ref.method} ${expected.gene}`;
        assert.equal(row[0], expected.gene);
        const status = String(row[columns.indexOf('status')]);
        const loglik = cell(`${method}_loglik`);
        if (status !== expected.status) {
          // lme4 may stop with a θ_k a little above 1e-4 (ok) where the optimum is at θ_k = 0 (singular): the
          // likelihood decides.
          const fitted = ['ok', 'singular'];
          if (fitted.includes(status) && fitted.includes(expected.status) && loglik >= expected.loglik! - TOL.earlyStopLogLik) {
            flatOptima.push(`${where} (${status}, lme4 ${expected.status} at θ ${JSON.stringify(expected.theta)})`);
          } else failures.push(`${where}: status ${status}, lme4 ${expected.status} (${row[columns.length - 1]})`);
          continue;
        }
        if (expected.loglik === null) continue;
        const y = Array.from(matrix.values.subarray(g * matrix.nSamples, (g + 1) * matrix.nSamples)).filter((v) => !Number.isNaN(v));
        const mean = y.reduce((a, b) => a + b, 0) / y.length;
        const varY = y.reduce((a, b) => a + (b - mean) ** 2, 0) / (y.length - 1);
        if (!(loglik >= expected.loglik - TOL.remlLogLikAbs)) {
          failures.push(`${where}: log-likelihood ${loglik} below lme4's ${expected.loglik}`);
          continue;
        }
        const earlyStop = loglik > expected.loglik + TOL.remlLogLikAbs;
        if (earlyStop) {
          earlyStops.push(`${where} (+${(loglik - expected.loglik).toExponential(2)})`);
          continue;
        }
        const problems: string[] = [];
        const seen: [string, number][] = [[`${method}_loglik (abs)`, Math.abs(loglik - expected.loglik)]];
        const check = (what: string, actual: number, wanted: number | null | undefined, rel: number, floor: number): void => {
          if (wanted === null || wanted === undefined) return;
          if (!close(actual, wanted, rel, floor)) problems.push(`${where} ${what}: ${actual}, reference ${wanted}`);
          const quantity = QUANTITIES.find((q) => what.startsWith(`${q}_`)) ?? what;
          const absolute = quantity === 'vp' || quantity === 'lrt';
          // Relative deviations of values within the absolute floor (a σ² of 0 against lme4's 1e-10) say nothing.
          if (absolute || Math.abs(wanted) > Math.max(floor, 0) && wanted !== 0) {
            seen.push([`${quantity} (${absolute ? 'abs' : 'rel'})`, Math.abs(actual - wanted) / (absolute ? 1 : Math.abs(wanted))]);
          }
        };
        for (const [term, v] of Object.entries(expected.sigma2 ?? {})) {
          check(`sigma2_${term}`, cell(`sigma2_${term}`), v, TOL.estimateRel, TOL.estimateAbsFloor * varY);
        }
        check('sigma2_resid', cell('sigma2_resid'), expected.sigma2_resid, TOL.estimateRel, TOL.estimateAbsFloor * varY);
        expected.fixef_names?.forEach((c, j) => {
          check(`beta_${c}`, cell(`beta_${c}`), expected.fixef!.Estimate[j], TOL.estimateRel, TOL.estimateAbsFloor * Math.sqrt(varY));
        });
        if (problems.length > 0) {
          // σ²s and β may differ beyond rel 1e-5 only where genelmm's likelihood is at least lme4's (SPEC §6): a flat
          // optimum, where lme4 stopped at another point. What depends on the point (SE, df, fractions) is not compared.
          if (loglik >= expected.loglik - TOL.earlyStopLogLik) flatOptima.push(`${where} (${problems.length} estimate(s) past rel 1e-5, ℓ ${loglik >= expected.loglik ? '+' : ''}${(loglik - expected.loglik).toExponential(1)})`);
          else failures.push(...problems);
          continue;
        }
        for (const [term] of Object.entries(expected.sigma2 ?? {})) {
          check(`n_levels_${term}`, cell(`n_levels_${term}`), expected.n_levels?.[term], 0, 0);
          const lrt = expected.lrt?.[term];
          const ours = cell(`lrt_${term}`);
          // The fit without the term is held to the full fit's rule: its likelihood not below lme4's, and where it is
          // above (lme4 stopped early), the statistic is not compared.
          const reduced = loglik - ours / 2;
          if (lrt && ours > 0 && reduced < lrt.loglik_reduced - TOL.remlLogLikAbs) {
            problems.push(`${where} without ${term}: log-likelihood ${reduced}, lme4 ${lrt.loglik_reduced}`);
          } else if (lrt && ours > 0 && reduced > lrt.loglik_reduced + TOL.remlLogLikAbs) {
            earlyStops.push(`${where} without ${term} (+${(reduced - lrt.loglik_reduced).toExponential(2)})`);
          } else if (lrt) {
            check(`lrt_${term}`, ours, lrt.stat, 0, TOL.lrtAbs);
            // At a statistic within lrtAbs of 0 the p-value jumps from 1 (at 0) to ½; compare it away from there.
            if (lrt.stat > 10 * TOL.lrtAbs) check(`p_lrt_${term}`, cell(`p_lrt_${term}`), lrt.p, TOL.pRel, 1e-300);
          }
        }
        expected.fixef_names?.forEach((c, j) => {
          const f = expected.fixef!;
          check(`se_${c}`, cell(`se_${c}`), f['Std. Error'][j], TOL.seRel, 0);
          check(`df_${c}`, cell(`df_${c}`), f.df[j], TOL.dfRel, 0);
          check(`p_${c}`, cell(`p_${c}`), f['Pr(>|t|)'][j], TOL.pRel, 1e-300);
        });
        for (const [name, v] of Object.entries(expected.vp ?? {})) {
          check(`vp_${name}`, cell(`vp_${name}`), v, 0, TOL.varPartAbs);
          // A term at θ_k = 0 has a fraction whose derivative in θ_k is 0, so its SE is 0; lme4 stops at a θ_k of
          // 1e-5 to 1e-4 there, and its SE is of that order.
          const atZero = expected.sigma2?.[name] !== undefined && cell(`sigma2_${name}`) === 0;
          check(`vp_se_${name}`, cell(`vp_se_${name}`), expected.vp_se?.[name], atZero ? 0 : TOL.varPartSeRel,
            atZero ? SINGULAR_VP_SE_ABS : TOL.varPartAbs);
        }
        failures.push(...problems);
        for (const [quantity, deviation] of seen) {
          const key = `${ref.method} ${quantity}`;
          if (!(deviation <= (largest.get(key)?.deviation ?? -1))) largest.set(key, { deviation, where });
        }
      }
      assert.deepEqual(failures, [], `${failures.length} disagreement(s):\n${failures.join('\n')}`);
    });
  }

  it("lists the genes where lme4 stopped before the optimum, or at another point of a flat one", (t) => {
    t.diagnostic(`early stops: ${earlyStops.length === 0 ? 'none' : earlyStops.join('; ')}`);
    for (const [key, { deviation, where }] of [...largest].sort()) t.diagnostic(`largest deviation, ${key}: ${deviation.toExponential(2)} (${where})`);
    t.diagnostic(`flat optima (estimates past rel 1e-5, likelihood at least lme4's): ${flatOptima.length === 0 ? 'none' : flatOptima.join('; ')}`);
  });
});

describe("the criterion at lme4's θ: genelmm's objective equals lme4's devfun (test/fixtures/multi pins)", () => {
  for (const file of files.filter((f) => !f.endsWith('.lm.json'))) {
    const ref: RefCase = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
    const method: Method = ref.method === 'reml' ? 'reml' : 'ml';
    it(`${ref.name} by ${ref.method}`, async () => {
      const matrix = await readMatrix(path.join(DIR, `${ref.name}.expr.tsv`));
      const samples = await readSampleSheet(path.join(DIR, `${ref.name}.samples.tsv`));
      const design = buildDesign(parseFormula(ref.formula), samples, matrix.sampleIds);
      let pinned = 0;
      for (const [g, expected] of ref.genes.entries()) {
        if (!expected.devfun_pins || !expected.theta_terms) continue;
        const raw = matrix.values.subarray(g * matrix.nSamples, (g + 1) * matrix.nSamples);
        const rows = Int32Array.from({ length: design.nObs }, (_, i) => i).filter((i) => !Number.isNaN(raw[design.sampleIndex[i]]));
        const y = Float64Array.from(rows, (i) => raw[design.sampleIndex[i]]);
        const gene = termsGene(buildTermsPattern(design, rows), y, method);
        const order = design.randomTerms.map((t) => expected.theta_terms!.indexOf(t.name));
        assert.ok(order.every((k) => k >= 0), `${expected.theta_terms.join(', ')} against ${design.randomTerms.map((t) => t.name).join(', ')}`);
        for (const pin of expected.devfun_pins) {
          const theta = Float64Array.from(order, (k) => pin.theta[k]);
          const value = objective(gene, theta);
          assert.ok(Math.abs(value - pin.value) <= 1e-7 * Math.max(1, Math.abs(pin.value)),
            `${expected.gene} at θ = ${pin.theta.join(', ')}: ${value}, lme4 ${pin.value}`);
          pinned++;
        }
      }
      const fitted = ref.genes.filter((g) => g.status === 'ok' || g.status === 'singular').length;
      assert.ok(fitted === 0 || pinned > 0, 'no pins in the fixture');
    });
  }
});
