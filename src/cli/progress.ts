// Progress bars for long work, drawn on stderr only when it is a terminal.

import cliProgress from 'cli-progress';
import type { Io } from './context.js';
import { humanBytes } from './output.js';

export interface Progress {
  update(done: number, payload: Record<string, string>): void;
  stop(): void;
}

/** A progress bar (or nothing, when stderr is not a terminal). `format` uses cli-progress placeholders. */
export function progressBar(
  io: Io,
  total: number,
  format: string,
  initial: Record<string, string> = {},
): Progress {
  if (!io.isTTY || total <= 0) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format, hideCursor: true, clearOnComplete: true, stream: process.stderr, etaBuffer: 20, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, initial);
  return { update: (done, payload) => bar.update(done, payload), stop: () => bar.stop() };
}

/** Records per second, human-readable: 1234567 → "1.23M". */
export function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export { humanBytes };
