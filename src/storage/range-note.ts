// "No rows" over a time range that holds no record is not "nothing happened": the range may miss the data (a
// local time read as UTC, last year's logs). When an answer comes back empty, the commands ask this and say
// where the stored records are.

import { isoUtc as iso } from '../core/time.js';
import type { Store } from './store.js';

/**
 * A note when no stored record has an event time in [since, until) — with the stored records' span and what to
 * do — or undefined when some do (the empty answer is then the traffic's). Costs one bounded lookup, and a
 * min/max scan only when the range is empty.
 */
export async function emptyRangeNote(
  store: Store,
  range: { readonly since?: number | undefined; readonly until?: number | undefined },
  fix = 'move --since/--until (or --last) into that span',
): Promise<string | undefined> {
  const params = [range.since ?? null, range.until ?? null];
  const any = await store.query(
    'SELECT 1 AS x FROM flows WHERE (event_time >= $1 OR $1 IS NULL) AND (event_time < $2 OR $2 IS NULL) LIMIT 1',
    params,
  );
  if (any.rows.length > 0) return undefined;
  const span = await storedSpan(store);
  const n = span.records;
  if (n === 0) return 'the store holds no flow records yet: ingest flow logs first (flowwatch ingest <path>)';
  const asked =
    range.since !== undefined && range.until !== undefined
      ? `from ${iso(range.since)} to ${iso(range.until)}`
      : range.since !== undefined
        ? `since ${iso(range.since)}`
        : `before ${iso(range.until ?? 0)}`;
  return `no stored record has an event time ${asked}: the ${n.toLocaleString('en-US')} stored records run from ${iso(span.from)} to ${iso(span.to)} (UTC); ${fix}`;
}

/** The stored records' count and first and last event time (unix seconds; 0 when none is stored). */
export async function storedSpan(store: Store): Promise<{ records: number; from: number; to: number }> {
  const s = await store.query(
    'SELECT count(*) AS n, min(event_time) AS lo, max(event_time) AS hi FROM flows',
  );
  const row = s.rows[0] ?? {};
  return { records: Number(row['n'] ?? 0), from: Number(row['lo'] ?? 0), to: Number(row['hi'] ?? 0) };
}
