// The findings table as user SQL sees it (src/storage/findings.ts): the columns the Query page lists under
// "findings" in SQL mode, so `SELECT * FROM findings` is found without reading the schema.

/** Columns of the store's `findings` table worth querying, with what they hold. */
export const FINDINGS_COLUMNS: readonly {
  readonly name: string;
  readonly type: string;
  readonly doc: string;
}[] = [
  { name: 'id', type: 'string', doc: 'the finding id (flowwatch findings show <id>; #/findings/<id>)' },
  { name: 'detection', type: 'string', doc: 'the detection that found it (flowwatch detections list)' },
  { name: 'title', type: 'string', doc: 'the detection’s title' },
  { name: 'severity', type: 'string', doc: 'low, medium, high or critical' },
  { name: 'entity', type: 'string', doc: 'the address, address:port or interface the finding is about' },
  { name: 'peers', type: 'string', doc: 'the other side (JSON list, at most 20)' },
  { name: 'start_time', type: 'number', doc: 'unix seconds of the first evidence record' },
  { name: 'end_time', type: 'number', doc: 'unix seconds of the last evidence record' },
  { name: 'evidence_count', type: 'number', doc: 'records in the hit windows' },
  { name: 'peak', type: 'number', doc: 'the highest window metric' },
  { name: 'state', type: 'string', doc: 'open, acknowledged or suppressed' },
  { name: 'closed', type: 'boolean', doc: 'the quiet period has passed since the last hit' },
  { name: 'evidence_sql', type: 'string', doc: 'the query returning exactly the evidence records' },
];

/** The Query page's SQL hint: the tables, the time range rule and the findings table. */
export const SQL_HINT =
  'Read-only SQL (SELECT or WITH) over the tables flows, files, rejects and findings (e.g. SELECT severity, count(*) FROM findings GROUP BY severity). The time range does not apply: filter on the event_time column of flows (unix seconds; equal to start when a record has one) or on start_time/end_time of findings.';
