// `SOURCE findings | ...`: the stored findings (src/storage/findings.ts) as a log group of their own, so that the
// Logs Insights editor queries them as the SQL editor does (`SELECT ... FROM findings`). One row per finding; the
// field names are those of `flowwatch findings list -o json`; @timestamp is the finding's start (first seen).

import { duckdb } from '../sql/index.js';
import type { VType } from './functions.js';

/** A field of the findings source: its Insights name, its column in the source relation, its type. */
export interface FindingField {
  readonly name: string;
  readonly column: string;
  readonly t: VType;
  readonly description: string;
}

/** The fields of `SOURCE findings`, in the order `findings list -o json` gives them. */
export const FINDING_FIELDS: readonly FindingField[] = [
  { name: 'id', column: 'f_id', t: 'string', description: 'finding id' },
  { name: 'detection', column: 'f_detection', t: 'string', description: 'detection id' },
  { name: 'title', column: 'f_title', t: 'string', description: "the detection's title" },
  { name: 'severity', column: 'f_severity', t: 'string', description: 'low, medium or high' },
  {
    name: 'state',
    column: 'f_state',
    t: 'string',
    description: 'open, acknowledged or suppressed (an expired suppression is open)',
  },
  {
    name: 'stateReason',
    column: 'f_state_reason',
    t: 'string',
    description: 'why it was acknowledged or suppressed',
  },
  { name: 'entity', column: 'f_entity', t: 'string', description: 'the address or interface it is about' },
  { name: 'peers', column: 'f_peers', t: 'string', description: 'peers, comma-separated (the first 20)' },
  { name: 'start', column: 'f_start', t: 'number', description: 'first seen, unix seconds' },
  { name: 'end', column: 'f_end', t: 'number', description: 'last seen, unix seconds' },
  { name: 'evidence_count', column: 'f_evidence_count', t: 'number', description: 'records of its evidence' },
  { name: 'peak', column: 'f_peak', t: 'number', description: 'highest value of a window' },
  { name: 'windows', column: 'f_windows', t: 'number', description: 'hit windows' },
  { name: 'closed', column: 'f_closed', t: 'string', description: 'true when the episode is over' },
  { name: 'updatedAt', column: 'f_updated_at', t: 'number', description: 'last change, unix seconds' },
];

/** The system fields of the findings source (no file behind them). */
export const FINDING_SYSTEM: Readonly<Record<string, { name: string; t: VType }>> = {
  '@timestamp': { name: '__ts', t: 'timestamp' },
  '@logStream': { name: '__stream', t: 'string' },
  '@message': { name: '__fmsg', t: 'string' },
  '@log': { name: '__flog', t: 'string' },
  '@ingestionTime': { name: '__fingest', t: 'timestamp' },
};

/**
 * The DuckDB source relation of `SOURCE findings`: every field, the system fields (@logStream the detection,
 * @message `<severity> <title>: <entity>`, @log `findings`, @ingestionTime when it was stored) and
 * `event_time` (its start) for bin() and sorting, `file_id` and `line` (0 and the rank by id) as the tie-breakers; `range` is a condition on `event_time` and `end_time`.
 */
export function findingsRelationSql(range: {
  since?: number | undefined;
  until?: number | undefined;
}): string {
  const c: string[] = [];
  // a finding is in the range when its episode overlaps it
  if (range.since !== undefined) c.push(`end_time >= ${Math.floor(range.since)}`);
  if (range.until !== undefined) c.push(`start_time <= ${Math.floor(range.until)}`);
  return `SELECT id AS f_id, detection AS f_detection, title AS f_title, severity AS f_severity,
    CASE WHEN state = 'suppressed' AND state_until IS NOT NULL AND state_until <= floor(epoch(current_timestamp))::BIGINT
      THEN 'open' ELSE state END AS f_state,
    state_reason AS f_state_reason, entity AS f_entity, peers AS f_peers, start_time AS f_start, end_time AS f_end,
    evidence_count AS f_evidence_count, peak AS f_peak, json_array_length(windows)::BIGINT AS f_windows,
    CAST(closed AS VARCHAR) AS f_closed, updated_at AS f_updated_at,
    ${duckdb.fromEpochSeconds('start_time')} AS __ts, detection AS __stream, severity || ' ' || title || ': ' || entity AS __fmsg,
    'findings' AS __flog, ${duckdb.fromEpochSeconds('created_at')} AS __fingest, start_time AS event_time,
    0 AS file_id, row_number() OVER (ORDER BY id) AS line
  FROM findings WHERE ${c.length > 0 ? c.join(' AND ') : 'true'}`;
}
