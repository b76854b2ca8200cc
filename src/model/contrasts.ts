import { UsageError } from '../errors.js';

/**
 * `--contrast NAME=EXPR` (SPEC §4): a named linear combination of the fixed-effect coefficients, tested as lmerTest's
 * `contest1D` tests L'β. EXPR is what limma's `makeContrasts` takes for coefficients: sums and differences of
 * coefficient names, each optionally multiplied or divided by a number, with parentheses: `trtB - trtA`,
 * `0.5*doseHi + 0.5*doseLo`, `(B + C)/2 - A`. A coefficient name is matched whole, longest first, so names with
 * `:` or parentheses (`sexM:age`, `(Intercept)`) are written as they are.
 */
export interface Contrast {
  name: string;
  /** [design p] the weight of each coefficient of X. */
  weights: Float64Array;
}

/** A contrast as the user wrote it, before the coefficients are known. */
export interface ContrastSpec {
  name: string;
  expression: string;
}

/** Column names are made of the contrast's name: letters, digits, `.` and `_`, starting with a letter or `.`. */
const CONTRAST_NAME = /^[A-Za-z.][A-Za-z0-9._]*$/;

/** Splits `NAME=EXPR`, checking the name's form; the expression is checked against the coefficients by contrastOf. */
export function parseContrastSpec(text: string): ContrastSpec {
  const eq = text.indexOf('=');
  const name = eq < 0 ? '' : text.slice(0, eq).trim();
  const expression = eq < 0 ? '' : text.slice(eq + 1).trim();
  if (eq < 0 || expression === '') {
    throw new UsageError(`--contrast "${text}" is not NAME=EXPR`, 'write it as, for example, --contrast "DvsC=diseaseD - diseaseC"');
  }
  if (!CONTRAST_NAME.test(name)) {
    throw new UsageError(`--contrast "${text}": the name "${name}" is not a plain name`,
      'use letters, digits, "." and "_", starting with a letter (it names the output columns beta_NAME, p_NAME...)');
  }
  return { name, expression };
}

/** Checks that no two contrasts share a name and that none is named as a coefficient (their columns would clash). */
export function checkContrastNames(specs: readonly ContrastSpec[], coefNames: readonly string[] = []): void {
  specs.forEach((spec, i) => {
    if (specs.findIndex((s) => s.name === spec.name) !== i) {
      throw new UsageError(`--contrast: the name "${spec.name}" is given twice`, 'give each contrast its own name');
    }
    if (coefNames.includes(spec.name)) {
      throw new UsageError(`--contrast: "${spec.name}" is the name of a coefficient, so its columns would clash with the coefficient's`,
        'give the contrast another name');
    }
  });
}

/** A linear form c + Σ w_j β_j while parsing. */
interface Linear {
  constant: number;
  weights: Float64Array;
}

/**
 * The contrast `spec` over the coefficients `coefNames` (the design's X columns). UsageError for an unknown name (one
 * of `aliasedNames`, the columns dropped as aliased, said to be one), a malformed expression, a product of two
 * coefficients, or a constant term. A name is a coefficient's only where it ends with the name (`age2` is not `age`).
 */
export function contrastOf(spec: ContrastSpec, coefNames: readonly string[], aliasedNames: readonly string[] = []): Contrast {
  const text = spec.expression;
  const p = coefNames.length;
  const byLength = coefNames.map((name, j) => ({ name, j })).sort((a, b) => b.name.length - a.name.length);
  let pos = 0;
  const fail = (what: string): never => {
    throw new UsageError(`--contrast ${spec.name}=${text}: ${what} at character ${pos + 1}`,
      `write a combination of the coefficients: ${coefNames.join(', ')}`);
  };
  /** True where a name ends at `at`: the end of the text, a space, an operator or a parenthesis. */
  const ends = (at: number): boolean => at >= text.length || /[\s+\-*/()]/.test(text[at]);
  const skip = (): void => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const constant = (c: number): Linear => ({ constant: c, weights: new Float64Array(p) });
  const isConstant = (v: Linear): boolean => v.weights.every((w) => w === 0);
  const scaled = (v: Linear, c: number): Linear => ({ constant: v.constant * c, weights: v.weights.map((w) => w * c) });
  const added = (a: Linear, b: Linear, sign: number): Linear => ({
    constant: a.constant + sign * b.constant, weights: a.weights.map((w, j) => w + sign * b.weights[j]),
  });
  const factor = (): Linear => {
    skip();
    if (text[pos] === '+' || text[pos] === '-') {
      const sign = text[pos++] === '-' ? -1 : 1;
      return scaled(factor(), sign);
    }
    const coef = byLength.find(({ name }) => text.startsWith(name, pos) && ends(pos + name.length));
    const number = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(pos));
    if (coef !== undefined && !(number !== null && number[0].length >= coef.name.length)) {
      pos += coef.name.length;
      const v = constant(0);
      v.weights[coef.j] = 1;
      return v;
    }
    if (number !== null) {
      pos += number[0].length;
      return constant(Number(number[0]));
    }
    if (text[pos] === '(') {
      pos++;
      const inner = sum();
      skip();
      if (text[pos] !== ')') fail('a ")" is missing');
      pos++;
      return inner;
    }
    const word = /^[^\s+\-*/()]+/.exec(text.slice(pos));
    return fail(word === null ? (pos >= text.length ? 'the expression ends too soon' : `"${text[pos]}" is not expected`)
      : aliasedNames.includes(word[0]) ? `"${word[0]}" was dropped from the model matrix, aliased with other columns (rank deficient)`
        : `"${word[0]}" is not a coefficient`);
  };
  const product = (): Linear => {
    let v = factor();
    for (skip(); text[pos] === '*' || text[pos] === '/'; skip()) {
      const op = text[pos++];
      const at = pos;
      const w = factor();
      if (op === '/') {
        if (!isConstant(w) || w.constant === 0) { pos = at; fail('only division by a non-zero number is linear'); }
        v = scaled(v, 1 / w.constant);
      } else if (isConstant(v)) v = scaled(w, v.constant);
      else if (isConstant(w)) v = scaled(v, w.constant);
      else { pos = at; fail('a product of two coefficients is not linear'); }
    }
    return v;
  };
  const sum = (): Linear => {
    let v = product();
    for (skip(); text[pos] === '+' || text[pos] === '-'; skip()) {
      const sign = text[pos++] === '-' ? -1 : 1;
      v = added(v, product(), sign);
    }
    return v;
  };
  const value = sum();
  skip();
  if (pos < text.length) fail(`"${text.slice(pos)}" is not expected`);
  if (value.constant !== 0) {
    throw new UsageError(`--contrast ${spec.name}=${text} has a constant term (${value.constant})`,
      'a contrast is a combination of coefficients only; test a coefficient against 0');
  }
  if (isConstant(value)) throw new UsageError(`--contrast ${spec.name}=${text} gives every coefficient weight 0`, 'name at least one coefficient');
  return { name: spec.name, weights: value.weights };
}
