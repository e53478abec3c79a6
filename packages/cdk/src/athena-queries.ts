// The Athena query library: the classic flow log questions in Athena SQL, over the table's own columns and the
// partitions of today (UTC), kept only when the flow log format has the columns a query reads.

import type { FieldDef } from 'flowwatch/catalog';

/**
 * One named Athena query.
 *
 * @example ATHENA_LIBRARY[0].sql('"network"."flow_logs"') // 'SELECT srcaddr, SUM(bytes) ...'
 */
export interface AthenaQuery {
  readonly name: string;
  readonly title: string;
  /** AWS names of the fields the query reads. */
  readonly needs: readonly string[];
  /** The SQL, given the quoted `"database"."table"` name. */
  readonly sql: (table: string) => string;
}

/** Partition filter of every query: today's UTC date folders (edit it to look further back). */
export const TODAY =
  "year = date_format(current_date, '%Y') AND month = date_format(current_date, '%m') AND day = date_format(current_date, '%d')";

/**
 * The library, in the order the console lists it.
 *
 * @example ATHENA_LIBRARY.map(q => q.name) // ['top-talkers', 'rejected-by-source', ...]
 */
export const ATHENA_LIBRARY: readonly AthenaQuery[] = Object.freeze([
  {
    name: 'top-talkers',
    title: 'Top 20 sources by bytes sent, today (UTC)',
    needs: ['srcaddr', 'bytes', 'packets'],
    sql: (t: string) =>
      `SELECT srcaddr, SUM(bytes) AS bytes_sent, SUM(packets) AS packets_sent, COUNT(*) AS flows\nFROM ${t}\nWHERE ${TODAY}\nGROUP BY srcaddr\nORDER BY bytes_sent DESC\nLIMIT 20`,
  },
  {
    name: 'top-conversations',
    title: 'Top 20 conversations (source, destination, port) by bytes, today (UTC)',
    needs: ['srcaddr', 'dstaddr', 'dstport', 'protocol', 'bytes'],
    sql: (t: string) =>
      `SELECT srcaddr, dstaddr, dstport, protocol, SUM(bytes) AS bytes_transferred, COUNT(*) AS flows\nFROM ${t}\nWHERE ${TODAY}\nGROUP BY srcaddr, dstaddr, dstport, protocol\nORDER BY bytes_transferred DESC\nLIMIT 20`,
  },
  {
    name: 'rejected-by-source',
    title: 'Top 20 sources of rejected flows, today (UTC)',
    needs: ['srcaddr', 'action'],
    sql: (t: string) =>
      `SELECT srcaddr, COUNT(*) AS rejections\nFROM ${t}\nWHERE ${TODAY}\n  AND action = 'REJECT'\nGROUP BY srcaddr\nORDER BY rejections DESC\nLIMIT 20`,
  },
  {
    name: 'ssh-rdp-attempts',
    title: 'SSH (TCP 22) and RDP (TCP 3389) attempts per source and action, today (UTC)',
    needs: ['srcaddr', 'dstaddr', 'dstport', 'protocol', 'action'],
    sql: (t: string) =>
      `SELECT srcaddr, dstport, action, COUNT(*) AS attempts, COUNT(DISTINCT dstaddr) AS targets\nFROM ${t}\nWHERE ${TODAY}\n  AND protocol = 6 AND dstport IN (22, 3389)\nGROUP BY srcaddr, dstport, action\nORDER BY attempts DESC\nLIMIT 50`,
  },
  {
    name: 'denied-icmp',
    title: 'Rejected ICMP (ping) by source and destination, today (UTC)',
    needs: ['srcaddr', 'dstaddr', 'protocol', 'action'],
    sql: (t: string) =>
      `SELECT srcaddr, dstaddr, COUNT(*) AS denied\nFROM ${t}\nWHERE ${TODAY}\n  AND protocol = 1 AND action = 'REJECT'\nGROUP BY srcaddr, dstaddr\nORDER BY denied DESC\nLIMIT 20`,
  },
  {
    name: 'flows-per-hour',
    title: 'Flows and bytes per hour and action, today (UTC)',
    needs: ['start', 'action', 'bytes'],
    sql: (t: string) =>
      `SELECT date_trunc('hour', from_unixtime("start")) AS hour_start, action, COUNT(*) AS flows, SUM(bytes) AS bytes\nFROM ${t}\nWHERE ${TODAY}\nGROUP BY 1, 2\nORDER BY 1, 2`,
  },
]);

/**
 * The library queries a format can answer (every field a query reads is in the format), with their SQL.
 *
 * @example athenaQueriesFor(DEFAULT_FIELDS, '"flowwatch"."flow_logs"').length // 6
 */
export function athenaQueriesFor(
  fields: readonly FieldDef[],
  table: string,
): { readonly name: string; readonly title: string; readonly sql: string }[] {
  const have = new Set(fields.map((f) => f.aws));
  return ATHENA_LIBRARY.filter((q) => q.needs.every((n) => have.has(n))).map((q) => ({
    name: q.name,
    title: q.title,
    sql: q.sql(table),
  }));
}
