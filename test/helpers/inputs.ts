/**
 * Inputs the GPU edge-case tests share: a mixed matrix with one gene of each kind, slices of a case, and the runs
 * they compare.
 */
import { type FitOptions, type FitResult, fitGenes } from '../../src/fit-genes.js';
import type { ExpressionMatrix, SampleSheet } from '../../src/io/types.js';
import { STATUSES } from '../../src/results/statuses.js';

/** A matrix, its sample sheet and a formula. */
export interface Input {
  matrix: ExpressionMatrix;
  samples: SampleSheet;
  formula: string;
}

/** The input fitted on the cpu backend, one thread. */
export const fitCpu = (input: Input, options: FitOptions = {}): Promise<FitResult> =>
  fitGenes(input.matrix, input.samples, input.formula, { ...options, backend: 'cpu', threads: 1 });

/** Genes [from, to) of a matrix, as a matrix. */
export function genesOf(matrix: ExpressionMatrix, from: number, to: number): ExpressionMatrix {
  return { ...matrix, geneIds: matrix.geneIds.slice(from, to), nGenes: to - from,
    values: matrix.values.slice(from * matrix.nSamples, to * matrix.nSamples) };
}

/** Each gene's status, by id. */
export const statusesOf = (fit: FitResult): Record<string, string> =>
  Object.fromEntries(fit.geneIds.map((id, g) => [id, STATUSES[fit.results.status[g]]]));

/**
 * 6 groups × 4 samples, treatment alternating within groups; one gene of each kind. The expected cpu
 * status is part of each entry.
 */
export function mixedInput(): Input & { expected: Record<string, string> } {
  const nSamples = 24;
  const sampleIds = Array.from({ length: nSamples }, (_, i) => `s${i + 1}`);
  let seed = 11;
  const rand = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
  const normal = (): number[] => sampleIds.map((_, i) => 10 + Math.floor(i / 4) * 0.8 + (i % 2) * 0.3 + rand());
  const within = [0.3, -0.2, 0.5, -0.6];
  const genes: [string, string, number[]][] = [
    ['normal_1', 'ok', normal()],
    ['normal_with_na', 'ok', normal().map((v, i) => (i === 5 || i === 17 ? NaN : v))],
    ['all_zero', 'constant', sampleIds.map(() => 0)],
    ['constant_five', 'constant', sampleIds.map(() => 5)],
    ['na_heavy', 'insufficient', sampleIds.map((_, i) => (i < 3 ? 1 + i : NaN))],
    ['all_na', 'insufficient', sampleIds.map(() => NaN)],
    // Every group holds the same four values (in another order), so the group means are equal: σ̂²_g = 0.
    ['singular_equal_means', 'singular', sampleIds.map((_, i) => 4 + within[(i + Math.floor(i / 4)) % 4])],
    ['singular_mirrored', 'singular', sampleIds.map((_, i) => 4 + within[i % 4] * (Math.floor(i / 4) % 2 ? 1 : -1))],
    // Only the ctrl samples: treatment is aliased with the intercept on this gene's rows.
    ['aliased_treatment', 'ok', normal().map((v, i) => (i % 2 ? NaN : v))],
    ['normal_2', 'ok', normal()],
  ];
  return {
    matrix: { file: 'mixed.tsv', geneIds: genes.map(([id]) => id), sampleIds, nGenes: genes.length, nSamples,
      values: Float64Array.from(genes.flatMap(([, , v]) => v)) },
    samples: { file: 'mixed.samples.tsv', idColumn: 'sample', ids: sampleIds,
      columns: new Map([['group', sampleIds.map((_, i) => `g${Math.floor(i / 4)}`)],
        ['treatment', sampleIds.map((_, i) => (i % 2 === 0 ? 'ctrl' : 'trt'))]]),
      lines: sampleIds.map((_, i) => i + 2) },
    formula: '~ treatment + (1 | group)',
    expected: Object.fromEntries(genes.map(([id, status]) => [id, status])),
  };
}

