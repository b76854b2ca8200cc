/**
 * The one definition of a numeric cell, shared by every reader (SPEC.md §1).
 *
 * A cell is a decimal number (`1`, `-0.5`, `77.9`, `1e-3`, `+2`, `.5`, `1.`, `1E5`) or a missing-value token
 * (`NA`, `NaN`, `nan`, `.`, or nothing). Spaces and tabs around either are ignored. Anything else (`abc`,
 * `1,5`, `Inf`, `0x10`, a number too large for a double) is not a cell. The byte-level matrix reader
 * mirrors DECIMAL on bytes for speed; test/io/cells.test.ts holds the two to the same list of tokens.
 */

const DECIMAL = /^[ \t]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t]*$/;
const MISSING = /^[ \t]*(?:NA|NaN|nan|\.|)[ \t]*$/;

/** True when `text` is one of the missing-value tokens `NA`, `NaN`, `nan`, `.` or empty (blanks ignored). */
export function isMissing(text: string): boolean {
  return MISSING.test(text);
}

/** True when `text` is written as a decimal number, whether or not a double holds it (`1e400` is, and overflows). */
export function isDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

/**
 * The value of a cell: the correctly rounded double for a decimal number (exactly `Number(text)`), NaN for a
 * missing-value token, undefined when the text is neither.
 */
export function parseCell(text: string): number | undefined {
  if (DECIMAL.test(text)) {
    const value = Number(text);
    return Number.isFinite(value) ? value : undefined;
  }
  return MISSING.test(text) ? NaN : undefined;
}
