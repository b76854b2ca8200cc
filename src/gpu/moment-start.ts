import { type CriterionClasses, criterionProgram, GROUP_CLASSES } from './criterion-classes.js';
import type { GpuProgram } from './program.js';

/** shaders/moment-start.wgsl: the ANOVA (Henderson III) start λ0 per gene (momentLambda), on `classes`. */
export function momentStartProgramOf(classes: CriterionClasses): GpuProgram {
  return criterionProgram(classes, 'moment-start', [
    { name: 'start', element: 'f32', access: 'read_write', doc: '[nGenes] λ0, −1 where not estimable' },
  ]);
}

export const momentStartProgram = momentStartProgramOf(GROUP_CLASSES);
