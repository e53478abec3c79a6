// Live traffic of a small VPC for the demo: flow log lines (the simulator's v5 format) for any given second,
// with an SSH brute force, a port scan and pings denied by a network ACL injected on a schedule.

import { Random } from './random.js';
import { SIMULATE_DEFAULT_FORMAT } from './simulate.js';

const ACCOUNT = '123456789012';
const VPC = 'vpc-0a1b2c3d4e5f60718';
const REGION = 'us-east-1';

interface Host {
  readonly ip: string;
  readonly eni: string;
  readonly subnet: string;
  readonly instance: string;
  readonly az: string;
}
const host = (ip: string, n: number, subnet: string, az: string): Host => ({
  ip,
  eni: `eni-0${(0xabc000 + n).toString(16)}live${n}`,
  subnet,
  instance: `i-0${(0xdef000 + n).toString(16)}live${n}`,
  az,
});
const WEB = [
  host('10.0.1.21', 1, 'subnet-0web00000000001', 'use1-az1'),
  host('10.0.1.22', 2, 'subnet-0web00000000001', 'use1-az1'),
];
const BASTION = host('10.0.1.10', 3, 'subnet-0web00000000001', 'use1-az1');
const APP = [
  host('10.0.2.31', 4, 'subnet-0app00000000002', 'use1-az2'),
  host('10.0.2.32', 5, 'subnet-0app00000000002', 'use1-az2'),
];
const DB = host('10.0.3.41', 6, 'subnet-0db000000000003', 'use1-az2');
/** The HPC nodes' EFA interfaces (their OS-bypass traffic is `type` EFA, without ports or protocol). */
const HPC = [
  host('10.0.4.11', 7, 'subnet-0hpc00000000004', 'use1-az2'),
  host('10.0.4.12', 8, 'subnet-0hpc00000000004', 'use1-az2'),
];
/** The web servers' IPv6 addresses (they are dual-stack), in the order of WEB. */
const WEB6 = ['2600:1f18:4a3:6b01::21', '2600:1f18:4a3:6b01::22'];

/**
 * The attacks and when they run (seconds after the start, then every `every` seconds, for `length` seconds). A
 * brute force tries once a second for four minutes out of ten and the denied pings last two minutes out of five,
 * as real ones do (sustained, not a 20-second blip): the starter alarms (2 of 3 minutes at or over 5 rejected SSH,
 * 2 denied pings) fire in their second minute, go OK between the bursts, and their notifications fold into one
 * episode per alarm.
 */
export const LIVE_SCHEDULE = {
  sshBruteForce: { source: '203.0.113.250', first: 5, every: 600, length: 240 },
  deniedPing: { source: BASTION.ip, first: 20, every: 300, length: 120 },
  portScan: { source: '192.0.2.178', first: 60, every: 240, length: 15 },
} as const;

const active = (s: { first: number; every: number; length: number }, elapsed: number) =>
  elapsed >= s.first && (elapsed - s.first) % s.every < s.length;

/**
 * Flow log lines for one second of a demo VPC.
 *
 * @example new LiveTraffic(Date.now() / 1000).linesFor(Math.floor(Date.now() / 1000))
 */
export class LiveTraffic {
  /** The `${...}` format of the lines. */
  readonly format = SIMULATE_DEFAULT_FORMAT.text;
  constructor(
    private readonly started: number,
    private readonly perSecond = 40,
    private readonly seed = 1,
  ) {}

  linesFor(second: number): string[] {
    const rng = new Random(this.seed * 1_000_003 + second);
    const out: string[] = [];
    const rec = (
      h: Host,
      src: string,
      dst: string,
      sport: number,
      dport: number,
      proto: number,
      packets: number,
      bytes: number,
      action: 'ACCEPT' | 'REJECT',
      direction: 'ingress' | 'egress',
      flags: number,
      lag = 50,
      type: 'IPv4' | 'IPv6' | 'EFA' = src.includes(':') ? 'IPv6' : 'IPv4',
    ) => {
      const efa = type === 'EFA';
      // Normal flows started up to 50 s before their record; attacks are recorded at once (so the alarms see
      // them in the minute they happen).
      const start = second - rng.int(0, lag);
      out.push(
        [
          5,
          ACCOUNT,
          h.eni,
          src,
          dst,
          efa ? '-' : sport,
          efa ? '-' : dport,
          efa ? '-' : proto,
          packets,
          bytes,
          start,
          second,
          action,
          'OK',
          VPC,
          h.subnet,
          h.instance,
          efa ? '-' : flags,
          type,
          src,
          dst,
          REGION,
          h.az,
          '-',
          '-',
          '-',
          '-',
          direction,
          direction === 'egress' ? (efa ? 1 : 8) : '-',
        ].join(' '),
      );
    };
    const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)]!;
    const eph = () => rng.int(32768, 60999);
    // A fractional rate: its whole part every second, one more with the probability of the rest.
    const whole = Math.floor(this.perSecond);
    const count = whole + (rng.next() < this.perSecond - whole ? 1 : 0);
    for (let i = 0; i < count; i++) {
      const r = rng.next();
      if (r < 0.35) {
        // One client in ten comes over IPv6 to the web servers' IPv6 addresses.
        const i = rng.int(0, WEB.length - 1);
        const w = WEB[i]!;
        const v6 = rng.chance(0.1);
        const client = v6
          ? `2001:db8:${rng.int(1, 0xffff).toString(16)}::${rng.int(1, 0xffff).toString(16)}`
          : `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
        const to = v6 ? WEB6[i]! : w.ip;
        rec(w, client, to, eph(), 443, 6, rng.int(5, 40), rng.int(800, 60_000), 'ACCEPT', 'ingress', 19);
      } else if (r < 0.38) {
        const [a, b] = rng.chance(0.5) ? [HPC[0]!, HPC[1]!] : [HPC[1]!, HPC[0]!];
        const bytes = rng.int(1_000_000, 50_000_000);
        rec(a, a.ip, b.ip, 0, 0, 0, Math.ceil(bytes / 8900), bytes, 'ACCEPT', 'egress', 0, 50, 'EFA');
      } else if (r < 0.6) {
        const w = pick(WEB);
        const a = pick(APP);
        rec(w, w.ip, a.ip, eph(), 8080, 6, rng.int(4, 30), rng.int(500, 20_000), 'ACCEPT', 'egress', 19);
      } else if (r < 0.8) {
        const a = pick(APP);
        rec(a, a.ip, DB.ip, eph(), 5432, 6, rng.int(4, 60), rng.int(400, 90_000), 'ACCEPT', 'egress', 19);
      } else if (r < 0.95) {
        const a = pick(APP);
        rec(
          a,
          a.ip,
          `52.216.${rng.int(0, 255)}.${rng.int(1, 254)}`,
          eph(),
          443,
          6,
          rng.int(10, 400),
          rng.int(5_000, 3_000_000),
          'ACCEPT',
          'egress',
          19,
        );
      } else {
        const w = pick(WEB);
        const scanner = `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
        rec(
          w,
          scanner,
          w.ip,
          eph(),
          pick([23, 445, 1433, 3389, 6379, 8443]),
          6,
          1,
          44,
          'REJECT',
          'ingress',
          2,
        );
      }
    }
    const elapsed = second - Math.floor(this.started);
    if (active(LIVE_SCHEDULE.sshBruteForce, elapsed)) {
      rec(
        BASTION,
        LIVE_SCHEDULE.sshBruteForce.source,
        BASTION.ip,
        eph(),
        22,
        6,
        1,
        60,
        'REJECT',
        'ingress',
        2,
        0,
      );
    }
    if (active(LIVE_SCHEDULE.deniedPing, elapsed)) {
      rec(BASTION, BASTION.ip, '8.8.8.8', 0, 0, 1, 1, 84, 'REJECT', 'egress', 0, 0);
    }
    if (active(LIVE_SCHEDULE.portScan, elapsed)) {
      const w = WEB[0]!;
      for (let i = 0; i < 20; i++)
        rec(
          w,
          LIVE_SCHEDULE.portScan.source,
          w.ip,
          40000,
          rng.int(1, 10_000),
          6,
          1,
          44,
          'REJECT',
          'ingress',
          2,
          0,
        );
    }
    return out;
  }
}
