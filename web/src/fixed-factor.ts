/**
 * The factor a gene's plot colours its samples by: the first factor among the model's fixed effects (in the
 * order of R's terms()), read from the sample sheet as the design reads it, with its levels in the design's order.
 */
import type { SampleSheet } from '../../src/io/types.js';
import { columnLevels, type Design } from '../../src/model/design.js';

/** A fixed-effect factor and each used sample's level of it (in the design's sample order). */
export interface FixedFactor {
  name: string;
  levels: string[];
  /** [nObs] the level of each sample of the design. */
  levelOf: string[];
}

/**
 * The first fixed-effect variable that the design codes as a factor (text, or numbers with a `--levels` order),
 * or undefined when the fixed part has none (an intercept, numeric covariates).
 */
export function firstFixedFactor(design: Design, sheet: SampleSheet, order: Record<string, string[]>): FixedFactor | undefined {
  const rowOf = new Map(sheet.ids.map((id, r) => [id, r]));
  const rows = design.sampleIds.map((id) => rowOf.get(id)!);
  for (const name of new Set(design.formula.terms.flat())) {
    const column = sheet.columns.get(name)!;
    // The design dropped every sample with a missing value of a formula variable.
    const cells = rows.map((r) => column[r]!);
    const { numeric, levels } = columnLevels(cells);
    if (numeric && order[name] === undefined) continue;
    // A factor's levels are its cells as written (design.ts), so each sample's level is its cell.
    return { name, levels: order[name]?.filter((l) => levels.includes(l)) ?? levels, levelOf: cells };
  }
  return undefined;
}
