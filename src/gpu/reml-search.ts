import { type CriterionClasses, criterionProgram, GROUP_CLASSES } from './criterion-classes.js';
import { CRITERION_ROUNDING, FIT_TEST_CONSTANTS, SEARCH_OUT_CONSTANTS } from './fit-declarations.js';
import type { GpuProgram } from './program.js';

/** shaders/reml-search.wgsl: grid, bracket and zeroin on the score per gene (searchLambda), on `classes`. */
export function remlSearchProgramOf(classes: CriterionClasses): GpuProgram {
  return criterionProgram(classes, 'reml-search', [
    { name: 'start', element: 'f32', access: 'read', doc: '[nGenes] λ0, −1 when not estimable' },
    { name: 'grid', element: 'f32', access: 'read', doc: 'H_GRID, then H_MAX_F32' },
    { name: 'out', element: 'f32', access: 'read_write', doc: '[nGenes × OUT_STRIDE]' },
  ], { ...SEARCH_OUT_CONSTANTS, SINGULAR_THETA: FIT_TEST_CONSTANTS.SINGULAR_THETA, CRITERION_ROUNDING: ['f32', CRITERION_ROUNDING] });
}

export const remlSearchProgram = remlSearchProgramOf(GROUP_CLASSES);
