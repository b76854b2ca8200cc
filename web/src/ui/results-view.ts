/**
 * Step 3 of the page: what the run did (backend, statuses, timings, notices), the downloads, the plots, the
 * table, and the gene the user picks in the table or the volcano plot.
 */
import type { Cell, TableFormat } from '../../../src/io/table-format.js';
import { gpuBootstrapText, gpuPhasesText } from '../../../src/backends/gpu-phases.js';
import { resultTable } from '../../../src/results/results-table.js';
import { type GeneResults, isFitted, sliceResults } from '../../../src/results/gene-results.js';
import { STATUSES } from '../../../src/results/statuses.js';
import { CancelledError, type FitClient } from '../fit-client.js';
import type { GeneView, RunView } from '../protocol.js';
import { count, duration, h } from './dom.js';
import {
  genePlot, h2Histogram, percentBars, termsGenePlot, pHistogram, qqPlot, smallestNonZero, varPartViolins, voomPlot, type VolcanoPoint, volcanoPlot,
} from './plots.js';
import { displayCell, ResultsTable } from './results-table.js';

/** The elements of index.html the view fills. */
export interface ResultsElements {
  section: HTMLElement;
  summary: HTMLElement;
  notices: HTMLElement;
  plots: HTMLElement;
  gene: HTMLElement;
  table: HTMLElement;
  /** Where a download or a gene's view that failed says why. */
  problem: HTMLElement;
}

export class ResultsView {
  private run: RunView | undefined;
  /** The gene whose view was asked for last: an earlier one's answer, arriving later, is not shown. */
  private geneAsked = -1;
  private downloadName = 'genelmm-results';
  private readonly table: ResultsTable;
  private readonly pColumn = h('select', { 'aria-label': 'p-value column' });
  private readonly coefficient = h('select', { 'aria-label': 'coefficient or contrast of the volcano plot' });
  private readonly pPlots = h('div', { style: 'display: contents' });
  private readonly volcano = h('div', { class: 'plot', id: 'plot-volcano' });

  constructor(private readonly el: ResultsElements, private readonly client: FitClient) {
    this.table = new ResultsTable(el.table);
    this.table.onSelect = (gene) => void this.showGene(gene);
    this.pColumn.addEventListener('input', () => this.drawPValues());
    this.coefficient.addEventListener('input', () => this.drawVolcano());
  }

  /** Takes the results away: their inputs changed, or the worker that holds them was cancelled. */
  hide(): void {
    this.run = undefined;
    this.el.section.hidden = true;
    this.el.summary.replaceChildren();
    this.el.notices.replaceChildren();
    this.el.plots.replaceChildren();
    this.el.gene.replaceChildren();
    this.el.gene.hidden = true;
  }

  /** Shows a finished run; `downloadName` names the files it offers (without extension). */
  show(run: RunView, wallMs: number, downloadName: string): void {
    this.run = run;
    this.downloadName = downloadName;
    this.el.section.hidden = false;
    this.drawSummary(wallMs);
    this.el.gene.hidden = true;
    const r = run.results;
    const fitted = genes(r).filter((g) => isFitted(r, g));
    const h2 = fitted.map((g) => r.h2[g]);
    this.el.plots.replaceChildren(
      ...(run.shape.fractions.length > 0 ? varPartPlots(run, fitted)
        : [plotBox('plot-h2', 'h2 of the fitted genes', h2.length > 0 ? h2Histogram(h2) : noValues('h2'))]),
      ...(run.voom ? [plotBox('plot-voom', `voom: mean-variance trend of ${count(run.voom.genes)} genes`, voomPlot(run.voom))] : []),
      this.pPlots,
      this.volcano,
    );
    const terms = run.shape.terms;
    const lrtColumns = terms.length === 1 ? ['p_lrt'] : terms.map((t) => `p_lrt_${t}`);
    const tested = [...run.coefNames, ...run.shape.contrasts];
    const pColumns = [...lrtColumns, ...(run.rlrtExact ? ['p_rlrt_exact'] : []), ...tested.map((c) => `p_${c}`),
      ...run.shape.anova.map((t) => `p_F_${t}`), ...(run.shape.ebayes ? tested.map((c) => `mod_p_${c}`) : [])];
    this.pColumn.replaceChildren(...pColumns.map((c) => h('option', { value: c }, c)));
    this.coefficient.replaceChildren(...tested.map((c) => h('option', { value: c }, c)));
    // The first contrast, else the first fixed effect, is what the user asked about (a strain, a treatment): both plots
    // start there, moderated where --ebayes moderated it.
    const asked = run.shape.contrasts[0] ?? run.coefNames.find((c) => c !== '(Intercept)');
    this.pColumn.value = asked === undefined ? pColumns[0] : `${run.shape.ebayes ? 'mod_p' : 'p'}_${asked}`;
    this.coefficient.value = asked ?? run.coefNames[0] ?? '';
    this.drawPValues();
    this.drawVolcano();
    this.table.setData(...tableOf(run));
  }

  private drawSummary(wallMs: number): void {
    const run = this.run!;
    const gpu = run.gpu;
    const t = run.timings;
    const bootstrapOnGpu = run.bootstrap ? gpuBootstrapText(run.bootstrap, duration) : '';
    const download = (format: TableFormat): HTMLButtonElement => h('button', { type: 'button', id: `download-${format}`,
      onclick: () => void this.download(format) }, `Download ${format.toUpperCase()}`);
    this.el.summary.replaceChildren(
      h('div', {}, h('b', {}, `${count(run.geneIds.length)} genes`), ` × ${count(run.nObs)} samples in ${count(run.nGroups)} groups, `,
        h('code', {}, run.formula)),
      ...(run.weights ? [h('div', { id: 'weights-used' }, `precision weights: ${run.weights}`)] : []),
      ...(run.kinship ? [h('div', { id: 'kinship-used' }, `kinship: ${run.kinship.file}, ${count(run.kinship.individuals)} individuals` +
        (run.kinship.clamped ? `; eigenvalues down to ${run.kinship.smallestEigenvalue.toPrecision(3)} set to 0` : ''))] : []),
      h('div', { class: 'chips', id: 'status-counts' }, ...STATUSES.filter((s) => run.counts[s] > 0)
        .map((s) => h('span', { class: 'chip', 'data-status': s }, h('b', {}, count(run.counts[s])), ` ${s}`))),
      h('div', { id: 'backend-used' }, 'backend: ', h('b', {}, run.backend.name), ` on ${run.backend.device} (${run.backend.reason})`,
        gpu ? `; ${count(gpu.gpuGenes)} genes on the GPU in ${count(gpu.batches)} batch${gpu.batches === 1 ? '' : 'es'}, ` +
          `${count(gpu.refinedGenes)} refined in f64, ${count(gpu.cpuGenes)} on the CPU` +
          (gpu.failure ? ` (${gpu.failure})` : '') : ''),
      ...(gpu ? [h('div', { class: 'muted', id: 'gpu-phases' }, `GPU fit: ${gpuPhasesText(gpu.timings, duration)}`)] : []),
      ...(run.bootstrap ? [h('div', { class: 'muted', id: 'bootstrap-run' }, `bootstrap: ${count(run.bootstrap.B)} replicates for each of ` +
        `${count(run.bootstrap.genes)} fitted genes${bootstrapOnGpu && `; ${bootstrapOnGpu}`}`)] : []),
      h('div', { class: 'muted' }, `fit ${duration(t.fitMs)}`, run.rlrtExact ? `, exact RLRT ${duration(t.rlrtExactMs)}` : '',
        run.bootstrap ? `, bootstrap ${duration(t.bootstrapMs)}` : '', `; ${duration(wallMs)} in all`),
      h('div', { class: 'chips' }, download('tsv'), download('csv'), download('json')),
    );
    this.el.notices.replaceChildren(...run.notices.map((n) => h('li', {}, n)));
  }

  private drawPValues(): void {
    const run = this.run!;
    const column = this.pColumn.value;
    const values = pValues(run, column);
    if (values.length === 0) {
      this.pPlots.replaceChildren(plotBox('plot-p', 'p-values', noValues(column), this.pColumn),
        plotBox('plot-qq', `QQ plot of ${column}`, noValues(column)));
      return;
    }
    const boundary = column === 'p_lrt' ? h('div', { class: 'muted' }, 'p_lrt is 1 where σ²_group is estimated as 0 (singular)') : null;
    this.pPlots.replaceChildren(
      plotBox('plot-p', 'p-values', pHistogram(values, column), this.pColumn, boundary),
      plotBox('plot-qq', `QQ plot of ${column}`, qqPlot(values, column), undefined, zeroNote(values)),
    );
  }

  private drawVolcano(): void {
    const run = this.run!;
    const r = run.results;
    const c = this.coefficient.value;
    const test = testedColumn(run, c);
    const shown = genes(r).filter((g) => Number.isFinite(test.estimate(g)) && test.p(g) >= 0);
    const p = shown.map((g) => test.p(g));
    const floor = smallestNonZero(p);
    const points: VolcanoPoint[] = shown.map((g, j) => ({ gene: g, id: run.geneIds[g], beta: test.estimate(g),
      logP: -Math.log10(Math.max(p[j], floor)), significant: test.q(g) < 0.05 }));
    if (points.length === 0) {
      this.volcano.replaceChildren(plotHead('Volcano plot', this.coefficient), noValues(`beta_${c} and ${test.pName}`));
      return;
    }
    const plot = volcanoPlot(points, c, (gene) => void this.showGene(gene), test.pName);
    const significant = points.filter((p) => p.significant).length;
    this.volcano.replaceChildren(plotHead('Volcano plot', this.coefficient), plot,
      h('div', { class: 'muted' }, `${count(significant)} of ${count(points.length)} genes at ${test.pName.replace('p_', 'q_')} < 0.05 (red); ` +
        'click a point for its gene'),
      zeroNote(p) ?? '');
  }

  private async showGene(gene: number): Promise<void> {
    const run = this.run!;
    this.table.select(gene);
    this.geneAsked = gene;
    let view: GeneView;
    try {
      view = await this.client.ask({ type: 'gene', gene });
    } catch (error) {
      if (!(error instanceof CancelledError) && this.geneAsked === gene) this.el.problem.textContent = `${run.geneIds[gene]}: ${(error as Error).message}`;
      return;
    }
    // Other results came meanwhile, or another gene was picked (a streamed matrix's genes take their read's time).
    if (this.run !== run || this.geneAsked !== gene) return;
    const [columns, rows] = tableOf(run, gene);
    const row = rows[0];
    const details = h('dl', {}, ...columns.flatMap((c, k) => [h('dt', {}, c), h('dd', {}, displayCell(row[k]))]));
    this.el.gene.replaceChildren(
      view.terms ? termsGeneBox(view) : h('div', { class: 'plot', id: 'plot-gene' },
        plotHead(`${view.gene}: values by group${view.factor ? ` and ${view.factor.name}` : ''}`),
        view.points.length > 0 ? genePlot(view) : h('p', { class: 'muted' }, `not fitted: ${view.status}`),
        h('div', { class: 'muted' }, 'red: fitted group mean x̄ᵀβ̂ + û (lme4\'s fitted(), averaged per group); grey dashes: observed mean')),
      h('div', { class: 'plot' }, plotHead('Its row'), details),
    );
    this.el.gene.hidden = false;
  }

  private async download(format: TableFormat): Promise<void> {
    let blob: Blob;
    try {
      blob = await this.client.ask({ type: 'table', format });
    } catch (error) {
      if (!(error instanceof CancelledError)) this.el.problem.textContent = `the ${format.toUpperCase()} download failed: ${(error as Error).message}`;
      return;
    }
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: `${this.downloadName}.${format}` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

/** Says how many p-values of 0 a −log10 p plot draws at the smallest non-zero one (smallestNonZero), if any. */
function zeroNote(p: number[]): HTMLElement | null {
  const zeros = p.filter((x) => x === 0).length;
  return zeros === 0 ? null : h('div', { class: 'muted' }, `${count(zeros)} p-value(s) of 0 drawn at the smallest non-zero one`);
}

/** A plot's place when no gene has a value to draw (every gene constant or filtered, say): a message, no axes. */
/** The gene view of a model with several random terms: faceted by one term, coloured by another. */
function termsGeneBox(view: GeneView): HTMLElement {
  const { facet, colour } = view.terms!;
  return h('div', { class: 'plot', id: 'plot-gene' },
    plotHead(`${view.gene}: values by ${facet.name}${colour ? ` and ${colour.name}` : ''}`),
    view.points.length > 0 ? termsGenePlot(view) : h('p', { class: 'muted' }, `not fitted: ${view.status}`),
    h('div', { class: 'muted' }, 'grey dashes: observed mean of each cell'));
}

function noValues(column: string): HTMLElement {
  return h('p', { class: 'plot-empty' }, `no gene has a value of ${column}`);
}

function plotHead(title: string, control?: Node): HTMLElement {
  return h('div', { class: 'plot-head' }, h('span', {}, title), control);
}

function plotBox(id: string, title: string, plot: Element, control?: Node, caption?: Node | null): HTMLElement {
  return h('div', { class: 'plot', id }, plotHead(title, control), plot, caption);
}

function genes(r: GeneResults): number[] {
  return Array.from({ length: r.nGenes }, (_, g) => g);
}

/** A coefficient's or contrast's estimate, p and q per gene: the moderated p and q with --ebayes, and the p column's name. */
function testedColumn(run: RunView, name: string, moderated = run.shape.ebayes):
  { estimate: (g: number) => number; p: (g: number) => number; q: (g: number) => number; pName: string } {
  const r = run.results;
  const k = run.coefNames.indexOf(name);
  const c = run.shape.contrasts.indexOf(name);
  const estimate = (g: number): number => (k >= 0 ? r.beta[g * r.p + k] : r.contrastEstimate[g * r.nContrasts + c]);
  if (moderated) {
    const m = k >= 0 ? k : r.p + c;
    return { estimate, p: (g) => r.modP[g * r.nModerated + m], q: (g) => r.modQ[g * r.nModerated + m], pName: `mod_p_${name}` };
  }
  return k >= 0
    ? { estimate, p: (g) => r.pValue[g * r.p + k], q: (g) => r.qValue[g * r.p + k], pName: `p_${name}` }
    : { estimate, p: (g) => r.contrastP[g * r.nContrasts + c], q: (g) => r.contrastQ[g * r.nContrasts + c], pName: `p_${name}` };
}

/** The finite p-values of one output column: p_lrt, p_rlrt_exact, p_<coefficient or contrast>, p_F_<term> or mod_p_<…>. */
function pValues(run: RunView, column: string): number[] {
  const r = run.results;
  const term = run.shape.terms.length === 1 ? -1 : run.shape.terms.findIndex((t) => column === `p_lrt_${t}`);
  const anova = run.shape.anova.findIndex((t) => column === `p_F_${t}`);
  const tested = column.replace(/^(mod_)?p_/, '');
  const at = column === 'p_lrt' ? (g: number) => r.pLrt[g] : column === 'p_rlrt_exact' ? (g: number) => r.pRlrtExact[g]
    : term >= 0 ? (g: number) => r.pLrtTerms[g * r.nTerms + term] : anova >= 0 ? (g: number) => r.anovaP[g * r.nAnova + anova]
      : testedColumn(run, tested, column.startsWith('mod_p_')).p;
  return genes(r).map(at).filter((p) => p >= 0 && p <= 1);
}

/** The output table's columns and rows, of every gene or of one: exactly the cells the download holds. */
function tableOf(run: RunView, gene?: number): [string[], Cell[][]] {
  const { geneIds, coefNames, results, shape } = run;
  const { columns, rows } = gene === undefined ? resultTable(geneIds, coefNames, results, shape)
    : resultTable([geneIds[gene]], coefNames, sliceResults(results, gene, gene + 1), shape);
  return [columns, [...rows] as Cell[][]];
}

/** Genes in percentBars: the most variable in the first random term (variancePartition's usual pick). */
const PERCENT_BAR_GENES = 20;

/** The variance-fraction plots of a run with `vp_*` columns: violins across fitted genes, and percent bars. */
function varPartPlots(run: RunView, fitted: number[]): HTMLElement[] {
  const r = run.results;
  const names = run.shape.fractions;
  const at = (g: number, f: number): number => r.vp[g * r.nFractions + f];
  const withFractions = fitted.filter((g) => names.every((_, f) => Number.isFinite(at(g, f))));
  if (withFractions.length === 0) return [plotBox('plot-varpart', 'variance fractions', noValues('vp'))];
  const violins = varPartViolins(names.map((name, f) => ({ name, values: withFractions.map((g) => at(g, f)) })));
  const top = [...withFractions].sort((a, b) => at(b, 0) - at(a, 0) || a - b).slice(0, PERCENT_BAR_GENES);
  const bars = percentBars(top.map((g) => ({ gene: run.geneIds[g], fractions: names.map((name, f) => ({ name, value: at(g, f) })) })), [...names]);
  return [
    plotBox('plot-varpart', `variance fractions of ${count(withFractions.length)} fitted genes`, violins),
    plotBox('plot-percent-bars', `the ${top.length} genes with the largest ${names[0]} fraction`, bars),
  ];
}
