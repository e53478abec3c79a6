// `flowwatch report`: views over the newest fields: encryption in transit, and traffic kinds (IP version, EFA, reject reasons).

import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { isoUtc, parseTime } from '../core/time.js';
import { estimateCosts } from '../cost/estimate.js';
import { DEFAULT_PRICES, loadPrices, regionPrices } from '../cost/prices.js';
import { complianceHtml } from '../report/compliance-html.js';
import { complianceData } from '../storage/compliance.js';
import { pathsReport } from '../storage/path-costs.js';
import { Store } from '../storage/store.js';
import {
  ENCRYPTION_GROUPS,
  type EncryptionGroup,
  encryptionReport,
  type KindRow,
  trafficKinds,
} from '../storage/traffic-reports.js';
import { dbPath, type Io, positiveInt, timeRange } from './context.js';
import { humanBytes, render } from './output.js';

interface ReportFlags {
  db?: string;
  by?: string;
  limit: string;
  since?: string;
  until?: string;
  last?: string;
  output: string;
  region?: string;
  prices?: string;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function outputFlag(v: string): 'table' | 'json' {
  if (v === 'table' || v === 'json') return v;
  throw new UsageError('BAD_OUTPUT', `--output "${v}" is not one of table, json`);
}

function range(flags: ReportFlags): { since?: number; until?: number } {
  if (flags.last !== undefined && flags.since !== undefined) {
    throw new UsageError('BAD_RANGE', 'give --last or --since, not both');
  }
  return timeRange(flags.last ?? flags.since, flags.until);
}

function kindTable(title: string, rows: readonly KindRow[]): string {
  const t = rows.map((r) => ({
    kind: r.kind,
    flows: r.flows,
    flow_share: pct(r.flowShare),
    bytes: humanBytes(r.bytes),
    byte_share: pct(r.byteShare),
  }));
  return `${title}\n${render({ columns: ['kind', 'flows', 'flow_share', 'bytes', 'byte_share'], rows: t }, 'table')}`;
}

function common(cmd: Command): Command {
  return cmd
    .option('--since <time>', 'records at or after this time (ISO-8601, unix seconds, or 2h/7d ago)')
    .option('--last <duration>', 'the last duration, e.g. 1h or 7d (same as --since 1h)')
    .option('--until <time>', 'records before this time')
    .option('--limit <n>', 'rows per list', '10')
    .option('--db <file>', 'store to query (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table or json', 'table');
}

export function registerReport(program: Command, io: Io): void {
  const report = program
    .command('report')
    .description(
      'views over the newest flow log fields (encryption in transit, traffic kinds, paths and cost) and the compliance evidence report',
    );

  report
    .command('compliance')
    .description(
      'the evidence an audit asks of flow logs: coverage per interface, VPC and hour (gaps, SKIPDATA), delivery delay, retention, rejected traffic; as a printable HTML or PDF report',
    )
    .option('--since <time>', 'start of the period (ISO-8601, unix seconds, or a span back from now)', '30d')
    .option('--until <time>', 'end of the period', 'now')
    .option(
      '--out <file>',
      "write the report to this file: .html, or .pdf (printed with the machine's Chromium)",
    )
    .option('--title <text>', 'the account or environment the report is about, shown in its title')
    .option(
      '--stale-after <duration>',
      'an interface whose last record is older than this (before the newest) has stopped logging',
      '1h',
    )
    .option(
      '--late-after <duration>',
      'a file delivered later than this after its newest record counts as late',
      '15m',
    )
    .option('--limit <n>', 'rows per top list', '10')
    .option('--db <file>', 'store to query (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table or json (the data behind the report)', 'table')
    .addHelpText(
      'after',
      `
Example:
  flowwatch report compliance --since 30d --out report.html
  flowwatch report compliance --since 2024-05-01 --until 2024-06-01 --title prod --out may.pdf

Hours are whole UTC hours of the records' event time; an hour is covered when any interface wrote a
record (traffic, NODATA or SKIPDATA) in it. Delivery delay needs files with their S3 key names.`,
    )
    .action(
      async (flags: {
        since: string;
        until: string;
        out?: string;
        title?: string;
        staleAfter: string;
        lateAfter: string;
        limit: string;
        db?: string;
        output: string;
      }) => {
        const output = outputFlag(flags.output);
        const since = parseTime(flags.since, '--since');
        const until = parseTime(flags.until, '--until');
        if (since >= until)
          throw new UsageError(
            'BAD_RANGE',
            `--since (${flags.since}) must be before --until (${flags.until})`,
          );
        const span = (v: string, what: string): number => {
          const m = /^(\d+)([smhd])$/.exec(v.trim());
          if (!m)
            throw new UsageError('BAD_DURATION', `${what} "${v}" is not a duration`, 'e.g. 30m, 2h or 1d');
          return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd'];
        };
        if (flags.out !== undefined && !/\.(html?|pdf)$/i.test(flags.out))
          throw new UsageError('BAD_OUT', `--out "${flags.out}" must end in .html or .pdf`);
        const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
        let data: Awaited<ReturnType<typeof complianceData>>;
        try {
          data = await complianceData(store, {
            since,
            until,
            staleSeconds: span(flags.staleAfter, '--stale-after'),
            lateSeconds: span(flags.lateAfter, '--late-after'),
            limit: positiveInt(flags.limit, '--limit'),
          });
        } finally {
          store.close();
        }
        for (const w of data.warnings) io.err(`warning: ${w}\n`);
        if (flags.out !== undefined) {
          const html = complianceHtml(data, {
            ...(flags.title ? { title: flags.title } : {}),
            generatedAt: Date.now() / 1000,
          });
          if (/\.pdf$/i.test(flags.out)) {
            const { htmlToPdf } = await import('../report/pdf.js');
            writeFileSync(flags.out, await htmlToPdf(html));
          } else writeFileSync(flags.out, html);
          io.err(`wrote ${flags.out}\n`);
        }
        if (output === 'json') {
          io.out(`${JSON.stringify(data, null, 2)}\n`);
          return;
        }
        if (flags.out !== undefined) return;
        const logging = data.interfaces.filter((i) => i.status === 'logging').length;
        io.out(
          [
            `period: ${isoUtc(since)} to ${isoUtc(until)}`,
            `interfaces logging: ${logging} of ${data.interfaces.length}`,
            `hours without records: ${data.hoursWithoutRecords} of ${data.periodHours}; hours with SKIPDATA: ${data.hoursWithSkipdata}`,
            `delivery delay: median ${data.delay.medianSeconds ?? '-'} s, p95 ${data.delay.p95Seconds ?? '-'} s, late ${data.delay.late} of ${data.delay.files} files`,
            data.findings.runs === 0 && data.findings.total === 0
              ? 'findings: unknown (no detection ran in the period)'
              : `findings: ${data.findings.total} (${data.findings.open} open, ${data.findings.acknowledged} acknowledged, ${data.findings.suppressed} suppressed) from ${data.findings.runs} detection runs`,
            `retention: ${data.retention.oldest === null ? 'empty store' : `${isoUtc(data.retention.oldest)} to ${isoUtc(data.retention.newest!)} (${data.retention.days.toFixed(1)} days)`}`,
            '',
            render(
              {
                columns: [
                  'interface',
                  'vpc',
                  'status',
                  'first_seen',
                  'last_seen',
                  'hours',
                  'records',
                  'skipdata',
                ],
                rows: data.interfaces.map((i) => ({
                  interface: i.interfaceId,
                  vpc: i.vpcId ?? '-',
                  status: i.status,
                  first_seen: isoUtc(i.firstSeen),
                  last_seen: isoUtc(i.lastSeen),
                  hours: `${i.hoursWithRecords}/${data.periodHours}`,
                  records: i.records,
                  skipdata: i.skipdata,
                })),
              },
              'table',
            ),
            'write the printable report with --out report.html (or .pdf)',
            '',
          ].join('\n'),
        );
      },
    );

  common(
    report
      .command('encryption')
      .description(
        'share of flows and bytes by encryption status (encryption-status, version 10), the unencrypted traffic and an hourly trend',
      )
      .option('--by <group>', ENCRYPTION_GROUPS.join('|'), 'vpc'),
  )
    .addHelpText(
      'after',
      `
Status values: 0 not encrypted, 1 Nitro hardware, 2 application layer (TLS), 3 both, unknown = "-".
Only records whose format has \${encryption-status} count; the report says how many that is.
The port is the lower of a record's two ports (the service port).`,
    )
    .action(async (flags: ReportFlags) => {
      const by = flags.by ?? 'vpc';
      if (!ENCRYPTION_GROUPS.includes(by as EncryptionGroup)) {
        throw new UsageError('BAD_GROUP', `--by "${by}" is not one of ${ENCRYPTION_GROUPS.join(', ')}`);
      }
      const output = outputFlag(flags.output);
      const limit = positiveInt(flags.limit, '--limit');
      const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
      try {
        const r = await encryptionReport(store, { by: by as EncryptionGroup, limit, ...range(flags) });
        warnOnStderr(io, output, r.warnings);
        if (output === 'json') {
          io.out(`${JSON.stringify(r, null, 2)}\n`);
          return;
        }
        const c = r.coverage;
        const parts = [
          `coverage: ${c.covered} of ${c.records} traffic records have encryption-status (${pct(c.share)})\n`,
        ];
        if (c.covered === 0) {
          parts.push(`${r.warnings.map((w) => `WARNING: ${w}`).join('\n')}\n`);
          io.out(parts.join('\n'));
          return;
        }
        parts.push(
          `by status\n${render(
            {
              columns: ['status', 'meaning', 'flows', 'flow_share', 'bytes', 'byte_share'],
              rows: r.statuses.map((s) => ({
                ...s,
                flow_share: pct(s.flowShare),
                bytes: humanBytes(s.bytes),
                byte_share: pct(s.byteShare),
              })),
            },
            'table',
          )}`,
          `by ${by} (most unencrypted bytes first)\n${render(
            {
              columns: [by, 'flows', 'bytes', 'unencrypted_flows', 'unencrypted_bytes', 'unencrypted_share'],
              rows: r.groups.map((g) => ({
                [by]: g.key ?? '-',
                flows: g.flows,
                bytes: humanBytes(g.bytes),
                unencrypted_flows: g.unencryptedFlows,
                unencrypted_bytes: humanBytes(g.unencryptedBytes),
                unencrypted_share: pct(g.unencryptedByteShare),
              })),
            },
            'table',
          )}`,
        );
        for (const [title, rows] of [
          ['unencrypted: top sources', r.unencrypted.sources],
          ['unencrypted: top destinations', r.unencrypted.destinations],
          ['unencrypted: top service ports', r.unencrypted.ports],
        ] as const) {
          parts.push(
            `${title}\n${render(
              {
                columns: ['key', 'flows', 'bytes'],
                rows: rows.map((t) => ({ key: t.key ?? '-', flows: t.flows, bytes: humanBytes(t.bytes) })),
              },
              'table',
            )}`,
          );
        }
        parts.push(
          `per hour (UTC)\n${render(
            {
              columns: ['hour', 'flows', 'bytes', 'unencrypted_bytes', 'unencrypted_share'],
              rows: r.trend.map((t) => ({
                hour: new Date(t.hour * 1000).toISOString().slice(0, 13).replace('T', ' '),
                flows: t.flows,
                bytes: humanBytes(t.bytes),
                unencrypted_bytes: humanBytes(t.unencryptedBytes),
                unencrypted_share: pct(t.bytes > 0 ? t.unencryptedBytes / t.bytes : 0),
              })),
            },
            'table',
          )}`,
        );
        if (r.warnings.length > 0) parts.push(r.warnings.map((w) => `WARNING: ${w}`).join('\n') + '\n');
        io.out(parts.join('\n'));
      } finally {
        store.close();
      }
    });

  common(
    report
      .command('traffic-kinds')
      .description('IPv4/IPv6 share, EFA traffic, reject reasons (BPA, EC) and interface types'),
  ).action(async (flags: ReportFlags) => {
    const output = outputFlag(flags.output);
    const limit = positiveInt(flags.limit, '--limit');
    const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
    try {
      const r = await trafficKinds(store, { limit, ...range(flags) });
      warnOnStderr(io, output, r.warnings);
      if (output === 'json') {
        io.out(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      const parts = [
        kindTable(`IP version (from the ${r.ipVersion.source})`, r.ipVersion.rows),
        r.efa.coverage.covered === 0
          ? 'EFA: unknown (no record has the type field)\n'
          : `EFA: ${r.efa.flows} flows, ${humanBytes(r.efa.bytes)} (over ${r.efa.coverage.covered} records with type)\n`,
        r.rejectReasons.coverage.covered === 0
          ? 'reject reasons: unknown (no record has reject-reason)\n'
          : kindTable('reject reasons (rejected records with reject-reason)', r.rejectReasons.rows),
        r.interfaceTypes.coverage.covered === 0
          ? 'interface types: unknown (no record has interface-type)\n'
          : kindTable('interface types (capturing interface)', r.interfaceTypes.rows),
      ];
      if (r.warnings.length > 0) parts.push(r.warnings.map((w) => `WARNING: ${w}`).join('\n') + '\n');
      io.out(parts.join('\n'));
    } finally {
      store.close();
    }
  });

  common(
    report
      .command('paths')
      .description(
        'bytes by traffic path, NAT-processed and cross-AZ bytes, with estimated costs from per-GB prices',
      )
      .option('--region <region>', 'region whose prices apply', 'us-east-1')
      .option(
        '--prices <file>',
        'JSON price table {asOf, source, regions: {<region>: {natGatewayPerGb, ...}}}',
      ),
  )
    .addHelpText(
      'after',
      `
Paths come from next-hop-interface-type (version 11) and traffic-path (version 5) of egress records.
NAT-processed bytes: ingress records of NAT gateway interfaces (interface-type). Cross-AZ: egress records
whose az-id differs from next-hop-az-id, priced in both directions. Costs are estimates from dated list
prices (built in: US regions); per 30 days = the range's bytes scaled by 30 days / the records' span.
Price file members per region: natGatewayPerGb, crossAzPerGbEachWay, transitGatewayPerGb,
interfaceEndpointPerGb, internetOutPerGb (USD per GB of 2^30 bytes).`,
    )
    .action(async (flags: ReportFlags) => {
      const output = outputFlag(flags.output);
      const table = flags.prices === undefined ? DEFAULT_PRICES : loadPrices(flags.prices);
      const region = flags.region ?? 'us-east-1';
      const prices = regionPrices(table, region);
      const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
      try {
        const r = await pathsReport(store, range(flags));
        const cost = estimateCosts(r, table, region, prices);
        warnOnStderr(io, output, r.warnings);
        if (output === 'json') {
          io.out(`${JSON.stringify({ ...r, cost }, null, 2)}\n`);
          return;
        }
        const parts = [
          r.paths.coverage.covered === 0
            ? 'paths: unknown (no record has flow-direction with traffic-path or next-hop-interface-type)\n'
            : `egress bytes by path\n${render(
                {
                  columns: ['path', 'flows', 'bytes'],
                  rows: r.paths.rows.map((x) => ({ ...x, bytes: humanBytes(x.bytes) })),
                },
                'table',
              )}`,
          r.nat.coverage.covered === 0
            ? 'NAT-processed bytes: unknown (no record has interface-type)\n'
            : `NAT-processed bytes: ${humanBytes(r.nat.bytes)}\n`,
          r.crossAz.coverage.covered === 0
            ? 'cross-AZ bytes: unknown (no record has az-id and next-hop-az-id)\n'
            : `cross-AZ bytes: ${humanBytes(r.crossAz.bytes)} in ${r.crossAz.flows} egress records\n`,
          cost.lines.length === 0
            ? 'estimated cost: nothing to price (the stored formats lack the fields above)\n'
            : `estimated cost (${cost.region}, prices as of ${cost.pricesAsOf}: ${cost.pricesSource})\n${render(
                {
                  columns: ['item', 'bytes', 'usd_per_gb', 'usd', 'usd_per_30_days'],
                  rows: cost.lines.map((l) => ({
                    item: l.item,
                    bytes: humanBytes(l.bytes),
                    usd_per_gb: l.usdPerGb.toFixed(3),
                    usd: l.usd.toFixed(2),
                    usd_per_30_days: l.usdPer30Days === null ? '(span < 1 h)' : l.usdPer30Days.toFixed(2),
                  })),
                },
                'table',
              )}`,
        ];
        if (cost.savings.length > 0) parts.push(`${cost.savings.map((s) => `saving: ${s}`).join('\n')}\n`);
        if (r.warnings.length > 0) parts.push(`${r.warnings.map((w) => `WARNING: ${w}`).join('\n')}\n`);
        io.out(parts.join('\n'));
      } finally {
        store.close();
      }
    });
}

/**
 * The report's warnings on stderr, except when its text goes to a terminal: that text carries them as WARNING lines
 * already (a user saw each twice). JSON output, and text piped to a file, still warn on stderr.
 */
function warnOnStderr(io: Io, output: string, warnings: readonly string[]): void {
  if (output !== 'json' && io.outIsTTY === true) return;
  for (const w of warnings) io.err(`warning: ${w}\n`);
}
