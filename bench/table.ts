import fs from 'node:fs';
import path from 'node:path';

const START = '<!-- bench-table:start -->';
const END = '<!-- bench-table:end -->';

const s = (ms: number | undefined): string => (ms === undefined ? '–' : (ms / 1000).toFixed(2));

/** The bench/results/*.json files, parsed. */
function results(benchDir: string): Record<string, any>[] {
  const dir = path.join(benchDir, 'results');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
}

/** Replaces the text between `start` and `end` in bench/README.md with `table`. */
function writeBetween(benchDir: string, start: string, end: string, table: string): void {
  const readme = path.join(benchDir, 'README.md');
  const text = fs.readFileSync(readme, 'utf8');
  fs.writeFileSync(readme, text.slice(0, text.indexOf(start)) + table + text.slice(text.indexOf(end) + end.length));
}

/** Rewrites the table between the markers of bench/README.md from every bench/results/*.json. */
export function refreshTable(benchDir: string): void {
  const runs = results(benchDir).filter((r) => r.phasesMs !== undefined); // CLI fit runs only; other benchmarks keep their own files
  const rows = runs.map((r) => {
    const p = r.phasesMs ?? {};
    const speedup = r.speedup ? `${Math.round(r.speedup.perGeneFit)}× (fit), ${Math.round(r.speedup.perGeneEndToEnd)}× (end to end)` : '–';
    const lme4 = r.lme4 ? `${r.lme4.ms_per_gene.toFixed(1)} ms/gene` : '–';
    const gpu = r.gpu ? `host waited ${s(r.gpu.timings.gpuMs)} s for the GPU` +
      `${r.gpu.timings.computeMs !== null ? ` (compute ${s(r.gpu.timings.computeMs)} s by timestamps)` : ''}, host ${s(r.gpu.timings.prepareMs + r.gpu.timings.finishMs)} s` +
      `${typeof r.hostShareOfCpuFit === 'number' ? ` (host + upload ${Math.round(100 * r.hostShareOfCpuFit)}% of the cpu fit)` : ''}; ` +
      `${r.gpu.refinedGenes} refined (${((100 * r.gpu.refinedGenes) / Math.max(r.gpu.gpuGenes, 1)).toFixed(2)}%)` : '–';
    return `| ${r.date.slice(0, 10)} | ${r.machine.cpu}, ${r.machine.cores} cores | ${r.backend.name} (${r.backend.device}) | ` +
      `${r.sizes.genes} × ${r.sizes.samples} | ${s(p.readMs)} | ${s(p.fitMs)} | ${gpu} | ${s(p.writeMs)} | ${s(p.endToEnd)} | ${r.peakRssMB} | ${lme4} | ${speedup} |`;
  });
  const table = [START,
    '| date | machine | backend | genes × samples | read s | fit s | fit phases (GPU) | write s | end to end s | peak RSS MB | lme4 + lmerTest | speed-up over lmer |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |', ...rows, END].join('\n');
  writeBetween(benchDir, START, END, table);
}

const WEB_START = '<!-- web-table:start -->';
const WEB_END = '<!-- web-table:end -->';

/** Rewrites the web app's table in bench/README.md from the bench/results/*-web-*.json of bench/web.ts. */
export function refreshWebTable(benchDir: string): void {
  const rows = results(benchDir).filter((r) => r.appPhasesMs !== undefined).map((r) => {
    const p = r.appPhasesMs;
    const browser = /Chrome\/([0-9]+)/.exec(r.browser)?.[1];
    return `| ${r.date.slice(0, 10)} | ${r.machine.cpu}, ${r.machine.cores} cores | Chromium ${browser} (headless) | ${r.backend.asked} | ` +
      `${r.backend.used.replace(/^backend: /, '')} | ${r.sizes.genes} × ${r.sizes.samples} | ${r.matrix ?? 'held'} | ${s(p.read)} | ${s(p.fit)} | ${s(p.run)} | ${s(p.draw)} | ` +
      `${s(p.read + p.run + p.draw)} | ${r.chromiumPeakMB ?? '–'} |`;
  });
  writeBetween(benchDir, WEB_START, WEB_END, [WEB_START,
    '| date | machine | browser | asked | what ran | genes × samples | matrix | read s | fit s | run s | draw s | read + run + draw s | Chromium peak MB (summed RSS) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |', ...rows, WEB_END].join('\n'));
}
