// The one logger of long-running processes: structured events, one JSON object per line (or readable text
// on a terminal). Secrets never reach it: callers log names and counts, not tokens or keys.

export type Level = 'debug' | 'info' | 'warn' | 'error';

/** Logs an event with fields. */
export type Log = (event: string, fields?: Record<string, unknown>, level?: Level) => void;

/**
 * A logger writing to `write` (e.g. stderr): JSON lines `{"time":...,"level":"info","event":...}` or text.
 *
 * @example const log = createLogger((s) => process.stderr.write(s), 'json'); log('monitor_started', { url });
 */
export function createLogger(
  write: (line: string) => void,
  format: 'json' | 'text' = 'json',
  now: () => Date = () => new Date(),
): Log {
  return (event, fields = {}, level = 'info') => {
    const time = now().toISOString();
    if (format === 'json') {
      write(`${JSON.stringify({ time, level, event, ...fields })}\n`);
      return;
    }
    const rest = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
      .join(' ');
    write(`${time} ${level.padEnd(5)} ${event}${rest ? ` ${rest}` : ''}\n`);
  };
}
