/**
 * The web app's page: the user's files (or the bundled example) go to the fit worker, the form to `fitGenes`
 * with the CLI's options, and the results to the results view. Nothing is sent anywhere: the worker reads the
 * files in this browser.
 */
import type { BackendChoice } from '../../src/backends/backend.js';
import { EXAMPLE } from '../../src/example.js';
import { adapterReport } from '../../src/gpu/device.js';
import { webgl2Device } from '../../src/gpujs/device.js';
import exampleMatrixUrl from '../../data/bottomly/bottomly_count_table.tsv?url';
import exampleSheetUrl from '../../data/bottomly/bottomly_phenodata.tsv?url';
import { CancelledError, FitClient, WorkerError } from './fit-client.js';
import { type ErrorView, HOLD_BYTES, type KinshipSummary, type MatrixSummary, type SheetSummary } from './protocol.js';
import { byId, count, duration } from './ui/dom.js';
import { ModelForm } from './ui/model-form.js';
import { ResultsView } from './ui/results-view.js';
import './style.css';

/** What an input is read from: one file, or the kinship's files (a matrix and its ids). */
type Picked = File | File[];

function pickedName(file: Picked): string {
  return Array.isArray(file) ? file.map((f) => f.name).join(' + ') : file.name;
}

/** One input of step 1: its file, what the worker made of it, and the elements that show it. */
class InputSlot<S> {
  file: Picked | undefined;
  summary: S | undefined;
  /** The worker generation the file was loaded into (a cancel starts a new worker without it). */
  generation = -1;

  constructor(readonly kind: 'matrix' | 'samples' | 'kinship' | 'weights', private readonly loaded: HTMLElement, private readonly error: HTMLElement) {}

  /** True when `name` is the name of one of the slot's files (an error's file). */
  holds(name: string | undefined): boolean {
    return this.file !== undefined && (Array.isArray(this.file) ? this.file : [this.file]).some((f) => f.name === name);
  }

  showLoading(file: Picked): void {
    this.file = file;
    this.summary = undefined;
    this.loaded.textContent = `reading ${pickedName(file)}…`;
    this.error.textContent = '';
  }

  /** Milliseconds from the file's arrival to its summary (read and parsed in the worker). */
  readMs = 0;

  showLoaded(summary: S, text: string, generation: number, readMs: number): void {
    this.summary = summary;
    this.generation = generation;
    this.readMs = readMs;
    this.loaded.textContent = `${text} (read in ${duration(readMs)})`;
    this.error.textContent = '';
  }

  showCleared(): void {
    this.loaded.textContent = '';
    this.error.textContent = '';
  }

  showError(view: ErrorView): void {
    this.summary = undefined;
    this.loaded.textContent = '';
    this.error.textContent = errorText(view);
  }
}

/** An error as the CLI prints it: the message (file:line:column: problem), then the suggestion. */
function errorText(view: ErrorView): string {
  return view.suggestion ? `${view.message}\n  ${view.suggestion}` : view.message;
}

const client = new FitClient();
/** The most memory the worker gives a matrix's values before streaming it (HOLD_BYTES, or the page's `?hold-mb=N`). */
const holdBytes = holdBytesOf(new URLSearchParams(location.search).get('hold-mb'));
const matrix = new InputSlot<MatrixSummary>('matrix', byId('matrix-loaded'), byId('matrix-error'));
const sheet = new InputSlot<SheetSummary>('samples', byId('samples-loaded'), byId('samples-error'));
const kinship = new InputSlot<KinshipSummary>('kinship', byId('kinship-loaded'), byId('kinship-error'));
const weights = new InputSlot<MatrixSummary>('weights', byId('weights-loaded'), byId('weights-error'));
/** The optional inputs' Remove buttons. */
const removeButtons = { kinship: byId<HTMLButtonElement>('kinship-remove'), weights: byId<HTMLButtonElement>('weights-remove') };
const inputs = [matrix, sheet, kinship, weights] as InputSlot<unknown>[];
const form = new ModelForm(byId('formula-builder'), byId<HTMLInputElement>('formula'), byId('formula-error'), byId('options'));
const results = new ResultsView({ section: byId('results'), summary: byId('run-summary'), notices: byId('notices'),
  plots: byId('plots'), gene: byId('gene'), table: byId('table'), problem: byId('run-error') }, client);
const runButton = byId<HTMLButtonElement>('run');
const cancelButton = byId<HTMLButtonElement>('cancel');
const progress = byId<HTMLProgressElement>('progress');
const phase = byId('phase');
const runError = byId('run-error');
let running = false;
let exampleLoaded = false;

function updateRunButton(): void {
  runButton.disabled = running || matrix.summary === undefined || sheet.summary === undefined || form.formulaProblem() !== undefined;
  const counts = matrix.summary?.looksLikeCounts && form.options().transform === 'none';
  form.setTransformHint(counts ? 'these look like raw counts: consider log-CPM' : '');
}
form.onChange = () => {
  runError.textContent = '';
  updateRunButton();
};

const UNITS = { reading: 'MB', fitting: 'genes' } as const;
client.onProgress = (what, done, total) => {
  progress.hidden = false;
  progress.value = total > 0 ? done / total : 0;
  const scale = what === 'reading' ? 1e6 : 1;
  phase.textContent = `${what} ${count(Math.round(done / scale))} / ${count(Math.round(total / scale))} ${UNITS[what]}`;
};

/**
 * Loads one input into the worker and shows what came of it; false where it could not be read, or where a later file
 * took its place. Any results shown go: the worker lets them go with its old input. A reload (the same file into a
 * fresh worker, after a cancel) keeps the slot's summary and the form as they are, so a cancelled reload changes
 * nothing the user set.
 */
async function load<S>(slot: InputSlot<S>, file: Picked): Promise<boolean> {
  const reload = file === slot.file && slot.summary !== undefined;
  if (!reload) {
    slot.showLoading(file);
    runError.textContent = '';
  }
  if (slot.kind === 'kinship' || slot.kind === 'weights') removeButtons[slot.kind].hidden = false; // also after an error, to take the file out again
  results.hide();
  updateRunButton();
  const generation = client.generation;
  const started = performance.now();
  try {
    if (slot.kind === 'kinship') {
      const k = await client.ask({ type: 'kinship', files: file as File[] });
      if (slot.file !== file) return false;
      (slot as InputSlot<KinshipSummary>).showLoaded(k!, `${k!.file}: ${count(k!.individuals)} individuals`, generation,
        performance.now() - started);
    } else if (slot.kind === 'weights') {
      const w = await client.ask({ type: 'weights', file: file as File });
      if (slot.file !== file) return false;
      (slot as InputSlot<MatrixSummary>).showLoaded(w!, `${w!.file}: weights of ${count(w!.nGenes)} genes × ${count(w!.nSamples)} samples`,
        generation, performance.now() - started);
    } else if (slot.kind === 'matrix') {
      const checked = reload ? (slot as InputSlot<MatrixSummary>).summary : undefined;
      const m = await client.ask({ type: 'matrix', file: file as File, holdBytes, checked });
      if (slot.file !== file) return false;
      const streamed = m.streamed ? ' (streamed from the file by each run: more values than the app holds in memory)' : '';
      (slot as InputSlot<MatrixSummary>).showLoaded(m, `${m.file}: ${count(m.nGenes)} genes × ${count(m.nSamples)} samples${streamed}`,
        generation, performance.now() - started);
    } else {
      const s = await client.ask({ type: 'samples', file: file as File });
      if (slot.file !== file) return false;
      (slot as InputSlot<SheetSummary>).showLoaded(s, `${s.file}: ${count(s.nSamples)} samples, ids in "${s.idColumn}", ` +
        `${s.columns.length} covariate column(s)`, generation, performance.now() - started);
      if (!reload) form.setSheet(s);
    }
    return true;
  } catch (error) {
    if (!(error instanceof CancelledError) && slot.file === file) slot.showError(viewOf(error));
    return false;
  } finally {
    progress.hidden = true;
    phase.textContent = '';
    updateRunButton();
  }
}

function viewOf(error: unknown): ErrorView {
  return error instanceof WorkerError ? error.view : { name: 'Error', message: error instanceof Error ? error.message : String(error) };
}

async function loadExample(): Promise<void> {
  const fetchFile = async (url: string, path: string): Promise<File> => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`the example's ${path} could not be loaded from this page's server (HTTP ${response.status})`);
    return new File([await response.blob()], path.slice(path.lastIndexOf('/') + 1));
  };
  let files: File[];
  try {
    files = await Promise.all([fetchFile(exampleMatrixUrl, EXAMPLE.expr), fetchFile(exampleSheetUrl, EXAMPLE.samples)]);
  } catch (error) {
    runError.textContent = viewOf(error).message;
    return;
  }
  const [m, s] = files;
  if (await load(matrix, m) && await load(sheet, s)) {
    form.setFormula(EXAMPLE.formula);
    form.setTransform(EXAMPLE.transform);
    exampleLoaded = true;
  }
}

async function run(): Promise<void> {
  running = true;
  setInputsEnabled(false);
  updateRunButton();
  runError.textContent = '';
  cancelButton.hidden = false;
  const started = performance.now();
  try {
    // After a cancel the worker is a new one: it reads the files again.
    for (const slot of inputs) {
      if (slot.file !== undefined && slot.generation !== client.generation && !(await load(slot, slot.file))) return;
    }
    const view = await client.ask({ type: 'run', formula: form.formula(), options: form.options() });
    const answered = performance.now();
    results.show(view, answered - started, exampleLoaded ? 'genelmm-example' : 'genelmm-results');
    await new Promise((painted) => requestAnimationFrame(() => requestAnimationFrame(painted)));
    const drawn = performance.now();
    phase.textContent = `done in ${duration(drawn - started)}, of which drawing the results ${duration(drawn - answered)}`;
    // For bench/web.ts: the phases as the page saw them.
    Object.assign(byId('results').dataset, { readMs: (matrix.readMs).toFixed(1), runMs: (answered - started).toFixed(1),
      fitMs: view.timings.fitMs.toFixed(1), drawMs: (drawn - answered).toFixed(1) });
  } catch (error) {
    if (error instanceof CancelledError) {
      // The cancelled worker took the earlier results with it.
      results.hide();
      phase.textContent = 'cancelled';
    } else {
      const view = viewOf(error);
      const slot = inputs.find((s) => s.holds(view.file));
      if (slot) slot.showError(view);
      else runError.textContent = errorText(view);
      phase.textContent = '';
    }
  } finally {
    running = false;
    setInputsEnabled(true);
    cancelButton.hidden = true;
    progress.hidden = true;
    updateRunButton();
  }
}

/** Drops an optional input: the next run has no kinship (the plain random intercept), or no weights. */
async function removeOptional(slot: InputSlot<unknown> & { kind: 'kinship' | 'weights' }): Promise<void> {
  if (running) return;
  slot.file = undefined;
  slot.summary = undefined;
  slot.showCleared();
  removeButtons[slot.kind].hidden = true;
  results.hide();
  await client.ask(slot.kind === 'kinship' ? { type: 'kinship', files: [] } : { type: 'weights', file: null }).catch(() => undefined);
}

/** The inputs cannot change under a run: its results are of the files it started with. */
function setInputsEnabled(enabled: boolean): void {
  for (const id of ['matrix-file', 'samples-file', 'kinship-file', 'kinship-remove', 'weights-file', 'weights-remove', 'load-example']) {
    byId<HTMLInputElement | HTMLButtonElement>(id).disabled = !enabled;
  }
}

/** A file picker and a drop zone for one input (the kinship's takes all the files given, the others the first). */
function acceptFiles(zone: HTMLElement, picker: HTMLInputElement, slot: InputSlot<unknown>): void {
  const take = (files: FileList | null | undefined): void => {
    if (files === null || files === undefined || files.length === 0 || running) return;
    exampleLoaded = false;
    void load(slot, slot.kind === 'kinship' ? [...files] : files[0]);
  };
  picker.addEventListener('change', () => {
    take(picker.files);
    picker.value = ''; // so that picking the same file again (edited since) reads it again
  });
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    take(event.dataTransfer?.files);
  });
}

/**
 * Which backends this browser offers, as hints next to the backend choice (the run reports what it used), judged by
 * the backends' own rules (adapterReport, webgl2Device).
 */
async function detectBackends(): Promise<void> {
  const notes: Partial<Record<BackendChoice, string>> = {};
  const gpu = (navigator as { gpu?: GPU }).gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  if (adapter === null) notes.webgpu = 'not in this browser';
  else if (adapterReport(adapter).isFallback) notes.webgpu = 'software';
  const gl = document.createElement('canvas').getContext('webgl2');
  if (gl === null) notes.gpujs = 'no WebGL2 here';
  else {
    if (webgl2Device(gl).isFallback) notes.gpujs = 'software';
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
  form.setAvailability(notes);
}

acceptFiles(byId('matrix-drop'), byId<HTMLInputElement>('matrix-file'), matrix as InputSlot<unknown>);
acceptFiles(byId('samples-drop'), byId<HTMLInputElement>('samples-file'), sheet as InputSlot<unknown>);
acceptFiles(byId('kinship-drop'), byId<HTMLInputElement>('kinship-file'), kinship as InputSlot<unknown>);
acceptFiles(byId('weights-drop'), byId<HTMLInputElement>('weights-file'), weights as InputSlot<unknown>);
removeButtons.kinship.addEventListener('click', () => void removeOptional(kinship as InputSlot<unknown> & { kind: 'kinship' }));
removeButtons.weights.addEventListener('click', () => void removeOptional(weights as InputSlot<unknown> & { kind: 'weights' }));
// A file dropped beside the zones must not make the browser leave the page to show it.
window.addEventListener('dragover', (event) => event.preventDefault());
window.addEventListener('drop', (event) => event.preventDefault());
byId('load-example').addEventListener('click', () => void loadExample());
runButton.addEventListener('click', () => void run());
cancelButton.addEventListener('click', () => client.cancel());
void detectBackends();

/** `?hold-mb=N` (N MiB, N ≥ 0) as bytes; HOLD_BYTES without it or for anything else. */
function holdBytesOf(value: string | null): number {
  const mb = value === null || value.trim() === '' ? NaN : Number(value);
  return mb >= 0 ? mb * 2 ** 20 : HOLD_BYTES;
}
