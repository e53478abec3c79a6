// A folder watched for flow log files: new compressed or Parquet files are ingested whole once their size
// has settled; plain text files are followed as they grow, complete lines only, from a durable offset.

import { open, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { DirectorySourceConfig } from '../config/monitor-config.js';
import type { Level } from '../core/logger.js';
import type { Sink, Source, SourceStatus } from '../ingest/sources/source.js';
import { detectHeader } from '../records/format.js';

interface FileState {
  /** Bytes of a text file already stored (whole lines). */
  offset?: number;
  /** A compressed or Parquet file stored whole. */
  done?: boolean;
  /** The `${...}` format of a text file (from its header line, or the configured one). */
  format?: string;
}

const WHOLE = /\.(gz|parquet)$/i;
const TEXT = /\.(log|txt)$/i;
/** At most this many bytes of a growing text file per batch. */
const CHUNK = 16 * 1024 * 1024;

/**
 * Polls a folder tree. Its checkpoint (stored with each batch) maps each file to what was stored of it.
 *
 * @example new DirectorySource(cfg, sink, log).start()
 */
export class DirectorySource implements Source {
  readonly name: string;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private polling: Promise<void> = Promise.resolve();
  private files: Record<string, FileState> = {};
  /** Size and mtime seen at the previous poll, and since when (for settling). */
  private readonly seen = new Map<string, { size: number; mtimeMs: number; since: number }>();
  private counters = {
    batches: 0,
    records: 0,
    errors: 0,
    lastError: undefined as string | undefined,
    lastErrorAt: undefined as number | undefined,
    lastBatchAt: undefined as number | undefined,
  };

  constructor(
    private readonly cfg: DirectorySourceConfig,
    private readonly sink: Sink,
    private readonly log: (event: string, fields: Record<string, unknown>, level?: Level) => void = () => {},
  ) {
    this.name = cfg.name;
  }

  async start(): Promise<void> {
    const saved = await this.sink.checkpoint(this.name);
    if (saved) this.files = JSON.parse(saved) as Record<string, FileState>;
    const loop = async () => {
      if (this.stopped) return;
      this.polling = this.pollOnce().catch((err: unknown) => {
        this.counters.errors++;
        this.counters.lastError = (err as Error).message;
        this.counters.lastErrorAt = Date.now();
        this.log('source_error', { source: this.name, error: (err as Error).message });
      });
      await this.polling;
      if (!this.stopped) this.timer = setTimeout(loop, this.cfg.pollSeconds * 1000);
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
  }

  /**
   * What this source handed over. `records` counts only lines of plain-text files: a whole file (gzip,
   * Parquet) is parsed at commit, so its records are known to the sink alone. What the monitor shows
   * (/healthz, /metrics, /api/sources) is therefore the sink's committed counts (health.ts), never these.
   */
  status(): SourceStatus {
    return { name: this.name, kind: 'directory', ...this.counters };
  }

  private chain: Promise<void> = Promise.resolve();

  /** One pass over the folder, after any pass in progress (exposed for tests). */
  pollOnce(): Promise<void> {
    const p = this.chain.then(() => this.poll());
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Whether the folder was missing at the last poll (said once, and again when it appears). */
  private missing = false;

  private async poll(): Promise<void> {
    // A folder that does not exist (a typo, or ./flowlogs of `flowwatch init` never created) reads as "no traffic"
    // for ever: said in the log and in the source's status (/api/sources, /healthz) until it appears.
    const there = await stat(this.cfg.path).then(
      (st) => st.isDirectory(),
      () => false,
    );
    if (!there) {
      if (!this.missing) {
        this.missing = true;
        const message = `the watched folder ${resolve(this.cfg.path)} does not exist (or is not a folder): nothing is read until it is created; check sources[].path in the configuration`;
        this.counters.lastError = message;
        this.counters.lastErrorAt = Date.now();
        this.log(
          'source_folder_missing',
          { source: this.name, path: resolve(this.cfg.path), message },
          'warn',
        );
      }
      return;
    }
    if (this.missing) {
      this.missing = false;
      this.log('source_folder_found', { source: this.name, path: resolve(this.cfg.path) });
    }
    for (const path of await walk(this.cfg.path)) {
      if (this.stopped) return;
      const key = relative(this.cfg.path, path);
      const st = await stat(path).catch(() => undefined);
      if (!st) continue;
      const state = this.files[key] ?? {};
      if (WHOLE.test(path)) {
        if (state.done) continue;
        const prev = this.seen.get(key);
        const now = Date.now();
        if (!prev || prev.size !== st.size || prev.mtimeMs !== st.mtimeMs) {
          this.seen.set(key, { size: st.size, mtimeMs: st.mtimeMs, since: now });
          if (this.cfg.settleSeconds > 0) continue;
        } else if (now - prev.since < this.cfg.settleSeconds * 1000) continue;
        const next = { ...this.files, [key]: { done: true } };
        await this.sink.write({
          kind: 'file',
          source: this.name,
          key: `${key}#${st.size}-${Math.round(st.mtimeMs)}`,
          path,
          origin: path,
          format: this.cfg.format,
          checkpoint: JSON.stringify(next),
        });
        this.files = next;
        this.seen.delete(key);
        this.counters.batches++;
        this.counters.lastBatchAt = Date.now();
      } else if (TEXT.test(path)) {
        let offset = state.offset ?? 0;
        if (st.size < offset) offset = 0; // truncated or replaced: read again from the start
        while (st.size > offset && !this.stopped) {
          const { lines, consumed, header } = await readLines(
            path,
            offset,
            Math.min(CHUNK, st.size - offset),
          );
          if (consumed === 0) break; // no complete line yet
          const format = header ?? state.format ?? this.cfg.format;
          const nextState: FileState = {
            offset: offset + consumed,
            ...(format !== undefined ? { format } : {}),
          };
          const next = { ...this.files, [key]: nextState };
          if (lines.length > 0) {
            await this.sink.write({
              kind: 'lines',
              source: this.name,
              key: `${key}@${offset}`,
              origin: `${path}@${offset}`,
              lines,
              format,
              checkpoint: JSON.stringify(next),
            });
            this.counters.batches++;
            this.counters.records += lines.length;
            this.counters.lastBatchAt = Date.now();
          }
          this.files = next;
          state.format = format;
          offset += consumed;
        }
      }
    }
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Reads whole lines from `offset` (at most `max` bytes); a header line at offset 0 gives the format. */
async function readLines(
  path: string,
  offset: number,
  max: number,
): Promise<{ lines: string[]; consumed: number; header?: string }> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(max);
    const { bytesRead } = await fh.read(buf, 0, max, offset);
    const end = buf.lastIndexOf(0x0a, bytesRead - 1);
    if (end < 0) return { lines: [], consumed: 0 };
    const text = buf.toString('utf8', 0, end);
    let lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    let header: string | undefined;
    if (offset === 0 && lines.length > 0) {
      const h = detectHeader(lines[0]!);
      if (h) {
        header = h.text;
        lines = lines.slice(1);
      }
    }
    return {
      lines: lines.filter((l) => l.trim() !== ''),
      consumed: end + 1,
      ...(header !== undefined ? { header } : {}),
    };
  } finally {
    await fh.close();
  }
}
