/**
 * Typed errors of the library. Only the CLI entry point turns them into exit codes and one-line messages
 * (STYLE.md habit 9): `InputError` and `UsageError` exit 2, anything else exits 1.
 */

/** Where in an input file a problem sits. Lines and columns are 1-based, as an editor shows them. */
export interface InputLocation {
  file?: string;
  line?: number;
  column?: number;
}

/** Bad input data: a malformed cell, a missing sample, a duplicated id. Names the file, line and column. */
export class InputError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** What the user can do about it, shown on a second line. */
  readonly suggestion?: string;

  constructor(problem: string, where: InputLocation = {}, suggestion?: string) {
    super(formatLocation(where) + problem);
    this.name = 'InputError';
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.suggestion = suggestion;
  }
}

/** A bad command line or formula: unknown option value, unsupported model term. */
export class UsageError extends Error {
  readonly suggestion?: string;

  constructor(problem: string, suggestion?: string) {
    super(problem);
    this.name = 'UsageError';
    this.suggestion = suggestion;
  }
}

/**
 * Any thrown value as a message, never empty: an Error's message; one without a message (a lost GPU device rejects
 * with an empty AbortError) is named by its type; any other value by its text.
 */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || `${e.name || 'Error'} with no message`;
  return String(e) || 'an empty value was thrown';
}

/** Any thrown value as one line of a report: errorMessage's first line. */
export function errorText(e: unknown): string {
  return errorMessage(e).split('\n')[0];
}

/** `file:line:column: ` in the style of compilers, with the parts that are known. */
export function formatLocation({ file, line, column }: InputLocation): string {
  if (file === undefined) return '';
  let at = file;
  if (line !== undefined) at += `:${line}`;
  if (line !== undefined && column !== undefined) at += `:${column}`;
  return `${at}: `;
}
