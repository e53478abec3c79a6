// `flowwatch network load|list` (describe-* snapshots) and `flowwatch explain` (why a flow was rejected).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { SourceError, UsageError } from '../core/errors.js';
import { servicePort } from '../core/protocols.js';
import { parseTime } from '../core/time.js';
import { plural } from '../metrics/alarms/format.js';
import { CDK_IMPORT } from '../network/change-render.js';
import { type Explanation, explainRecord, type FlowRecord } from '../network/explain.js';
import { exampleText, explainRejects } from '../network/explain-rejects.js';
import { explanationJson, interfacesOf } from '../network/explanation-json.js';
import { buildModel, type NetworkDocument, parseDocument, protocolNumber } from '../network/load.js';
import type { NetworkModel } from '../network/model.js';
import { nameLine } from '../network/names.js';
import { inForce, snapshotBodyOf } from '../network/snapshot.js';
import { listSnapshots, recordAt, type SnapshotInfo, saveSnapshot } from '../storage/network-snapshots.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io } from './context.js';
import { registerLeastPrivilege } from './network-least-privilege-command.js';
import { iso, periodOf, recordOf, Snapshots } from './network-shared.js';
import { registerWhatIf } from './network-what-if-command.js';
import { parseOutput, render } from './output.js';

function jsonFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      throw new SourceError('NETWORK_MISSING', p, 'no such file or folder');
    }
    if (st.isDirectory())
      out.push(
        ...readdirSync(p)
          .filter((n) => n.endsWith('.json'))
          .sort()
          .map((n) => join(p, n)),
      );
    else out.push(p);
  }
  if (out.length === 0)
    throw new UsageError(
      'NETWORK_NO_FILES',
      'no .json files to load',
      'save aws ec2 describe-* output as .json files',
    );
  return out;
}

interface ExplainFlags {
  db?: string;
  src?: string;
  dst?: string;
  srcPort?: string;
  dstPort?: string;
  protocol?: string;
  icmpType?: string;
  icmpCode?: string;
  time?: string;
  interface?: string;
  record?: string;
  rejects?: boolean;
  exactFlows?: boolean;
  last?: string;
  since?: string;
  until?: string;
  limit: string;
  output: string;
}

function int(v: string | undefined, what: string, dflt?: number): number {
  if (v === undefined) {
    if (dflt !== undefined) return dflt;
    throw new UsageError('EXPLAIN_MISSING', `${what} is required`);
  }
  if (!/^-?\d+$/.test(v)) {
    // A port by its service name (--dst-port ssh): flow logs and rules use numbers.
    const port = what.endsWith('-port') ? servicePort(v) : undefined;
    throw new UsageError(
      'BAD_NUMBER',
      `${what} "${v}" must be an integer`,
      port === undefined ? undefined : `ports are numbers here, as in flow logs: ${what} ${port} for ${v}`,
    );
  }
  return Number(v);
}

function stepRows(e: Explanation): Record<string, unknown>[] {
  return e.verdict.steps.map((s, i) => ({
    step: i + 1,
    packet: s.packet,
    control: s.control,
    at: `${s.interfaceId} ${s.boundary}`,
    traffic: s.traffic,
    decision: s.decision,
    rule: s.rule,
  }));
}

function printOne(
  io: Io,
  e: Explanation,
  snap: SnapshotInfo,
  predates: boolean,
  time: number | undefined,
  m: NetworkModel,
): void {
  io.out(`${e.conclusion}\n`);
  io.out(
    `  connection: ${e.connection.client}:${e.connection.clientPort} → ${e.connection.server}:${e.connection.serverPort} protocol ${e.connection.protocol}\n`,
  );
  for (const n of interfacesOf(m, e)) io.out(`  interface ${nameLine(n)}\n`);
  io.out(`  judged against snapshot ${snap.id} (configuration as of ${iso(snap.takenAt)})\n`);
  if (predates && time !== undefined)
    io.out(
      `  warning: the flow (${iso(time)}) predates every snapshot: judged against the earliest; load the configuration of that time to be sure\n`,
    );
  io.out('\n');
  io.out(
    render(
      { columns: ['step', 'packet', 'control', 'at', 'traffic', 'decision', 'rule'], rows: stepRows(e) },
      'table',
    ),
  );
  if (e.fix) io.out(`  fix: ${e.fix}\n`);
  if (e.fixCdk)
    io.out(
      `  fix as CDK (aws-cdk-lib v2, in a Stack; ${CDK_IMPORT}):\n${e.fixCdk
        .split('\n')
        .map((l) => `    ${l}\n`)
        .join('')}`,
    );
  for (const x of e.evidence) io.out(`  evidence: ${x}\n`);
  for (const x of e.verdict.notes) io.out(`  note: ${x}\n`);
  if (e.causes.length > 0) {
    io.out('  likely causes:\n');
    for (const c of e.causes) io.out(`    - ${c}\n`);
  }
}

async function explainMany(io: Io, store: Store, snaps: Snapshots, flags: ExplainFlags): Promise<void> {
  const output = parseOutput(flags.output);
  const { since, until } = periodOf(flags);
  const { total, predating, groups, flowsEstimated } = await explainRejects(
    store,
    snaps,
    since,
    until,
    'cells',
    flags.exactFlows === true,
  );
  const limit = int(flags.limit, '--limit');
  const rows = [...groups.entries()]
    .sort((a, b) => b[1].records - a[1].records)
    .slice(0, limit)
    .map(([key, g]) => ({
      responsible: key,
      records: g.records,
      distinct_flows: g.flows,
      example: exampleText(g.example),
      first_seen: iso(g.first),
      last_seen: iso(g.last),
      conclusion: g.conclusion,
      fix_for_example: g.fix ?? null,
      fix_cdk_for_example: g.fixCdk ?? null,
    }));
  if (output === 'json') {
    io.out(
      `${JSON.stringify({ rejects: total, predatingSnapshots: predating, distinctFlowsEstimated: flowsEstimated, groups: rows }, null, 2)}\n`,
    );
    return;
  }
  if (total === 0) {
    io.out(
      `no REJECT records${since !== undefined ? ` since ${iso(since)}` : ''}${until !== undefined ? ` before ${iso(until)}` : ''} in the store (widen --last/--since, or ingest flow logs)\n`,
    );
    return;
  }
  io.out(
    render(
      { columns: ['responsible', 'records', 'distinct_flows', 'example', 'first_seen', 'last_seen'], rows },
      output,
    ),
  );
  io.out(
    `${total} REJECT records in ${groups.size} group${groups.size === 1 ? '' : 's'}${flowsEstimated ? ' (distinct_flows estimated within about 2%; --exact-flows to count them)' : ''}\n`,
  );
  if (predating > 0)
    io.out(
      `warning: ${predating} records predate every snapshot: judged against the earliest (${iso(snaps.list[0]!.takenAt)})\n`,
    );
}

export function registerNetwork(program: Command, io: Io): void {
  const network = program
    .command('network')
    .description('network configuration snapshots (security groups, network ACLs, interfaces) for explain');
  network
    .command('load')
    .description('store aws ec2 describe-* JSON output as a snapshot of the configuration in force from --at')
    .argument('<paths...>', '.json files, or folders of them')
    .option(
      '--at <time>',
      'when this configuration came into force (default: the newest file modification time)',
    )
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .addHelpText(
      'after',
      `
Each file is the JSON one of these prints (recognised by its top-level key):
  aws ec2 describe-security-groups      aws ec2 describe-network-acls
  aws ec2 describe-network-interfaces   aws ec2 describe-subnets
  aws ec2 describe-route-tables         aws ec2 describe-instances
  aws ec2 describe-vpcs                 aws ec2 describe-managed-prefix-lists
  aws ec2 get-managed-prefix-list-entries --prefix-list-id pl-X  (save as pl-X.json)`,
    )
    .action(async (paths: string[], flags: { at?: string; db?: string }) => {
      const files = jsonFiles(paths);
      const docs: NetworkDocument[] = files.map((f) => parseDocument(f, readFileSync(f, 'utf8')));
      const model = buildModel(docs); // checks every document's shape before anything is stored
      const at = flags.at
        ? parseTime(flags.at, '--at')
        : Math.floor(Math.max(...files.map((f) => statSync(f).mtimeMs)) / 1000);
      const store = await Store.open(dbPath(io, flags.db));
      try {
        const id = await saveSnapshot(store, at, files, snapshotBodyOf(docs));
        io.out(
          `snapshot ${id} (in force from ${iso(at)}): ${plural(model.securityGroups.size, 'security group')}, ${plural(model.acls.size, 'network ACL')}, ${plural(model.interfaces.size, 'interface')}, ${plural(model.subnets.size, 'subnet')}, ${plural(model.prefixLists.size, 'prefix list')} from ${plural(files.length, 'file')}\n`,
        );
        const missing = (['SecurityGroups', 'NetworkAcls', 'NetworkInterfaces', 'Subnets'] as const).filter(
          (k) => !model.kinds.has(k),
        );
        if (missing.length > 0)
          io.out(
            `warning: no ${missing.join(', ')} in this snapshot: explain will report those steps as unknown\n`,
          );
      } finally {
        store.close();
      }
    });
  network
    .command('fetch')
    .description(
      'read the describe-* data with the AWS SDK (your credentials and region) into a new snapshot in force from now',
    )
    .option('--region <region>', "AWS region (default: AWS_REGION or the profile's region)")
    .option(
      '--profile <name>',
      'profile of ~/.aws/config and ~/.aws/credentials (default: AWS_PROFILE, else the default chain)',
    )
    .option('--endpoint-url <url>', 'another EC2 endpoint, e.g. LocalStack at http://localhost:4566')
    .option('--at <time>', 'when this configuration came into force (default: now)')
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .addHelpText(
      'after',
      `
Calls (each paginated; the credentials need these read-only permissions, all in AmazonEC2ReadOnlyAccess):
  ec2:DescribeSecurityGroups  ec2:DescribeNetworkAcls  ec2:DescribeNetworkInterfaces  ec2:DescribeSubnets
  ec2:DescribeRouteTables     ec2:DescribeInstances    ec2:DescribeVpcs              ec2:DescribeManagedPrefixLists
  ec2:GetManagedPrefixListEntries (for each prefix list)
The snapshot is stored exactly as if the same JSON had been saved to files and given to network load.`,
    )
    .action(
      async (flags: {
        region?: string;
        profile?: string;
        endpointUrl?: string;
        at?: string;
        db?: string;
      }) => {
        const at = flags.at ? parseTime(flags.at, '--at') : Math.floor(Date.now() / 1000);
        const { fetchDocuments } = await import('../network/fetch.js');
        const where = `${flags.region ?? io.env['AWS_REGION'] ?? io.env['AWS_DEFAULT_REGION'] ?? "the profile's region"}${flags.endpointUrl ? ` at ${flags.endpointUrl}` : ''}`;
        io.err(`fetching the network configuration from EC2 (${where})...\n`);
        let last = '';
        let done: string[] = [];
        const docs = await fetchDocuments({
          region: flags.region,
          profile: flags.profile,
          endpoint: flags.endpointUrl,
          progress: (what, items, pages) => {
            const line = `  ${what}: ${items}${pages > 1 ? ` (${pages} pages)` : ''}`;
            if (io.isTTY) io.err(`\r${line}`);
            done = [
              ...done.filter((d) => !d.startsWith(`${what} `)),
              `${what} ${items}${pages > 1 ? ` (${pages} pages)` : ''}`,
            ];
            last = line;
          },
        });
        if (last !== '' && io.isTTY) io.err('\n');
        io.err(`fetched: ${done.join(', ')}\n`);
        const model = buildModel(docs);
        const sources = docs.map((d) => `ec2 ${d.name.replace(' (fetched)', '')}`);
        const store = await Store.open(dbPath(io, flags.db));
        try {
          const id = await saveSnapshot(store, at, sources, snapshotBodyOf(docs));
          io.out(
            `snapshot ${id} (in force from ${iso(at)}), fetched from EC2 (${where}): ${plural(model.securityGroups.size, 'security group')}, ${plural(model.acls.size, 'network ACL')}, ${plural(model.interfaces.size, 'interface')}, ${plural(model.subnets.size, 'subnet')}, ${plural(model.routeTables.size, 'route table')}, ${plural(model.instances.size, 'instance')}, ${plural(model.vpcs.size, 'VPC')}, ${plural(model.prefixLists.size, 'prefix list')}\n`,
          );
          if (model.interfaces.size === 0)
            io.out(
              `warning: EC2 returned no network interfaces in ${where}: explain can judge no flow against this snapshot (is it the region of your VPCs?)\n`,
            );
        } finally {
          store.close();
        }
      },
    );
  network
    .command('list')
    .description('list the stored snapshots')
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .action(async (flags: { db?: string; output: string }) => {
      const output = parseOutput(flags.output);
      const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
      try {
        const rows = (await listSnapshots(store)).map((s) => ({
          id: s.id,
          in_force_from: iso(s.takenAt),
          loaded_at: s.loadedAt,
          files: s.sources.length,
        }));
        io.out(render({ columns: ['id', 'in_force_from', 'loaded_at', 'files'], rows }, output));
      } finally {
        store.close();
      }
    });
  registerWhatIf(network, io);
  registerLeastPrivilege(network, io);
}

export function registerExplain(program: Command, io: Io): void {
  program
    .command('explain')
    .description(
      'why was a flow rejected: the security group or network ACL rule, on the request or the reply',
    )
    .option('--src <ip>', 'the connection initiator (client) address')
    .option('--dst <ip>', 'the server address')
    .option('--src-port <n>', 'client port (default 50000, an ephemeral port; 0 for ICMP)')
    .option('--dst-port <n>', 'server port (0 for ICMP)')
    .option('--protocol <p>', 'tcp, udp, icmp, icmpv6 or a protocol number', 'tcp')
    .option('--icmp-type <n>', 'ICMP type (default: echo request)')
    .option('--icmp-code <n>', 'ICMP code (default: 0)')
    .option('--time <time>', 'when the flow happened (picks the snapshot in force; default now)')
    .option('--interface <eni>', 'the interface that logged the flow')
    .option(
      '--record <file:line>',
      'explain a stored record: its file (path, path suffix or file id) and line',
    )
    .option('--rejects', 'explain every stored REJECT record of the period, grouped by the responsible rule')
    .option('--last <span>', 'with --rejects: the period back from now, e.g. 1h or 7d')
    .option('--since <time>', 'with --rejects: start of the period')
    .option('--until <time>', 'with --rejects: end of the period')
    .option('--limit <n>', 'with --rejects: groups to show', '20')
    .option(
      '--exact-flows',
      'with --rejects: count distinct flows exactly (slower: a hash set of every flow) instead of estimating them',
    )
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table or json (csv too with --rejects)', 'table')
    .action(async (flags: ExplainFlags) => {
      const output = parseOutput(flags.output);
      const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
      try {
        const snaps = await Snapshots.of(store);
        if (flags.rejects) return await explainMany(io, store, snaps, flags);
        if (output === 'csv')
          throw new UsageError(
            'BAD_OUTPUT',
            '--output csv is for --rejects; one flow is shown as table or json',
          );
        let rec: FlowRecord;
        let time: number;
        if (flags.record !== undefined) {
          const m = /^(.+):(\d+)$/.exec(flags.record);
          if (!m) throw new UsageError('BAD_RECORD', `--record "${flags.record}" is not FILE:LINE`);
          const rows = (await recordAt(store, m[1]!, Number(m[2]))).rows;
          if (rows.length === 0)
            throw new UsageError(
              'RECORD_NOT_FOUND',
              `no stored record at ${flags.record}`,
              'give the ingested file (path, path suffix or file id) and a line that holds a record',
            );
          rec = recordOf(rows[0]!);
          time = Number(rows[0]!['event_time']);
        } else {
          if (flags.src === undefined || flags.dst === undefined)
            throw new UsageError(
              'EXPLAIN_MISSING',
              'say which flow: --src, --dst, --dst-port (and --src-port, --protocol, --time), or --record FILE:LINE, or --rejects',
            );
          const protocol = protocolNumber(flags.protocol ?? 'tcp');
          if (protocol === undefined || protocol < 0)
            throw new UsageError(
              'BAD_PROTOCOL',
              `--protocol "${flags.protocol}" is not tcp, udp, icmp, icmpv6 or 0-255`,
            );
          const ports = protocol === 6 || protocol === 17;
          rec = {
            interfaceId: flags.interface,
            srcaddr: flags.src,
            dstaddr: flags.dst,
            srcport: int(flags.srcPort, '--src-port', ports ? 50000 : 0),
            dstport: int(flags.dstPort, '--dst-port', ports ? undefined : 0),
            protocol,
            given: true,
            ...(flags.icmpType !== undefined ? { icmpType: int(flags.icmpType, '--icmp-type') } : {}),
            ...(flags.icmpCode !== undefined ? { icmpCode: int(flags.icmpCode, '--icmp-code') } : {}),
          };
          time = flags.time ? parseTime(flags.time, '--time') : Math.floor(Date.now() / 1000);
        }
        const pick = inForce(snaps.list, time)!;
        const model = await snaps.model(pick.snapshot.id);
        const e = explainRecord(model, rec);
        if (output === 'json')
          io.out(`${JSON.stringify(explanationJson(e, pick.snapshot, pick.predates, model), null, 2)}\n`);
        else printOne(io, e, pick.snapshot, pick.predates, time, model);
      } finally {
        store.close();
      }
    });
}
