import cliProgress from 'cli-progress';

/** A progress reporter: a bar on stderr when it is a terminal, silence otherwise. */
export interface Progress {
  start(label: string, total: number, unit: string): void;
  /** The value so far, and the total where it changed (an estimate made better). */
  update(value: number, total?: number): void;
  stop(): void;
}

/**
 * A bar on `stream` (stderr) when it is a TTY and the user did not ask for quiet; otherwise a no-op. The bar says
 * the value of the total, the rate since the phase began and the time left at that rate.
 */
export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled || !stream.isTTY) return { start() {}, update() {}, stop() {} };
  let bar: cliProgress.SingleBar | undefined;
  let started = 0;
  return {
    start(label, total, unit) {
      bar?.stop();
      bar = new cliProgress.SingleBar({
        stream,
        format: `${label.padEnd(8)} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | {eta_formatted} left`,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50, // the time left from the rate over the last 50 updates, not the last 10: steadier across blocks
      }, cliProgress.Presets.shades_classic);
      started = performance.now();
      bar.start(total, 0, { rate: '–' });
    },
    update(value, total) {
      if (total !== undefined && total !== bar?.getTotal()) bar?.setTotal(total);
      bar?.update(value, { rate: rateText(value, (performance.now() - started) / 1000) });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** value / seconds, to 3 significant digits (at least the integer part); `–` before any time has passed. */
export function rateText(value: number, seconds: number): string {
  if (!(seconds > 0)) return '–';
  const rate = value / seconds;
  return rate >= 100 ? String(Math.round(rate)) : rate.toPrecision(3);
}
