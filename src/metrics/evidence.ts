// The evidence of an alarm: the flow records a metric filter matched in a time window, summarised in DuckDB
// (top sources, destination ports and interfaces, and a few sample records) for the notification.

import { patternToSql } from '../filter/index.js';
import type { Evidence } from '../notify/index.js';
import { parseFormat } from '../records/format.js';
import { literal } from '../storage/sql.js';
import type { Store } from '../storage/store.js';
import type { CheckedMetricFilter } from './metric-filter.js';

/**
 * The SQL (a parenthesised relation) of the records `filter` matches with their event time in [since, until),
 * one branch per stored format; undefined when nothing can match (no files, or a JSON pattern).
 */
async function matchedSql(
  store: Store,
  filter: CheckedMetricFilter,
  since: number,
  until: number,
): Promise<string | undefined> {
  if (filter.pattern.kind === 'json') return undefined;
  const formats = (await store.query('SELECT DISTINCT format FROM files ORDER BY 1')).rows.map((r) =>
    String(r['format']),
  );
  if (formats.length === 0) return undefined;
  const parts = formats.map((text) => {
    const predicate = patternToSql(filter.pattern, parseFormat(text));
    return `SELECT * FROM flows WHERE file_id IN (SELECT id FROM files WHERE format = ${literal(text)})
  AND event_time >= ${Math.floor(since)} AND event_time < ${Math.ceil(until)} AND coalesce(${predicate}, false)`;
  });
  return `(${parts.join('\nUNION ALL\n')})`;
}

/**
 * The records `filter` matches with their event time in [since, until) (the flows behind an alarm's breach),
 * oldest first: at most `limit` rows of the catalog's columns plus event_time, and how many matched in all.
 *
 * @example await matchedRecords(store, filter, t - 300, t, 100) // { records: 240, rows: [...100 rows] }
 */
export async function matchedRecords(
  store: Store,
  filter: CheckedMetricFilter,
  since: number,
  until: number,
  limit: number,
): Promise<{ records: number; rows: readonly Record<string, unknown>[] }> {
  const m = await matchedSql(store, filter, since, until);
  if (m === undefined) return { records: 0, rows: [] };
  const count = await store.query(`SELECT count(*) AS n FROM ${m}`);
  const rows = await store.query(
    `SELECT * EXCLUDE (extra, file_id, line) FROM ${m} ORDER BY event_time, file_id, line LIMIT ${Math.max(0, Math.floor(limit))}`,
  );
  return { records: Number(count.rows[0]?.['n'] ?? 0), rows: rows.rows };
}

/**
 * Summarises the records `filter` matches with their event time in [since, until).
 *
 * @example await evidenceFor(store, filter, t - 300, t)
 */
export async function evidenceFor(
  store: Store,
  filter: CheckedMetricFilter,
  since: number,
  until: number,
  opts: { top?: number; samples?: number } = {},
): Promise<Evidence> {
  const top = opts.top ?? 5;
  const samples = opts.samples ?? 5;
  const empty: Evidence = {
    records: 0,
    topSources: [],
    topDestinationPorts: [],
    topInterfaces: [],
    sampleRecords: [],
  };
  const m = await matchedSql(store, filter, since, until);
  if (m === undefined) return empty;
  const traffic = 'count(*) AS flows, coalesce(sum(packets), 0) AS packets, coalesce(sum(bytes), 0) AS bytes';
  const order = `ORDER BY flows DESC, bytes DESC`;
  // One connection: the queries run one after the other.
  const count = await store.query(`SELECT count(*) AS n FROM ${m}`);
  const sources = await store.query(
    `SELECT srcaddr AS addr, ${traffic} FROM ${m} WHERE srcaddr IS NOT NULL GROUP BY 1 ${order}, 1 LIMIT ${top}`,
  );
  const ports = await store.query(
    `SELECT dstport AS port, protocol, ${traffic} FROM ${m} WHERE dstport IS NOT NULL GROUP BY 1, 2 ${order}, 1, 2 LIMIT ${top}`,
  );
  const interfaces = await store.query(
    `SELECT interface_id AS "interfaceId", ${traffic} FROM ${m} WHERE interface_id IS NOT NULL GROUP BY 1 ${order}, 1 LIMIT ${top}`,
  );
  const sample = await store.query(
    `SELECT * EXCLUDE (extra) FROM ${m} ORDER BY event_time, file_id, line LIMIT ${samples}`,
  );
  const num = (v: unknown) => Number(v ?? 0);
  return {
    records: num(count.rows[0]?.['n']),
    topSources: sources.rows.map((r) => ({
      addr: String(r['addr']),
      flows: num(r['flows']),
      packets: num(r['packets']),
      bytes: num(r['bytes']),
    })),
    topDestinationPorts: ports.rows.map((r) => ({
      port: num(r['port']),
      protocol: r['protocol'] === null ? null : num(r['protocol']),
      flows: num(r['flows']),
      packets: num(r['packets']),
      bytes: num(r['bytes']),
    })),
    topInterfaces: interfaces.rows.map((r) => ({
      interfaceId: String(r['interfaceId']),
      flows: num(r['flows']),
      packets: num(r['packets']),
      bytes: num(r['bytes']),
    })),
    sampleRecords: sample.rows.map((r) =>
      Object.fromEntries(
        Object.entries(r)
          .filter(([k, v]) => v !== null && k !== 'file_id' && k !== 'line')
          .map(([k, v]) => [k, typeof v === 'number' || typeof v === 'string' ? v : String(v)]),
      ),
    ),
  };
}
