import { type CriterionClasses, criterionProgram, GROUP_CLASSES } from './criterion-classes.js';
import { FIT_TEST_CONSTANTS, SEARCH_OUT_CONSTANTS } from './fit-declarations.js';
import type { GpuProgram } from './program.js';

/** shaders/h2-interval.wgsl: the 95% profile-likelihood interval of h2 per gene (h2Uncertainty's root finding), on `classes`. */
export function h2IntervalProgramOf(classes: CriterionClasses): GpuProgram {
  return criterionProgram(classes, 'h2-interval', [
    { name: 'grid', element: 'f32', access: 'read' },
    { name: 'out', element: 'f32', access: 'read', doc: 'the search\'s output' },
    { name: 'interval', element: 'f32', access: 'read_write', doc: '[nGenes × 2] lo, hi; −1 where undefined' },
  ], { ...SEARCH_OUT_CONSTANTS, CUTOFF: FIT_TEST_CONSTANTS.CUTOFF });
}

export const h2IntervalProgram = h2IntervalProgramOf(GROUP_CLASSES);
