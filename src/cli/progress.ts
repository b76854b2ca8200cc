import cliProgress from 'cli-progress';

/** A progress reporter: a bar on stderr when it is a terminal, silence otherwise. */
export interface Progress {
  start(label: string, total: number, unit: string): void;
  /** The value so far, and the total where it changed (an estimate made better). */
  update(value: number, total?: number): void;
  stop(): void;
}

/** A bar on stderr when stderr is a TTY and the user did not ask for quiet; otherwise a no-op. */
export function createProgress(enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { start() {}, update() {}, stop() {} };
  let bar: cliProgress.SingleBar | undefined;
  return {
    start(label, total, unit) {
      bar?.stop();
      bar = new cliProgress.SingleBar({
        stream: process.stderr,
        format: `${label.padEnd(8)} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`,
        hideCursor: true,
        clearOnComplete: true,
      }, cliProgress.Presets.shades_classic);
      bar.start(total, 0);
    },
    update(value, total) {
      if (total !== undefined && total !== bar?.getTotal()) bar?.setTotal(total);
      bar?.update(value);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
