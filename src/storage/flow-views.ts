// The two ways of counting stored records: per ENI (every record, as AWS wrote them) and deduplicated (each flow
// once, on the receiving ENI; NAT gateway outer legs dropped), as a relation to put where `flows` would go.
//
// Traffic between two ENIs whose flow logs are both in the store is recorded twice (egress on the sender's ENI,
// ingress on the receiver's), and traffic through a NAT gateway is recorded on the instance's ENI and on both
// legs of the NAT gateway's ENI. The deduplicated view keeps one record per flow and window by a rule on each
// record, against two small sets computed once per query (no join on the 5-tuple):
//
//   dst*  = coalesce(pkt_dstaddr, dstaddr)   (the packet's real destination)
//   R     = { dst* of ingress records }      (addresses some ENI in the store recorded receiving traffic for)
//   N     = { interface ids that are NATs }  (an ingress record's pkt_dstaddr ≠ dstaddr is also a plain
//                                             egress dstaddr on the same ENI: only a translating hop does that)
//
//   counted = no flow-direction                            (format cannot tell; counted as recorded)
//          OR action = 'REJECT'                             (a rejected packet went no further: never a duplicate)
//          OR (on a NAT ENI and pkt_* = plain addresses)    → dropped: the outer leg repeats an inner leg
//          OR ingress                                       (the receiver's record is the flow's record)
//          OR egress AND dst* ∉ R                           (nobody in the store recorded receiving it)
//
// The range is cut at UTC hour boundaries into pieces (a range inside one hour is one piece); R and N are taken
// per piece, over the piece widened by 600 s on each side (the longest aggregation interval, because the two
// ENIs' windows of one flow need not coincide), and a record is judged against its own piece's sets. So an hour
// is judged alike in every range that holds it whole, which lets the Overview cache it (overview-rollup.ts). docs/decisions/14-counting-each-flow-once.md gives
// the limits.

import { ident } from './sql.js';

/** Which records a count is over. */
export type FlowView = 'deduplicated' | 'per-eni';

export const FLOW_VIEWS: readonly FlowView[] = ['deduplicated', 'per-eni'];

/** Seconds the sets R and N reach beyond each piece of the range: the longest flow-log aggregation interval. */
export const DEDUP_SLACK_SECONDS = 600;

/** The range is cut at UTC hours into pieces, each judged against its own sets (so whole hours can be cached). */
const HOUR = 3600;

/** One line telling a reader which view numbers come from, for CLI output and API responses. */
export function flowViewNote(view: FlowView): string {
  return view === 'deduplicated'
    ? 'view: deduplicated (each flow counted once, on the receiving ENI; --per-eni counts every ENI’s record)'
    : 'view: per ENI (every record counted, so traffic between two logged ENIs counts twice)';
}

/**
 * The columns the relation has (those the top lists and the Overview read). Listing them instead of `f.*` is
 * what lets DuckDB read only these from the record tables: through `f.*` it read all 29 (measured: 2.45 s of
 * a 3.7 s query over 2M records).
 */
export const RELATION_COLUMNS = [
  'start',
  'end',
  'event_time',
  'interface_id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'action',
  'flow_direction',
  'pkt_srcaddr',
  'pkt_dstaddr',
] as const;

/** Placeholders of the query's range bounds (unix seconds, either may be NULL for unbounded). */
export interface RangeParams {
  readonly since: string;
  readonly until: string;
}

/**
 * A parenthesised relation with the {@link RELATION_COLUMNS} of `flows`, to use as `FROM ${flowsRelation(...)} AS flows`.
 * The range placeholders are only used to bound the sets R and N; the caller still filters its own range.
 *
 * @example `SELECT sum(bytes) FROM ${flowsRelation('deduplicated', { since: '$1', until: '$2' })} AS flows`
 */
export function flowsRelation(view: FlowView, range: RangeParams): string {
  const cols = RELATION_COLUMNS.map((c) => `f.${ident(c)}`).join(', ');
  if (view === 'per-eni') return `(SELECT ${cols} FROM flows f)`;
  const lo = `${range.since}::BIGINT`;
  const hi = `${range.until}::BIGINT`;
  const near = (alias: string) =>
    `(${alias}.event_time >= ${lo} - ${DEDUP_SLACK_SECONDS} OR ${lo} IS NULL) AND (${alias}.event_time < ${hi} + ${DEDUP_SLACK_SECONDS} OR ${hi} IS NULL)`;
  // The piece of hour h is [h, h + 1 h) cut to the range; its sets reach DEDUP_SLACK_SECONDS beyond it.
  const pieceNear = (t: string, h: string) =>
    `${t} >= greatest(${h} * ${HOUR}, coalesce(${lo}, ${h} * ${HOUR})) - ${DEDUP_SLACK_SECONDS}
      AND ${t} < least((${h} + 1) * ${HOUR}, coalesce(${hi}, (${h} + 1) * ${HOUR})) + ${DEDUP_SLACK_SECONDS}`;
  return `(WITH
  dedup_ingress AS MATERIALIZED (
    SELECT hour, addr, via FROM (
      SELECT unnest([(r.event_time - ${DEDUP_SLACK_SECONDS}) // ${HOUR}, (r.event_time + ${DEDUP_SLACK_SECONDS}) // ${HOUR}]) AS hour,
        r.event_time AS e, coalesce(r.pkt_dstaddr, r.dstaddr) AS addr,
        CASE WHEN r.pkt_dstaddr <> r.dstaddr THEN r.interface_id END AS via
      FROM flows r
      WHERE r.flow_direction = 'ingress' AND coalesce(r.pkt_dstaddr, r.dstaddr) IS NOT NULL AND ${near('r')})
    WHERE ${pieceNear('e', 'hour')}
    GROUP BY ALL),
  dedup_receivers AS (SELECT DISTINCT hour, addr FROM dedup_ingress),
  dedup_nats AS (
    SELECT DISTINCT x.hour, x.via AS interface_id FROM dedup_ingress x
    WHERE x.via IS NOT NULL AND EXISTS (SELECT 1 FROM flows e
      WHERE e.flow_direction = 'egress' AND e.interface_id = x.via AND e.dstaddr = x.addr AND ${near('e')}
        AND ${pieceNear('e.event_time', 'x.hour')}))
  SELECT ${cols} FROM flows f
  LEFT JOIN dedup_nats n ON n.hour = f.event_time // ${HOUR} AND n.interface_id = f.interface_id
  LEFT JOIN dedup_receivers rcv ON rcv.hour = f.event_time // ${HOUR}
    AND rcv.addr = coalesce(f.pkt_dstaddr, f.dstaddr)
  WHERE CASE
    WHEN f.flow_direction IS NULL OR f.action = 'REJECT' THEN true
    WHEN n.interface_id IS NOT NULL AND coalesce(f.pkt_srcaddr = f.srcaddr AND f.pkt_dstaddr = f.dstaddr, true) THEN false
    WHEN f.flow_direction = 'ingress' THEN true
    WHEN f.flow_direction = 'egress' THEN rcv.addr IS NULL
    ELSE false
  END)`;
}

/**
 * SQL counting, in the range, the traffic records the deduplicated view cannot place (no flow-direction; NODATA
 * and SKIPDATA records, which carry no addresses, are not counted). $1 since, $2 until.
 */
export const UNDIRECTED_SQL = `SELECT count(*) AS n FROM flows
WHERE flow_direction IS NULL AND srcaddr IS NOT NULL AND (event_time >= $1::BIGINT OR $1::BIGINT IS NULL) AND (event_time < $2::BIGINT OR $2::BIGINT IS NULL)`;
