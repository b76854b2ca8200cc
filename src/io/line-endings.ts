import { InputError } from '../errors.js';

/** Bytes at the start of a file's text that refuseLoneCarriageReturns is given. */
export const HEAD_BYTES = 1 << 16;

/**
 * Throws, as an InputError naming `file`, where the text `head` that a file begins with (all of it, if `whole`) has a
 * carriage return and no line feed: lines ended by a carriage return alone (classic Mac OS; Excel's "CSV
 * (Macintosh)"), which would read as one line. A CR that is the last byte looked at may be a CRLF's first half. The
 * CLI's file reader and the web app's look at a plain file's first bytes and a gzipped file's first gunzipped ones.
 */
export function refuseLoneCarriageReturns(head: Uint8Array, whole: boolean, file: string): void {
  const cr = head.indexOf(0x0d);
  if (cr >= 0 && (cr < head.length - 1 || whole) && !head.includes(0x0a)) {
    throw new InputError('its lines end in a carriage return alone (classic Mac OS line endings), so it reads as one line',
      { file }, 'save it with Unix (LF) or Windows (CRLF) line endings, e.g. tr \'\\r\' \'\\n\' < old > new');
  }
}
