/**
 * A gene's statuses (SPEC §2–3), on their own so that what only names them (the result table, a thread formatting
 * it: cli/format-worker.ts) loads none of the statistics gene-results.ts finishes the results with.
 */

/** Statuses of SPEC §2–3, in the order the run summary lists them. */
export const STATUSES = ['ok', 'singular', 'constant', 'insufficient', 'filtered', 'failed'] as const;
export type Status = (typeof STATUSES)[number];

/** Status code: index into STATUSES. */
export function statusCode(status: Status): number {
  return STATUSES.indexOf(status);
}
