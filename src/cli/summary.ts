import type { KinshipReport } from '../model/kinship.js';
import fs from 'node:fs';
import path from 'node:path';
import type { BackendDescription } from '../backends/backend.js';
import type { GpuRunReport } from '../backends/gpu-batches.js';
import { gpuBootstrapText, gpuPhasesText } from '../backends/gpu-phases.js';
import type { FitResult } from '../fit-genes.js';
import type { Status } from '../results/statuses.js';
import { PACKAGE_ROOT } from '../package-root.js';

/** The run summary of SPEC §5: on stderr, and as JSON with `--summary FILE`. */
export interface RunSummary {
  genelmm: string;
  date: string;
  inputs: { expr: string; samples: string; formula: string; kinship?: string; weights?: string; transform: string };
  genes: number;
  /** With --shard: which shard, and its genes [first, first + count) of the matrix. */
  shard?: { index: number; count: number; first: number };
  /** groups: levels of the random term with most levels (0 without one). */
  samples: { inMatrix: number; used: number; groups: number };
  /**
   * The model: criterion, each random term's levels among the samples used, variance fractions on or off, and the
   * kinship file read, with the individuals it has and its negative eigenvalues set to 0 (`--kinship`).
   */
  model: {
    method: string; terms: { name: string; levels: number }[]; varPart: boolean; kinship?: KinshipReport;
    /** The df of the Wald tests: `satterthwaite` (lm's n − p without random terms) or `kenward-roger`. */
    ddf?: string;
    /** Precision weights: `--weights`' file, or `voom`; absent for an unweighted fit. */
    weights?: string;
  };
  coefficients: string[];
  backend: BackendDescription;
  /** What the GPU did, when a GPU backend (webgpu or gpujs) ran. */
  gpu?: GpuRunReport;
  statuses: Record<Status, number>;
  /** Wall-clock milliseconds per phase. */
  timings: { readMs: number; prepareMs: number; fitMs: number; rlrtExactMs: number; bootstrapMs: number; writeMs: number; totalMs: number };
  /** The exact RLRT's simulations, when asked for (the fit's own record). */
  rlrtExact?: FitResult['rlrtExact'];
  /** The parametric bootstrap's replicates, when asked for (the fit's own record). */
  bootstrap?: FitResult['bootstrap'];
  /**
   * `--ebayes`' prior: limma's df.prior ("Inf" where infinite; JSON has no infinity) and s2.prior; with `robust`, the
   * genes with outlying variances (their own prior df below df.prior) and the smallest prior df.
   */
  ebayes?: { dfPrior: number | 'Inf'; s2Prior: number; robust?: { outliers: number; smallestDfPrior: number | 'Inf' } };
  /** `--voom`'s mean–variance trend (FitResult.voom, without the genes' points and ratios). */
  voom?: Pick<NonNullable<FitResult['voom']>, 'span' | 'genes' | 'trend'>;
  peakRssMB: number;
  notices: string[];
  output: string;
}

/** The package version, from package.json. */
export function packageVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')).version;
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

const fmt = (ms: number): string => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);

/** How the samples are grouped: `in 24 groups` with one random term, else each term's levels. */
function grouping(s: RunSummary): string {
  const { terms } = s.model;
  if (terms.length === 1) return `in ${s.samples.groups} groups`;
  if (terms.length === 0) return 'without a random term';
  return `in ${terms.map((t) => `${t.levels} ${t.name}`).join(' × ')} levels`;
}

/** The summary as a few human lines for stderr. */
export function summaryLines(s: RunSummary): string[] {
  const counts = Object.entries(s.statuses).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
  const t = s.timings;
  const bootstrapOnGpu = s.bootstrap ? gpuBootstrapText(s.bootstrap, fmt) : '';
  return [
    `genelmm ${s.genelmm}: ${s.genes} genes × ${s.samples.used} samples ${grouping(s)}, ${s.inputs.formula}` +
      `${s.model.method === 'reml' ? '' : ` by ${s.model.method.toUpperCase()}`}` +
      `${s.model.ddf === 'kenward-roger' ? ', Kenward-Roger df' : ''}${s.model.weights ? `, weights: ${s.model.weights}` : ''}`,
    `statuses: ${counts}`,
    ...(s.model.kinship ? [`kinship: ${s.model.kinship.file}, ${s.model.kinship.individuals} individuals` +
      `${s.model.kinship.clamped ? `; eigenvalues down to ${s.model.kinship.smallestEigenvalue.toPrecision(3)} set to 0` : ''}`] : []),
    `backend: ${s.backend.name} on ${s.backend.device} (${s.backend.reason})`,
    ...(s.gpu ? [`gpu: ${s.gpu.batches} batch(es), ${s.gpu.gpuGenes} genes on the GPU, ${s.gpu.refinedGenes} refined in f64 on the CPU, ` +
      `${s.gpu.cpuGenes} on the CPU${s.gpu.failure ? ` (${s.gpu.failure})` : ''}; ${gpuPhasesText(s.gpu.timings, fmt)}`] : []),
    ...(s.rlrtExact ? [`exact RLRT: ${s.rlrtExact.nsim} null simulations for each of ${s.rlrtExact.patterns} design(s), seed ${s.rlrtExact.seed}` +
      `${s.gpu && s.gpu.cpuRlrtDesigns > 0 ? `; ${s.gpu.cpuRlrtDesigns} design(s) simulated on the CPU` : ''}`] : []),
    ...(s.bootstrap ? [`bootstrap: ${s.bootstrap.B} replicates for each of ${s.bootstrap.genes} fitted gene(s), seed ${s.bootstrap.seed}` +
      `${bootstrapOnGpu && `; ${bootstrapOnGpu}`}` +
      `${s.bootstrap.failedReplicates > 0 ? `; ${s.bootstrap.failedReplicates} replicate refit(s) failed and were left out` : ''}`] : []),
    ...(s.voom ? [`voom: mean-variance trend of ${s.voom.genes} genes (lowess, span ${s.voom.span})`] : []),
    ...(s.ebayes ? [ebayesLine(s.ebayes)] : []),
    `time: read ${fmt(t.readMs)}, prepare ${fmt(t.prepareMs)}, fit ${fmt(t.fitMs)}${s.rlrtExact ? `, exact RLRT ${fmt(t.rlrtExactMs)}` : ''}` +
      `${s.bootstrap ? `, bootstrap ${fmt(t.bootstrapMs)}` : ''}, ` +
      `write ${fmt(t.writeMs)}, total ${fmt(t.totalMs)}; peak RSS ${s.peakRssMB} MB`,
  ];
}

/** The summary's record of `--ebayes`' prior (FitResult.ebayes), infinities written "Inf". */
export function summaryEbayes(ebayes: NonNullable<FitResult['ebayes']>): NonNullable<RunSummary['ebayes']> {
  const finite = (v: number): number | 'Inf' => (Number.isFinite(v) ? v : 'Inf');
  return {
    dfPrior: finite(ebayes.dfPrior), s2Prior: ebayes.s2Prior,
    ...(ebayes.robust && { robust: { outliers: ebayes.robust.outliers, smallestDfPrior: finite(ebayes.robust.smallestDfPrior) } }),
  };
}

function ebayesLine(e: NonNullable<RunSummary['ebayes']>): string {
  const df = (v: number | 'Inf'): string => (typeof v === 'number' ? v.toPrecision(4) : 'infinite');
  const robust = e.robust && `; ${e.robust.outliers} gene(s) with outlying variances, their prior df down to ${df(e.robust.smallestDfPrior)}`;
  return `empirical Bayes${e.robust ? ' (robust)' : ''}: prior df ${df(e.dfPrior)}, prior variance ${e.s2Prior.toPrecision(4)}${robust ?? ''} ` +
    `(limma's squeezeVar${e.robust ? '(robust = TRUE)' : ''} over the fitted genes)`;
}
