import { yScaleOf } from '../model/gene-stats.js';
import { rowsLeastSquares, takeFit } from '../model/least-squares.js';
import { type FitContext, type GenePreparer, modelChoice, type ReadyGene } from '../model/prepare.js';
import { fitTermsGene, type TermsStart } from '../model/terms/fit-terms.js';
import type { TermsPattern } from '../model/terms/terms-pattern.js';
import { criterionScale, TERMS_CRITERION_ULPS, TERMS_FIT, TERMS_FIT_STRIDE, TERMS_OUT_STRIDE } from '../gpu/terms-programs.js';
import { MISSING_F32 } from '../gpu/fit-declarations.js';
import { storeTermsFit } from './cpu-kernel.js';
import { type CpuGenesPart, fitGenesOnCpu, partUpload, preparedPart } from './cpu-genes-part.js';
import type { PartColumns } from './webgpu-host.js';

/**
 * The WebGPU several-terms fit's host work on one part of a batch, in f64, on the thread that holds the part
 * (webgpu-host.ts does the same for one intercept): prepareTermsPart packs the genes for the device, and
 * finishTermsPart fits each in f64 from the device's θ̂ and refits (fitTermsGene from them: the f64 optimiser's
 * polish, then every estimate as the CPU path computes it).
 */

/** A gene of a part that went to the device: its place in the part (its values are prepared again to finish it). */
interface PackedTermsGene {
  gene: number;
}

/** A terms part: its packed genes, and the genes its finish fits on the CPU (X aliased on their rows, or fitting them exactly). */
export type TermsDevicePart = CpuGenesPart<PackedTermsGene>;

/** A residual sum of squares this small a share of y's, after X's fit, is rounding: X fits y exactly. */
const EXACT_FIT = 1e-20;

/**
 * Prepares a part's genes in f64 (statuses, NAs, transform). A gene is packed in f32 centred, less its least-squares
 * fit on X (the criterion depends on y only through what X leaves: f32 keeps that part at its own precision however
 * much X explains) and scaled to unit mean square, MISSING on its missing rows; the device's design holds every level,
 * and a level without data changes nothing in the criterion (terms-search.wgsl). Genes not fitted are stored at
 * once; genes whose X loses rank on their rows, or that X fits exactly, are fitted on the CPU when the part finishes.
 */
export function prepareTermsPart(context: FitContext, values: Float64Array, nGenes: number, preparer: GenePreparer<TermsPattern>):
  { part: TermsDevicePart; upload: PartColumns } {
  const { design } = context;
  const columns = new Float32Array(design.nObs * nGenes).fill(MISSING_F32);
  let v = new Float64Array(design.nObs);
  const part = preparedPart<TermsPattern, PackedTermsGene>(context, values, nGenes, preparer, (into, g, { pattern, y, mean }) => {
    const fit = pattern.p === design.p ? rowsLeastSquares(design, pattern.columns, pattern.rows) : undefined;
    if (fit === undefined) {
      into.onCpu.push(g);
      return;
    }
    const shift = design.interceptColumn >= 0 ? mean : 0;
    const unit = yScaleOf(y, shift);
    v = v.length === y.length ? v : new Float64Array(y.length);
    let total = 0;
    for (let i = 0; i < y.length; i++) {
      v[i] = (y[i] - shift) / unit;
      total += v[i] * v[i];
    }
    takeFit(design, fit, v);
    let ss = 0;
    for (let i = 0; i < v.length; i++) ss += v[i] * v[i];
    // What X leaves of y is f64's rounding (X fits y exactly): scaled up for f32 it would be noise.
    if (!(ss > EXACT_FIT * total)) {
      into.onCpu.push(g);
      return;
    }
    const rms = Math.sqrt(ss / v.length);
    const k = into.packed.length;
    for (let i = 0; i < y.length; i++) columns[pattern.rows[i] * nGenes + k] = v[i] / rms;
    into.packed.push({ gene: g });
  });
  return partUpload(context, part, columns, nGenes, preparer);
}

/**
 * The device's starts of gene `k` of a batch (its output from k · TERMS_OUT_STRIDE; n its observations): θ̂ and each
 * refit's θ, and which of them the device probed with nothing lower; undefined where a θ is not finite. A search that
 * ran out of evaluations still gives its best vertex: in a flat direction (a term of few levels, a large θ) f32 stops
 * the simplex shrinking near the optimum, and the f64 polish is the check.
 */
function deviceStart(readback: Float32Array, k: number, K: number, n: number): TermsStart | undefined {
  const fits = Array.from({ length: K + 1 }, (_, slot) => {
    const at = k * TERMS_OUT_STRIDE + slot * TERMS_FIT_STRIDE;
    const criterion = readback[at + TERMS_FIT.criterion];
    // The device's probes stand where each lies above the optimum by more than f32's rounding of the criterion there.
    return { theta: Float64Array.from(readback.subarray(at, at + K)),
      probed: readback[at + TERMS_FIT.probe] > TERMS_CRITERION_ULPS * 2 ** -23 * criterionScale(n, criterion) };
  });
  if (!fits.every(({ theta }) => theta.every(Number.isFinite))) return undefined;
  return { theta: fits[0].theta, reduced: fits.slice(1).map((f) => f.theta), probed: fits.map((f) => f.probed) };
}

/**
 * Fits a part's packed genes in f64 from the device's results (its packed genes are the batch's columns from `first`
 * on): fitTermsGene from the device's θ̂ and refits, so the f64 optimiser polishes them (and probes around them where
 * the device's probes came near, or its optimum was not the f64 one) and the estimates, tests and fractions are
 * computed by the CPU path's own code. A gene any of whose optimisations from the device's starts (the model's, a
 * refit's) did not converge is refitted on the CPU from lme4's start, as are the part's genes kept for the CPU.
 * Returns how many were refitted.
 */
export function finishTermsPart(context: FitContext, part: TermsDevicePart, readback: Float32Array, first: number,
  preparer: GenePreparer<TermsPattern>): number {
  const { method, varPart } = modelChoice(context);
  const K = context.design.randomTerms.length;
  const refit: number[] = [];
  part.packed.forEach(({ gene }, j) => {
    const { pattern, y, mean } = preparer.prepare(part.values.subarray(gene * part.nSamples, (gene + 1) * part.nSamples)) as ReadyGene<TermsPattern>;
    const start = deviceStart(readback, first + j, K, pattern.n);
    const fit = start && fitTermsGene(pattern, y, { method, varPart }, undefined, start);
    if (fit === undefined || !fit.opt.converged || !fit.refitsConverged) refit.push(gene);
    else storeTermsFit(part.results, gene, context, pattern, mean, fit);
  });
  fitGenesOnCpu(context, part, [...part.onCpu, ...refit], preparer);
  return refit.length;
}

/** Fits a part's packed genes and the genes kept for the CPU on the CPU, as its batch's device work failed. */
export function refitTermsPart(context: FitContext, part: TermsDevicePart, preparer: GenePreparer<TermsPattern>): void {
  fitGenesOnCpu(context, part, [...part.onCpu, ...part.packed.map(({ gene }) => gene)], preparer);
}
