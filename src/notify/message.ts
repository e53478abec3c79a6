// The CloudWatch alarm notification (spec §8) plus flowwatch's `evidence`: a summary of the flow records behind it.

/** An alarm state (spec §3.6). */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** One metric dimension as CloudWatch writes it in `Trigger.Dimensions`. */
export interface AlarmDimension {
  readonly value: string;
  readonly name: string;
}

/** `Trigger` of a single-metric alarm notification (spec §8). */
export interface AlarmTrigger {
  readonly MetricName: string;
  readonly Namespace: string;
  /** `Statistic` or `ExtendedStatistic`: says which of the two keys below is set. */
  readonly StatisticType: 'Statistic' | 'ExtendedStatistic';
  /** Upper-case: `SUM`, `AVERAGE`, `MINIMUM`, `MAXIMUM`, `SAMPLE_COUNT`. */
  readonly Statistic?: string | undefined;
  /** e.g. `p99`, `tm90`. */
  readonly ExtendedStatistic?: string | undefined;
  /** Usually null. */
  readonly Unit: string | null;
  readonly Dimensions: readonly AlarmDimension[];
  /** Seconds. */
  readonly Period: number;
  readonly EvaluationPeriods: number;
  /** Present when the alarm sets it. */
  readonly DatapointsToAlarm?: number | undefined;
  readonly ComparisonOperator: string;
  readonly Threshold: number;
  /** `missing`, `notBreaching`, `breaching`, `ignore`, or `""`. */
  readonly TreatMissingData: string;
  /** `evaluate`, `ignore`, or (usually) `""`. */
  readonly EvaluateLowSampleCountPercentile: string;
}

/** Traffic counted over a group of flow records. NODATA/SKIPDATA records count as flows with 0 packets and bytes. */
export interface TrafficCount {
  readonly flows: number;
  readonly packets: number;
  readonly bytes: number;
}

/** Traffic from one source address. */
export interface SourceCount extends TrafficCount {
  readonly addr: string;
}

/** Traffic to one destination port (with its IANA protocol number, null when the records have none). */
export interface PortCount extends TrafficCount {
  readonly port: number;
  readonly protocol: number | null;
}

/** Traffic seen on one network interface. */
export interface InterfaceCount extends TrafficCount {
  readonly interfaceId: string;
}

/** A flow record as a plain JSON object (field name → value; `-` is null). */
export type EvidenceRecord = Readonly<Record<string, string | number | null>>;

/**
 * flowwatch's extension of the notification: what the breaching flow records were. Not part of CloudWatch's
 * payload; consumers that only know CloudWatch's keys ignore it.
 */
export interface Evidence {
  /** How many flow records matched in the breaching datapoints. */
  readonly records: number;
  /** By flows, then bytes, descending. */
  readonly topSources: readonly SourceCount[];
  readonly topDestinationPorts: readonly PortCount[];
  readonly topInterfaces: readonly InterfaceCount[];
  /** The first few matching records, in the order given. */
  readonly sampleRecords: readonly EvidenceRecord[];
  /** True when lists were shortened to keep the message under SNS's 256 KB limit. */
  readonly truncated?: boolean | undefined;
}

/**
 * The message CloudWatch publishes to SNS on an alarm state change (spec §8), plus `evidence`.
 *
 * @example
 * const n: AlarmNotification = { AlarmName: 'vpc-rejects-high', NewStateValue: 'ALARM', ... };
 */
export interface AlarmNotification {
  readonly AlarmName: string;
  readonly AlarmDescription: string | null;
  /** 12 digits. */
  readonly AWSAccountId: string;
  /** `2024-03-08T14:05:02.761+0000` (see {@link cloudWatchTime}). */
  readonly AlarmConfigurationUpdatedTimestamp: string;
  readonly NewStateValue: AlarmState;
  readonly NewStateReason: string;
  /** `2024-05-20T10:31:02.054+0000`. */
  readonly StateChangeTime: string;
  /** The Region's display name, e.g. `US East (N. Virginia)` (see `regionDisplayName`). */
  readonly Region: string;
  /** `arn:aws:cloudwatch:{region}:{account}:alarm:{name}`. */
  readonly AlarmArn: string;
  readonly OldStateValue: AlarmState;
  readonly OKActions: readonly string[];
  readonly AlarmActions: readonly string[];
  readonly InsufficientDataActions: readonly string[];
  readonly Trigger: AlarmTrigger;
  /** flowwatch extension; absent when there are no records to show (e.g. a transition to OK). */
  readonly evidence?: Evidence | undefined;
  /** flowwatch extension: the episode this message opens or ends (topics group notifications per episode). */
  readonly episode?: NotificationEpisode | undefined;
}

/**
 * flowwatch's episode summary in a notification (not CloudWatch's): when the alarm first and last went to ALARM in
 * this episode, how often it re-triggered (ALARM again within the topic's quiet period, not delivered) and, on the
 * resolution message, when it last left ALARM. Times in CloudWatch's format.
 */
export interface NotificationEpisode {
  readonly firstAlarmTime: string;
  readonly lastAlarmTime: string;
  readonly alarmTransitions: number;
  readonly retriggers: number;
  /** Present on the message that ends the episode. */
  readonly endTime?: string | undefined;
  readonly quietMinutes: number;
}

/**
 * One line saying what an episode is (on the message that opens it) or was (on the one that ends it), for mails
 * and Slack.
 *
 * @example episodeLine({ firstAlarmTime: '2024-05-20T10:00:00.000+0000', lastAlarmTime: '2024-05-20T10:20:00.000+0000', alarmTransitions: 3, retriggers: 2, endTime: '2024-05-20T10:25:00.000+0000', quietMinutes: 15 })
 * // 'Episode: first ALARM 2024-05-20 10:00 UTC, last ALARM 2024-05-20 10:20 UTC, 2 re-triggers folded; out of ALARM since 2024-05-20 10:25 UTC (15 quiet minutes).'
 */
export function episodeLine(e: NotificationEpisode): string {
  const t = (x: string) => `${x.slice(0, 10)} ${x.slice(11, 16)} UTC`;
  if (e.endTime === undefined)
    return (
      `Episode: in ALARM since ${t(e.firstAlarmTime)}. Further ALARMs within ${e.quietMinutes} minutes of ` +
      'leaving ALARM are folded into this episode; one message follows when it ends.'
    );
  const folded = `${e.retriggers} re-trigger${e.retriggers === 1 ? '' : 's'} folded`;
  return (
    `Episode: first ALARM ${t(e.firstAlarmTime)}, last ALARM ${t(e.lastAlarmTime)}, ${folded}; ` +
    `out of ALARM since ${t(e.endTime)} (${e.quietMinutes} quiet minutes).`
  );
}

/**
 * A time in CloudWatch's notification format `YYYY-MM-DDTHH:mm:ss.SSS+0000` (UTC).
 *
 * @example cloudWatchTime(Date.UTC(2024, 4, 20, 10, 31, 2, 54)) // '2024-05-20T10:31:02.054+0000'
 */
export function cloudWatchTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/**
 * Parses a CloudWatch time (`…+0000`) or any ISO-8601 time into milliseconds; NaN when it is neither.
 *
 * @example parseCloudWatchTime('2024-05-20T10:31:02.054+0000') // 1716201062054
 */
export function parseCloudWatchTime(text: string): number {
  return Date.parse(text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
}

/** Options of {@link buildEvidence}. */
export interface EvidenceOptions {
  /** Entries per top list (default 5). */
  readonly top?: number | undefined;
  /** Sample records kept (default 5). */
  readonly samples?: number | undefined;
}

function numberOf(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return 0;
}

function textOf(v: unknown): string | undefined {
  if (v === null || v === undefined || v === '-' || v === '') return undefined;
  return String(v);
}

/** A record value as JSON can hold it: bigints beyond 2^53 become strings, so they stay exact. */
function plainValue(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function pick(r: Readonly<Record<string, unknown>>, ...keys: string[]): unknown {
  for (const k of keys) if (r[k] !== undefined) return r[k];
  return undefined;
}

class Tally<T extends TrafficCount> {
  private readonly map = new Map<string, { flows: number; packets: number; bytes: number; extra: T }>();
  add(key: string, make: () => T, packets: number, bytes: number): void {
    let e = this.map.get(key);
    if (!e) {
      e = { flows: 0, packets: 0, bytes: 0, extra: make() };
      this.map.set(key, e);
    }
    e.flows += 1;
    e.packets += packets;
    e.bytes += bytes;
  }
  top(n: number): T[] {
    return [...this.map.entries()]
      .sort(([ka, a], [kb, b]) => b.flows - a.flows || b.bytes - a.bytes || (ka < kb ? -1 : ka > kb ? 1 : 0))
      .slice(0, n)
      .map(([, e]) => ({ ...e.extra, flows: e.flows, packets: e.packets, bytes: e.bytes }));
  }
}

/**
 * Summarises the flow records behind a breach. Records are plain objects keyed by AWS field names
 * (`srcaddr`, `dstport`, `interface-id`) or store column names (`interface_id`); values may be strings,
 * numbers, bigints or null. Records without a source address (NODATA) count only towards `records`
 * and the interface list.
 *
 * @example
 * buildEvidence([{ srcaddr: '203.0.113.7', dstport: 22, protocol: 6, 'interface-id': 'eni-1', packets: 2, bytes: 120 }])
 * // { records: 1, topSources: [{ addr: '203.0.113.7', flows: 1, packets: 2, bytes: 120 }], ... }
 */
export function buildEvidence(
  records: Iterable<Readonly<Record<string, unknown>>>,
  options: EvidenceOptions = {},
): Evidence {
  const top = options.top ?? 5;
  const keep = options.samples ?? 5;
  const sources = new Tally<SourceCount>();
  const ports = new Tally<PortCount>();
  const interfaces = new Tally<InterfaceCount>();
  const sampleRecords: EvidenceRecord[] = [];
  let count = 0;
  for (const r of records) {
    count += 1;
    const packets = numberOf(r['packets']);
    const bytes = numberOf(r['bytes']);
    const addr = textOf(r['srcaddr']);
    if (addr !== undefined) sources.add(addr, () => ({ addr }) as SourceCount, packets, bytes);
    const portText = textOf(r['dstport']);
    if (portText !== undefined && /^\d+$/.test(portText)) {
      const port = Number(portText);
      const protoText = textOf(r['protocol']);
      const protocol = protoText !== undefined && /^\d+$/.test(protoText) ? Number(protoText) : null;
      ports.add(`${port}/${protocol}`, () => ({ port, protocol }) as PortCount, packets, bytes);
    }
    const eni = textOf(pick(r, 'interface-id', 'interface_id', 'interfaceId'));
    if (eni !== undefined)
      interfaces.add(eni, () => ({ interfaceId: eni }) as InterfaceCount, packets, bytes);
    if (sampleRecords.length < keep) {
      sampleRecords.push(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plainValue(v)])));
    }
  }
  return {
    records: count,
    topSources: sources.top(top),
    topDestinationPorts: ports.top(top),
    topInterfaces: interfaces.top(top),
    sampleRecords,
  };
}

/**
 * A message published as text, not an alarm state change: SNS `Publish` through the API, and the monitor's
 * findings (`findingActions`). `Message` goes out as given (for findings: the finding as JSON, as EventBridge
 * delivers a GuardDuty finding to SNS); `text` is a human rendering for mail and Slack (defaults to `Message`).
 */
export interface PlainMessage {
  readonly kind: 'message';
  /** SNS Subject (fewer than 100 characters), or null: mail then says "AWS Notification Message", as SNS does. */
  readonly Subject: string | null;
  readonly Message: string;
  /** Account and Region of the topic ARN. */
  readonly AWSAccountId: string;
  readonly region: string;
  /** What published it, for listings: e.g. `finding vertical-port-scan` or `sns:Publish`. */
  readonly source: string;
  /** A readable body for mail and Slack; `Message` when absent. */
  readonly text?: string | undefined;
}

/** Anything the dispatcher publishes. */
export type Notification = AlarmNotification | PlainMessage;

/** True for a {@link PlainMessage}. */
export function isPlainMessage(n: Notification): n is PlainMessage {
  return (n as PlainMessage).kind === 'message';
}

/** SNS's subject for mail of a message published without one. */
export const DEFAULT_MAIL_SUBJECT = 'AWS Notification Message';
