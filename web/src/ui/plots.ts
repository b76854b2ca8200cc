/**
 * The results' plots, drawn with Observable Plot as SVG: the distribution of h2, of a p-value column (and its
 * QQ plot against the uniform), a volcano plot of a coefficient, one gene's values by group (or by two random
 * terms), and
 * variancePartition's two pictures of variance fractions (violins across genes, percent bars per gene), and limma's voom
 * plot of the mean-variance trend.
 */
import * as Plot from '@observablehq/plot';
import type { GeneView } from '../protocol.js';

const SIZE = { width: 380, height: 250, marginLeft: 48, marginBottom: 40, style: { fontSize: '11px' } };
const ACCENT = '#1d4f91';
const HIGHLIGHT = '#d62728';
/** Bins of the histograms: 40 of equal width over [0, 1], the last closed, so that p = 1 and h2 = 1 fall in it. */
const BINS = 40;
const UNIT_THRESHOLDS = [...Array.from({ length: BINS }, (_, i) => i / BINS), 1 + Number.EPSILON];

/**
 * The smallest non-zero p of a set (1 where there is none). A p-value of 0 (the t or χ² tail below the smallest
 * double) is drawn there, so that one such gene does not squash every other point to the floor of the plot.
 */
export function smallestNonZero(p: Iterable<number>): number {
  let smallest = 1;
  for (const x of p) if (x > 0 && x < smallest) smallest = x;
  return smallest;
}

/** Histogram of h2 over the fitted genes. */
export function h2Histogram(h2: number[]): Element {
  return Plot.plot({
    ...SIZE,
    x: { domain: [0, 1], label: 'h2 = σ²_group / (σ²_group + σ²_resid)' },
    y: { label: 'genes', grid: true },
    marks: [Plot.rectY(h2, { ...Plot.binX({ y: 'count' }, { x: (d: number) => d, thresholds: UNIT_THRESHOLDS }), fill: ACCENT }),
      Plot.ruleY([0])],
  });
}

/** Histogram of the p-values of one column. */
export function pHistogram(p: number[], column: string): Element {
  return Plot.plot({
    ...SIZE,
    x: { domain: [0, 1], label: column },
    y: { label: 'genes', grid: true },
    marks: [
      Plot.rectY(p, { ...Plot.binX({ y: 'count' }, { x: (d: number) => d, thresholds: UNIT_THRESHOLDS }), fill: ACCENT }),
      // What each bin of a uniform would hold: the null's level.
      Plot.ruleY([p.length / BINS], { stroke: HIGHLIGHT, strokeDasharray: '4,3', ariaDescription: 'uniform level' }),
      Plot.ruleY([0]),
    ],
  });
}

/**
 * QQ plot of −log10 p against its expectation under the uniform. Points closer together on the expected axis
 * than a pixel would draw on top of each other; only one of each such run is drawn, so the SVG stays light.
 */
export function qqPlot(p: number[], column: string): Element {
  const sorted = Float64Array.from(p).sort();
  const n = sorted.length;
  const floor = smallestNonZero(sorted);
  const maxX = -Math.log10(0.5 / n);
  const points: [number, number][] = [];
  let lastX = Infinity;
  for (let i = 0; i < n; i++) {
    const x = -Math.log10((i + 0.5) / n);
    if (i === n - 1 || lastX - x > maxX / 800) {
      points.push([x, -Math.log10(Math.max(sorted[i], floor))]);
      lastX = x;
    }
  }
  const maxY = Math.max(maxX, ...points.map(([, y]) => y));
  return Plot.plot({
    ...SIZE,
    x: { label: `expected −log10 p (uniform)`, domain: [0, maxX] },
    y: { label: `observed −log10 ${column}`, domain: [0, maxY], grid: true },
    marks: [
      Plot.line([[0, 0], [maxX, maxX]], { stroke: HIGHLIGHT, strokeDasharray: '4,3' }),
      Plot.dot(points, { x: '0', y: '1', r: 1.8, fill: ACCENT, ariaDescription: 'p-values' }),
    ],
  });
}

/** One point of the volcano plot: a gene, its effect, −log10 p, and whether its q-value is below 0.05. */
export interface VolcanoPoint {
  gene: number;
  id: string;
  beta: number;
  logP: number;
  significant: boolean;
}

/** Volcano plot of one coefficient; clicking a point picks its gene. */
export function volcanoPlot(points: VolcanoPoint[], coefficient: string, onPick: (gene: number) => void,
  pName = `p_${coefficient}`): Element {
  const plot = Plot.plot({
    ...SIZE,
    x: { label: `beta_${coefficient}`, grid: true },
    y: { label: `−log10 ${pName}`, grid: true },
    color: { domain: [false, true], range: ['#9aa6b8', HIGHLIGHT], legend: false },
    marks: [
      Plot.dot(points, { x: 'beta', y: 'logP', r: 1.6, fill: 'significant', title: (d: VolcanoPoint) => d.id, ariaDescription: 'genes' }),
      Plot.dot(points, Plot.pointer({ x: 'beta', y: 'logP', r: 5, stroke: 'black', fill: 'none' })),
      // A tip, not a text mark: it turns to whichever side keeps the gene's id inside the plot at its edges.
      Plot.tip(points, Plot.pointer({ x: 'beta', y: 'logP', title: 'id', fontWeight: 600 })),
    ],
  });
  plot.addEventListener('click', () => {
    const picked = (plot as unknown as { value: VolcanoPoint | null }).value;
    if (picked) onPick(picked.gene);
  });
  return plot;
}

/** Genes drawn at most in the voom plot: every k-th of the trend's, so that the SVG stays light. */
const VOOM_POINTS = 4000;

/**
 * limma's voom plot: each gene's √σ̂ of its unweighted fit against its mean log2 count, and the lowess trend (red)
 * whose value at an observation's fitted log2 count gives its weight, 1 / trend⁴.
 */
export function voomPlot(voom: { trend: { x: number[]; y: number[] }; points: { x: Float64Array; y: Float64Array } }): Element {
  const { x, y } = voom.points;
  const step = Math.max(1, Math.ceil(x.length / VOOM_POINTS));
  const points = Array.from({ length: Math.ceil(x.length / step) }, (_, k) => [x[k * step], y[k * step]]);
  return Plot.plot({
    ...SIZE,
    x: { label: 'log2( count size + 0.5 )', grid: true },
    y: { label: 'Sqrt( standard deviation )', grid: true },
    marks: [
      Plot.dot(points, { x: '0', y: '1', r: 1.2, fill: ACCENT, fillOpacity: 0.5, ariaDescription: 'genes' }),
      Plot.line(voom.trend.x.map((xi, i) => [xi, voom.trend.y[i]]), { x: '0', y: '1', stroke: HIGHLIGHT, strokeWidth: 2, ariaDescription: 'trend' }),
    ],
  });
}

/** Colours of a fixed-effect factor's levels (Observable's categorical scheme, the accent first). */
const LEVEL_COLOURS = [ACCENT, '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];

/**
 * One gene's values (after the transform) by group, with the fitted group means (x̄ᵀβ̂ + û, red) and the
 * observed ones (grey). Many groups are sorted by fitted mean and drawn without their labels. Where the model
 * has a fixed-effect factor (a strain, a treatment), the samples are coloured by its level, with a legend, and
 * within each of up to 40 groups its levels stand side by side, so a difference between them shows at a glance.
 */
export function genePlot(view: GeneView): Element {
  const many = view.groups.length > 40;
  const order = many ? [...view.groups].sort((a, b) => a.fitted - b.fitted).map((g) => g.group) : view.groups.map((g) => g.group);
  const rotate = !many && order.some((g) => g.length > 4);
  const factor = view.factor;
  const groupAxis = { domain: order, label: many ? `${view.groups.length} groups, by fitted mean` : 'group', tickRotate: rotate ? -30 : 0,
    ticks: many ? [] : undefined };
  // Side by side: a facet per group, the factor's levels along x inside it (their colours name them).
  const sideBySide = factor !== undefined && !many;
  const byGroup = sideBySide ? { fx: 'group' } : { x: 'group' };
  return Plot.plot({
    ...SIZE,
    width: 560,
    marginBottom: rotate ? 60 : 36,
    ...(sideBySide
      ? { fx: { ...groupAxis, axis: 'bottom', padding: 0.1 }, x: { axis: null, domain: factor.levels, padding: 0.6 } }
      : { x: groupAxis }),
    y: { label: `${view.gene} (transformed)`, grid: true },
    color: factor && { domain: factor.levels, range: LEVEL_COLOURS, legend: true, label: factor.name },
    marks: [
      Plot.dot(view.points, { ...byGroup, x: sideBySide ? 'level' : 'group', y: 'value', r: 2.5, fill: factor ? 'level' : ACCENT,
        fillOpacity: 0.75, title: (d: GeneView['points'][number]) => (factor ? `${d.sample} (${factor.name} ${d.level})` : d.sample),
        ariaDescription: 'samples' }),
      Plot.tickY(view.groups, { ...byGroup, y: 'observed', stroke: '#777', strokeDasharray: '3,2', ariaDescription: 'observed means' }),
      Plot.tickY(view.groups, { ...byGroup, y: 'fitted', stroke: HIGHLIGHT, strokeWidth: 2.5, ariaDescription: 'fitted means' }),
    ],
  });
}

/** The variance fractions of one component (a random term, a coefficient, `resid`) over the fitted genes. */
export interface FractionValues {
  name: string;
  values: number[];
}

/** R's quantile(type = 7) of sorted values. */
function quantile7(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]) - sorted[lo]);
}

/**
 * variancePartition's plotVarPart: per component, a violin of its fraction across genes (a histogram over BINS
 * bins of [0, 1], mirrored, each scaled to its own peak) with a box plot inside (quartiles, median, whiskers to
 * the furthest values within 1.5 IQR of the box), the components side by side.
 */
export function varPartViolins(fractions: FractionValues[]): Element {
  const HALF = 0.42;
  const bins = fractions.flatMap((f, i) => {
    const counts = new Float64Array(BINS);
    for (const v of f.values) counts[Math.min(BINS - 1, Math.max(0, Math.floor(v * BINS)))]++;
    const peak = Math.max(1, ...counts);
    return Array.from(counts, (c, b) => ({ name: f.name, x1: i - (HALF * c) / peak, x2: i + (HALF * c) / peak, y1: b / BINS, y2: (b + 1) / BINS }))
      .filter((bin) => bin.x2 > bin.x1);
  });
  const boxes = fractions.map((f, i) => {
    const sorted = Float64Array.from(f.values).sort();
    const [q1, median, q3] = [0.25, 0.5, 0.75].map((q) => quantile7(sorted, q));
    const reach = 1.5 * (q3 - q1);
    const low = sorted.find((v) => v >= q1 - reach) ?? q1;
    const high = [...sorted].reverse().find((v) => v <= q3 + reach) ?? q3;
    return { i, name: f.name, q1, median, q3, low, high };
  });
  const names = fractions.map((f) => f.name);
  return Plot.plot({
    ...SIZE,
    width: Math.max(380, 90 * names.length),
    marginBottom: 60,
    x: { domain: [-0.6, names.length - 0.4], ticks: names.map((_, i) => i), tickFormat: (i: number) => names[i] ?? '', label: null,
      tickRotate: names.some((n) => n.length > 8) ? -25 : 0 },
    y: { domain: [0, 1], label: 'variance explained (fraction)', grid: true },
    color: { domain: names, range: LEVEL_COLOURS },
    marks: [
      Plot.rect(bins, { x1: 'x1', x2: 'x2', y1: 'y1', y2: 'y2', fill: 'name', fillOpacity: 0.45, ariaDescription: 'violins' }),
      Plot.ruleX(boxes, { x: 'i', y1: 'low', y2: 'high', stroke: '#333', ariaDescription: 'whiskers' }),
      Plot.rect(boxes, { x1: (d: { i: number }) => d.i - 0.08, x2: (d: { i: number }) => d.i + 0.08, y1: 'q1', y2: 'q3', fill: 'white',
        stroke: '#333', ariaDescription: 'boxes' }),
      Plot.ruleY(boxes, { x1: (d: { i: number }) => d.i - 0.08, x2: (d: { i: number }) => d.i + 0.08, y: 'median', stroke: '#333',
        strokeWidth: 2, ariaDescription: 'medians' }),
    ],
  });
}

/** One gene's fractions, for percentBars. */
export interface GeneFractions {
  gene: string;
  fractions: { name: string; value: number }[];
}

/** variancePartition's plotPercentBars: a stacked bar of the fractions of each gene, in the order given. */
export function percentBars(genes: GeneFractions[], names: string[]): Element {
  const rows = genes.flatMap((g) => g.fractions.map((f) => ({ gene: g.gene, name: f.name, percent: 100 * f.value })));
  return Plot.plot({
    ...SIZE,
    width: 560,
    height: Math.max(160, 18 * genes.length + 70),
    marginLeft: 140,
    x: { domain: [0, 100], label: 'variance explained (%)', grid: true },
    y: { domain: genes.map((g) => g.gene), label: null },
    color: { domain: names, range: LEVEL_COLOURS, legend: true },
    marks: [
      Plot.barX(rows, { y: 'gene', x: 'percent', fill: 'name', order: names, title: (d: { name: string; percent: number }) =>
        `${d.name}: ${d.percent.toFixed(1)}%`, ariaDescription: 'percent bars' }),
      Plot.ruleX([0]),
    ],
  });
}


/**
 * One gene's values under a model with several random terms: a facet per level of one term, the samples coloured
 * by the level of another (side by side within the facet), and each cell's observed mean as a grey tick.
 */
export function termsGenePlot(view: GeneView): Element {
  const { facet, colour } = view.terms!;
  const cells = new Map<string, { group: string; level: string; sum: number; n: number }>();
  for (const p of view.points) {
    const key = `${p.group}\u0000${p.level ?? ''}`;
    const cell = cells.get(key) ?? { group: p.group, level: p.level ?? '', sum: 0, n: 0 };
    cell.sum += p.value;
    cell.n++;
    cells.set(key, cell);
  }
  const means = [...cells.values()].map((c) => ({ group: c.group, level: c.level, observed: c.sum / c.n }));
  const rotate = facet.levels.some((l) => l.length > 4);
  return Plot.plot({
    ...SIZE,
    width: 560,
    marginBottom: rotate ? 60 : 36,
    fx: { domain: facet.levels, label: facet.name, axis: 'bottom', padding: 0.1, tickRotate: rotate ? -30 : 0 },
    x: { axis: null, domain: colour ? colour.levels : [''], padding: 0.4 },
    y: { label: `${view.gene} (transformed)`, grid: true },
    color: colour && { domain: colour.levels, range: LEVEL_COLOURS, legend: true, label: colour.name },
    marks: [
      Plot.dot(view.points, { fx: 'group', x: (d: GeneView['points'][number]) => d.level ?? '', y: 'value', r: 2.5,
        fill: colour ? 'level' : ACCENT, fillOpacity: 0.75, title: 'sample', ariaDescription: 'samples' }),
      Plot.tickY(means, { fx: 'group', x: 'level', y: 'observed', stroke: '#777', strokeDasharray: '3,2', ariaDescription: 'observed means' }),
    ],
  });
}
