import fs from 'node:fs';
import path from 'node:path';

const START = '<!-- bench-table:start -->';
const END = '<!-- bench-table:end -->';

const s = (ms: number | undefined): string => (ms === undefined ? '–' : (ms / 1000).toFixed(2));

/** Rewrites the table between the markers of bench/README.md from every bench/results/*.json. */
export function refreshTable(benchDir: string): void {
  const dir = path.join(benchDir, 'results');
  const runs = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')))
    .filter((r) => r.phasesMs !== undefined); // fit runs only; other benchmarks keep their own files
  const rows = runs.map((r) => {
    const p = r.phasesMs ?? {};
    const speedup = r.speedup ? `${Math.round(r.speedup.perGeneFit)}× (fit), ${Math.round(r.speedup.perGeneEndToEnd)}× (end to end)` : '–';
    const lme4 = r.lme4 ? `${r.lme4.ms_per_gene.toFixed(1)} ms/gene` : '–';
    const gpu = r.gpu ? `host waited ${s(r.gpu.timings.gpuMs)} s for the GPU` +
      `${r.gpu.timings.computeMs !== null ? ` (compute ${s(r.gpu.timings.computeMs)} s by timestamps)` : ''}, host ${s(r.gpu.timings.prepareMs + r.gpu.timings.finishMs)} s; ` +
      `${r.gpu.refinedGenes} refined (${((100 * r.gpu.refinedGenes) / Math.max(r.gpu.gpuGenes, 1)).toFixed(2)}%)` : '–';
    return `| ${r.date.slice(0, 10)} | ${r.machine.cpu}, ${r.machine.cores} cores | ${r.backend.name} (${r.backend.device}) | ` +
      `${r.sizes.genes} × ${r.sizes.samples} | ${s(p.readMs)} | ${s(p.fitMs)} | ${gpu} | ${s(p.writeMs)} | ${s(p.endToEnd)} | ${r.peakRssMB} | ${lme4} | ${speedup} |`;
  });
  const table = [START,
    '| date | machine | backend | genes × samples | read s | fit s | fit phases (GPU) | write s | end to end s | peak RSS MB | lme4 + lmerTest | speed-up over lmer |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |', ...rows, END].join('\n');
  const readme = path.join(benchDir, 'README.md');
  const text = fs.readFileSync(readme, 'utf8');
  fs.writeFileSync(readme, text.slice(0, text.indexOf(START)) + table + text.slice(text.indexOf(END) + END.length));
}
