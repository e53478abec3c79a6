// The store's schema, derived from the field catalog: the `flows` table, the ingested `files` and the `rejects`.

import { FIELDS } from '../records/catalog.js';
import { ident } from './sql.js';

/** Bumped whenever the schema changes; stored in `meta`. */
export const SCHEMA_VERSION = 1;

/** Column list of `flows` in table order: every catalog field, then extra, file_id, line. */
export const FLOW_COLUMNS: readonly string[] = [...FIELDS.map((f) => f.column), 'extra', 'file_id', 'line'];

/** DDL statements creating the schema (idempotent). */
export function schemaStatements(): string[] {
  const cols = FIELDS.map((f) => `${ident(f.column)} ${f.duckdb}`).join(',\n  ');
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
  ingested_at TIMESTAMPTZ NOT NULL
)`,
    `CREATE TABLE IF NOT EXISTS flows (
  ${cols},
  extra MAP(VARCHAR, VARCHAR),
  file_id INTEGER NOT NULL,
  line BIGINT NOT NULL
)`,
    `CREATE TABLE IF NOT EXISTS rejects (
  file_id INTEGER NOT NULL,
  line BIGINT NOT NULL,
  code VARCHAR NOT NULL,
  field VARCHAR,
  reason VARCHAR NOT NULL,
  text VARCHAR
)`,
    `INSERT INTO meta VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT DO NOTHING`,
  ];
}
