/**
 * Which options go together: the usage errors of combinations the engines do not fit (a kinship with several terms,
 * the exact RLRT with the general core, weights with a kinship, Kenward–Roger by ML), checked by the CLI before any
 * input is read and by the library before any gene is fitted.
 */
import { UsageError } from '../errors.js';
import { type Ddf, modelChoiceOf, type ModelOptions } from './prepare.js';

/**
 * Refuses (UsageError) Kenward–Roger's df where lmerTest and pbkrtest do not compute them: an ML fit, or a kinship's
 * random term (whose covariance is not Z Zᵀ).
 */
export function refuseKenwardRogerOptions(options: ModelOptions & { ddf?: Ddf }): void {
  if (options.ddf !== 'kenward-roger') return;
  if (options.method === 'ml') {
    throw new UsageError("--ddf kenward-roger: Kenward-Roger's method is only available for REML model fits (as in lmerTest)",
      'drop --method ml, or use --ddf satterthwaite');
  }
  if (options.kinship !== undefined) {
    throw new UsageError('--ddf kenward-roger is not implemented for a kinship model', 'use --ddf satterthwaite (the default)');
  }
}

/**
 * Refuses (UsageError) a kinship with a model it does not fit: the kinship is the covariance of one random
 * intercept's levels, fitted by REML.
 */
export function refuseKinshipOptions(nTerms: number, options: ModelOptions): void {
  if (options.kinship === undefined) return;
  const problem = nTerms !== 1 ? `the formula has ${nTerms} random terms, and a kinship is the covariance of one random intercept's levels`
    : options.method === 'ml' ? '--method ml is not implemented for a kinship model (REML is, as GCTA --reml)'
      : options.varPart === true ? '--var-part is for models of plain random intercepts' : undefined;
  if (problem === undefined) return;
  throw new UsageError(`--kinship: ${problem}`,
    nTerms !== 1 ? 'write the formula with one random intercept, e.g. "~ sex + (1 | individual)", whose levels are the kinship\'s ids' : 'drop the option');
}

/**
 * Refuses (UsageError) the options that belong to the one-intercept engines (exact RLRT, the bootstrap) with a
 * model the general core fits (refuseKinshipOptions says what the kinship engine takes).
 */
export function refuseSingleTermOptions(nTerms: number, options: ModelOptions & { rlrtExact?: number; bootstrap?: number }): void {
  const asked = [options.rlrtExact !== undefined ? '--rlrt-exact' : '', options.bootstrap !== undefined ? '--bootstrap' : '']
    .filter((o) => o !== '');
  if (asked.length === 0 || modelChoiceOf(nTerms, options).engine !== 'terms') return;
  const why = nTerms !== 1 ? `the formula has ${nTerms} random terms` : options.method === 'ml' ? 'of --method ml' : 'of --var-part';
  throw new UsageError(`${asked.join(' and ')} ${asked.length > 1 ? 'are' : 'is'} for models with one random intercept fitted by ` +
    `REML, and this model is not one because ${why}`, 'drop the option, or fit one random intercept by REML');
}

/**
 * Refuses (UsageError) precision weights (`--weights`, or voom's, `--voom`) with the options that do not take them: a
 * kinship (its spectral form rests on equal residual variances), the exact RLRT and the bootstrap (their simulations
 * are of unweighted models).
 */
export function refuseWeightsOptions(options: ModelOptions & { weights?: unknown; voom?: boolean; rlrtExact?: number; bootstrap?: number }): void {
  const option = options.weights !== undefined ? '--weights' : options.voom === true ? '--voom' : undefined;
  if (option === undefined) return;
  const refused = [
    options.kinship !== undefined && '--kinship (the kinship model\'s spectral form rests on equal residual variances)',
    options.rlrtExact !== undefined && '--rlrt-exact (its null distribution is simulated for unweighted models)',
    options.bootstrap !== undefined && '--bootstrap (its replicates are simulated from unweighted models)',
  ].filter((o): o is string => o !== false);
  if (refused.length === 0) return;
  throw new UsageError(`${option} cannot be combined with ${refused.join(' or ')}`, `drop ${option}, or the other option`);
}

/**
 * Refuses (UsageError) a `--min-samples` above the `available` samples (`of`: what they are), which would filter
 * every gene.
 */
export function refuseMinSamples(minSamples: number | undefined, available: number, of: string): void {
  if (minSamples === undefined || minSamples <= available) return;
  throw new UsageError(`--min-samples ${minSamples} asks for more samples than the ${available} ${of}: every gene would be filtered`,
    `give --min-samples ${available} or fewer`);
}
