// `flowwatch network what-if`: apply a proposed change (aws ec2 commands, or YAML/JSON) to a snapshot and say which
// stored flows of a period would change verdict: rejects that become accepted, accepted flows now rejected.

import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { applyChange, type Operation } from '../network/change.js';
import { parseChange } from '../network/change-parse.js';
import { cliOf } from '../network/change-render.js';
import { type FlowGroup, type Transition, whatIf } from '../network/what-if.js';
import { flowGroups } from '../storage/network-snapshots.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io } from './context.js';
import { iso, periodOf, recordOf, Snapshots } from './network-shared.js';
import { parseOutput, render } from './output.js';

interface WhatIfFlags {
  change?: string[];
  snapshot?: string;
  last?: string;
  since?: string;
  until?: string;
  limit: string;
  db?: string;
  output: string;
}

/** The operations of every --change: a file's contents when the value names a file, else the text itself. */
export function readChanges(values: readonly string[]): Operation[] {
  return values.flatMap((v) => {
    const isFile = !/^\s*aws\s/.test(v) && existsSync(v) && statSync(v).isFile();
    return parseChange(isFile ? v : '--change', isFile ? readFileSync(v, 'utf8') : v);
  });
}

const TITLES: Record<Transition, string> = {
  'becomes-accepted': 'rejects that become accepted',
  'becomes-rejected': 'accepted flows that would now be rejected',
  'rejected-elsewhere': 'rejects still rejected, now by another rule',
};

export function registerWhatIf(network: Command, io: Io): void {
  network
    .command('what-if')
    .description(
      'apply a proposed security-group or network ACL change to a snapshot and re-judge the stored flows of a period',
    )
    .option(
      '--change <file|command...>',
      'the change: a YAML/JSON file, or the aws ec2 command(s) (authorize/revoke-security-group-ingress/egress, create/replace/delete-network-acl-entry) in quotes',
    )
    .option('--snapshot <id>', 'the snapshot to change (default: the newest; see flowwatch network list)')
    .option('--last <span>', 'the flows of this period back from now, e.g. 7d')
    .option('--since <time>', 'start of the period')
    .option('--until <time>', 'end of the period')
    .option('--limit <n>', 'groups to show per kind of change', '20')
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table or json', 'table')
    .addHelpText(
      'after',
      `
Examples:
  flowwatch network what-if --last 7d --change "aws ec2 authorize-security-group-ingress --group-id sg-0app --protocol tcp --port 22 --cidr 203.0.113.7/32"
  flowwatch network what-if --last 30d --change tighten.yaml

A YAML/JSON change is a list of { <command>: <its --cli-input-json> }, e.g.
  - revoke-security-group-ingress:
      GroupId: sg-0web
      IpPermissions: [{ IpProtocol: tcp, FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: 0.0.0.0/0 }] }]
  - create-network-acl-entry:
      { NetworkAclId: acl-0app, RuleNumber: 120, Egress: true, Protocol: "6", RuleAction: allow,
        CidrBlock: 0.0.0.0/0, PortRange: { From: 1024, To: 65535 } }
Every flow of the period is judged against the one snapshot, before and after the change.`,
    )
    .action(async (flags: WhatIfFlags) => {
      const output = parseOutput(flags.output);
      if (output === 'csv') throw new UsageError('BAD_OUTPUT', 'what-if prints table or json');
      if (flags.change === undefined || flags.change.length === 0)
        throw new UsageError(
          'WHATIF_NO_CHANGE',
          'say what to change: --change <file.yaml|"aws ec2 …">',
          'e.g. paste the fix flowwatch explain printed',
        );
      const ops = readChanges(flags.change);
      const { since, until } = periodOf(flags);
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError('BAD_NUMBER', `--limit "${flags.limit}" must be a positive integer`);
      const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
      try {
        const snaps = await Snapshots.of(store);
        const snap = snaps.pick(flags.snapshot);
        const before = await snaps.model(snap.id);
        const after = applyChange(before, ops);
        const flows: FlowGroup[] = [];
        for await (const chunk of flowGroups(store, since, until))
          for (const row of chunk)
            flows.push({
              record: recordOf(row),
              records: Number(row['records']),
              first: Number(row['first_seen']),
              last: Number(row['last_seen']),
            });
        const r = whatIf(before, after, flows);
        const period = `${since !== undefined ? `since ${iso(since)}` : 'all time'}${until !== undefined ? ` until ${iso(until)}` : ''}`;
        const kinds: Transition[] = ['becomes-accepted', 'becomes-rejected', 'rejected-elsewhere'];
        const rowsOf = (t: Transition) =>
          r.groups
            .filter((g) => g.transition === t)
            .slice(0, limit)
            .map((g) => ({
              flow: g.flow,
              records: g.records,
              distinct_flows: g.distinctFlows,
              untracked_records: g.untrackedRecords,
              before: g.before,
              after: g.after,
              first_seen: iso(g.first),
              last_seen: iso(g.last),
            }));
        if (output === 'json') {
          io.out(
            `${JSON.stringify(
              {
                snapshot: { id: snap.id, takenAt: iso(snap.takenAt) },
                period: { since: since ?? null, until: until ?? null },
                change: ops.map(cliOf),
                judged: r.judged,
                becomeAccepted: {
                  records: r.totals['becomes-accepted'],
                  groups: rowsOf('becomes-accepted'),
                },
                becomeRejected: {
                  records: r.totals['becomes-rejected'],
                  groups: rowsOf('becomes-rejected'),
                },
                rejectedElsewhere: {
                  records: r.totals['rejected-elsewhere'],
                  groups: rowsOf('rejected-elsewhere'),
                },
              },
              null,
              2,
            )}\n`,
          );
          return;
        }
        io.out(`change (against snapshot ${snap.id}, configuration as of ${iso(snap.takenAt)}):\n`);
        for (const op of ops) io.out(`  ${cliOf(op)}\n`);
        if (r.judged.records === 0) {
          io.out(
            `\nno ACCEPT or REJECT records ${period} in the store: nothing to judge (widen --last/--since, or ingest flow logs)\n`,
          );
          return;
        }
        io.out(
          `judged ${r.judged.records} records ${period} (${r.judged.rejects} REJECT, ${r.judged.accepts} ACCEPT)\n`,
        );
        for (const t of kinds) {
          const n = r.totals[t];
          if (n === 0 && t === 'rejected-elsewhere') continue;
          const groups = r.groups.filter((g) => g.transition === t).length;
          io.out(
            `\n${TITLES[t]}: ${n} record${n === 1 ? '' : 's'}${n ? ` in ${groups} group${groups === 1 ? '' : 's'}` : ''}\n`,
          );
          if (n > 0)
            io.out(
              render(
                {
                  columns: [
                    'flow',
                    'records',
                    'distinct_flows',
                    t === 'becomes-accepted' ? 'before' : 'after',
                    'last_seen',
                  ],
                  rows: rowsOf(t),
                },
                'table',
              ),
            );
        }
        if (r.totals['becomes-rejected'] > 0) {
          const untracked = r.groups.reduce((n, g) => n + g.untrackedRecords, 0);
          io.out(
            `\nnote: connections open when the change is made stay up if tracked; untracked ones (an inbound rule for all addresses and an outbound rule for all addresses and ports) are cut at once: ${untracked} of the ${r.totals['becomes-rejected']} records\n`,
          );
        }
        if (
          r.totals['becomes-accepted'] + r.totals['becomes-rejected'] + r.totals['rejected-elsewhere'] ===
          0
        )
          io.out(
            '\nthe change moves no stored flow of the period: no REJECT it admits, no ACCEPT it would block (check the ids and the period)\n',
          );
      } finally {
        store.close();
      }
    });
}
