/** Error messages are never empty: a lost GPU device rejects with an AbortError that has no message. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorMessage, errorText } from '../src/errors.js';

describe('errorMessage', () => {
  it('names an Error without a message by its type', () => {
    const abort = Object.assign(new Error(''), { name: 'AbortError' });
    assert.equal(errorMessage(abort), 'AbortError with no message');
    assert.equal(errorText(abort), 'AbortError with no message');
    assert.equal(errorMessage(new DOMException('', 'AbortError')), 'AbortError with no message');
  });

  it('keeps a message, and never returns an empty text for other thrown values', () => {
    assert.equal(errorMessage(new Error('disk full')), 'disk full');
    assert.equal(errorText(new Error('first\nsecond')), 'first');
    assert.equal(errorMessage(''), 'an empty value was thrown');
    assert.equal(errorMessage(42), '42');
  });
});
