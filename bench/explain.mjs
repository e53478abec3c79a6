// bench:explain — `flowwatch explain --rejects` (and `network what-if`, every flow judged before and after a change)
// over N stored REJECT records against a generated snapshot of 500
// security groups and 200 network ACLs (2,000 interfaces in 200 subnets), side by side with `top rejected` over the
// same records (it reads the rejected-traffic rollup) and a plain grouped scan of the records (`flowwatch sql`).
// Medians of --runs runs, wall and CPU time (GNU time).
//
// Usage: npm run build && npm run bench:explain [-- --records 200000 --runs 3] [--keep] [--dir KEPT] [--what-if]
// Target (issue 16): 10M records ≤ 10 s. Results go to bench/results/explain.json.

import { once } from 'node:events';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, run } from './lib.mjs';

const root = resolve(import.meta.dirname, '..');
const BIN = join(root, 'bin', 'flowwatch.js');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = opt('records', 200_000);
const RUNS = opt('runs', 3);

let seed = 11;
// --spread: take the generator's high bits (its low bits repeat with a short period, so without it the records
// have only 462 distinct addresses; with it, 7,840 at 2M records: most of the generated ranges' 7,680 remote
// addresses and the 2,000 interfaces')
const SPREAD = args.includes('--spread');
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return SPREAD ? Math.floor((seed / 2147483648) * n) : seed % n;
};

// --dir D: reuse a store kept by an earlier run with --keep (same --records), skipping generation and ingest
const reuseAt = args.indexOf('--dir');
const reuse = reuseAt >= 0 && existsSync(join(args[reuseAt + 1], 'b.duckdb'));
const dir = reuse ? args[reuseAt + 1] : mkdtempSync(join(tmpdir(), 'fw-bench-explain-'));
const db = join(dir, 'b.duckdb');
const net = join(dir, 'net');
mkdirSync(net, { recursive: true });

// The snapshot: 200 subnets 10.<s/100>.<s%100>.0/24 each with its own ACL, 500 groups, 2,000 interfaces.
const SUBNETS = 200;
const GROUPS = 500;
const ENIS = 2000;
const subnetIp = (s, host) => `10.${Math.floor(s / 100)}.${s % 100}.${host}`;
const ports = [22, 80, 443, 3389, 5432, 8080, 6379, 9200];
const groups = Array.from({ length: GROUPS }, (_, g) => ({
  GroupId: `sg-${g.toString(16).padStart(8, '0')}`,
  GroupName: `g${g}`,
  VpcId: 'vpc-0bench',
  IpPermissions: [
    { IpProtocol: 'tcp', FromPort: ports[g % 8], ToPort: ports[g % 8], IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
    {
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      IpRanges: [{ CidrIp: '0.0.0.0/0' }],
      Ipv6Ranges: [{ CidrIpv6: '::/0' }],
    },
    { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, PrefixListIds: [{ PrefixListId: 'pl-0bench' }] },
    {
      IpProtocol: 'tcp',
      FromPort: 8000,
      ToPort: 8100,
      UserIdGroupPairs: [{ GroupId: `sg-${((g + 1) % GROUPS).toString(16).padStart(8, '0')}` }],
    },
    { IpProtocol: 'icmp', FromPort: 3, ToPort: 4, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
  ],
  IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
}));
const entry = (n, egress, action, extra) => ({
  RuleNumber: n,
  Egress: egress,
  RuleAction: action,
  CidrBlock: '0.0.0.0/0',
  Protocol: '-1',
  ...extra,
});
const acls = Array.from({ length: SUBNETS }, (_, s) => ({
  NetworkAclId: `acl-${s.toString(16).padStart(8, '0')}`,
  VpcId: 'vpc-0bench',
  IsDefault: false,
  Associations: [{ SubnetId: `subnet-${s}` }],
  Entries: [
    ...[10, 20, 30, 40, 50].map((n, i) => entry(n, false, 'deny', { CidrBlock: `198.51.${100 + i}.0/24` })),
    entry(90, false, 'allow', { Protocol: '6', PortRange: { From: 22, To: 22 } }),
    entry(100, false, 'allow', { Protocol: '6', PortRange: { From: 443, To: 443 } }),
    entry(110, false, 'allow', { Protocol: '6', PortRange: { From: 1024, To: 65535 } }),
    entry(32767, false, 'deny'),
    entry(90, true, 'deny', { Protocol: '1', IcmpTypeCode: { Type: -1, Code: -1 } }),
    entry(100, true, 'allow', { Protocol: '6', PortRange: { From: 32768, To: 61000 } }),
    entry(110, true, 'allow', { Protocol: '6', PortRange: { From: 80, To: 443 } }),
    entry(32767, true, 'deny'),
  ],
}));
const enis = Array.from({ length: ENIS }, (_, e) => ({
  NetworkInterfaceId: `eni-${e.toString(16).padStart(8, '0')}`,
  SubnetId: `subnet-${e % SUBNETS}`,
  VpcId: 'vpc-0bench',
  Groups: Array.from({ length: 1 + (e % 3) }, (_, k) => ({
    GroupId: groups[(e * 7 + k * 13) % GROUPS].GroupId,
  })),
  PrivateIpAddress: subnetIp(e % SUBNETS, 10 + Math.floor(e / SUBNETS)),
}));
const subnets = Array.from({ length: SUBNETS }, (_, s) => ({
  SubnetId: `subnet-${s}`,
  VpcId: 'vpc-0bench',
  CidrBlock: subnetIp(s, '0/24'),
}));
writeFileSync(join(net, 'sgs.json'), JSON.stringify({ SecurityGroups: groups }));
writeFileSync(join(net, 'acls.json'), JSON.stringify({ NetworkAcls: acls }));
writeFileSync(join(net, 'enis.json'), JSON.stringify({ NetworkInterfaces: enis }));
writeFileSync(join(net, 'subnets.json'), JSON.stringify({ Subnets: subnets }));
writeFileSync(join(net, 'pl-0bench.json'), JSON.stringify({ Entries: [{ Cidr: '192.0.2.0/24' }] }));

// N REJECT records: scanners and clients against random interfaces, random source ports (nearly all distinct).
const T0 = 1767571200; // 2026-01-05
// Written in chunks: 10M lines are past the largest string V8 makes.
if (!reuse) {
  const out = createWriteStream(join(dir, 'flows.log'));
  let chunk = [
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction tcp-flags',
  ];
  for (let i = 0; i < N; i++) {
    const e = enis[rnd(ENIS)];
    const remote = `${[198, 203, 192][rnd(3)]}.${[51, 0][rnd(2)]}.${100 + rnd(5)}.${rnd(256)}`;
    const t = T0 + rnd(86_400);
    const inbound = rnd(4) !== 0;
    chunk.push(
      inbound
        ? `5 111122223333 ${e.NetworkInterfaceId} ${remote} ${e.PrivateIpAddress} ${1024 + rnd(64000)} ${ports[rnd(8)]} 6 1 60 ${t} ${t + 30} REJECT OK ingress 2`
        : `5 111122223333 ${e.NetworkInterfaceId} ${e.PrivateIpAddress} ${remote} ${ports[rnd(8)]} ${1024 + rnd(64000)} 6 1 60 ${t} ${t + 30} REJECT OK egress 18`,
    );
    if (chunk.length >= 100_000 || i === N - 1) {
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
      chunk = [];
    }
  }
  out.end();
  await once(out, 'finish');
  process.stderr.write(`ingesting ${N} records and loading the snapshot...\n`);
  await run('node', [BIN, 'ingest', join(dir, 'flows.log'), '--db', db]);
  await run('node', [BIN, 'network', 'load', net, '--at', String(T0 - 3600), '--db', db]);
}

const variants = {
  'top rejected': ['top', 'rejected', '--since', '0', '--db', db],
  // a plain grouped scan of the records (the rollup `top rejected` reads spares it the records)
  'grouped scan (sql)': [
    'sql',
    "SELECT interface_id, srcaddr, dstaddr, dstport, count(*) AS n, min(event_time) AS first, max(event_time) AS last FROM flows WHERE action = 'REJECT' GROUP BY ALL ORDER BY n DESC LIMIT 20",
    '--db',
    db,
  ],
  'explain --rejects': ['explain', '--rejects', '--since', '0', '--output', 'json', '--db', db],
};
// every stored flow judged twice (before and after opening 3389 from 203.0.100.0/24 on the first group); record by
// record, so only with --what-if (about 20 µs per record)
if (args.includes('--what-if'))
  variants['network what-if'] = [
    'network',
    'what-if',
    '--since',
    '0',
    '--output',
    'json',
    '--change',
    `aws ec2 authorize-security-group-ingress --group-id ${groups[0].GroupId} --protocol tcp --port 3389 --cidr 203.0.100.0/24`,
    '--db',
    db,
  ];
// CPU time (user + system, all of DuckDB's threads) beside wall time: on a loaded machine the wall time is
// mostly waiting for a core. GNU time when the machine has it, else wall time only.
const GNU_TIME = '/usr/bin/time';
async function timed(argv) {
  if (!existsSync(GNU_TIME)) return { ...(await run('node', [BIN, ...argv])), cpu: Number.NaN };
  const file = join(dir, 'time.txt');
  const x = await run(GNU_TIME, ['-f', '%U %S %M', '-o', file, 'node', BIN, ...argv]);
  const [user, sys, kb] = readFileSync(file, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
  return { ...x, cpu: user + sys, peakMb: kb / 1024 };
}
const results = {};
const samples = Object.fromEntries(
  Object.keys(variants).map((n) => [n, { times: [], cpus: [], peak: 0, out: '' }]),
);
// run by run, the commands alternate, so each run of each sees about the same load
for (let r = 0; r < RUNS; r++)
  for (const [name, argv] of Object.entries(variants)) {
    const x = await timed(argv);
    const s = samples[name];
    s.times.push(x.seconds);
    s.cpus.push(x.cpu);
    s.peak = Math.max(s.peak, x.peakMb);
    s.out = x.out;
  }
for (const [name, s] of Object.entries(samples)) {
  const out = s.out;
  results[name] = { seconds: median(s.times), cpuSeconds: median(s.cpus), peakMb: Math.round(s.peak) };
  if (name === 'network what-if') {
    const j = JSON.parse(out);
    results[name].judged = j.judged.records;
    results[name].becomeAccepted = j.becomeAccepted.records;
  }
  if (name.startsWith('explain')) {
    const j = JSON.parse(out);
    results[name].rejects = j.rejects;
    results[name].groups = j.groups.length;
  }
}
const base = results['top rejected'].seconds;
const ex = results['explain --rejects'];
const perMillion = ex.seconds / (N / 1_000_000);
const wi = results['network what-if'] ?? { seconds: Number.NaN };
const summary = {
  records: N,
  runs: RUNS,
  results,
  ratioToBaseline: Number((ex.seconds / base).toFixed(2)),
  cpuRatioToBaseline: Number((ex.cpuSeconds / results['top rejected'].cpuSeconds).toFixed(2)),
  cpuRatioToGroupedScan: Number((ex.cpuSeconds / results['grouped scan (sql)'].cpuSeconds).toFixed(2)),
  whatIfRatioToBaseline: Number((wi.seconds / base).toFixed(2)),
  secondsPerMillion: Number(perMillion.toFixed(2)),
  projected10M: Number((perMillion * 10).toFixed(1)),
};
for (const [name, r] of Object.entries(results))
  console.log(
    `${name.padEnd(30)} wall ${r.seconds.toFixed(2)} s  cpu ${r.cpuSeconds.toFixed(2)} s  peak ${r.peakMb} MB`,
  );
console.log(
  `explain / top rejected ${summary.ratioToBaseline}× wall, ${summary.cpuRatioToBaseline}× cpu; explain / grouped scan ${summary.cpuRatioToGroupedScan}× cpu; ${summary.secondsPerMillion} s per million records; projected 10M: ${summary.projected10M} s (target ≤ 10 s)`,
);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'explain.json'), `${JSON.stringify(summary, null, 2)}\n`);
if (!args.includes('--keep') && !reuse) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
