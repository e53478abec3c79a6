// The compliance report as one self-contained, printable HTML page: summary, coverage grid (day × hour), gaps,
// interfaces and VPCs, delivery delay, retention and rejected traffic, with inline SVG charts (no scripts).

import { isoUtc } from '../core/time.js';
import type { ComplianceData, KeyCount } from '../storage/compliance.js';

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const iso = (t: number): string => isoUtc(t).replace('T', ' ');
/** A time in a table cell: minutes are enough. */
const at = (t: number): string => new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ');
const day = (t: number): string => new Date(t * 1000).toISOString().slice(0, 10);
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (a: number, b: number): string => (b > 0 ? `${((100 * a) / b).toFixed(1)}%` : '–');
const dur = (s: number | null): string => {
  if (s === null) return '–';
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
};

function table(head: readonly string[], rows: readonly (readonly string[])[], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${esc(empty)}</p>`;
  return `<div class="scroll"><table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
}

/** Days (rows) × 24 UTC hours (columns): records, SKIPDATA, nothing. */
function coverageGrid(d: ComplianceData): string {
  const byHour = new Map(d.hours.map((h) => [h.hour, h]));
  const first = Math.floor(d.since / 86_400) * 86_400;
  const last = Math.ceil(d.until / 86_400) * 86_400;
  const days = (last - first) / 86_400;
  const cell = 14;
  const left = 84;
  const top = 18;
  const parts: string[] = [];
  for (let h = 0; h < 24; h += 3)
    parts.push(`<text x="${left + h * cell + 1}" y="12" class="axis">${String(h).padStart(2, '0')}</text>`);
  for (let i = 0; i < days; i++) {
    const d0 = first + i * 86_400;
    parts.push(`<text x="0" y="${top + i * cell + 11}" class="axis">${day(d0)}</text>`);
    for (let h = 0; h < 24; h++) {
      const t = d0 + h * 3600;
      const inPeriod = t + 3600 > d.since && t < d.until;
      const row = byHour.get(t);
      const cls = !inPeriod ? 'out' : row === undefined ? 'none' : row.skipdata > 0 ? 'skip' : 'ok';
      const title = !inPeriod
        ? 'outside the period'
        : row === undefined
          ? `${iso(t)}: no records`
          : `${iso(t)}: ${int(row.traffic)} traffic, ${int(row.nodata)} NODATA, ${int(row.skipdata)} SKIPDATA records; ${row.interfaces} interfaces`;
      parts.push(
        `<rect x="${left + h * cell}" y="${top + i * cell}" width="${cell - 2}" height="${cell - 2}" class="${cls}"><title>${esc(title)}</title></rect>`,
      );
    }
  }
  const w = left + 24 * cell;
  const h = top + days * cell;
  return `<svg class="grid" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="records per hour">${parts.join('')}</svg>
<p class="legend"><span class="sw ok"></span> records <span class="sw skip"></span> SKIPDATA in the hour <span class="sw none"></span> no records</p>`;
}

/** Rejected records per day as bars, with the day's traffic records as a thin outline for scale. */
function rejectBars(d: ComplianceData): string {
  const rows = d.rejects.days;
  if (rows.length === 0) return '';
  const max = Math.max(1, ...rows.map((r) => r.rejected));
  const bw = Math.max(6, Math.min(60, Math.floor(640 / rows.length)));
  const height = 120;
  const parts = rows.map((r, i) => {
    const h = Math.round((r.rejected / max) * height);
    return `<rect x="${40 + i * bw}" y="${10 + height - h}" width="${bw - 2}" height="${h}" class="bar"><title>${esc(`${day(r.day)}: ${int(r.rejected)} rejected of ${int(r.records)} records`)}</title></rect>`;
  });
  const w = 40 + rows.length * bw;
  return `<svg class="bars" viewBox="0 0 ${w} ${height + 30}" width="${w}" height="${height + 30}" role="img" aria-label="rejected records per day">
<text x="0" y="18" class="axis">${int(max)}</text><text x="0" y="${height + 10}" class="axis">0</text>
<text x="40" y="${height + 26}" class="axis">${day(rows[0]!.day)}</text>
<text x="${w}" y="${height + 26}" class="axis" text-anchor="end">${day(rows[rows.length - 1]!.day)}</text>
${parts.join('')}</svg>`;
}

const keyRows = (xs: readonly KeyCount[]) => xs.map((x) => [esc(x.key), int(x.records)]);

/** Findings of the period by detection and severity, their states, and the detection runs behind them. */
function findingsSection(d: ComplianceData): string {
  const f = d.findings;
  const command = `flowwatch detect --since ${isoUtc(d.since)} --until ${isoUtc(d.until)}`;
  const runs =
    f.runs === 0
      ? f.total === 0
        ? `<div class="warnings" role="alert" id="no-detection"><strong>No detection ran in this period.</strong> Findings are unknown, not none. Run <code>${esc(command)}</code> (or keep <code>flowwatch monitor</code> running, which runs the detections as windows close), then make this report again.</div>`
        : '<p>No detection run is recorded for this period (the findings below come from runs before flowwatch kept that record).</p>'
      : `<p>${int(f.runs)} detection run${f.runs === 1 ? '' : 's'} covered the period (the last at ${esc(iso(f.lastRunAt ?? 0))} UTC), evaluating ${int(f.detections.length)} detection${f.detections.length === 1 ? '' : 's'}: ${esc(f.detections.join(', '))}.</p>`;
  return `<h2 id="findings">Findings</h2>
${runs}
<p>${int(f.total)} finding${f.total === 1 ? '' : 's'} active in the period: ${int(f.open)} open, ${int(f.acknowledged)} acknowledged, ${int(f.suppressed)} suppressed.</p>
${table(
  ['detection', 'severity', 'findings', 'open', 'acknowledged', 'suppressed'],
  f.rows.map((r) => [
    esc(r.detection),
    esc(r.severity),
    int(r.findings),
    int(r.open),
    int(r.acknowledged),
    int(r.suppressed),
  ]),
  f.runs === 0 ? 'No finding, and no detection ran: unknown.' : 'No finding in the period.',
)}`;
}

/**
 * The report page. `title` names the account or environment; `generatedAt` is unix seconds.
 *
 * @example writeFileSync('report.html', complianceHtml(data, { title: 'prod', generatedAt: Date.now() / 1000 }))
 */
export function complianceHtml(d: ComplianceData, opts: { title?: string; generatedAt: number }): string {
  const logging = d.interfaces.filter((i) => i.status === 'logging').length;
  const stopped = d.interfaces.filter((i) => i.status === 'stopped');
  const totalRecords = d.rejects.days.reduce((a, r) => a + r.records, 0);
  const totalRejected = d.rejects.days.reduce((a, r) => a + r.rejected, 0);
  const noDetection = d.findings.runs === 0 && d.findings.total === 0;
  const cards: [string, string, string][] = [
    ['Interfaces logging', `${logging} of ${d.interfaces.length}`, stopped.length > 0 ? 'bad' : 'good'],
    [
      'Hours without records',
      `${d.hoursWithoutRecords} of ${d.periodHours}`,
      d.hoursWithoutRecords > 0 ? 'bad' : 'good',
    ],
    ['Hours with SKIPDATA', String(d.hoursWithSkipdata), d.hoursWithSkipdata > 0 ? 'warn' : 'good'],
    ['Delivery delay p95', dur(d.delay.p95Seconds), d.delay.late > 0 ? 'warn' : 'good'],
    ['Retention kept', `${d.retention.days.toFixed(1)} days`, 'plain'],
    ['Rejected records', pct(totalRejected, totalRecords), 'plain'],
    [
      'Open findings',
      noDetection ? 'unknown' : `${d.findings.open} of ${d.findings.total}`,
      noDetection ? 'bad' : d.findings.open > 0 ? 'warn' : 'good',
    ],
  ];
  const warnings =
    d.warnings.length === 0
      ? ''
      : `<div class="warnings" role="alert"><strong>Read first</strong><ul>${d.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flow log compliance report${opts.title ? ` – ${esc(opts.title)}` : ''}</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; margin: 2rem auto; max-width: 960px; padding: 0 1rem; }
  h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #d8dde6; padding-bottom: .25rem; }
  .meta { color: #5b6475; margin: 0 0 1rem; }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: .6rem; }
  .card { border: 1px solid #d8dde6; border-radius: 6px; padding: .6rem .75rem; }
  .card .v { font-size: 1.3rem; font-weight: 600; } .card .k { color: #5b6475; font-size: .8rem; }
  .card.good { border-left: 4px solid #2e8b57; } .card.bad { border-left: 4px solid #c0392b; } .card.warn { border-left: 4px solid #d68910; }
  .warnings { background: #fff4e5; border: 1px solid #f0b04f; border-radius: 6px; padding: .6rem 1rem; margin: 1rem 0; }
  .warnings ul { margin: .3rem 0 0; padding-left: 1.2rem; }
  table { border-collapse: collapse; width: 100%; font-size: .85rem; font-variant-numeric: tabular-nums; }
  .scroll { overflow-x: auto; }
  td { white-space: nowrap; }
  th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #eceff4; } th { background: #f5f7fa; }
  .stopped { color: #c0392b; font-weight: 600; }
  .empty { color: #5b6475; font-style: italic; }
  .axis { font-size: 10px; fill: #5b6475; }
  .grid .ok { fill: #2e8b57; } .grid .skip { fill: #d68910; } .grid .none { fill: #c0392b; } .grid .out { fill: #eceff4; }
  .legend { font-size: .8rem; color: #5b6475; } .sw { display: inline-block; width: 10px; height: 10px; margin: 0 .2rem 0 .8rem; }
  .sw.ok { background: #2e8b57; } .sw.skip { background: #d68910; } .sw.none { background: #c0392b; }
  .bars .bar { fill: #c0392b; }
  .cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 1rem; }
  .cols > div { min-width: 0; }
  svg { max-width: 100%; height: auto; }
  @media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } table, svg, .card { break-inside: avoid; } }
</style></head>
<body>
<h1>Flow log compliance report${opts.title ? `: ${esc(opts.title)}` : ''}</h1>
<p class="meta">Period ${esc(iso(d.since))} to ${esc(iso(d.until))} (UTC) · generated ${esc(iso(Math.floor(opts.generatedAt)))} by flowwatch</p>
${warnings}
<section class="cards">${cards.map(([k, v, c]) => `<div class="card ${c}"><div class="v">${esc(v)}</div><div class="k">${esc(k)}</div></div>`).join('')}</section>

<h2>Coverage: records per hour</h2>
<p>Each square is one UTC hour of the period. An hour is covered when any interface wrote a record (traffic,
NODATA or SKIPDATA) whose event time falls in it. SKIPDATA means AWS skipped records in that capture window.</p>
${coverageGrid(d)}
<h3>Longest gaps</h3>
${table(
  ['from', 'hours without records'],
  d.gaps.slice(0, 10).map((g) => [esc(iso(g.start)), int(g.hours)]),
  'No hour of the period is without records.',
)}

<h2>Interfaces</h2>
<p>An interface has stopped logging when its last record is more than an hour older than the newest record of the period.</p>
${table(
  [
    'interface',
    'VPC',
    'subnet',
    'status',
    'first seen',
    'last seen',
    'hours with records',
    'records',
    'SKIPDATA',
  ],
  d.interfaces.map((i) => [
    esc(i.interfaceId),
    esc(i.vpcId ?? '–'),
    esc(i.subnetId ?? '–'),
    i.status === 'stopped' ? '<span class="stopped">stopped</span>' : 'logging',
    esc(at(i.firstSeen)),
    esc(at(i.lastSeen)),
    `${int(i.hoursWithRecords)} of ${int(d.periodHours)}`,
    int(i.records),
    int(i.skipdata),
  ]),
  'No interface wrote a record in the period.',
)}
<h3>VPCs</h3>
${table(
  ['VPC', 'interfaces', 'stopped', 'records'],
  d.vpcs.map((v) => [esc(v.vpcId), int(v.interfaces), int(v.stopped), int(v.records)]),
  'No VPC in the period.',
)}

<h2>Delivery</h2>
<p>Delay = when AWS wrote the file (its S3 key time) minus the end of its newest record; late = more than ${esc(dur(d.delay.lateSeconds))}.</p>
${table(
  ['files with a key time', 'median', 'p95', 'max', 'late', 'files without a delivery time'],
  [
    [
      int(d.delay.files),
      dur(d.delay.medianSeconds),
      dur(d.delay.p95Seconds),
      dur(d.delay.maxSeconds),
      int(d.delay.late),
      int(d.delay.unknown),
    ],
  ],
  '',
)}

<h2>Retention</h2>
${table(
  ['oldest record', 'newest record', 'days kept', 'files', 'records'],
  [
    [
      d.retention.oldest === null ? '–' : esc(iso(d.retention.oldest)),
      d.retention.newest === null ? '–' : esc(iso(d.retention.newest)),
      d.retention.days.toFixed(1),
      int(d.retention.files),
      int(d.retention.records),
    ],
  ],
  '',
)}

<h2>Rejected traffic</h2>
<p>${int(totalRejected)} of ${int(totalRecords)} traffic records rejected (${pct(totalRejected, totalRecords)}); records are counted per interface.</p>
${rejectBars(d)}
<div class="cols">
<div><h3>Top rejected sources</h3>${table(['source', 'records'], keyRows(d.rejects.sources), 'None.')}</div>
<div><h3>Top rejected ports</h3>${table(['port/protocol', 'records'], keyRows(d.rejects.ports), 'None.')}</div>
<div><h3>Reject reasons</h3>${table(['reason', 'records'], keyRows(d.rejects.reasons), 'No record carries reject-reason (version 8+).')}</div>
</div>

${findingsSection(d)}
</body></html>
`;
}
