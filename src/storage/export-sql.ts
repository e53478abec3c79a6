// SQL for `flowwatch export`: which columns the store holds, the record filter on `start`, DuckDB COPY
// statements (Parquet in AWS's Hive layout, CSV, NDJSON) and the record query the JS mappers stream.
//
// Every value that becomes SQL text goes through literal()/ident(); time bounds are checked integers.

import { FIELDS, type FieldDef } from '../records/catalog.js';
import { ident, literal } from './sql.js';

/** Records whose event time lies in [since, until) (unix seconds); either bound may be missing. */
export interface ExportRange {
  readonly since?: number | undefined;
  readonly until?: number | undefined;
}

/** Placeholders for records whose file key named no account, region or flow log id (see DESIGN.md). */
export const PLACEHOLDER = {
  account: '000000000000',
  region: 'unknown',
  flowLogId: 'fl-00000000000000000',
} as const;

/** The store's record-table field sets (query this, then pass the rows to exportColumns). */
export const FIELD_SETS_SQL = `SELECT field_set AS set FROM record_tables ORDER BY name`;

/** The catalog fields present in any of the store's field sets, in catalog order. */
export function exportColumns(fieldSets: readonly string[]): FieldDef[] {
  const present = new Set(fieldSets.flatMap((s) => s.split(',')));
  return FIELDS.filter((f) => present.has(f.column));
}

function bound(v: number, what: string): string {
  if (!Number.isSafeInteger(v)) throw new RangeError(`${what} must be whole unix seconds, got ${v}`);
  return String(v);
}

/** The WHERE condition (always valid SQL) selecting records by their event time; `f` is the flows alias. */
export function rangeWhere(range: ExportRange): string {
  const parts = ['TRUE'];
  if (range.since !== undefined) parts.push(`f.event_time >= ${bound(range.since, 'since')}`);
  if (range.until !== undefined) parts.push(`f.event_time < ${bound(range.until, 'until')}`);
  return parts.join(' AND ');
}

/** Counts the records an export will write. */
export function exportCountSql(range: ExportRange): string {
  return `SELECT count(*) AS n FROM flows f WHERE ${rangeWhere(range)}`;
}

/** A Parquet file's compression codec. */
export type ParquetCodec = 'gzip' | 'zstd' | 'uncompressed';

const PARQUET_TYPE = { INT_32: 'INTEGER', INT_64: 'BIGINT', STRING: 'VARCHAR' } as const;

/** A column as AWS's Parquet files hold it: integers typed (NULL when absent), strings with `-` when absent. */
function parquetColumn(f: FieldDef): string {
  const c = ident(f.column);
  const t = PARQUET_TYPE[f.parquet];
  return f.parquet === 'STRING'
    ? `coalesce(CAST(f.${c} AS VARCHAR), '-') AS ${c}`
    : `CAST(f.${c} AS ${t}) AS ${c}`;
}

/** The Hive partition columns, in key order; the last one ("file") names the file and is renamed away. */
export const PARQUET_PARTITIONS = [
  'aws-account-id',
  'aws-service',
  'aws-region',
  'year',
  'month',
  'day',
  'hour',
  'file',
] as const;

/**
 * One COPY writing every record in range as Parquet under `dir`, partitioned by account, region and hour
 * (Hive style) and, inside the hour, by a `file=<stem>` folder per flow log id and 5-minute slot of `end`,
 * where `<stem>` is `<account>_vpcflowlogs_<region>_<flow-log-id>_<YYYYMMDD>T<HHmm>Z` (spec §6.5–6.6).
 * Partition folders use the file's key (account, region, flow log id as ingested), else the record's own
 * `account_id`/`region`, else PLACEHOLDER. Times are UTC.
 */
export function parquetExportSql(
  columns: readonly FieldDef[],
  range: ExportRange,
  dir: string,
  codec: ParquetCodec = 'gzip',
): string {
  const acct = `coalesce(fi.account, CASE WHEN regexp_full_match(f.account_id, '[0-9]{12}') THEN f.account_id END, ${literal(PLACEHOLDER.account)})`;
  const region = `coalesce(fi.region, CASE WHEN regexp_full_match(f.region, '[a-z0-9-]+') THEN f.region END, ${literal(PLACEHOLDER.region)})`;
  const flid = `coalesce(fi.flow_log_id, ${literal(PLACEHOLDER.flowLogId)})`;
  const slot = `epoch_ms(CAST(coalesce(f."end", f."start", f.event_time, 0) AS BIGINT) // 300 * 300 * 1000)`;
  const cols = columns.map(parquetColumn).join(',\n    ');
  const select = `SELECT
    ${cols},
    p.acct AS "aws-account-id", 'vpcflowlogs' AS "aws-service", p.region AS "aws-region",
    strftime(p.slot, '%Y') AS "year", strftime(p.slot, '%m') AS "month", strftime(p.slot, '%d') AS "day",
    strftime(p.slot, '%H') AS "hour",
    p.acct || '_vpcflowlogs_' || p.region || '_' || p.flid || '_' || strftime(p.slot, '%Y%m%dT%H%MZ') AS "file"
  FROM flows f
  LEFT JOIN files fi ON fi.id = f.file_id,
  LATERAL (SELECT ${acct} AS acct, ${region} AS region, ${flid} AS flid, ${slot} AS slot) p
  WHERE ${rangeWhere(range)}
  ORDER BY f.file_id, f.line`;
  const parts = PARQUET_PARTITIONS.map((p) => ident(p)).join(', ');
  return `COPY (${select}) TO ${literal(dir)} (FORMAT parquet, COMPRESSION ${codec}, PARTITION_BY (${parts}), OVERWRITE_OR_IGNORE true)`;
}

/** How a single-file export is compressed (DuckDB's COPY `COMPRESSION`). */
export type Compression = 'none' | 'gzip' | 'zstd';

/** One COPY writing every record in range as CSV (header of AWS names, `-` when absent) or NDJSON (column names, null). */
export function flatExportSql(
  columns: readonly FieldDef[],
  range: ExportRange,
  path: string,
  format: 'csv' | 'ndjson',
  compression: Compression = 'none',
  names?: { readonly table: string; readonly columns: readonly string[] },
): string {
  const named = names === undefined ? [] : names.columns.map((c) => `n.${ident(c)} AS ${ident(c)}`);
  const cols = [
    ...columns.map((f) => `f.${ident(f.column)} AS ${ident(format === 'csv' ? f.aws : f.column)}`),
    ...named,
  ].join(', ');
  const join =
    names === undefined ? '' : ` LEFT JOIN ${ident(names.table)} n ON n.interface_id = f.interface_id`;
  const select = `SELECT ${cols} FROM flows f${join} WHERE ${rangeWhere(range)} ORDER BY f.file_id, f.line`;
  const opts = format === 'csv' ? `FORMAT csv, HEADER true, NULLSTR '-'` : `FORMAT json`;
  return `COPY (${select}) TO ${literal(path)} (${opts}, COMPRESSION ${compression})`;
}

/**
 * One COPY writing the single VARCHAR column `line` of `select` as lines of text, unquoted: DuckDB's CSV writer
 * with no quote, no escape and a delimiter that JSON text never holds raw (control characters are escaped).
 */
export function linesCopySql(select: string, path: string, compression: Compression = 'none'): string {
  return `COPY (${select}) TO ${literal(path)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER ${literal('\x1f')}, COMPRESSION ${compression})`;
}

/**
 * Every record in range, ordered by (file_id, line), with every column of `columns` plus `file_id`, `line`
 * and the file key's `file_account` and `file_region` (read streamed by the JS mappers).
 */
export function recordsSql(columns: readonly FieldDef[], range: ExportRange): string {
  const cols = columns.map((f) => `f.${ident(f.column)}`).join(', ');
  return `SELECT ${cols}${cols === '' ? '' : ', '}f.file_id, f.line, f.event_time, fi.account AS file_account, fi.region AS file_region
FROM flows f LEFT JOIN files fi ON fi.id = f.file_id
WHERE ${rangeWhere(range)}
ORDER BY f.file_id, f.line`;
}
