/**
 * Step 2 of the page: the formula, built from the sample sheet's columns (a group for the random intercept,
 * fixed covariates with their reference levels) or typed as lme4 syntax (several random terms, `(1 | a/b)`), and
 * the options of `genelmm fit`.
 * The form holds the CLI's option values as text; the worker checks them with the CLI's own rules.
 */
import type { BackendChoice } from '../../../src/backends/backend.js';
import { type Formula, parseFormula } from '../../../src/model/formula.js';
import type { Transform } from '../../../src/model/transform.js';
import type { FormOptions, SheetColumn, SheetSummary } from '../protocol.js';
import { h } from './dom.js';

const TRANSFORM_LABELS: Record<Transform, string> = { none: 'none', log2p1: 'log2(x + 1)', logcpm: 'log-CPM (limma-voom)' };
const BACKEND_LABELS: Record<BackendChoice, string> = {
  auto: 'auto: WebGPU, else gpu.js, else CPU',
  webgpu: 'WebGPU',
  gpujs: 'gpu.js (WebGL2)',
  cpu: 'CPU (f64)',
};

export class ModelForm {
  /** Called whenever the formula or an option changes. */
  onChange: () => void = () => {};
  private sheet: SheetSummary | undefined;
  private readonly group = h('select', { 'aria-label': 'group column' });
  private readonly fixed = new Map<string, { box: HTMLInputElement; reference?: HTMLSelectElement }>();
  private readonly transform = h('select', { id: 'transform' },
    ...Object.entries(TRANSFORM_LABELS).map(([value, label]) => h('option', { value }, label)));
  private readonly transformHint = h('span', { class: 'muted' });
  private readonly backend = h('select', { id: 'backend' },
    ...Object.entries(BACKEND_LABELS).map(([value, label]) => h('option', { value }, label)));
  private readonly minMean = h('input', { type: 'text', id: 'min-mean', placeholder: 'off' });
  private readonly minCount = h('input', { type: 'text', id: 'min-count', placeholder: 'off' });
  private readonly minSamples = h('input', { type: 'text', id: 'min-samples', placeholder: 'smallest group' });
  private readonly method = h('select', { id: 'method' }, h('option', { value: 'reml' }, 'REML'),
    h('option', { value: 'ml' }, 'ML (variancePartition)'));
  private readonly varPart = h('input', { type: 'checkbox', id: 'var-part' });
  private readonly contrasts = h('textarea', { id: 'contrasts', rows: 2, placeholder: 'DvsC=diseaseD - diseaseC (one per line)' });
  private readonly anova = h('input', { type: 'checkbox', id: 'anova' });
  private readonly ebayes = h('input', { type: 'checkbox', id: 'ebayes' });
  private readonly ebayesRobust = h('input', { type: 'checkbox', id: 'ebayes-robust' });
  private readonly voom = h('input', { type: 'checkbox', id: 'voom' });
  private readonly ddf = h('select', { id: 'ddf' }, h('option', { value: 'satterthwaite' }, 'Satterthwaite'),
    h('option', { value: 'kenward-roger' }, 'Kenward–Roger (small studies)'));
  private readonly rlrt = h('input', { type: 'checkbox', id: 'rlrt-exact' });
  private readonly nsim = h('input', { type: 'text', id: 'rlrt-nsim', placeholder: '10000' });
  private readonly bootstrap = h('input', { type: 'text', id: 'bootstrap', placeholder: 'off' });
  private readonly seed = h('input', { type: 'text', id: 'seed', placeholder: '1' });

  constructor(private readonly builder: HTMLElement, private readonly formulaInput: HTMLInputElement,
    private readonly formulaError: HTMLElement, options: HTMLElement) {
    const field = (label: string, flag: string, ...controls: (Node | string)[]): Node[] =>
      [h('label', { title: `genelmm fit ${flag}` }, label), h('div', {}, ...controls)];
    options.append(
      ...field('Transform', '--transform', this.transform, ' ', this.transformHint),
      ...field('Method', '--method', this.method),
      ...field('voom weights', '--voom', this.voom, h('span', { class: 'muted' }, ' counts: log-CPM weighted by the mean-variance trend')),
      ...field('Variance fractions', '--var-part', this.varPart, h('span', { class: 'muted' }, ' always with two or more random terms')),
      ...field('Contrasts', '--contrast', this.contrasts),
      ...field('F tests of terms', '--anova', this.anova, h('span', { class: 'muted' }, " type III, as lmerTest's anova()")),
      ...field('Degrees of freedom', '--ddf', this.ddf),
      ...field('Empirical Bayes', '--ebayes', this.ebayes, h('span', { class: 'muted' }, " moderated t, as dream's eBayes; "), this.ebayesRobust,
        h('span', { class: 'muted' }, " robust (limma's robust = TRUE)")),
      ...field('Filter: min mean', '--min-mean', this.minMean, h('span', { class: 'muted' }, ' raw value')),
      ...field('Filter: min count', '--min-count', this.minCount, ' in at least ', this.minSamples, h('span', { class: 'muted' }, ' samples')),
      ...field('Exact RLRT p-values', '--rlrt-exact', this.rlrt, ' simulations ', this.nsim),
      ...field('Bootstrap intervals', '--bootstrap', this.bootstrap, h('span', { class: 'muted' }, ' replicates')),
      ...field('Seed', '--seed', this.seed),
      ...field('Backend', '--backend', this.backend),
    );
    for (const control of [this.transform, this.method, this.voom, this.varPart, this.contrasts, this.anova, this.ddf, this.ebayes, this.ebayesRobust, this.backend, this.minMean, this.minCount, this.minSamples, this.rlrt, this.nsim,
      this.bootstrap, this.seed]) control.addEventListener('input', () => this.onChange());
    // robust is a mode of --ebayes: it can be ticked while Empirical Bayes is.
    this.ebayesRobust.disabled = true;
    this.ebayes.addEventListener('input', () => {
      this.ebayesRobust.disabled = !this.ebayes.checked;
    });
    formulaInput.addEventListener('input', () => {
      this.showPickers(this.parsed());
      this.onChange();
    });
    this.group.addEventListener('change', () => this.writeFormula());
  }

  /** The sample sheet whose columns the pickers show (undefined: none loaded). */
  setSheet(sheet: SheetSummary | undefined): void {
    this.sheet = sheet;
    this.fixed.clear();
    if (sheet === undefined) {
      this.builder.replaceChildren('Load a sample sheet to pick its columns, or type an lme4 formula.');
      return;
    }
    this.group.replaceChildren(h('option', { value: '' }, '(choose a column)'),
      ...sheet.columns.map((c) => h('option', { value: c.name }, c.name)));
    const rows = sheet.columns.map((column) => this.fixedRow(column));
    this.builder.replaceChildren(
      h('div', { class: 'fields' }, h('label', {}, 'Group (random intercept)'), this.group),
      h('div', { class: 'muted', style: 'margin: 8px 0 4px' }, 'Fixed effects'),
      h('div', { class: 'columns' }, ...rows.flat()),
    );
    this.showPickers(this.parsed());
  }

  /** Sets the formula text and the pickers that match it. */
  setFormula(text: string): void {
    this.formulaInput.value = text;
    this.showPickers(this.parsed());
    this.onChange();
  }

  setTransform(transform: Transform): void {
    this.transform.value = transform;
    this.onChange();
  }

  /** A hint next to the transform, e.g. that the matrix looks like raw counts. */
  setTransformHint(text: string): void {
    this.transformHint.textContent = text;
  }

  /** Which backends this browser has, as the labels of the backend choices. */
  setAvailability(available: Partial<Record<BackendChoice, string>>): void {
    for (const option of this.backend.options) {
      const note = available[option.value as BackendChoice];
      option.textContent = BACKEND_LABELS[option.value as BackendChoice] + (note ? ` (${note})` : '');
    }
  }

  formula(): string {
    return this.formulaInput.value.trim();
  }

  /** Why the formula cannot be fitted as typed (the CLI's message), or undefined. */
  formulaProblem(): string | undefined {
    const parsed = this.parsed();
    return typeof parsed === 'string' ? parsed : undefined;
  }

  /** The options as `genelmm fit` would receive them. */
  options(): FormOptions {
    const text = (input: HTMLInputElement): string | undefined => input.value.trim() || undefined;
    return {
      transform: this.transform.value,
      backend: this.backend.value,
      levels: [...this.fixed].flatMap(([name, { reference }]) => {
        const column = this.sheet?.columns.find((c) => c.name === name);
        if (reference === undefined || column === undefined || reference.value === column.levels[0]) return [];
        return [`${name}=${[reference.value, ...column.levels.filter((l) => l !== reference.value)].join(',')}`];
      }),
      minMean: text(this.minMean),
      minCount: text(this.minCount),
      minSamples: text(this.minSamples),
      method: this.method.value,
      varPart: this.varPart.checked || undefined,
      contrast: this.contrasts.value.split('\n').map((line) => line.trim()).filter((line) => line !== ''),
      anova: this.anova.checked || undefined,
      ebayes: this.ebayes.checked ? (this.ebayesRobust.checked ? 'robust' : true) : undefined,
      voom: this.voom.checked || undefined,
      ddf: this.ddf.value,
      rlrtExact: this.rlrt.checked ? text(this.nsim) ?? true : undefined,
      bootstrap: text(this.bootstrap),
      seed: text(this.seed),
    };
  }

  private fixedRow(column: SheetColumn): Node[] {
    const box = h('input', { type: 'checkbox', id: `fixed-${column.name}`, onchange: () => this.writeFormula() });
    // A factor's reference level can be chosen where every level is listed (--levels must name them all).
    const reference = column.numeric || column.nLevels > column.levels.length ? undefined
      : h('select', { 'aria-label': `reference level of ${column.name}`, onchange: () => this.onChange() },
        ...column.levels.map((level) => h('option', { value: level }, level)));
    this.fixed.set(column.name, { box, reference });
    const kind = column.numeric ? 'numeric' : `factor, ${column.nLevels} level${column.nLevels === 1 ? '' : 's'}`;
    return [
      h('label', { for: box.id }, box, ' ', column.name),
      h('span', { class: 'kind' }, kind + (column.missing > 0 ? `, ${column.missing} missing` : '')),
      reference ? h('span', { class: 'kind' }, 'reference ', reference) : h('span'),
    ];
  }

  /** The formula as typed, parsed, or the parser's message. */
  private parsed(): Formula | string {
    const text = this.formula();
    if (text === '') return 'type a formula, or pick a group column';
    try {
      return parseFormula(text);
    } catch (error) {
      return (error as Error).message;
    }
  }

  /** Shows the parsed formula in the pickers, and the parser's message where it does not parse. */
  private showPickers(parsed: Formula | string): void {
    this.formulaError.textContent = typeof parsed === 'string' && this.formula() !== '' ? parsed : '';
    if (typeof parsed !== 'string') {
      const group = parsed.random.find((r) => r.factors.length === 1)?.name;
      if ([...this.group.options].some((o) => o.value === group)) this.group.value = group!;
      for (const [name, { box }] of this.fixed) box.checked = parsed.terms.some((term) => term.length === 1 && term[0] === name);
    }
    // The grouping column is the random intercept's, not a fixed effect as well.
    for (const [name, { box }] of this.fixed) box.disabled = name === this.group.value;
  }

  /** Writes the pickers into the formula, keeping what they cannot show (interactions, a removed intercept). */
  private writeFormula(): void {
    const name = (column: string): string => this.sheet?.columns.find((c) => c.name === column)?.formulaName ?? column;
    const parsed = this.parsed();
    const kept = typeof parsed === 'string' ? { intercept: true, interactions: [] as string[][], random: [] as string[] }
      : {
        intercept: parsed.intercept, interactions: parsed.terms.filter((term) => term.length > 1),
        // Random terms other than the picker's first single-factor one, as written (a/b as its two terms).
        random: parsed.random.filter((r, i) => r.factors.length > 1 || i !== parsed.random.findIndex((s) => s.factors.length === 1))
          .map((r) => `(1 | ${r.name.replace(/[()]/g, '').split(':').map(name).join(':')})`),
      };
    const terms = [...this.fixed].filter(([column, { box }]) => box.checked && column !== this.group.value).map(([column]) => name(column));
    terms.push(...kept.interactions.map((term) => term.map(name).join(':')));
    const fixed = [kept.intercept ? (terms.length === 0 ? '1' : '') : '0', ...terms].filter((t) => t !== '').join(' + ');
    const random = [...(this.group.value === '' ? [] : [`(1 | ${name(this.group.value)})`]), ...kept.random];
    this.formulaInput.value = [`~ ${fixed}`, ...random].join(' + ');
    this.showPickers(this.parsed());
    this.onChange();
  }
}
