/**
 * The elementary functions behind every numeric result, in pure JavaScript: stdlib's ports of FreeBSD's libm
 * (msun). JavaScript engines each implement Math.log, Math.log2, Math.exp… their own way and may differ in the
 * last bit: Chromium 156's V8 and Node 20's gave different log2 of the same counts, and a different result on
 * one gene in nine of the example. These give the same bits in every engine, so the web app's download equals
 * the CLI's output byte for byte. (+ − × ÷ and Math.sqrt are correctly rounded by IEEE 754 everywhere.)
 */
import cosImpl from '@stdlib/math-base-special-cos';
import expImpl from '@stdlib/math-base-special-exp';
import lnImpl from '@stdlib/math-base-special-ln';
import log1pImpl from '@stdlib/math-base-special-log1p';
import log2Impl from '@stdlib/math-base-special-log2';
import sinImpl from '@stdlib/math-base-special-sin';

/** Natural logarithm. */
export const ln: (x: number) => number = lnImpl;
/** ln(1 + x), accurate for small x. */
export const log1p: (x: number) => number = log1pImpl;
/** Base-2 logarithm. */
export const log2: (x: number) => number = log2Impl;
/** e^x. */
export const exp: (x: number) => number = expImpl;
/** Sine and cosine of x radians. */
export const sin: (x: number) => number = sinImpl;
export const cos: (x: number) => number = cosImpl;
