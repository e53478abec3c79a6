// `flowwatch findings list|show|ack|suppress|reopen`: the stored findings of the detections and their states.

import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONFIG, loadConfig } from '../config/config.js';
import { UsageError } from '../core/errors.js';
import { isoUtc, parseTime } from '../core/time.js';
import { SEVERITIES } from '../detect/definition.js';
import { FindingError } from '../detect/errors.js';
import {
  effectiveState,
  findingDetailJson,
  findingJson,
  unknownDetectionWarning,
} from '../detect/findings.js';
import { toOcsfFinding } from '../export/ocsf-finding.js';
import { entityLabel, NO_SNAPSHOT_NAMES_NOTE, resourceNames } from '../network/resource-names.js';
import {
  type FindingState,
  getFinding,
  listFindings,
  type StoredFinding,
  setFindingState,
  storedDetectionIds,
} from '../storage/findings.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io, positiveInt, timeRange } from './context.js';
import { VERSION } from './main.js';
import { parseOutput, render } from './output.js';

const iso = isoUtc;

async function withStore<T>(io: Io, db: string | undefined, write: boolean, fn: (s: Store) => Promise<T>) {
  const store = await Store.open(dbPath(io, db), { readOnly: !write });
  try {
    if (!(await store.hasTable('findings'))) {
      throw new FindingError(
        'NO_FINDINGS_TABLE',
        'this store has no findings yet',
        'run the detections first: flowwatch detect --last 24h',
      );
    }
    return await fn(store);
  } finally {
    store.close();
  }
}

async function found(store: Store, id: string): Promise<StoredFinding> {
  const f = await getFinding(store, id);
  if (f === undefined) {
    throw new FindingError(
      'UNKNOWN_FINDING',
      `there is no finding "${id}"`,
      'list them with: flowwatch findings list',
    );
  }
  return f;
}

export function registerFindings(program: Command, io: Io): void {
  const cmd = program
    .command('findings')
    .description('the findings of the detections: list, show, ack, suppress, reopen, export');
  cmd
    .command('list')
    .description('list findings, most recent activity first')
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('--detection <id>', 'only this detection')
    .option('--severity <list>', `only these severities (comma-separated: ${SEVERITIES.join(', ')})`)
    .option('--state <list>', 'only these states (open, acknowledged, suppressed)')
    .option('--since <time>', 'findings active at or after this time')
    .option('--until <time>', 'findings that started before this time')
    .option('--limit <n>', 'at most this many', '1000')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .action(
      async (flags: {
        db?: string;
        detection?: string;
        severity?: string;
        state?: string;
        since?: string;
        until?: string;
        limit: string;
        output: string;
      }) => {
        const output = parseOutput(flags.output);
        const severities = flags.severity?.split(',').map((s) => s.trim());
        for (const s of severities ?? []) {
          if (!(SEVERITIES as readonly string[]).includes(s))
            throw new UsageError(
              'BAD_SEVERITY',
              `--severity: "${s}" is not a severity`,
              `use ${SEVERITIES.join(', ')}`,
            );
        }
        const states = flags.state?.split(',').map((s) => s.trim()) as FindingState[] | undefined;
        for (const s of states ?? []) {
          if (!['open', 'acknowledged', 'suppressed'].includes(s))
            throw new UsageError(
              'BAD_STATE',
              `--state: "${s}" is not a state`,
              'use open, acknowledged, suppressed',
            );
        }
        const range = timeRange(flags.since, flags.until);
        const now = Math.floor(Date.now() / 1000);
        const { list, names, warning } = await withStore(io, flags.db, false, async (s) => {
          const list = await listFindings(s, {
            ...(flags.detection === undefined ? {} : { detection: flags.detection }),
            ...(severities === undefined ? {} : { severities }),
            ...range,
            limit: positiveInt(flags.limit, '--limit'),
          });
          return {
            list,
            // Names of the entities from the newest network snapshot, when one is loaded.
            names: await resourceNames(s),
            // An empty list for a misspelt --detection says so (the catalog: ./flowwatch.yaml's, else built-in).
            warning:
              list.length === 0 && flags.detection !== undefined
                ? unknownDetectionWarning(flags.detection, await storedDetectionIds(s), [
                    ...loadConfig(DEFAULT_CONFIG).detections.map((d) => d.id),
                    (await import('../detect/rcf/anomalies.js')).RCF_DETECTION_ID,
                  ])
                : undefined,
          };
        });
        if (warning !== undefined) io.err(`warning: --detection: ${warning}\n`);
        const shown = list
          .map((f) => {
            const j = findingJson(f, now);
            const name = entityLabel(names, f.entity);
            return name === undefined ? j : { ...j, entity_name: name };
          })
          .filter((f) => states === undefined || states.includes(f.state));
        if (output === 'json') {
          io.out(`${JSON.stringify(shown)}\n`);
          return;
        }
        io.out(
          render(
            {
              columns: [
                'id',
                'severity',
                'state',
                'detection',
                'entity',
                ...(names !== undefined ? ['name'] : []),
                'start',
                'end',
                'evidence',
                'peers',
              ],
              rows: shown.map((f) => ({
                id: f.id,
                severity: f.severity,
                state: f.closed && f.state === 'open' ? 'open (ended)' : f.state,
                detection: f.detection,
                entity: f.entity,
                name: 'entity_name' in f ? f.entity_name : '',
                start: iso(f.start),
                end: iso(f.end),
                evidence: f.evidence_count,
                peers: `${f.peers.slice(0, 3).join(' ')}${f.peers.length > 3 || f.morePeers ? ' …' : ''}`,
              })),
            },
            output,
          ),
        );
        if (output === 'table' && shown.length === 0 && warning === undefined)
          io.err('no findings (run flowwatch detect first, or widen the filters)\n');
        if (output === 'table' && shown.length > 0 && names === undefined)
          io.err(`note: ${NO_SNAPSHOT_NAMES_NOTE}\n`);
      },
    );
  cmd
    .command('show')
    .description('one finding with its windows, evidence query and a sample of its records')
    .argument('<id>', 'finding id (from findings list)')
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('--evidence', 'print every evidence record (runs the evidence query on the store)')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (id: string, flags: { db?: string; evidence?: boolean; output: string }) => {
      const output = parseOutput(flags.output);
      const now = Math.floor(Date.now() / 1000);
      await withStore(io, flags.db, false, async (store) => {
        const f = await found(store, id);
        const name = entityLabel(await resourceNames(store), f.entity);
        const detail = { ...findingDetailJson(f, now), ...(name !== undefined ? { entity_name: name } : {}) };
        let records: readonly Record<string, unknown>[] | undefined;
        if (flags.evidence === true) {
          if (f.evidenceEngine !== 'duckdb') {
            throw new UsageError(
              'EVIDENCE_ON_ATHENA',
              'this finding came from Athena: its evidence query is Trino SQL',
              `run it on Athena: flowwatch findings show ${id} -o json | jq -r .evidence.query`,
            );
          }
          records = (await store.userQuery(f.evidenceSql, 100_000)).rows;
        }
        if (output === 'json') {
          io.out(`${JSON.stringify(records === undefined ? detail : { ...detail, records })}\n`);
          return;
        }
        const lines = [
          `${f.id}  ${f.severity.toUpperCase()}  ${effectiveState(f, now)}${f.closed ? ' (ended)' : ''}`,
          `  ${f.title}`,
          `  detection  ${f.detection}`,
          `  entity     ${f.entity}${name !== undefined ? `  (${name})` : ''}`,
          `  peers      ${f.peers.join(', ') || '-'}${f.morePeers ? ' …' : ''}`,
          `  seen       ${iso(f.start)} → ${iso(f.end)}`,
          `  evidence   ${f.evidenceCount} records in ${f.windows.length} window${f.windows.length === 1 ? '' : 's'} (peak ${f.peak})`,
          ...(f.stateReason !== undefined ? [`  reason     ${f.stateReason}`] : []),
          ...(f.stateUntil !== undefined ? [`  until      ${iso(f.stateUntil)}`] : []),
          '',
          `Evidence query (${f.evidenceEngine}):`,
          f.evidenceSql,
          '',
        ];
        io.out(`${lines.join('\n')}\n`);
        const rows = records ?? f.sample;
        if (rows.length > 0) {
          const cols = [
            'event_time',
            'interface_id',
            'srcaddr',
            'srcport',
            'dstaddr',
            'dstport',
            'protocol',
            'action',
            'log_status',
          ];
          io.out(`${records === undefined ? 'Sample' : 'Records'}:\n`);
          io.out(
            render(
              { columns: cols, rows: rows.map((r) => Object.fromEntries(cols.map((c) => [c, r[c] ?? '']))) },
              'table',
            ),
          );
        }
      });
    });
  const stateCommand = (name: 'ack' | 'suppress' | 'reopen', state: FindingState, help: string) => {
    const c = cmd
      .command(name)
      .description(help)
      .argument('<ids...>', 'finding ids')
      .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
      .option('--reason <text>', 'why (kept with the finding)');
    if (name === 'suppress')
      c.option('--until <time>', 'the suppression expires then (required: e.g. 7d, 2024-06-01)');
    c.action(async (ids: string[], flags: { db?: string; reason?: string; until?: string }) => {
      let until: number | undefined;
      if (name === 'suppress') {
        if (flags.until === undefined)
          throw new UsageError(
            'SUPPRESS_UNTIL',
            'suppress needs --until (when the suppression expires)',
            'e.g. --until 7d or --until 2024-06-01',
          );
        if (flags.reason === undefined || flags.reason.trim() === '')
          throw new UsageError(
            'SUPPRESS_REASON',
            'suppress needs --reason',
            'e.g. --reason "known scanner, ticket OPS-12"',
          );
        until = parseFutureTime(flags.until);
      }
      const now = Math.floor(Date.now() / 1000);
      await withStore(io, flags.db, true, async (store) => {
        for (const id of ids) {
          await found(store, id);
          await setFindingState(store, id, state, flags.reason, until, now);
          io.out(`${id}: ${state}${until !== undefined ? ` until ${iso(until)}` : ''}\n`);
        }
      });
    });
  };
  cmd
    .command('export')
    .description('write findings as OCSF 1.1.0 Detection Finding events (class 2004), one JSON per line')
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option(
      '--config <file>',
      'configuration file (for the detections’ descriptions and ATT&CK tags)',
      DEFAULT_CONFIG,
    )
    .option(
      '--to <path>',
      'a file, or a folder (written as findings.ocsf.ndjson beside flows.ocsf.ndjson); default stdout',
    )
    .option('--since <time>', 'findings active at or after this time')
    .option('--until <time>', 'findings that started before this time')
    .action(async (flags: { db?: string; config: string; to?: string; since?: string; until?: string }) => {
      const range = timeRange(flags.since, flags.until);
      const catalog = loadConfig(flags.config).detections;
      const now = Math.floor(Date.now() / 1000);
      const { list, names } = await withStore(io, flags.db, false, async (s) => ({
        list: await listFindings(s, { ...range, limit: 100_000 }),
        // the entities' names from the newest network snapshot, when one is loaded
        names: await resourceNames(s),
      }));
      const text = list
        .map(
          (f) =>
            `${JSON.stringify(
              toOcsfFinding(
                f,
                catalog.find((d) => d.id === f.detection),
                VERSION,
                now,
                names,
              ),
            )}\n`,
        )
        .join('');
      if (names === undefined && list.length > 0)
        io.err(`note: ${NO_SNAPSHOT_NAMES_NOTE}; the findings' resources have no names\n`);
      if (flags.to === undefined) {
        io.out(text);
        return;
      }
      const target =
        existsSync(flags.to) && statSync(flags.to).isDirectory()
          ? join(flags.to, 'findings.ocsf.ndjson')
          : flags.to;
      writeFileSync(target, text);
      io.err(`wrote ${list.length} finding${list.length === 1 ? '' : 's'} to ${target}\n`);
    });
  stateCommand('ack', 'acknowledged', 'acknowledge findings (someone is on it)');
  stateCommand('suppress', 'suppressed', 'suppress findings with a reason until a time');
  stateCommand('reopen', 'open', 'set findings back to open');
}

/** `--until` of suppress: a future time; a bare span (7d) counts forward from now. */
export function parseFutureTime(text: string, now = Date.now() / 1000): number {
  if (/^\d+[smhdw]$/.test(text.trim())) return 2 * Math.floor(now) - parseTime(text, '--until', now);
  const t = parseTime(text, '--until', now);
  if (t <= now)
    throw new UsageError('SUPPRESS_PAST', `--until ${text} is in the past`, 'give a future time, e.g. 7d');
  return t;
}
