// `flowwatch network least-privilege`: per security group, the rules that carried accepted traffic in a period and
// those that never did, and a tightened rule set (with the flows that justify it) as AWS CLI commands.

import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { cliOf } from '../network/change-render.js';
import { leastPrivilege, proposalText, ruleShorthand } from '../network/least-privilege.js';
import type { FlowGroup } from '../network/what-if.js';
import { flowGroups } from '../storage/network-snapshots.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io } from './context.js';
import { iso, periodOf, recordOf, Snapshots } from './network-shared.js';
import { parseOutput, render } from './output.js';

interface LeastPrivilegeFlags {
  group?: string[];
  days?: string;
  since?: string;
  until?: string;
  snapshot?: string;
  commands?: boolean;
  db?: string;
  output: string;
}

export function registerLeastPrivilege(network: Command, io: Io): void {
  network
    .command('least-privilege')
    .description(
      'per security group: the rules that carried accepted flows and those that never did, and a tightened rule set that keeps every observed flow',
    )
    .option('--group <sg-id...>', 'only these security groups (default: every group of the snapshot)')
    .option('--days <n>', 'the accepted flows of the last N days (default 30)')
    .option('--since <time>', 'instead of --days: start of the period')
    .option('--until <time>', 'end of the period')
    .option('--snapshot <id>', 'the configuration to judge against (default: the newest)')
    .option(
      '--commands',
      'print only the AWS CLI commands (authorize first, then revoke), e.g. for network what-if',
    )
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table or json', 'table')
    .addHelpText(
      'after',
      `
A flow several rules allow is credited to the most specific one (fewest addresses, then fewest ports).
Check the proposal against the same traffic before applying it:
  flowwatch network least-privilege --group sg-0web --days 30 --commands > tighten.sh
  flowwatch network what-if --last 30d --change "$(cat tighten.sh)"`,
    )
    .action(async (flags: LeastPrivilegeFlags) => {
      const output = parseOutput(flags.output);
      if (output === 'csv') throw new UsageError('BAD_OUTPUT', 'least-privilege prints table or json');
      if (flags.days !== undefined && flags.since !== undefined)
        throw new UsageError('BAD_RANGE', 'give --days or --since, not both');
      const days = flags.days === undefined ? 30 : Number(flags.days);
      if (!Number.isInteger(days) || days < 1)
        throw new UsageError('BAD_NUMBER', `--days "${flags.days}" must be a positive integer`);
      const { since, until } =
        flags.since !== undefined
          ? periodOf({ since: flags.since, until: flags.until })
          : { ...periodOf({ until: flags.until }), since: Math.floor(Date.now() / 1000) - days * 86400 };
      const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
      try {
        const snaps = await Snapshots.of(store);
        const snap = snaps.pick(flags.snapshot);
        const model = await snaps.model(snap.id);
        const only = flags.group ? new Set(flags.group) : undefined;
        for (const g of only ?? [])
          if (!model.securityGroups.has(g))
            throw new UsageError(
              'NETWORK_NO_SUCH_GROUP',
              `security group ${g} is not in snapshot ${snap.id}`,
              'see the groups the snapshot has: flowwatch network least-privilege -o json',
            );
        const flows: FlowGroup[] = [];
        for await (const chunk of flowGroups(store, since, until, 'ACCEPT'))
          for (const row of chunk)
            flows.push({
              record: recordOf(row),
              records: Number(row['records']),
              first: Number(row['first_seen']),
              last: Number(row['last_seen']),
            });
        const lp = leastPrivilege(model, flows, only);
        const period = `${since !== undefined ? `since ${iso(since)}` : 'all time'}${until !== undefined ? ` until ${iso(until)}` : ''}`;
        const commands = lp.groups.flatMap((g) => g.operations.map(cliOf));
        if (flags.commands) {
          if (lp.judged === 0)
            throw new UsageError(
              'LEAST_PRIVILEGE_NO_FLOWS',
              `no ACCEPT records ${period}: without evidence every rule would look unused`,
              'widen --days/--since, or ingest the flow logs of the interfaces carrying these groups',
            );
          io.out(commands.map((c) => `${c}\n`).join(''));
          return;
        }
        if (output === 'json') {
          io.out(
            `${JSON.stringify(
              {
                snapshot: { id: snap.id, takenAt: iso(snap.takenAt) },
                period: { since: since ?? null, until: until ?? null },
                acceptedRecords: lp.judged,
                notExplainedByConfiguration: lp.notExplained,
                groups: lp.groups.map((g) => ({
                  groupId: g.groupId,
                  name: g.name,
                  silentInterfaces: g.silentInterfaces,
                  rules: g.rules.map((u) => ({
                    direction: u.rule.egress ? 'outbound' : 'inbound',
                    rule: u.text,
                    ipPermission: ruleShorthand(u.rule),
                    status: u.status,
                    flows: u.flows,
                    records: u.records,
                    firstSeen: u.first === undefined ? null : iso(u.first),
                    lastSeen: u.last === undefined ? null : iso(u.last),
                    alsoAllowedFlows: u.shadowedFlows,
                    justifiedBy: u.examples,
                    proposed: u.proposed.map(proposalText),
                    reason: u.reason,
                  })),
                  commands: g.operations.map(cliOf),
                })),
              },
              null,
              2,
            )}\n`,
          );
          return;
        }
        if (lp.judged === 0) {
          io.out(
            `no ACCEPT records ${period} in the store: without evidence every rule would look unused, so nothing is proposed (widen --days/--since, or ingest flow logs)\n`,
          );
          return;
        }
        io.out(
          `${lp.judged} accepted records ${period}, judged against snapshot ${snap.id} (configuration as of ${iso(snap.takenAt)})\n`,
        );
        if (lp.notExplained > 0)
          io.out(
            `note: the snapshot does not accept ${lp.notExplained} of them (configuration changed?): not credited to any rule\n`,
          );
        for (const g of lp.groups) {
          io.out(`\n${g.groupId} (${g.name})\n`);
          if (g.rules.length === 0) {
            io.out('  no rules\n');
            continue;
          }
          io.out(
            render(
              {
                columns: [
                  'direction',
                  'rule',
                  'status',
                  'flows',
                  'records',
                  'last_seen',
                  'proposed',
                  'justified_by',
                ],
                rows: g.rules.map((u) => ({
                  direction: u.rule.egress ? 'outbound' : 'inbound',
                  rule: u.text,
                  status: u.status,
                  flows: u.flows,
                  records: u.records,
                  last_seen: u.last === undefined ? '' : iso(u.last),
                  proposed:
                    u.proposed.length === 0
                      ? 'revoke'
                      : u.proposed.length === 1 && u.proposed[0] === u.rule
                        ? 'keep'
                        : u.proposed.map(proposalText).join('; '),
                  justified_by: u.examples.join('; '),
                })),
              },
              'table',
            ),
          );
          for (const u of g.rules) if (u.reason) io.out(`  ${u.text}: ${u.reason}\n`);
          if (g.silentInterfaces.length > 0)
            io.out(
              `  warning: ${g.silentInterfaces.join(', ')} carr${g.silentInterfaces.length === 1 ? 'ies' : 'y'} this group but logged no accepted record ${period}: their traffic is not in the evidence (are their flow logs ingested?)\n`,
            );
          if (g.operations.length > 0) {
            io.out('  commands (authorize first, then revoke):\n');
            for (const o of g.operations) io.out(`    ${cliOf(o)}\n`);
          }
        }
      } finally {
        store.close();
      }
    });
}
