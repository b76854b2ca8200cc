import { UsageError } from '../errors.js';

/**
 * A random intercept `(1 | a)` or `(1 | a:b)`: its grouping is the interaction of its factors, and its name is
 * the one lme4's `VarCorr` gives it (`(1 | a/b)` is the two terms `b:a` and `a`).
 */
export interface RandomTerm {
  name: string;
  factors: string[];
}

/**
 * A parsed one-sided lme4 formula `~ fixed + (1 | a) + (1 | b)`.
 * Terms are lists of variable names; `[]` never appears (the intercept is the `intercept` flag).
 * Terms are ordered as R's `terms()` orders them: by degree, then as written. Random terms are in formula order
 * (the design orders them by their number of levels, as lme4 does); none means a linear model.
 */
export interface Formula {
  /** The text the user gave. */
  text: string;
  intercept: boolean;
  terms: string[][];
  random: RandomTerm[];
}

type Token =
  | { kind: 'name'; value: string; pos: number }
  | { kind: 'number'; value: string; pos: number }
  | { kind: 'op'; value: string; pos: number };

const NAME_START = /[A-Za-z.]/;
const NAME_CHAR = /[A-Za-z0-9._]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end < 0) throw syntaxError(text, i, 'this backtick is never closed');
      if (text.slice(i + 1, end).trim() === '') throw syntaxError(text, i, 'an empty name between backticks');
      tokens.push({ kind: 'name', value: text.slice(i + 1, end), pos: i });
      i = end + 1;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < text.length && /[0-9.]/.test(text[j])) j++;
      tokens.push({ kind: 'number', value: text.slice(i, j), pos: i });
      i = j;
    } else if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < text.length && NAME_CHAR.test(text[j])) j++;
      tokens.push({ kind: 'name', value: text.slice(i, j), pos: i });
      i = j;
    } else if (c === '|' && text[i + 1] === '|') {
      tokens.push({ kind: 'op', value: '||', pos: i });
      i += 2;
    } else if ('~+-*:()|/^'.includes(c)) {
      tokens.push({ kind: 'op', value: c, pos: i });
      i++;
    } else if (c === '%' && text.indexOf('%', i + 1) > i) {
      // R's special operators (%in%, %%, …): genelmm reads the formula operators lme4's terms() expands.
      const op = text.slice(i, text.indexOf('%', i + 1) + 1);
      throw formulaError(i, `the operator ${op} is not supported`, op === '%in%'
        ? 'write "b %in% a" (b nested within a) as the interaction "a:b", or "a/b" for "a + a:b"'
        : 'write the terms with +, -, *, :, /, ^ and brackets');
    } else {
      throw syntaxError(text, i, `unexpected character "${c}"`);
    }
  }
  return tokens;
}

/** A syntax error: the problem, then the formula and a caret under the position, each on a line of its own. */
function syntaxError(text: string, pos: number, problem: string): UsageError {
  return new UsageError(`syntax error in the formula at position ${pos + 1}: ${problem}\n  ${text}\n  ${' '.repeat(pos)}^`);
}

/** A formula lme4 reads but genelmm does not fit (yet): what and where, and what to do instead. */
function formulaError(pos: number, problem: string, suggestion: string): UsageError {
  return new UsageError(`${problem} (formula position ${pos + 1})`, suggestion);
}

/** Terms a product such as a*b*c may expand to (2^k − 1 for k distinct factors) before the formula is refused. */
export const MAX_TERMS = 1024;

/** Brackets nested deeper than this are refused (R's parser stops at 50: "contextstack overflow"). */
const MAX_DEPTH = 50;

const INTERCEPTS_ONLY = 'genelmm fits random intercepts "(1 | g)", "(1 | a:b)" and "(1 | a/b)" for now';

/** What an unsupported random-effect term is, in lme4's words. */
function unsupportedRandom(term: string): string {
  const inner = term.slice(1, -1);
  const [left = '', right = ''] = inner.split(/\|\|?/).map((x) => x.trim());
  if (inner.includes('||')) return `uncorrelated random terms "${term}" (||) are not supported yet`;
  if (left !== '1') return `random slopes "${term}" are not supported yet`;
  return `random term "${term}" (grouping "${right}") is not supported`;
}

/**
 * Parses `~ a + b*c + x:y + (1 | g)` (R names or backticked names; `1`, `0` and `-1` for the intercept), the fixed
 * part with R's term algebra: `+`, `-` (removal), `*`, `/` (nesting), `:`, `^` and brackets.
 * Throws UsageError, naming the position, for anything lme4 would read differently from what genelmm fits.
 */
export function parseFormula(text: string): Formula {
  const tokens = tokenize(text);
  let k = 0;
  const peek = (): Token | undefined => tokens[k];
  const at = (): number => tokens[k]?.pos ?? text.length;

  if (peek()?.value === '~') k++;
  else throw syntaxError(text, at(), 'a formula starts with "~" and has no response (genelmm takes y from the matrix)');

  let intercept = true;
  const random: RandomTerm[] = [];
  const variableOrder: string[] = [];
  const keyOf = (term: string[]): string => [...term].sort().join(':');

  // The fixed part is R's term algebra (terms.formula): each expression is a list of terms, each term a list of
  // variables; repeats keep their first place (x*x is x), and the list is refused past MAX_TERMS.
  const distinct = (terms: string[][], pos: number): string[][] => {
    const kept = new Map<string, string[]>();
    for (const term of terms) {
      const key = keyOf(term);
      if (!kept.has(key)) kept.set(key, term);
    }
    if (kept.size > MAX_TERMS) {
      throw formulaError(pos, `the fixed part expands to more than ${MAX_TERMS} terms`, 'cross fewer factors, or write the interactions wanted with ":"');
    }
    return [...kept.values()];
  };
  /** a:b, every left term with every right term, the left one outer (R's order: (a + b):(c + d) is a:c, a:d, b:c, b:d). */
  const interact = (left: string[][], right: string[][], pos: number): string[][] =>
    distinct(left.flatMap((l) => right.map((r) => unique([...l, ...r]))), pos);
  /** a*b, which is a + b + a:b. */
  const cross = (left: string[][], right: string[][], pos: number): string[][] =>
    distinct([...left, ...right, ...interact(left, right, pos)], pos);

  // The ")" that closes each "(" (tokens.length if none), and brackets no deeper than R's parser takes them.
  const closing = new Int32Array(tokens.length).fill(tokens.length);
  const open: number[] = [];
  tokens.forEach((t, i) => {
    if (t.value === '(') {
      open.push(i);
      if (open.length > MAX_DEPTH) throw syntaxError(text, t.pos, `brackets nested more than ${MAX_DEPTH} deep`);
    } else if (t.value === ')' && open.length > 0) closing[open.pop()!] = i;
  });
  /**
   * Where the "(" at token i opens a random term, however many redundant brackets wrap it (`((1 | g))`, which
   * lme4's findbars reads): the index of the term's own "(", or -1.
   */
  const randomAt = (i: number): number => {
    if (tokens[i]?.value !== '(') return -1;
    const close = closing[i];
    let depth = 0;
    for (let j = i + 1; j < close; j++) {
      const v = tokens[j].value;
      if (v === '(') depth++;
      else if (v === ')') depth--;
      else if (depth === 0 && (v === '|' || v === '||')) return i;
    }
    return close < tokens.length && tokens[i + 1]?.value === '(' && closing[i + 1] === close - 1 ? randomAt(i + 1) : -1;
  };

  /**
   * sum := summand (('+' | '-') summand)*: "-" removes the terms of its summand from those before it (`a*b - a` is
   * b + a:b). The formula's own sum also takes 0 and 1 for the intercept (`- 1`, `+ 0`, `-1 + a`), and random terms.
   */
  const readSum = (top: boolean): string[][] => {
    let terms: string[][] = [];
    let sign: '+' | '-' = '+';
    for (;;) {
      const t = peek();
      if (t === undefined) throw syntaxError(text, text.length, 'the formula ends with an operator');
      const pos = t.pos;
      // Unary signs before the intercept's 0 or 1 turn it as a "-" before it does.
      let j = k;
      let negated = sign === '-';
      while (tokens[j]?.value === '-' || tokens[j]?.value === '+') negated = tokens[j++].value === '-' ? !negated : negated;
      const number = tokens[j];
      const randomTerm = randomAt(j);
      if (number?.kind === 'number' && !['^', ':', '*', '/'].includes(tokens[j + 1]?.value ?? '')) {
        if (number.value !== '0' && number.value !== '1') {
          throw syntaxError(text, number.pos, `unexpected number "${number.value}" (only 0 and 1, for the intercept)`);
        }
        if (!top) throw formulaError(number.pos, `"${number.value}" inside brackets`, 'write 0, 1 or - 1 for the intercept in the formula\'s own sum: "~ 0 + (a + b)^2"');
        intercept = (number.value === '1') !== negated;
        k = j + 1;
      } else if (randomTerm >= 0) {
        if (!top) throw formulaError(t.pos, 'a random term inside brackets', 'add each random term to the formula\'s own sum: "~ (a + b)^2 + (1 | g)"');
        if (negated) throw syntaxError(text, t.pos, 'a random term cannot be removed with "-"');
        k = randomTerm;
        readRandom();
        k = closing[j] + 1;
      } else {
        const part = readProduct();
        if (sign === '+') terms = distinct([...terms, ...part], pos);
        else {
          const removed = new Set(part.map(keyOf));
          terms = terms.filter((term) => !removed.has(keyOf(term)));
        }
      }
      const next = peek()?.value;
      if (next !== '+' && next !== '-') return terms;
      sign = next;
      k++;
    }
  };

  /** product := interaction (('*' | '/') interaction)*: a/b is a + a:b, (a + b)/c is a + b + a:b:c. */
  const readProduct = (): string[][] => {
    const start = at();
    let left = readInteraction();
    while (peek()?.value === '*' || peek()?.value === '/') {
      const nested = tokens[k++].value === '/';
      const right = readInteraction();
      // An empty left side leaves nothing, as in R's terms(): (a - a)*b has no terms.
      if (left.length === 0) continue;
      left = nested ? distinct([...left, ...interact([unique(left.flat())], right, start)], start) : cross(left, right, start);
    }
    return left;
  };

  /** interaction := signed (':' signed)* */
  const readInteraction = (): string[][] => {
    const start = at();
    let left = readSigned();
    while (peek()?.value === ':') {
      k++;
      left = interact(left, readSigned(), start);
    }
    return left;
  };

  /**
   * signed := ('-' | '+') signed | power: a unary "-" binds tighter than ":" and removes from nothing, so it leaves no
   * terms (R's: a + -b is a, -a*b is nothing).
   */
  const readSigned = (): string[][] => {
    let negated = false;
    for (let sign = peek()?.value; sign === '-' || sign === '+'; sign = peek()?.value) {
      negated ||= sign === '-';
      k++;
    }
    const operand = readPower();
    return negated ? [] : operand;
  };

  /**
   * power := primary ['^' whole number ≥ 2]: (a + b + c)^2 is their main effects and two-way interactions, made as
   * R's PowerTerms makes them (each base term, outer, with each term so far).
   */
  const readPower = (): string[][] => {
    const start = at();
    const base = readPrimary();
    if (peek()?.value !== '^') return base;
    k++;
    const t = peek();
    if (t?.kind !== 'number' || !/^[0-9]+$/.test(t.value) || !(Number(t.value) >= 2)) {
      throw syntaxError(text, at(), 'expected a whole number from 2 up after "^"');
    }
    k++;
    if (peek()?.value === '^') throw syntaxError(text, at(), 'a power of a power ("^" twice)');
    let result = base;
    for (let i = 1; i < Number(t.value); i++) {
      const next = interact(base, result, start);
      const fixed = next.length === result.length && next.every((term, n) => keyOf(term) === keyOf(result[n]));
      result = next;
      if (fixed) break; // every further power is this one
    }
    return result;
  };

  /** primary := name | '(' sum ')' */
  const readPrimary = (): string[][] => {
    const t = peek();
    if (t?.value !== '(') return [[readName()]];
    if (closing[k] === tokens.length) throw syntaxError(text, t.pos, 'this "(" is never closed');
    if (randomAt(k) >= 0) {
      throw formulaError(t.pos, 'a random term inside a product or interaction', 'add each random term to the formula\'s own sum: "~ a*b + (1 | g)"');
    }
    k++;
    const inner = readSum(false);
    if (peek()?.value !== ')') {
      throw syntaxError(text, peek() ? at() : t.pos, peek() ? `expected ")", found "${peek()!.value}"` : 'this "(" is never closed');
    }
    k++;
    return inner;
  };

  const readName = (): string => {
    const t = peek();
    if (t?.kind !== 'name') {
      throw syntaxError(text, at(), t ? `expected a variable name, found "${t.value}"` : 'expected a variable name');
    }
    k++;
    if (t.value === '.') {
      throw formulaError(t.pos, 'R\'s "." (every other column) is not supported', 'name the variables of the fixed part');
    }
    if (!variableOrder.includes(t.value)) variableOrder.push(t.value);
    if (peek()?.value === '(') {
      throw formulaError(t.pos, `function calls such as "${t.value}(...)" are not supported`,
        'compute the transformed covariate as a column of the sample sheet');
    }
    return t.value;
  };

  const readRandom = (): void => {
    const start = at();
    let depth = 0;
    let end = start;
    for (; end < text.length; end++) {
      if (text[end] === '(') depth++;
      if (text[end] === ')' && --depth === 0) break;
    }
    const term = text.slice(start, end + 1).replace(/\s+/g, ' ');
    if (end === text.length) throw syntaxError(text, start, 'this "(" is never closed');
    // ( 1 | name (op name)* ) with op all ':' or all '/'
    const closing = tokens.findIndex((t, i) => i > k && t.value === ')');
    const inner = tokens.slice(k + 1, closing);
    const names = inner.slice(2).filter((_, i) => i % 2 === 0);
    const ops = new Set(inner.slice(2).filter((_, i) => i % 2 === 1).map((t) => t.value));
    const simple = inner[0]?.value === '1' && inner[1]?.value === '|' && inner.length % 2 === 1 && inner.length >= 3 &&
      names.every((t) => t.kind === 'name') && ops.size <= 1 && (ops.has(':') || ops.has('/') || ops.size === 0);
    if (!simple) throw formulaError(start, unsupportedRandom(term), INTERCEPTS_ONLY);
    const factors = names.map((t) => t.value);
    if (unique(factors).length < factors.length) {
      throw formulaError(start, `the random term "${term}" names a variable twice`, 'name each grouping variable once');
    }
    const added = ops.has('/') ? nestedTerms(factors) : [{ name: factors.join(':'), factors }];
    for (const r of added) {
      const key = [...r.factors].sort().join(':');
      if (random.some((prev) => [...prev.factors].sort().join(':') === key)) {
        throw formulaError(start, `the random term "(1 | ${r.name})" appears twice`, 'give each grouping one random intercept');
      }
      random.push(r);
    }
    k = closing + 1;
  };

  const terms = readSum(true);
  if (k < tokens.length) {
    const t = tokens[k];
    if (t.value === '||') throw formulaError(t.pos, 'uncorrelated random terms (||) are not supported yet', INTERCEPTS_ONLY);
    throw syntaxError(text, t.pos, `unexpected "${t.value}"`);
  }
  for (const r of random) {
    const both = terms.find((term) => r.factors.length === 1 && term.includes(r.factors[0]));
    if (both !== undefined) {
      throw new UsageError(`"${r.factors[0]}" is both a fixed effect (${both.join(':')}) and the grouping factor of (1 | ${r.name}) in "${text}"`,
        `a variable is either one or the other: remove it from the fixed part, or group by another column`);
    }
  }
  // R's terms() orders terms by degree (main effects, then two-way interactions, ...), stably, and the
  // variables within a term by their first appearance in the formula (`age:b` is `b:age` after `b`).
  const rank = (v: string): number => variableOrder.indexOf(v);
  const ordered = terms.map((vars, i) => ({ vars: [...vars].sort((a, b) => rank(a) - rank(b)), i }))
    .sort((a, b) => a.vars.length - b.vars.length || a.i - b.i);
  return { text, intercept, terms: ordered.map((t) => t.vars), random };
}

function unique(vars: string[]): string[] {
  return vars.filter((v, i) => vars.indexOf(v) === i);
}

/**
 * `(1 | a/b/c)` as lme4's `expandSlash` writes it: `c:(b:a)`, `b:a`, `a`, the innermost first.
 */
function nestedTerms(factors: string[]): RandomTerm[] {
  const out: RandomTerm[] = [];
  let name = '';
  factors.forEach((f, i) => {
    name = i === 0 ? f : i === 1 ? `${f}:${name}` : `${f}:(${name})`;
    out.unshift({ name, factors: factors.slice(0, i + 1) });
  });
  return out;
}

/** Every variable the fixed part reads from the sample sheet. */
export function fixedVariables(formula: Formula): string[] {
  return unique(formula.terms.flat());
}

/** Every variable the random terms group by, in formula order. */
export function groupingVariables(formula: Formula): string[] {
  return unique(formula.random.flatMap((r) => r.factors));
}

/** Every variable the formula reads from the sample sheet, the grouping variables last. */
export function formulaVariables(formula: Formula): string[] {
  return unique([...fixedVariables(formula), ...groupingVariables(formula)]);
}
