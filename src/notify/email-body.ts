// The alarm mail: CloudWatch's subject and text layout (spec §7.5, §8), then flowwatch's evidence tables; plain text and HTML.

import { DAYS, MONTHS } from '../core/calendar.js';
import { protocolName } from '../core/protocols.js';
import { alarmSubject } from './envelope.js';
import {
  type AlarmNotification,
  type AlarmTrigger,
  DEFAULT_MAIL_SUBJECT,
  type Evidence,
  episodeLine,
  type PlainMessage,
  parseCloudWatchTime,
} from './message.js';

/** A rendered mail. */
export interface AlarmEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Options of {@link renderAlarmEmail}. */
export interface EmailOptions {
  /** The topic the mail was sent for, named in the footer. */
  readonly topic?: string | undefined;
  /** A link to the alarm (e.g. the flowwatch dashboard), shown where CloudWatch links its console. */
  readonly alarmUrl?: string | undefined;
}

/**
 * A time as CloudWatch's alarm mail writes it: `Monday 20 May, 2024 10:31:02 UTC`. Text that is not a time is
 * returned unchanged.
 *
 * @example mailTime('2024-05-20T10:31:02.054+0000') // 'Monday 20 May, 2024 10:31:02 UTC'
 */
export function mailTime(text: string): string {
  const ms = parseCloudWatchTime(text);
  if (Number.isNaN(ms)) return text;
  const d = new Date(ms);
  const hms = d.toISOString().slice(11, 19);
  return `${DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}, ${d.getUTCFullYear()} ${hms} UTC`;
}

/**
 * A number as CloudWatch prints a double: integers with `.0`.
 *
 * @example javaDouble(10) // '10.0'
 */
export function javaDouble(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

const STATISTICS: Readonly<Record<string, string>> = {
  SUM: 'Sum',
  AVERAGE: 'Average',
  MINIMUM: 'Minimum',
  MAXIMUM: 'Maximum',
  SAMPLE_COUNT: 'SampleCount',
};

function statisticOf(t: AlarmTrigger): string {
  if (t.StatisticType === 'ExtendedStatistic') return t.ExtendedStatistic ?? '';
  return STATISTICS[t.Statistic ?? ''] ?? t.Statistic ?? '';
}

/** The `Threshold:` sentence of the mail. */
function thresholdSentence(t: AlarmTrigger): string {
  const m = t.DatapointsToAlarm ?? t.EvaluationPeriods;
  return (
    `The alarm is in the ALARM state when the metric is ${t.ComparisonOperator} ${javaDouble(t.Threshold)} ` +
    `for at least ${m} of the last ${t.EvaluationPeriods} period(s) of ${t.Period} seconds.`
  );
}

/** The normalised TreatMissingData value: the last word (spec §8's legacy form), `missing` when empty. */
function treatMissing(v: string): string {
  return v.trim().split(/\s+/).at(-1) || 'missing';
}

type Section = { readonly title: string; readonly rows: readonly (readonly [string, string])[] };

function sections(n: AlarmNotification): Section[] {
  const t = n.Trigger;
  const actions = (l: readonly string[]) => (l.length > 0 ? `[${l.join(', ')}]` : '');
  return [
    {
      title: 'Alarm Details',
      rows: [
        ['Name', n.AlarmName],
        ['Description', n.AlarmDescription ?? ''],
        ['State Change', `${n.OldStateValue} -> ${n.NewStateValue}`],
        ['Reason for State Change', n.NewStateReason],
        ['Timestamp', mailTime(n.StateChangeTime)],
        ['AWS Account', n.AWSAccountId],
        ['Alarm Arn', n.AlarmArn],
      ],
    },
    { title: 'Threshold', rows: [['', thresholdSentence(t)]] },
    {
      title: 'Monitored Metric',
      rows: [
        ['MetricNamespace', t.Namespace],
        ['MetricName', t.MetricName],
        [
          'Dimensions',
          t.Dimensions.length > 0 ? `[${t.Dimensions.map((d) => `${d.name} = ${d.value}`).join(', ')}]` : '',
        ],
        ['Period', `${t.Period} seconds`],
        ['Statistic', statisticOf(t)],
        ['Unit', t.Unit ?? 'not specified'],
        ['TreatMissingData', treatMissing(t.TreatMissingData)],
      ],
    },
    {
      title: 'State Change Actions',
      rows: [
        ['OK', actions(n.OKActions)],
        ['ALARM', actions(n.AlarmActions)],
        ['INSUFFICIENT_DATA', actions(n.InsufficientDataActions)],
      ],
    },
  ];
}

/** Label widths of CloudWatch's mail: values start in column 30 (details) or 39 (metric). */
const LABEL_WIDTH: Readonly<Record<string, number>> = { 'Alarm Details': 30, 'Monitored Metric': 39 };

type Table = {
  readonly title: string;
  readonly head: readonly string[];
  readonly right: readonly boolean[];
  readonly rows: readonly (readonly string[])[];
};

function evidenceTables(e: Evidence): Table[] {
  const counts = (c: { flows: number; packets: number; bytes: number }) => [
    String(c.flows),
    String(c.packets),
    String(c.bytes),
  ];
  const tables: Table[] = [
    {
      title: 'Top sources',
      head: ['Source', 'Flows', 'Packets', 'Bytes'],
      right: [false, true, true, true],
      rows: e.topSources.map((s) => [s.addr, ...counts(s)]),
    },
    {
      title: 'Top destination ports',
      head: ['Port', 'Protocol', 'Flows', 'Packets', 'Bytes'],
      right: [true, false, true, true, true],
      rows: e.topDestinationPorts.map((p) => [String(p.port), protocolName(p.protocol), ...counts(p)]),
    },
    {
      title: 'Top interfaces',
      head: ['Interface', 'Flows', 'Packets', 'Bytes'],
      right: [false, true, true, true],
      rows: e.topInterfaces.map((i) => [i.interfaceId, ...counts(i)]),
    },
  ];
  if (e.sampleRecords.length > 0) {
    const keys: string[] = [];
    for (const r of e.sampleRecords) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
    tables.push({
      title: 'Sample records',
      head: keys,
      right: keys.map(() => false),
      rows: e.sampleRecords.map((r) =>
        keys.map((k) => (r[k] === null || r[k] === undefined ? '-' : String(r[k]))),
      ),
    });
  }
  return tables.filter((t) => t.rows.length > 0);
}

/** `Evidence: 42 flow records behind this state change`. */
export function evidenceHeading(e: Evidence): string {
  return `Evidence: ${e.records} flow record${e.records === 1 ? '' : 's'} behind this state change${e.truncated ? ' (lists shortened to fit the message size limit)' : ''}`;
}

/**
 * The evidence as plain-text tables (top sources, destination ports, interfaces, sample records), one line per
 * element, tables separated by an empty line.
 *
 * @example evidenceLines(n.evidence!)[0] // 'Top sources:'
 */
export function evidenceLines(e: Evidence): string[] {
  return evidenceTables(e).flatMap((t, i) => [...(i > 0 ? [''] : []), ...textTable(t)]);
}

function textTable(t: Table): string[] {
  if (t.title === 'Sample records')
    return [`${t.title}:`, `  ${t.head.join(' ')}`, ...t.rows.map((r) => `  ${r.join(' ')}`)];
  const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((c, i) => (t.right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [`${t.title}:`, line(t.head), ...t.rows.map(line)];
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function intro(n: AlarmNotification): string {
  return (
    `You are receiving this email because your Amazon CloudWatch Alarm "${n.AlarmName}" in the ${n.Region} region ` +
    `has entered the ${n.NewStateValue} state, because "${n.NewStateReason}" at "${mailTime(n.StateChangeTime)}".`
  );
}

function footer(o: EmailOptions): string {
  return `Sent by flowwatch${o.topic ? ` to the subscribers of topic "${o.topic}"` : ''}. flowwatch evaluates alarms on your own flow logs; this message does not come from AWS.`;
}

/**
 * Renders the mail for a notification: the subject CloudWatch uses (spec §8), a body laid out like
 * CloudWatch's alarm mail (intro, Alarm Details, Threshold, Monitored Metric, State Change Actions), then the
 * evidence tables; the HTML part holds the same content.
 *
 * @example renderAlarmEmail(n, { topic: 'netmon-alerts' }).subject // 'ALARM: "vpc-rejects-high" in Europe (Ireland)'
 */
export function renderAlarmEmail(n: AlarmNotification, options: EmailOptions = {}): AlarmEmail {
  const secs = sections(n);
  const tables = n.evidence ? evidenceTables(n.evidence) : [];
  const text: string[] = [intro(n), ''];
  if (n.episode) text.push(episodeLine(n.episode), '');
  if (options.alarmUrl) text.push('View this alarm:', options.alarmUrl, '');
  for (const s of secs) {
    text.push(`${s.title}:`);
    const width = LABEL_WIDTH[s.title];
    for (const [label, value] of s.rows) {
      const head = label === '' ? '-' : `- ${label}:`;
      text.push((width ? `${head.padEnd(width)}${value}` : `${head} ${value}`).trimEnd());
    }
    text.push('');
  }
  if (n.evidence) {
    text.push(evidenceHeading(n.evidence), '', ...evidenceLines(n.evidence), '');
  }
  text.push('--', footer(options));

  const html: string[] = [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"></head>',
    '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px;">',
    `<p>${esc(intro(n))}</p>`,
  ];
  if (n.episode) html.push(`<p>${esc(episodeLine(n.episode))}</p>`);
  if (options.alarmUrl) html.push(`<p><a href="${esc(options.alarmUrl)}">View this alarm</a></p>`);
  for (const s of secs) {
    html.push(`<h3>${esc(s.title)}:</h3>`);
    if (s.rows.length === 1 && s.rows[0]![0] === '') {
      html.push(`<p>${esc(s.rows[0]![1])}</p>`);
      continue;
    }
    html.push('<table cellpadding="3">');
    for (const [label, value] of s.rows) {
      html.push(`<tr><td><b>${esc(label)}:</b></td><td>${esc(value)}</td></tr>`);
    }
    html.push('</table>');
  }
  if (n.evidence) {
    html.push(`<h3>${esc(evidenceHeading(n.evidence))}</h3>`);
    for (const t of tables) {
      html.push(`<h4>${esc(t.title)}:</h4>`, '<table border="1" cellpadding="3" cellspacing="0">');
      html.push(`<tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`);
      for (const r of t.rows) {
        html.push(
          `<tr>${r.map((c, i) => `<td${t.right[i] ? ' align="right"' : ''}>${esc(c)}</td>`).join('')}</tr>`,
        );
      }
      html.push('</table>');
    }
  }
  html.push(`<hr><p style="color: #666;">${esc(footer(options))}</p>`, '</body></html>');
  return { subject: alarmSubject(n), text: `${text.join('\n')}\n`, html: `${html.join('\n')}\n` };
}

/**
 * The mail of a {@link PlainMessage}: its subject (SNS's "AWS Notification Message" when it has none) and its
 * text (or the message itself) in a plain-text part and a preformatted HTML part, then the footer.
 *
 * @example renderMessageEmail(m, { topic: 'security' }).subject // 'HIGH finding: vertical-port-scan on 10.0.1.5'
 */
export function renderMessageEmail(m: PlainMessage, options: EmailOptions = {}): AlarmEmail {
  const body = m.text ?? m.Message;
  const foot = `Sent by flowwatch${options.topic ? ` to the subscribers of topic "${options.topic}"` : ''} (${m.source}); this message does not come from AWS.`;
  return {
    subject: m.Subject ?? DEFAULT_MAIL_SUBJECT,
    text: `${body}\n\n--\n${foot}\n`,
    html:
      '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px;">\n' +
      `<pre style="white-space: pre-wrap;">${esc(body)}</pre>\n<hr><p style="color: #666;">${esc(foot)}</p>\n</body></html>\n`,
  };
}
