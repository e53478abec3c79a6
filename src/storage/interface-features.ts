// Per-interface activity per period, as the anomaly scorer reads it: bytes, packets, flows, distinct peers,
// distinct destination ports and rejected flows of every interface's own records (per ENI, not deduplicated).

import type { Store } from './store.js';

/** The features, in the order of a point. */
export const FEATURE_NAMES = [
  'bytes',
  'packets',
  'flows',
  'distinct peers',
  'distinct ports',
  'rejects',
] as const;

/** One interface's activity in one period (zero-filled periods have every count 0). */
export interface PeriodFeatures {
  readonly interfaceId: string;
  /** Period start, unix seconds (a multiple of the period length). */
  readonly period: number;
  /** In FEATURE_NAMES order. */
  readonly values: readonly number[];
}

/**
 * The features of each interface per period in [since, until), time-ordered per interface, with the periods
 * between an interface's first and last active period that had no record filled with zeros. A record is in the
 * period its event time falls in. The peer of a record is its address other than the interface's own, taken as
 * the address the interface's records name most often (srcaddr or dstaddr); NODATA/SKIPDATA records (no
 * addresses) are left out.
 *
 * @example await interfaceFeatures(store, { period: 600 }) // Map { 'eni-0a…' => [{ period, values }, …] }
 */
export async function interfaceFeatures(
  store: Store,
  o: {
    period: number;
    since?: number | undefined;
    until?: number | undefined;
    interfaceId?: string | undefined;
  },
): Promise<Map<string, PeriodFeatures[]>> {
  if (!Number.isInteger(o.period) || o.period < 1) throw new RangeError('period must be a positive integer');
  const r = await store.query(
    `WITH r AS (
  SELECT interface_id, event_time, bytes, packets, srcaddr, dstaddr, dstport, action
  FROM flows
  WHERE interface_id IS NOT NULL AND srcaddr IS NOT NULL AND dstaddr IS NOT NULL
    AND (event_time >= $1::BIGINT OR $1::BIGINT IS NULL) AND (event_time < $2::BIGINT OR $2::BIGINT IS NULL)
    AND (interface_id = $4::VARCHAR OR $4::VARCHAR IS NULL)
), own AS (
  SELECT interface_id, arg_max(a, n) AS own FROM (
    SELECT interface_id, a, count(*) AS n FROM (
      SELECT interface_id, srcaddr AS a FROM r UNION ALL SELECT interface_id, dstaddr AS a FROM r
    ) GROUP BY interface_id, a
  ) GROUP BY interface_id
)
SELECT r.interface_id AS interface_id,
  (r.event_time // $3::BIGINT) * $3::BIGINT AS period,
  coalesce(sum(r.bytes), 0)::DOUBLE AS bytes,
  coalesce(sum(r.packets), 0)::DOUBLE AS packets,
  count(*)::DOUBLE AS flows,
  count(DISTINCT CASE WHEN r.srcaddr = own.own THEN r.dstaddr ELSE r.srcaddr END)::DOUBLE AS peers,
  count(DISTINCT r.dstport)::DOUBLE AS ports,
  count(*) FILTER (WHERE r.action = 'REJECT')::DOUBLE AS rejects
FROM r JOIN own USING (interface_id)
GROUP BY ALL
ORDER BY interface_id, period`,
    [o.since ?? null, o.until ?? null, o.period, o.interfaceId ?? null],
  );
  const out = new Map<string, PeriodFeatures[]>();
  for (const row of r.rows) {
    const id = String(row['interface_id']);
    const period = Number(row['period']);
    let list = out.get(id);
    if (list === undefined) {
      list = [];
      out.set(id, list);
    }
    const last = list.at(-1);
    if (last !== undefined)
      for (let p = last.period + o.period; p < period; p += o.period)
        list.push({ interfaceId: id, period: p, values: [0, 0, 0, 0, 0, 0] });
    list.push({
      interfaceId: id,
      period,
      values: ['bytes', 'packets', 'flows', 'peers', 'ports', 'rejects'].map((k) => Number(row[k] ?? 0)),
    });
  }
  return out;
}
