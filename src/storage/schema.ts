// The store's schema, derived from the field catalog: the `flows` view over one table per field set, the
// ingested `files`, the `rejects`, and the registry of field-set tables.
//
// Records are stored in a table per set of fields (`flows_1`, `flows_2`, ...) holding only the columns the
// files of that format have: columns that would always be NULL cost DuckDB as much to write as real ones.
// The `flows` view presents one typed column per catalog field over all of them (NULL where a format lacks
// the field), so queries never see the split.

import { createHash } from 'node:crypto';
import { FIELDS } from '../records/catalog.js';
import type { Format } from '../records/format.js';
import { ADDRESS_DICTIONARY_DDL } from './address-dictionary.js';
import { FINDINGS_DDL } from './findings.js';
import { OVERVIEW_ROLLUP_DDL } from './overview-rollup.js';
import { REJECT_ROLLUP_DDL, WIDEN_REJECT_ROLLUP } from './reject-rollup.js';
import { ident, literal } from './sql.js';
import { VIEW_ROLLUP_DDL } from './view-rollups.js';

/** Bumped whenever the schema changes; stored in `meta`. */
export const SCHEMA_VERSION = 4;

/** DDL of the network configuration snapshots (schema 4; see src/storage/network-snapshots.ts). */
export const NETWORK_SNAPSHOTS_DDL = `CREATE TABLE IF NOT EXISTS network_snapshots (
  id INTEGER PRIMARY KEY,
  taken_at BIGINT NOT NULL,
  loaded_at TIMESTAMPTZ NOT NULL,
  sources VARCHAR NOT NULL,
  body VARCHAR NOT NULL
)`;

/** DDL of the intel tables (feeds, indicators as 128-bit key ranges, their segments; see intel.ts). Added
 * without a version bump. */
export const INTEL_DDL: readonly string[] = [
  `CREATE SEQUENCE IF NOT EXISTS intel_ids START 1`,
  `CREATE TABLE IF NOT EXISTS intel_feeds (
  name VARCHAR NOT NULL,
  version INTEGER NOT NULL,
  format VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  sha256 VARCHAR NOT NULL,
  licence VARCHAR NOT NULL,
  loaded_at TIMESTAMPTZ NOT NULL,
  indicators BIGINT NOT NULL,
  skipped BIGINT NOT NULL,
  revoked BIGINT NOT NULL,
  current BOOLEAN NOT NULL,
  PRIMARY KEY (name, version)
)`,
  `CREATE TABLE IF NOT EXISTS intel_indicators (
  id BIGINT NOT NULL,
  feed VARCHAR NOT NULL,
  version INTEGER NOT NULL,
  lo UHUGEINT NOT NULL,
  hi UHUGEINT NOT NULL,
  family TINYINT NOT NULL,
  indicator VARCHAR NOT NULL,
  valid_from BIGINT,
  valid_until BIGINT,
  description VARCHAR,
  labels VARCHAR,
  line INTEGER NOT NULL
)`,
  // User-loaded enrichment files (AWS ip-ranges.json), the latest of each kind (see enrichment-data.ts).
  `CREATE TABLE IF NOT EXISTS enrichment_data (
  kind VARCHAR PRIMARY KEY,
  source VARCHAR NOT NULL,
  loaded_at TIMESTAMPTZ NOT NULL,
  published VARCHAR,
  body VARCHAR NOT NULL
)`,
  `CREATE TABLE IF NOT EXISTS intel_segments (lo UHUGEINT NOT NULL, hi UHUGEINT NOT NULL, members BIGINT[] NOT NULL)`,
];

/**
 * Upgrades a store of schema `from` to SCHEMA_VERSION, or undefined when it cannot be upgraded. Version 2 → 3
 * adds each record table's `event_time` and `time_source`: start, else the file's S3 key time, else its ingest
 * time (the sources a stored file can still tell). Version 3 → 4 adds `network_snapshots` (configuration
 * snapshots for `flowwatch explain`).
 */
export function migrationSql(
  from: string,
  tables: readonly { name: string; set: string }[],
): string[] | undefined {
  if (from !== '2' && from !== '3') return undefined;
  const out: string[] = [];
  for (const t of from === '2' ? tables : []) {
    const hasStart = t.set.split(',').includes('start');
    const name = ident(t.name);
    const start = hasStart ? 'r."start"' : 'NULL::BIGINT';
    out.push(
      `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS event_time BIGINT`,
      `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS time_source VARCHAR`,
      `UPDATE ${name} AS r SET
  event_time = coalesce(${start}, epoch(f.key_time)::BIGINT, floor(epoch(f.ingested_at))::BIGINT),
  time_source = CASE WHEN ${start} IS NOT NULL THEN 'start' WHEN f.key_time IS NOT NULL THEN 's3-key' ELSE 'ingest' END
FROM files AS f WHERE f.id = r.file_id`,
    );
  }
  out.push(NETWORK_SNAPSHOTS_DDL);
  out.push(`UPDATE meta SET value = '${SCHEMA_VERSION}' WHERE key = 'schema_version'`);
  return out;
}

/** DDL statements creating the base schema (idempotent). */
export function baseSchema(): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)`,
    `CREATE SEQUENCE IF NOT EXISTS file_ids START 1`,
    `CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY,
  path VARCHAR NOT NULL,
  sha256 VARCHAR NOT NULL,
  bytes BIGINT NOT NULL,
  kind VARCHAR NOT NULL,
  format VARCHAR NOT NULL,
  records BIGINT NOT NULL,
  rejected BIGINT NOT NULL,
  complete BOOLEAN NOT NULL,
  account VARCHAR,
  region VARCHAR,
  flow_log_id VARCHAR,
  key_time TIMESTAMPTZ,
  ingested_at TIMESTAMPTZ NOT NULL,
  record_table VARCHAR NOT NULL
)`,
    `CREATE TABLE IF NOT EXISTS rejects (
  file_id INTEGER NOT NULL,
  line BIGINT NOT NULL,
  code VARCHAR NOT NULL,
  field VARCHAR,
  reason VARCHAR NOT NULL,
  text VARCHAR
)`,
    `CREATE TABLE IF NOT EXISTS record_tables (name VARCHAR PRIMARY KEY, field_set VARCHAR NOT NULL UNIQUE)`,
    // The rejected-traffic rollup (reject-rollup.ts), kept with each file. Added without a version bump.
    ...REJECT_ROLLUP_DDL,
    // The per-hour rollups of the views over the newest fields (view-rollups.ts), kept with each file.
    ...VIEW_ROLLUP_DDL,
    // The distinct addresses of the stored records, for hunts (address-dictionary.ts). Added without a version bump.
    ...ADDRESS_DICTIONARY_DDL,
    // The Overview's per-hour rollup, kept with each file, and its deduplicated per-hour cache (overview-rollup.ts).
    ...OVERVIEW_ROLLUP_DDL,
    // Metric-filter datapoints, per filter, file, minute (record event time truncated) and dimension set
    // (canonical JSON text). Added without a version bump: older stores gain it when opened for writing.
    `CREATE TABLE IF NOT EXISTS metric_datapoints (
  filter_name VARCHAR NOT NULL,
  namespace VARCHAR NOT NULL,
  metric VARCHAR NOT NULL,
  dimensions VARCHAR NOT NULL,
  minute TIMESTAMPTZ NOT NULL,
  file_id INTEGER NOT NULL,
  is_default BOOLEAN NOT NULL,
  sample_count BIGINT NOT NULL,
  sum_value DOUBLE NOT NULL,
  min_value DOUBLE NOT NULL,
  max_value DOUBLE NOT NULL
)`,
    // Live sources (flowwatch monitor): the idempotency keys of stored batches and each source's resume point,
    // written in the same transaction as the batch's records. Added without a version bump.
    `CREATE TABLE IF NOT EXISTS source_keys (
  source VARCHAR NOT NULL,
  key VARCHAR NOT NULL,
  file_id INTEGER,
  stored_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (source, key)
)`,
    `CREATE TABLE IF NOT EXISTS source_checkpoints (
  source VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
)`,
    NETWORK_SNAPSHOTS_DDL,
    // Findings of the detections (src/storage/findings.ts). Added without a version bump.
    FINDINGS_DDL,
    ...INTEL_DDL,
    `INSERT INTO meta VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT DO NOTHING`,
  ];
}

/** The field set of a format: its catalog columns in catalog order, plus `+extra` when it has unknown fields. */
export function fieldSet(format: Format): string {
  const cols = new Set(format.fields.flatMap((f) => (f.def ? [f.def.column] : [])));
  const ordered = FIELDS.filter((f) => cols.has(f.column)).map((f) => f.column);
  return [...ordered, ...(format.unknown.length > 0 ? ['+extra'] : [])].join(',');
}

/** DDL of the record table for a field set. */
export function recordTableDdl(name: string, set: string): string {
  const parts = set === '' ? [] : set.split(',');
  const cols = FIELDS.filter((f) => parts.includes(f.column)).map((f) => `${ident(f.column)} ${f.duckdb}`);
  if (parts.includes('+extra')) cols.push('extra MAP(VARCHAR, VARCHAR)');
  cols.push('file_id INTEGER NOT NULL', 'line BIGINT NOT NULL', 'event_time BIGINT', 'time_source VARCHAR');
  return `CREATE TABLE IF NOT EXISTS ${ident(name)} (\n  ${cols.join(',\n  ')}\n)`;
}

/**
 * The `flows` view: every catalog column (typed NULL where a table lacks it), extra, file_id, line, and the
 * record's event time (unix seconds) with its source (see src/records/event-time.ts).
 */
export function flowsViewDdl(tables: readonly { name: string; set: string }[]): string {
  const select = (t: { name: string; set: string } | undefined): string => {
    const parts = new Set(t ? t.set.split(',') : []);
    const cols = FIELDS.map((f) =>
      parts.has(f.column) ? ident(f.column) : `NULL::${f.duckdb} AS ${ident(f.column)}`,
    );
    cols.push(parts.has('+extra') ? 'extra' : 'NULL::MAP(VARCHAR, VARCHAR) AS extra');
    cols.push(t ? 'file_id' : 'NULL::INTEGER AS file_id', t ? 'line' : 'NULL::BIGINT AS line');
    cols.push(
      t ? 'event_time' : 'NULL::BIGINT AS event_time',
      t ? 'time_source' : 'NULL::VARCHAR AS time_source',
    );
    return `SELECT ${cols.join(', ')}${t ? ` FROM ${ident(t.name)}` : ' WHERE false'}`;
  };
  const body = tables.length === 0 ? select(undefined) : tables.map(select).join('\nUNION ALL\n');
  return `CREATE OR REPLACE VIEW flows AS\n${body}`;
}

/**
 * The fingerprint of a store's schema as this build makes it: a hash of the schema version, the base schema's
 * DDL, the reject rollup's widening check and the `flows` view over these record tables. Stored in `meta` (key
 * `schema_fingerprint`) once a writable open (or a new record table) has made the schema so; a later open that
 * finds the same fingerprint skips the DDL, the widening and migration checks and the view (Store.open). A build
 * that adds a table or changes the view has another fingerprint, so its first open does all of it again.
 */
export function schemaFingerprint(tables: readonly { name: string; set: string }[]): string {
  const text = [String(SCHEMA_VERSION), ...baseSchema(), WIDEN_REJECT_ROLLUP, flowsViewDdl(tables)];
  return createHash('sha256').update(text.join('\u0000')).digest('hex');
}

/** Stores the fingerprint (see schemaFingerprint). */
export function schemaFingerprintSql(fingerprint: string): string {
  return `INSERT OR REPLACE INTO meta VALUES ('schema_fingerprint', ${literal(fingerprint)})`;
}

/** SQL listing the record tables, in creation order. */
export const LIST_RECORD_TABLES = `SELECT name, field_set AS set FROM record_tables ORDER BY name`;

/** Registers a record table (run in the same transaction as its DDL). */
export function registerRecordTable(name: string, set: string): string {
  return `INSERT INTO record_tables VALUES (${literal(name)}, ${literal(set)}) ON CONFLICT DO NOTHING`;
}

/**
 * Records a batch's idempotency key inside its load transaction (the file id is the one the transaction just
 * drew). A plain INSERT: a key stored already (or by a concurrent commit) violates the primary key and fails the
 * whole transaction, so a batch can never be stored twice under one key.
 */
export function sourceKeySql(source: string, key: string, fileId: number, storedAtMs?: number): string {
  // The file's id as the loader drew it: currval('file_ids') is the sequence's latest value, another writer's
  // file when two commit at once. `storedAtMs`: the moment the caller also reports as the batch's (the monitor's
  // lastBatchAt), so that the value restored after a restart is the one shown before it.
  const at = storedAtMs === undefined ? 'now()' : `to_timestamp(${Math.trunc(storedAtMs)} / 1000)`;
  return `INSERT INTO source_keys VALUES (${literal(source)}, ${literal(key)}, ${Math.trunc(fileId)}, ${at})`;
}

/**
 * Records a key without new records (e.g. a file already stored under another key: `fileId` names it, so the
 * source is credited with its records); a no-op when it exists.
 */
export function sourceKeyIfNewSql(source: string, key: string, fileId?: number, storedAtMs?: number): string {
  const id = fileId === undefined ? 'NULL' : String(Math.trunc(fileId));
  const at = storedAtMs === undefined ? 'now()' : `to_timestamp(${Math.trunc(storedAtMs)} / 1000)`;
  return `INSERT INTO source_keys VALUES (${literal(source)}, ${literal(key)}, ${id}, ${at}) ON CONFLICT DO NOTHING`;
}

/** Stores a source's resume point. */
export function sourceCheckpointSql(source: string, value: string): string {
  return `INSERT INTO source_checkpoints VALUES (${literal(source)}, ${literal(value)}, now())
ON CONFLICT (source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`;
}
