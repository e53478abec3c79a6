// Every record's event time (what @timestamp, time ranges, metric filters and alarms use) and where it came from:
// the reference rule, in JavaScript; src/storage/ingest-sql.ts applies the same rule in DuckDB (DESIGN.md).

/**
 * Where a record's event time came from, best first:
 * - `cwl-event`: the CloudWatch Logs event timestamp (subscription payloads, the CloudWatch Logs polling source);
 * - `export-prefix`: the ISO-8601 timestamp CloudWatch Logs exports put before each message (also the event
 *   timestamp, written out);
 * - `start`: the record's own `start` field (what AWS sets the event timestamp to for flow logs);
 * - `firehose`: the timestamp of the Firehose delivery request that carried the record;
 * - `s3-key`: the time in the file's S3 key (the 5-minute slot, or the day/hour folder);
 * - `ingest`: the time flowwatch stored the record (the record has no time of its own).
 */
export type TimeSource = 'cwl-event' | 'export-prefix' | 'start' | 'firehose' | 's3-key' | 'ingest';

/** Every time source, in precedence order. */
export const TIME_SOURCES: readonly TimeSource[] = [
  'cwl-event',
  'export-prefix',
  'start',
  'firehose',
  's3-key',
  'ingest',
];

/** The times a record may have; the first present in TIME_SOURCES order is its event time (unix seconds). */
export type TimeCandidates = Partial<Record<TimeSource, number | null | undefined>>;

/**
 * The event time of a record and its source: the first candidate present, in TIME_SOURCES order.
 *
 * @example eventTime({ start: 1716200105, 's3-key': 1716200100 }) // { time: 1716200105, source: 'start' }
 */
export function eventTime(c: TimeCandidates): { time: number; source: TimeSource } | undefined {
  for (const source of TIME_SOURCES) {
    const t = c[source];
    if (t !== undefined && t !== null) return { time: t, source };
  }
  return undefined;
}

const ISO = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?(Z|([+-])(\d\d):?(\d\d))?$/;

/**
 * Unix seconds (fraction dropped) of a CloudWatch Logs export's timestamp prefix, or undefined when it is not a
 * real time after 1970 (month 13, 30 February, hour 24, second 60). No zone means UTC; an offset is subtracted.
 *
 * @example isoPrefixSeconds('2024-05-20T10:15:05.000Z') // 1716200105
 */
export function isoPrefixSeconds(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const s = m[6] === undefined ? 0 : Number(m[6]);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(ms).getUTCDate() !== d) return undefined;
  const offset =
    m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10]) * 60);
  return ms / 1000 - offset;
}
