// The CloudWatch-compatible API's log groups, log streams and raw log events (what GetLogEvents and
// FilterLogEvents answer from), on a connection of their own to the store. The events' flow log records are
// stored as every other source's are (through the monitor's sink); this keeps the event text and its stream.

import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { read } from './store.js';

/** DDL of the API's tables (added without a schema version bump). */
export const LOG_EVENTS_DDL = [
  `CREATE TABLE IF NOT EXISTS cwl_log_groups (
  name VARCHAR PRIMARY KEY,
  format VARCHAR NOT NULL,
  created_ms BIGINT NOT NULL,
  retention_days INTEGER
)`,
  `CREATE TABLE IF NOT EXISTS cwl_log_streams (
  log_group VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  created_ms BIGINT NOT NULL,
  first_event_ms BIGINT,
  last_event_ms BIGINT,
  last_ingestion_ms BIGINT,
  PRIMARY KEY (log_group, name)
)`,
  `CREATE TABLE IF NOT EXISTS cwl_log_events (
  log_group VARCHAR NOT NULL,
  log_stream VARCHAR NOT NULL,
  seq BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  ingestion_ms BIGINT NOT NULL,
  message VARCHAR NOT NULL
)`,
];

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
  private constructor(
    private readonly conn: DuckDBConnection,
    private nextSeq: number,
  ) {}

  /** Opens the tables on a new connection of the store's database. */
  static async open(conn: DuckDBConnection): Promise<LogEventStore> {
    for (const sql of LOG_EVENTS_DDL) await conn.run(sql);
    const r = await read(conn, 'SELECT coalesce(max(seq), 0) AS s FROM cwl_log_events');
    const store = new LogEventStore(conn, Number(r.rows[0]!['s']) + 1);
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
      await this.conn.run('DELETE FROM cwl_log_events WHERE log_group = $1', [name]);
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
           coalesce((SELECT sum(strlen(message)) FROM cwl_log_events e WHERE e.log_group = g.name), 0) AS bytes
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

  /** One group, without its stored bytes (which scan every event of the group: only DescribeLogGroups pays that). */
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
      await this.conn.run('DELETE FROM cwl_log_events WHERE log_group = $1 AND log_stream = $2', [
        group,
        name,
      ]);
      return true;
    });
  }

  streams(group: string): Promise<LogStreamRow[]> {
    return this.serial(async () => {
      const r = await read(this.conn, 'SELECT * FROM cwl_log_streams WHERE log_group = $1 ORDER BY name', [
        group,
      ]);
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
    return new Promise((resolveStage, rejectStage) => {
      void this.serial(async () => {
        const first = this.nextSeq;
        let seq: number;
        try {
          seq = await this.write(group, stream, events, ingestionMs, first);
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
            this.nextSeq = Math.max(this.nextSeq, seq);
            return first;
          },
          rollback: () => end('ROLLBACK'),
        });
        await held;
      });
    });
  }

  /** BEGIN and the rows of {@link stage} (rolled back on an error); returns the next sequence number. */
  private async write(
    group: string,
    stream: string,
    events: readonly { timestamp: number; message: string }[],
    ingestionMs: number,
    first: number,
  ): Promise<number> {
    {
      let appender: DuckDBAppender | undefined;
      await this.conn.run('BEGIN TRANSACTION');
      try {
        appender = await this.conn.createAppender('cwl_log_events');
        let seq = first;
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (const e of events) {
          appender.appendVarchar(group);
          appender.appendVarchar(stream);
          appender.appendBigInt(BigInt(seq++));
          appender.appendBigInt(BigInt(e.timestamp));
          appender.appendBigInt(BigInt(ingestionMs));
          appender.appendVarchar(e.message);
          appender.endRow();
          if (e.timestamp < lo) lo = e.timestamp;
          if (e.timestamp > hi) hi = e.timestamp;
        }
        appender.closeSync();
        appender = undefined;
        if (events.length > 0) {
          await this.conn.run(
            `UPDATE cwl_log_streams SET
               first_event_ms = least(coalesce(first_event_ms, $3), $3),
               last_event_ms = greatest(coalesce(last_event_ms, $4), $4),
               last_ingestion_ms = $5
             WHERE log_group = $1 AND name = $2`,
            [group, stream, lo, hi, ingestionMs],
          );
        }
        return seq;
      } catch (err) {
        try {
          appender?.closeSync();
        } catch {
          // the transaction is rolled back anyway
        }
        await this.conn.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }
  }

  /**
   * Events of the given streams (all of the group's when none) in [startMs, endMs), in (timestamp, seq) order,
   * after the position `after` (a timestamp and seq) or before `before` when reading backwards; at most `limit`.
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
      const where = ['log_group = $1'];
      const params: (string | number | string[])[] = [q.group];
      const p = (v: string | number) => {
        params.push(v);
        return `$${params.length}`;
      };
      if (q.streams && q.streams.length > 0)
        where.push(`log_stream IN (${q.streams.map((s) => p(s)).join(', ')})`);
      if (q.startMs !== undefined) where.push(`ts >= ${p(q.startMs)}`);
      if (q.endMs !== undefined) where.push(`ts < ${p(q.endMs)}`);
      if (q.after) where.push(`(ts, seq) > (${p(q.after.ts)}, ${p(q.after.seq)})`);
      if (q.before) where.push(`(ts, seq) < (${p(q.before.ts)}, ${p(q.before.seq)})`);
      const dir = q.descending ? 'DESC' : 'ASC';
      const r = await read(
        this.conn,
        `SELECT log_stream, seq, ts, ingestion_ms, message FROM cwl_log_events WHERE ${where.join(' AND ')}
         ORDER BY ts ${dir}, seq ${dir} LIMIT ${Math.max(0, Math.floor(q.limit))}`,
        params as (string | number)[],
      );
      return r.rows.map((x) => ({
        logStream: String(x['log_stream']),
        seq: Number(x['seq']),
        timestamp: Number(x['ts']),
        ingestionTime: Number(x['ingestion_ms']),
        message: String(x['message']),
      }));
    });
  }

  close(): void {
    this.conn.closeSync();
  }
}
