// The CloudWatch-compatible API's log groups, log streams and raw log events (what GetLogEvents and
// FilterLogEvents answer from), on a connection of their own to the store. The events' flow log records are
// stored as every other source's are (through the monitor's sink); this keeps the event text and its stream, one
// row per PutLogEvents call holding its events as one compressed block (src/storage/event-chunk.ts).

import type { DuckDBConnection } from '@duckdb/node-api';
import { blobValue } from './duckdb.js';
import { type DecodedChunk, decodeChunk, type EncodedChunk, encodeChunk } from './event-chunk.js';
import { type BoundSql, read } from './store.js';

/** DDL of the API's tables (added without a schema version bump). */
export const LOG_EVENTS_DDL = [
  `CREATE TABLE IF NOT EXISTS cwl_log_groups (
  name VARCHAR PRIMARY KEY,
  format VARCHAR NOT NULL,
  created_ms BIGINT NOT NULL,
  retention_days INTEGER
)`,
  // first_event_ms, last_event_ms, last_ingestion_ms: no longer written (read from the stream's blocks).
  `CREATE TABLE IF NOT EXISTS cwl_log_streams (
  log_group VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  created_ms BIGINT NOT NULL,
  first_event_ms BIGINT,
  last_event_ms BIGINT,
  last_ingestion_ms BIGINT,
  PRIMARY KEY (log_group, name)
)`,
  // One row per call: events first_seq .. first_seq + events - 1, in the order sent, timestamps in [min_ts, max_ts].
  `CREATE TABLE IF NOT EXISTS cwl_log_chunks (
  log_group VARCHAR NOT NULL,
  log_stream VARCHAR NOT NULL,
  first_seq BIGINT NOT NULL,
  events INTEGER NOT NULL,
  min_ts BIGINT NOT NULL,
  max_ts BIGINT NOT NULL,
  ingestion_ms BIGINT NOT NULL,
  text_bytes BIGINT NOT NULL,
  body BLOB NOT NULL
)`,
];

/** Events per block when older stores' rows (a row per event, `cwl_log_events`) are moved into blocks. */
const MIGRATE_CHUNK = 10_000;
/** Decoded blocks kept for the next page (FilterLogEvents reads on from where it stopped). */
const CACHE_BYTES = 64 << 20;

export interface LogGroupRow {
  readonly name: string;
  readonly format: string;
  readonly createdMs: number;
  readonly retentionDays: number | undefined;
  readonly storedBytes: number;
}

/** A group as PutLogEvents needs it (no stored bytes: those scan every event of the group). */
export type GroupMeta = Omit<LogGroupRow, 'storedBytes'>;

export interface LogStreamRow {
  readonly logGroup: string;
  readonly name: string;
  readonly createdMs: number;
  readonly firstEventMs: number | undefined;
  readonly lastEventMs: number | undefined;
  readonly lastIngestionMs: number | undefined;
}

export interface LogEventRow {
  readonly logStream: string;
  readonly seq: number;
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
}

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

/** Log groups, streams and events of the API, serialised on one connection. */
export class LogEventStore {
  private lock: Promise<unknown> = Promise.resolve();
  /**
   * The groups and streams as committed, kept in memory (this store is their only writer): PutLogEvents checks its
   * group and stream without waiting for the connection, which a staged append may hold.
   */
  private readonly known = new Map<string, GroupMeta>();
  private readonly knownStreams = new Set<string>();
  /** Decoded blocks by first_seq, least recently used first. */
  private readonly cache = new Map<number, DecodedChunk>();
  private cached = 0;
  private constructor(
    private readonly conn: DuckDBConnection,
    private nextSeq: number,
  ) {}

  /** Opens the tables on a new connection of the store's database (moving an older store's event rows into blocks). */
  static async open(conn: DuckDBConnection): Promise<LogEventStore> {
    for (const sql of LOG_EVENTS_DDL) await conn.run(sql);
    await migrateEventRows(conn);
    const r = await read(conn, 'SELECT coalesce(max(first_seq + events), 1) AS s FROM cwl_log_chunks');
    const store = new LogEventStore(conn, Number(r.rows[0]!['s']));
    for (const x of (await read(conn, 'SELECT name, format, created_ms, retention_days FROM cwl_log_groups'))
      .rows)
      store.known.set(String(x['name']), {
        name: String(x['name']),
        format: String(x['format']),
        createdMs: Number(x['created_ms']),
        retentionDays: num(x['retention_days']),
      });
    for (const x of (await read(conn, 'SELECT log_group, name FROM cwl_log_streams')).rows)
      store.knownStreams.add(`${String(x['log_group'])}\u0000${String(x['name'])}`);
    return store;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Creates a group; false when one of that name exists. */
  createGroup(name: string, format: string, createdMs: number): Promise<boolean> {
    return this.serial(async () => {
      const r = await read(
        this.conn,
        'INSERT INTO cwl_log_groups VALUES ($1, $2, $3, NULL) ON CONFLICT DO NOTHING RETURNING name',
        [name, format, createdMs],
      );
      if (r.rows.length > 0) this.known.set(name, { name, format, createdMs, retentionDays: undefined });
      return r.rows.length > 0;
    });
  }

  /** Deletes a group with its streams and events; false when there is none. */
  deleteGroup(name: string): Promise<boolean> {
    return this.serial(async () => {
      const r = await read(this.conn, 'DELETE FROM cwl_log_groups WHERE name = $1 RETURNING name', [name]);
      if (r.rows.length === 0) return false;
      this.known.delete(name);
      for (const k of [...this.knownStreams]) if (k.startsWith(`${name}\u0000`)) this.knownStreams.delete(k);
      await this.conn.run('DELETE FROM cwl_log_streams WHERE log_group = $1', [name]);
      await this.conn.run('DELETE FROM cwl_log_chunks WHERE log_group = $1', [name]);
      this.dropCache();
      return true;
    });
  }

  setRetention(name: string, days: number | null): Promise<boolean> {
    return this.serial(async () => {
      const r = await read(
        this.conn,
        'UPDATE cwl_log_groups SET retention_days = $2 WHERE name = $1 RETURNING name',
        [name, days],
      );
      const g = this.known.get(name);
      if (g !== undefined) this.known.set(name, { ...g, retentionDays: days ?? undefined });
      return r.rows.length > 0;
    });
  }

  /** Every group in name order (the API pages it). */
  groups(): Promise<LogGroupRow[]> {
    return this.serial(async () => {
      const r = await read(
        this.conn,
        `SELECT g.name, g.format, g.created_ms, g.retention_days,
           coalesce((SELECT sum(text_bytes) FROM cwl_log_chunks c WHERE c.log_group = g.name), 0) AS bytes
         FROM cwl_log_groups g ORDER BY g.name`,
      );
      return r.rows.map((x) => ({
        name: String(x['name']),
        format: String(x['format']),
        createdMs: Number(x['created_ms']),
        retentionDays: num(x['retention_days']),
        storedBytes: Number(x['bytes']),
      }));
    });
  }

  /** One group, without its stored bytes (which sum over the group's blocks: only DescribeLogGroups pays that). */
  group(name: string): Promise<GroupMeta | undefined> {
    return Promise.resolve(this.known.get(name));
  }

  /** True when the group has a stream of this name. */
  hasStream(group: string, name: string): Promise<boolean> {
    return Promise.resolve(this.knownStreams.has(`${group}\u0000${name}`));
  }

  /** Creates a stream; false when it exists. */
  createStream(group: string, name: string, createdMs: number): Promise<boolean> {
    return this.serial(async () => {
      const r = await read(
        this.conn,
        `INSERT INTO cwl_log_streams VALUES ($1, $2, $3, NULL, NULL, NULL) ON CONFLICT DO NOTHING RETURNING name`,
        [group, name, createdMs],
      );
      if (r.rows.length > 0) this.knownStreams.add(`${group}\u0000${name}`);
      return r.rows.length > 0;
    });
  }

  deleteStream(group: string, name: string): Promise<boolean> {
    return this.serial(async () => {
      const r = await read(
        this.conn,
        'DELETE FROM cwl_log_streams WHERE log_group = $1 AND name = $2 RETURNING name',
        [group, name],
      );
      if (r.rows.length === 0) return false;
      this.knownStreams.delete(`${group}\u0000${name}`);
      await this.conn.run('DELETE FROM cwl_log_chunks WHERE log_group = $1 AND log_stream = $2', [
        group,
        name,
      ]);
      this.dropCache();
      return true;
    });
  }

  streams(group: string): Promise<LogStreamRow[]> {
    return this.serial(async () => {
      // A stream's first and last event times and last ingestion come from its blocks (no UPDATE per call).
      const r = await read(
        this.conn,
        `SELECT s.log_group, s.name, s.created_ms, c.first_event_ms, c.last_event_ms, c.last_ingestion_ms
         FROM cwl_log_streams s LEFT JOIN (
           SELECT log_stream, min(min_ts) AS first_event_ms, max(max_ts) AS last_event_ms,
             max(ingestion_ms) AS last_ingestion_ms
           FROM cwl_log_chunks WHERE log_group = $1 GROUP BY log_stream) c ON c.log_stream = s.name
         WHERE s.log_group = $1 ORDER BY s.name`,
        [group],
      );
      return r.rows.map((x) => ({
        logGroup: String(x['log_group']),
        name: String(x['name']),
        createdMs: Number(x['created_ms']),
        firstEventMs: num(x['first_event_ms']),
        lastEventMs: num(x['last_event_ms']),
        lastIngestionMs: num(x['last_ingestion_ms']),
      }));
    });
  }

  /** Appends events (already sorted and validated) to a stream; returns the first sequence number used. */
  async append(
    group: string,
    stream: string,
    events: readonly { timestamp: number; message: string }[],
    ingestionMs: number,
  ): Promise<number> {
    const staged = await this.stage(group, stream, events, ingestionMs);
    return staged.commit();
  }

  /**
   * Writes events in an open transaction and holds this store until the caller commits or rolls back: PutLogEvents
   * writes the text while the sink commits the records, and keeps the text only once the records are committed.
   * The events are encoded and compressed before the store is taken (off the event loop, beside the sink's work).
   */
  stage(
    group: string,
    stream: string,
    events: readonly { timestamp: number; message: string }[],
    ingestionMs: number,
  ): Promise<{ commit(): Promise<number>; rollback(): Promise<void> }> {
    let release: () => void = () => undefined;
    const held = new Promise<void>((res) => {
      release = res;
    });
    const encoded = events.length === 0 ? Promise.resolve(undefined) : encodeChunk(events);
    // Nothing may wait on the lock for a block that failed to encode: the rejection is the stage's.
    encoded.catch(() => undefined);
    // Sequence numbers are taken now, never given twice (a rolled-back stage leaves a gap): see block().
    const first = this.nextSeq;
    this.nextSeq += events.length;
    return new Promise((resolveStage, rejectStage) => {
      void this.serial(async () => {
        try {
          await this.write(group, stream, await encoded, ingestionMs, first);
        } catch (err) {
          rejectStage(err);
          return;
        }
        let ended = false;
        const end = async (sql: 'COMMIT' | 'ROLLBACK') => {
          if (ended) throw new Error('a staged append ends once');
          ended = true;
          try {
            await this.conn.run(sql);
          } catch (err) {
            if (sql === 'COMMIT') await this.conn.run('ROLLBACK').catch(() => undefined);
            throw err;
          } finally {
            release();
          }
        };
        resolveStage({
          commit: async () => {
            await end('COMMIT');
            return first;
          },
          rollback: () => end('ROLLBACK'),
        });
        await held;
      });
    });
  }

  /**
   * The statement that stores events as one block, for a transaction of another connection: PutLogEvents hands it
   * to the sink with its records (Batch.also), so text and records are committed together or not at all. The
   * sequence numbers are taken now and never given again, even when that transaction fails.
   *
   * @example await sink.write({ ...batch, also: [(await events.block(group, stream, accepted, now)).statement] })
   */
  async block(
    group: string,
    stream: string,
    events: readonly { timestamp: number; message: string }[],
    ingestionMs: number,
  ): Promise<{ statement: BoundSql; firstSeq: number }> {
    const first = this.nextSeq;
    this.nextSeq += events.length;
    const chunk = await encodeChunk(events);
    return { statement: insertBlock(group, stream, first, chunk, ingestionMs), firstSeq: first };
  }

  /** BEGIN and the block of {@link stage} (rolled back on an error). */
  private async write(
    group: string,
    stream: string,
    chunk: EncodedChunk | undefined,
    ingestionMs: number,
    first: number,
  ): Promise<void> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      if (chunk === undefined) return;
      const s = insertBlock(group, stream, first, chunk, ingestionMs);
      await this.conn.run(s.sql, [...s.params]);
    } catch (err) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  private dropCache(): void {
    this.cache.clear();
    this.cached = 0;
  }

  /** A block decoded, from the cache or the table. */
  private async chunk(firstSeq: number): Promise<DecodedChunk> {
    const hit = this.cache.get(firstSeq);
    if (hit !== undefined) {
      this.cache.delete(firstSeq);
      this.cache.set(firstSeq, hit);
      return hit;
    }
    const r = await this.conn.runAndReadAll('SELECT body FROM cwl_log_chunks WHERE first_seq = $1', [
      firstSeq,
    ]);
    const body = r.getRowsJS()[0]?.[0];
    if (!(body instanceof Uint8Array)) throw new Error(`log events: the block at seq ${firstSeq} is missing`);
    const d = decodeChunk(body);
    this.cache.set(firstSeq, d);
    this.cached += d.bytes;
    for (const [k, v] of this.cache) {
      if (this.cached <= CACHE_BYTES || k === firstSeq) break;
      this.cache.delete(k);
      this.cached -= v.bytes;
    }
    return d;
  }

  /**
   * Events of the given streams (all of the group's when none) in [startMs, endMs), in (timestamp, seq) order,
   * after the position `after` (a timestamp and seq) or before `before` when reading backwards; at most `limit`.
   *
   * The blocks that can hold such events are taken in order of their first timestamp (last when descending); a
   * block whose first timestamp is past the `limit`-th event found so far can hold none of the answer, nor can
   * any block after it, so reading stops there.
   */
  events(q: {
    group: string;
    streams?: readonly string[] | undefined;
    startMs?: number | undefined;
    endMs?: number | undefined;
    after?: { ts: number; seq: number } | undefined;
    before?: { ts: number; seq: number } | undefined;
    descending?: boolean;
    limit: number;
  }): Promise<LogEventRow[]> {
    return this.serial(async () => {
      const limit = Math.max(0, Math.floor(q.limit));
      if (limit === 0) return [];
      const where = ['log_group = $1'];
      const params: (string | number)[] = [q.group];
      const p = (v: string | number) => {
        params.push(v);
        return `$${params.length}`;
      };
      if (q.streams && q.streams.length > 0)
        where.push(`log_stream IN (${q.streams.map((s) => p(s)).join(', ')})`);
      if (q.startMs !== undefined) where.push(`max_ts >= ${p(q.startMs)}`);
      if (q.endMs !== undefined) where.push(`min_ts < ${p(q.endMs)}`);
      if (q.after) where.push(`max_ts >= ${p(q.after.ts)}`);
      if (q.before) where.push(`min_ts <= ${p(q.before.ts)}`);
      const blocks = (
        await read(
          this.conn,
          `SELECT log_stream, first_seq, min_ts, max_ts, ingestion_ms FROM cwl_log_chunks
           WHERE ${where.join(' AND ')}
           ORDER BY ${q.descending ? 'max_ts DESC, first_seq DESC' : 'min_ts, first_seq'}`,
          params,
        )
      ).rows.map((x) => ({
        stream: String(x['log_stream']),
        firstSeq: Number(x['first_seq']),
        minTs: Number(x['min_ts']),
        maxTs: Number(x['max_ts']),
        ingestionMs: Number(x['ingestion_ms']),
      }));
      type Hit = { ts: number; seq: number; block: (typeof blocks)[number]; chunk: DecodedChunk; i: number };
      const sign = q.descending ? -1 : 1;
      const order = (a: Hit, b: Hit) => sign * (a.ts - b.ts || a.seq - b.seq);
      let hits: Hit[] = [];
      const lo = q.startMs ?? Number.NEGATIVE_INFINITY;
      const hi = q.endMs ?? Number.POSITIVE_INFINITY;
      for (const block of blocks) {
        if (hits.length >= limit) {
          const bound = hits[limit - 1]!.ts;
          if (q.descending ? block.maxTs < bound : block.minTs > bound) break;
        }
        const chunk = await this.chunk(block.firstSeq);
        const { ts } = chunk;
        for (let i = 0; i < chunk.count; i++) {
          const t = ts[i]!;
          if (t < lo || t >= hi) continue;
          const seq = block.firstSeq + i;
          if (q.after && (t < q.after.ts || (t === q.after.ts && seq <= q.after.seq))) continue;
          if (q.before && (t > q.before.ts || (t === q.before.ts && seq >= q.before.seq))) continue;
          hits.push({ ts: t, seq, block, chunk, i });
        }
        hits.sort(order);
        if (hits.length > limit) hits = hits.slice(0, limit);
      }
      return hits.map((h) => ({
        logStream: h.block.stream,
        seq: h.seq,
        timestamp: h.ts,
        ingestionTime: h.block.ingestionMs,
        message: h.chunk.message(h.i),
      }));
    });
  }

  close(): void {
    this.conn.closeSync();
  }
}

/** The INSERT of one block into cwl_log_chunks. */
function insertBlock(
  group: string,
  stream: string,
  first: number,
  chunk: EncodedChunk,
  ingestionMs: number,
): BoundSql {
  return {
    sql: 'INSERT INTO cwl_log_chunks VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    params: [
      group,
      stream,
      first,
      chunk.events,
      chunk.minTs,
      chunk.maxTs,
      ingestionMs,
      chunk.textBytes,
      blobValue(chunk.body),
    ],
  };
}

/**
 * Moves the rows of an older store's `cwl_log_events` (a row per event) into blocks, in one transaction, and drops
 * that table: consecutive sequence numbers of one stream and ingestion time (one call's events) make a block.
 */
async function migrateEventRows(conn: DuckDBConnection): Promise<void> {
  const t = await read(
    conn,
    `SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'cwl_log_events' AND schema_name = 'main'`,
  );
  if (Number(t.rows[0]!['n']) === 0) return;
  await conn.run('BEGIN TRANSACTION');
  try {
    type Row = { group: string; stream: string; seq: number; ts: number; ing: number; message: string };
    let run: Row[] = [];
    const flush = async () => {
      if (run.length === 0) return;
      const c = await encodeChunk(run.map((r) => ({ timestamp: r.ts, message: r.message })));
      const r0 = run[0]!;
      await conn.run('INSERT INTO cwl_log_chunks VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
        r0.group,
        r0.stream,
        r0.seq,
        c.events,
        c.minTs,
        c.maxTs,
        r0.ing,
        c.textBytes,
        blobValue(c.body),
      ]);
      run = [];
    };
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const page = await read(
        conn,
        `SELECT log_group, log_stream, seq, ts, ingestion_ms, message FROM cwl_log_events
         WHERE seq > $1 ORDER BY seq LIMIT 50000`,
        [after],
      );
      for (const x of page.rows) {
        const row: Row = {
          group: String(x['log_group']),
          stream: String(x['log_stream']),
          seq: Number(x['seq']),
          ts: Number(x['ts']),
          ing: Number(x['ingestion_ms']),
          message: String(x['message']),
        };
        const last = run[run.length - 1];
        if (
          last !== undefined &&
          (last.group !== row.group ||
            last.stream !== row.stream ||
            last.ing !== row.ing ||
            last.seq + 1 !== row.seq ||
            run.length >= MIGRATE_CHUNK)
        )
          await flush();
        run.push(row);
        after = row.seq;
      }
      if (page.rows.length < 50000) break;
    }
    await flush();
    await conn.run('DROP TABLE cwl_log_events');
    await conn.run('COMMIT');
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
