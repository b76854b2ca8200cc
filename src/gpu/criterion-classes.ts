import { FIT_UNIFORM, REML_COMMON_CONSTANTS } from './fit-declarations.js';
import type { GpuBinding, GpuProgram } from './program.js';

/**
 * The two kinds of classes the REML criterion sums over on the GPU, as the CPU's CriterionPattern has them: the group
 * sizes of a random intercept (classes-groups.wgsl: per-gene masked statistics) and the eigenvalues of a kinship
 * (classes-kinship.wgsl: the run's rotated design and each gene's rotated values). A criterion program (moment
 * start, search, β̂, h2 interval) is one .wgsl file prepended with a classes file and reml-common.wgsl, so each has a
 * twin per kind, with the classes' bindings first and their uniform.
 */
export interface CriterionClasses {
  /** Prefix of the programs' names ('' for groups). */
  prefix: string;
  shader: 'classes-groups' | 'classes-kinship';
  uniform: GpuProgram['uniform'];
  bindings: GpuBinding[];
}

export const GROUP_CLASSES: CriterionClasses = {
  prefix: '',
  shader: 'classes-groups',
  uniform: FIT_UNIFORM,
  bindings: [
    { name: 'stats', element: 'f32', access: 'read' },
    { name: 'counts', element: 'f32', access: 'read' },
  ],
};

/** The uniform of the kinship programs: the batch's genes, the basis' rows, p, and the positive eigenvalues. */
export const KINSHIP_UNIFORM: GpuProgram['uniform'] = {
  struct: 'Params',
  fields: [['nGenes', 'u32'], ['nObs', 'u32'], ['p', 'u32'], ['nClasses', 'u32']],
};

export const KINSHIP_CLASSES: CriterionClasses = {
  prefix: 'kinship-',
  shader: 'classes-kinship',
  uniform: KINSHIP_UNIFORM,
  bindings: [
    { name: 'stats', element: 'f32', access: 'read', doc: '[nGenes × m × m] W' },
    { name: 'rotated', element: 'f32', access: 'read', doc: '[nObs × nGenes] ỹ = Uᵀ y, class-major' },
    { name: 'xRotated', element: 'f32', access: 'read', doc: '[nObs × p] Uᵀ X of the scaled design' },
    { name: 'eigenvalues', element: 'f32', access: 'read', doc: '[nClasses] the positive eigenvalues of K_s' },
  ],
};

/** The criterion program `name` (shaders/<name>.wgsl after the classes file and reml-common.wgsl) on `classes`. */
export function criterionProgram(classes: CriterionClasses, name: string, bindings: GpuBinding[],
  constants: GpuProgram['constants'] = {}): GpuProgram {
  return {
    name: classes.prefix + name,
    shaders: [classes.shader, 'reml-common', name],
    workgroupSize: 64,
    uniform: classes.uniform,
    bindings: [...classes.bindings, ...bindings],
    constants: { ...REML_COMMON_CONSTANTS, ...constants },
  };
}
