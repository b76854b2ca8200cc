/**
 * The results table: every gene's row of the output (the cells the download holds, shown rounded), sortable by
 * any column and filterable by gene id, status and a numeric condition. Only the rows in view are in the DOM,
 * so it stays fast at 40,000 genes and more.
 */
import type { Cell } from '../../../src/io/table-format.js';
import { STATUSES } from '../../../src/results/statuses.js';
import { count, h } from './dom.js';

/** Rows drawn above and below the visible ones, so that scrolling shows no gaps. */
const OVERSCAN = 12;
const WIDTHS: Record<string, number> = { gene: 170, status: 78, message: 420, converged: 80, n: 56, n_groups: 70, iterations: 74 };
const DEFAULT_WIDTH = 100;
const TEXT_COLUMNS = new Set(['gene', 'status', 'message', 'converged']);
const OPERATORS = { '<': (a: number, b: number) => a < b, '≤': (a: number, b: number) => a <= b,
  '>': (a: number, b: number) => a > b, '≥': (a: number, b: number) => a >= b } as const;

/** A cell as the table shows it: 4 significant digits, NA, TRUE/FALSE. The download keeps full precision. */
export function displayCell(value: Cell): string {
  if (value === null || (typeof value === 'number' && Number.isNaN(value))) return 'NA';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string' || Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5) ? value.toExponential(2) : String(Number(value.toPrecision(4)));
}

export class ResultsTable {
  /** Called with the gene (row of the output) the user clicked. */
  onSelect: (gene: number) => void = () => {};
  private columns: string[] = [];
  private rows: readonly (readonly Cell[])[] = [];
  /** The rows shown, in display order. */
  private order = new Int32Array(0);
  private sortColumn = -1;
  private descending = false;
  private selected = -1;
  private rowHeight = 25;
  private drawnFirst = -1;
  private readonly search = h('input', { type: 'search', placeholder: 'gene id contains…', 'aria-label': 'filter genes by id' });
  private readonly status = h('select', { 'aria-label': 'filter by status' });
  private readonly filterColumn = h('select', { 'aria-label': 'filter column' });
  private readonly operator = h('select', { 'aria-label': 'filter operator' }, ...Object.keys(OPERATORS).map((op) => h('option', {}, op)));
  private readonly threshold = h('input', { type: 'text', placeholder: 'value', size: 8, 'aria-label': 'filter value' });
  private readonly shown = h('span', { class: 'muted', 'aria-live': 'polite' });
  private readonly viewport = h('div', { class: 'table-viewport', tabindex: '0' });
  private readonly head = h('thead');
  private readonly body = h('tbody');

  constructor(container: HTMLElement) {
    container.append(
      h('div', { class: 'table-controls' }, this.search, this.status, 'where', this.filterColumn, this.operator, this.threshold,
        this.shown),
      this.viewport,
    );
    this.viewport.append(h('table', { class: 'results' }, this.head, this.body));
    for (const control of [this.search, this.status, this.filterColumn, this.operator, this.threshold]) {
      control.addEventListener('input', () => this.apply());
    }
    this.viewport.addEventListener('scroll', () => this.draw());
    this.body.addEventListener('click', (event) => {
      const row = (event.target as HTMLElement).closest('tr[data-row]');
      if (row) this.onSelect(Number(row.getAttribute('data-row')));
    });
  }

  /** Shows a new table; the filters are kept, the sort is reset to input order. */
  setData(columns: string[], rows: readonly (readonly Cell[])[]): void {
    this.columns = columns;
    this.rows = rows;
    this.sortColumn = -1;
    this.selected = -1;
    const previousStatus = this.status.value;
    this.status.replaceChildren(h('option', { value: '' }, 'every status'), ...STATUSES.map((s) => h('option', { value: s }, s)));
    this.status.value = previousStatus;
    const numeric = columns.filter((c) => !TEXT_COLUMNS.has(c) && c !== 'gene');
    const previous = this.filterColumn.value;
    this.filterColumn.replaceChildren(...numeric.map((c) => h('option', { value: c }, c)));
    this.filterColumn.value = numeric.includes(previous) ? previous : numeric.includes('q_lrt') ? 'q_lrt' : numeric[0];
    const table = this.viewport.firstElementChild as HTMLTableElement;
    table.style.width = `${columns.reduce((w, c) => w + (WIDTHS[c] ?? DEFAULT_WIDTH), 0)}px`;
    this.head.replaceChildren(h('tr', {}, ...columns.map((c, k) => h('th', {
      class: TEXT_COLUMNS.has(c) ? 'text' : '', style: `width:${WIDTHS[c] ?? DEFAULT_WIDTH}px`, title: c,
    }, h('button', { type: 'button', onclick: () => this.sortBy(k) }, c)))));
    this.apply();
  }

  /** Highlights gene g and scrolls it into view, where the filters show it. */
  select(gene: number): void {
    this.selected = gene;
    const at = this.order.indexOf(gene);
    if (at >= 0) {
      const top = at * this.rowHeight;
      if (top < this.viewport.scrollTop || top > this.viewport.scrollTop + this.viewport.clientHeight - 2 * this.rowHeight) {
        this.viewport.scrollTop = Math.max(0, top - this.viewport.clientHeight / 3);
      }
    }
    this.redraw();
  }

  private sortBy(column: number): void {
    this.descending = this.sortColumn === column ? !this.descending : false;
    this.sortColumn = column;
    this.apply();
  }

  /** Filters, then sorts (missing values last either way), then draws from the top. */
  private apply(): void {
    const needle = this.search.value.trim().toLowerCase();
    const status = this.status.value;
    const statusColumn = this.columns.indexOf('status');
    const filterAt = this.columns.indexOf(this.filterColumn.value);
    const limit = Number(this.threshold.value);
    const test = this.threshold.value.trim() !== '' && Number.isFinite(limit) && filterAt >= 0
      ? OPERATORS[this.operator.value as keyof typeof OPERATORS] : undefined;
    const kept: number[] = [];
    this.rows.forEach((row, r) => {
      if (needle !== '' && !String(row[0]).toLowerCase().includes(needle)) return;
      if (status !== '' && row[statusColumn] !== status) return;
      if (test !== undefined) {
        const value = row[filterAt];
        if (typeof value !== 'number' || !test(value, limit)) return;
      }
      kept.push(r);
    });
    if (this.sortColumn >= 0) {
      const k = this.sortColumn;
      const sign = this.descending ? -1 : 1;
      const missing = (v: Cell): boolean => v === null || (typeof v === 'number' && Number.isNaN(v));
      kept.sort((a, b) => {
        const x = this.rows[a][k];
        const y = this.rows[b][k];
        if (missing(x) || missing(y)) return Number(missing(x)) - Number(missing(y)) || a - b;
        return (x! < y! ? -sign : x! > y! ? sign : 0) || a - b;
      });
    }
    this.order = Int32Array.from(kept);
    this.shown.textContent = `${count(kept.length)} of ${count(this.rows.length)} genes`;
    for (const [k, th] of [...this.head.querySelectorAll('th')].entries()) {
      if (k === this.sortColumn) th.setAttribute('aria-sort', this.descending ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
      th.querySelector('button')!.textContent = this.columns[k] + (k === this.sortColumn ? (this.descending ? ' ▼' : ' ▲') : '');
    }
    this.viewport.scrollTop = 0;
    this.redraw();
  }

  private redraw(): void {
    this.drawnFirst = -1;
    this.draw();
  }

  /** Draws the rows in view (and OVERSCAN around them) between two spacer rows that keep the scroll height. */
  private draw(): void {
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / this.rowHeight) - OVERSCAN);
    if (first === this.drawnFirst) return;
    this.drawnFirst = first;
    const last = Math.min(this.order.length, first + Math.ceil(this.viewport.clientHeight / this.rowHeight) + 2 * OVERSCAN);
    const spacer = (rows: number): HTMLTableRowElement =>
      h('tr', { class: 'spacer', style: `height:${rows * this.rowHeight}px` }, h('td', { colspan: String(this.columns.length) }));
    const drawn: HTMLTableRowElement[] = [];
    for (let i = first; i < last; i++) {
      const r = this.order[i];
      drawn.push(h('tr', { 'data-row': String(r), class: r === this.selected ? 'selected' : undefined },
        ...this.rows[r].map((value, k) => h('td', { class: TEXT_COLUMNS.has(this.columns[k]) ? 'text' : undefined,
          title: typeof value === 'string' ? value : undefined }, displayCell(value)))));
    }
    this.body.replaceChildren(spacer(first), ...drawn, spacer(this.order.length - last));
    // The row height the spacers assume is measured once a row is drawn.
    const measured = drawn[0]?.getBoundingClientRect().height;
    if (measured && Math.abs(measured - this.rowHeight) > 0.5) {
      this.rowHeight = measured;
      this.redraw();
    }
  }
}
