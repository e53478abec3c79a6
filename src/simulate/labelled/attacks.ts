// The injected attacks of the labelled corpus: their connections, their effects on logging, and their labels.

import { hash32, Random } from '../random.js';
import { ipv6, publicIpv4, publicIpv6 } from './addresses.js';
import { fresh, type World } from './background.js';
import type { Conn, Leg } from './records.js';
import type { Estate, Host } from './topology.js';
import type { Attack, Kind } from './truth.js';

/** A rule that changes what an interface logs in a window. */
export type LoggingRule =
  /** The interface writes nothing at all (stopped logging). */
  | {
      readonly type: 'silence';
      readonly host: Host;
      readonly from: number;
      readonly to: number;
      readonly tag: string;
    }
  /** Half the interface's records are lost; one SKIPDATA record per minute says so. */
  | {
      readonly type: 'skip';
      readonly host: Host;
      readonly from: number;
      readonly to: number;
      readonly tag: string;
    }
  /** Replies of accepted inbound connections to `dst` are rejected by a network ACL (background included). */
  | {
      readonly type: 'nacl';
      readonly dst: string;
      readonly dport: number | undefined;
      readonly from: number;
      readonly to: number;
      readonly tag: string;
    };

/** An attack as built: its label (window and records filled in by the generator), connections and rules. */
export interface AttackBuild {
  readonly label: Omit<Attack, 'start' | 'end' | 'records'>;
  readonly conns: Conn[];
  readonly rules: LoggingRule[];
}

/** Known-bad addresses: what the indicator file lists and which attack uses which entry. */
export interface Indicators {
  /** Lines of the indicator file. */
  readonly lines: readonly string[];
  readonly c2: string;
  readonly badNet24: string;
  readonly badIn: string;
  readonly badNet6: string;
  readonly badIn6: string;
  readonly badNet22: string;
  readonly badDl: string;
}

/** The indicator list: four entries that attacks use and decoys never seen in the traffic. */
export function buildIndicators(seed: number, taken: Set<string>): Indicators {
  const rng = new Random(hash32(seed, 0x1d1c));
  const c2 = fresh(taken, () => `91.215.${rng.int(150, 159)}.${rng.int(2, 250)}`);
  const badIn = fresh(taken, () => `45.95.147.${rng.int(2, 250)}`);
  const badIn6 = fresh(taken, () =>
    ipv6([0x2a0b, 0x4340, 0xa1, rng.int(1, 0xff), 0, 0, 0, rng.int(2, 0xfff)]),
  );
  const badDl = fresh(taken, () => `194.26.${rng.int(28, 31)}.${rng.int(2, 250)}`);
  const decoys = [
    '185.220.101.0/24',
    '91.240.118.172',
    '45.142.212.0/24',
    '194.180.48.0/22',
    '2a0e:fd45:2a0c::/48',
    '185.56.83.83',
    '91.92.240.0/22',
  ];
  const lines = [
    '# flowwatch labelled corpus: known-bad addresses (one IPv4/IPv6 address or CIDR per line; # comments)',
    `# seed ${seed}`,
    c2,
    '45.95.147.0/24',
    '2a0b:4340:a1::/48',
    '194.26.28.0/22',
    ...decoys,
    '',
  ];
  return {
    lines,
    c2,
    badNet24: '45.95.147.0/24',
    badIn,
    badNet6: '2a0b:4340:a1::/48',
    badIn6,
    badNet22: '194.26.28.0/22',
    badDl,
  };
}

const leg = (packets: number, bytes: number, flags: number): Leg => ({ packets, bytes, flags });
const HOUR = 3600;
const MIN = 60;

/**
 * Builds every attack of a corpus covering [start, end). Each attack starts at a fixed fraction of the span
 * (plus a seeded jitter) and is cut short when the span ends first; the numbers in `details` and `intensity`
 * are counted from what was actually generated, so they hold for short test corpora too.
 */
export function buildAttacks(
  seed: number,
  estate: Estate,
  world: World,
  ind: Indicators,
  start: number,
  end: number,
): AttackBuild[] {
  const span = end - start;
  const out: AttackBuild[] = [];
  const ip = (n: string) => estate.host(n).ip4;
  const h = (n: string) => estate.host(n);
  let index = 0;

  /** Starts an attack: its generator, its start time and a function that cuts durations to the span. */
  const begin = (frac: number) => {
    const rng = new Random(hash32(seed, 0xa77, index++));
    const t0 = start + Math.floor(frac * span) + rng.int(0, 300);
    const cut = (dur: number) => Math.max(60, Math.min(dur, end - 120 - t0));
    return { rng, t0, cut };
  };
  const v4 = (rng: Random) => fresh(world.taken, () => publicIpv4(rng));
  const v6 = (rng: Random) => fresh(world.taken, () => publicIpv6(rng));
  const eph = (rng: Random) => rng.int(32768, 60999);
  const add = (
    label: Omit<AttackBuild['label'], 'also'> & { also?: readonly Kind[] },
    conns: Conn[],
    rules: LoggingRule[] = [],
  ) => {
    for (const c of conns) (c as { tag?: string }).tag = label.id;
    out.push({ label: { ...label, also: label.also ?? [] }, conns, rules });
  };

  /** A vertical scan: `ports` probes from src to dst spread evenly over `dur` seconds. */
  const vertical = (
    rng: Random,
    t0: number,
    dur: number,
    src: string,
    dst: string,
    ports: number[],
    open: readonly number[],
  ): Conn[] => {
    const gap = dur / ports.length;
    return ports.map((p, i) => {
      const ok = open.includes(p);
      return {
        t: t0 + i * gap + rng.next() * gap * 0.2,
        dur: 0,
        src,
        dst,
        sport: eph(rng),
        dport: p,
        proto: 6,
        fwd: leg(ok ? 2 : 1, ok ? 84 : 44, ok ? 6 : 2),
        rev: ok ? leg(1, 44, 18) : undefined,
        inAction: ok ? 'ACCEPT' : 'REJECT',
      };
    });
  };
  const shuffled = (rng: Random, xs: number[]) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  };
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  const fmtDur = (s: number) => (s >= HOUR ? `${+(s / HOUR).toFixed(1)} h` : `${Math.round(s / MIN)} min`);

  // --- port-scan-vertical -------------------------------------------------------------------------------------
  {
    const { rng, t0, cut } = begin(0.1);
    const src = v4(rng);
    const dur = cut(120);
    const ports = shuffled(rng, range(1, 1024)).slice(0, Math.max(20, Math.round((1000 * dur) / 120)));
    add(
      {
        id: 'a01-vscan-fast',
        kind: 'port-scan-vertical',
        entity: src,
        alt: [ip('web-1'), h('web-1').eni],
        direction: 'inbound',
        family: 4,
        intensity: `${ports.length} distinct ports in ${fmtDur(dur)} (${(ports.length / dur).toFixed(1)} probes/s)`,
        details: { ports: ports.length, seconds: dur, target: ip('web-1'), open: '80,443' },
        description: `Fast SYN scan of web-1's ports 1-1024 from one internet address; all rejected but 80 and 443.`,
      },
      vertical(rng, t0, dur, src, ip('web-1'), ports, [80, 443]),
    );
  }
  {
    const { rng, t0, cut } = begin(0.55);
    const src = v4(rng);
    const dur = cut(150 * 60);
    const n = Math.max(5, Math.floor(dur / 150));
    const ports = shuffled(rng, [
      22,
      21,
      23,
      25,
      80,
      110,
      143,
      443,
      445,
      993,
      995,
      1433,
      1521,
      2049,
      3306,
      3389,
      5432,
      5900,
      6379,
      8080,
      8443,
      9200,
      11211,
      27017,
      ...range(8000, 8040),
    ]).slice(0, n);
    add(
      {
        id: 'a02-vscan-slow',
        kind: 'port-scan-vertical',
        entity: src,
        alt: [ip('stg-bastion'), h('stg-bastion').eni],
        direction: 'inbound',
        family: 4,
        intensity: `${ports.length} distinct ports, one probe every 150 s (${fmtDur(dur)})`,
        details: {
          ports: ports.length,
          seconds: dur,
          probeEverySeconds: 150,
          target: ip('stg-bastion'),
          open: '22',
        },
        description:
          'Slow scan of the staging bastion (default-format flow log): one SYN every 150 s on a list of service ports; 22 accepted.',
      },
      vertical(rng, t0, n * 150, src, ip('stg-bastion'), ports, [22]),
    );
  }
  {
    const { rng, t0, cut } = begin(0.3);
    const src = v6(rng);
    const dur = cut(600);
    const ports = shuffled(rng, range(1, 2000)).slice(0, Math.max(20, Math.round(dur / 2)));
    add(
      {
        id: 'a03-vscan-v6',
        kind: 'port-scan-vertical',
        entity: src,
        alt: [h('web-2').ip6!, h('web-2').eni],
        direction: 'inbound',
        family: 6,
        intensity: `${ports.length} distinct ports in ${fmtDur(dur)} (1 probe / 2 s) over IPv6`,
        details: { ports: ports.length, seconds: dur, target: h('web-2').ip6! },
        description: "IPv6 scan of web-2's IPv6 address; all rejected but 80 and 443.",
      },
      vertical(rng, t0, dur, src, h('web-2').ip6!, ports, [80, 443]),
    );
  }
  {
    const { rng, t0, cut } = begin(0.7);
    const dur = cut(300);
    const ports = shuffled(rng, range(1, 10000)).slice(0, Math.max(20, Math.round((200 * dur) / 300)));
    if (!ports.includes(5432)) ports[0] = 5432;
    add(
      {
        id: 'a04-vscan-internal',
        kind: 'port-scan-vertical',
        also: ['outbound-scan'],
        entity: ip('app-3'),
        alt: [h('app-3').eni, ip('db-2')],
        direction: 'internal',
        family: 4,
        intensity: `${ports.length} distinct ports in ${fmtDur(dur)}, east-west`,
        details: { ports: ports.length, seconds: dur, target: ip('db-2'), open: '5432' },
        description:
          'A compromised app server scans the replica database host (both interfaces log it); only 5432 is accepted.',
      },
      vertical(rng, t0, dur, ip('app-3'), ip('db-2'), ports, [5432]),
    );
  }

  // --- sweep-horizontal ---------------------------------------------------------------------------------------
  {
    const { rng, t0, cut } = begin(0.2);
    const src = v4(rng);
    const dur = cut(180);
    const targets = ['web-1', 'web-2', 'lb-a', 'lb-b', 'bastion', 'stg-web', 'stg-bastion', 'rdp-gw', 'vpn'];
    const conns = targets.map((n, i) => ({
      t: t0 + (i * dur) / targets.length,
      dur: 0,
      src,
      dst: ip(n),
      sport: eph(rng),
      dport: 5900,
      proto: 6,
      fwd: leg(1, 44, 2),
      inAction: 'REJECT' as const,
    }));
    add(
      {
        id: 'b01-sweep-inbound',
        kind: 'sweep-horizontal',
        entity: src,
        alt: [],
        direction: 'inbound',
        family: 4,
        intensity: `port 5900 on all ${targets.length} public IPv4 hosts of both accounts in ${fmtDur(dur)}`,
        details: { hosts: targets.length, port: 5900, seconds: dur },
        description:
          'One internet address probes VNC (5900) on every public host of the estate (prod, staging, corp); all rejected.',
      },
      conns,
    );
  }
  {
    const { rng, t0, cut } = begin(0.4);
    const dur = cut(480);
    const n = Math.max(20, Math.min(254, Math.round((254 * dur) / 480)));
    const conns: Conn[] = [];
    for (let i = 1; i <= n; i++) {
      const dst = `172.20.2.${i}`;
      if (dst === ip('build-2')) continue;
      const target = estate.byIp(dst);
      const open = target?.name === 'ad-1' || target?.name === 'file-1';
      conns.push({
        t: t0 + (i * dur) / n,
        dur: 0,
        src: ip('build-2'),
        dst,
        sport: eph(rng),
        dport: 445,
        proto: 6,
        fwd: leg(1, 52, open ? 6 : 2),
        rev: target ? leg(1, 44, 18) : undefined,
        inAction: target && !open ? 'REJECT' : 'ACCEPT',
      });
    }
    add(
      {
        id: 'b02-sweep-internal',
        kind: 'sweep-horizontal',
        also: ['outbound-scan'],
        entity: ip('build-2'),
        alt: [h('build-2').eni],
        direction: 'internal',
        family: 4,
        intensity: `SMB (445) on ${conns.length} addresses of 172.20.2.0/24 in ${fmtDur(dur)}`,
        details: { hosts: conns.length, port: 445, seconds: dur },
        description:
          'A corp build host sweeps its own subnet for SMB; most addresses have no interface (only the sweeper logs them), existing hosts reject it except ad-1 and file-1.',
      },
      conns,
    );
  }
  {
    const { rng, t0, cut } = begin(0.8);
    const dur = cut(2 * HOUR);
    const n = Math.max(10, Math.floor(dur / 60));
    const conns: Conn[] = [];
    for (let i = 0; i < n; i++) {
      const dst = `10.20.${2 + Math.floor(i / 250)}.${(i % 250) + 2}`;
      if (dst === ip('stg-app')) continue;
      const target = estate.byIp(dst);
      conns.push({
        t: t0 + i * 60 + rng.next() * 10,
        dur: 0,
        src: ip('stg-app'),
        dst,
        sport: eph(rng),
        dport: 22,
        proto: 6,
        fwd: leg(1, 60, 2),
        inAction: target ? 'REJECT' : 'ACCEPT',
      });
    }
    add(
      {
        id: 'b03-sweep-slow',
        kind: 'sweep-horizontal',
        also: ['outbound-scan'],
        entity: ip('stg-app'),
        alt: [h('stg-app').eni],
        direction: 'internal',
        family: 4,
        intensity: `SSH (22) on ${conns.length} addresses, one a minute (${fmtDur(dur)})`,
        details: { hosts: conns.length, port: 22, seconds: dur, probeEverySeconds: 60 },
        description:
          'Slow internal sweep from the staging app server across 10.20.2.0/24 (default-format flow log), one address a minute.',
      },
      conns,
    );
  }

  // --- outbound-scan ------------------------------------------------------------------------------------------
  {
    const { rng, t0, cut } = begin(0.35);
    const dur = cut(30 * MIN);
    const n = Math.max(20, Math.round((600 * dur) / (30 * MIN)));
    const conns: Conn[] = [];
    for (let i = 0; i < n; i++) {
      const answers = rng.chance(0.03);
      conns.push({
        t: t0 + (i * dur) / n,
        dur: 0,
        src: ip('app-2'),
        dst: v4(rng),
        sport: eph(rng),
        dport: 6379,
        proto: 6,
        fwd: leg(1, 60, 2),
        rev: answers ? leg(1, 40, 4) : undefined,
      });
    }
    add(
      {
        id: 'c01-outscan-v4',
        kind: 'outbound-scan',
        also: ['sweep-horizontal'],
        entity: ip('app-2'),
        alt: [h('app-2').eni, ip('nat')],
        direction: 'outbound',
        family: 4,
        intensity: `Redis (6379) on ${n} random internet addresses in ${fmtDur(dur)} through the NAT gateway; ~3% answer with RST`,
        details: { hosts: n, port: 6379, seconds: dur },
        description:
          'A compromised app server sweeps the internet for Redis; the NAT gateway logs the translated flows with its own address as source.',
      },
      conns,
    );
  }
  {
    const { rng, t0, cut } = begin(0.62);
    const dur = cut(20 * MIN);
    const n = Math.max(20, Math.round((400 * dur) / (20 * MIN)));
    const conns: Conn[] = [];
    for (let i = 0; i < n; i++) {
      conns.push({
        t: t0 + (i * dur) / n,
        dur: 0,
        src: h('build-1').ip6!,
        dst: v6(rng),
        sport: eph(rng),
        dport: 22,
        proto: 6,
        fwd: leg(1, 80, 2),
      });
    }
    add(
      {
        id: 'c02-outscan-v6',
        kind: 'outbound-scan',
        also: ['sweep-horizontal'],
        entity: h('build-1').ip6!,
        alt: [h('build-1').eni, ip('build-1')],
        direction: 'outbound',
        family: 6,
        intensity: `SSH (22) on ${n} random IPv6 addresses in ${fmtDur(dur)}, no answers`,
        details: { hosts: n, port: 22, seconds: dur },
        description:
          'A corp build host sweeps IPv6 internet addresses for SSH over its own IPv6 address (no NAT).',
      },
      conns,
    );
  }
  {
    const { rng, t0, cut } = begin(0.9);
    const dur = cut(15 * MIN);
    const target = v4(rng);
    const ports = shuffled(rng, range(1, 1024)).slice(0, Math.max(20, Math.round((150 * dur) / (15 * MIN))));
    const conns: Conn[] = ports.map((p, i) => ({
      t: t0 + (i * dur) / ports.length,
      dur: 0,
      src: ip('db-1'),
      dst: target,
      sport: eph(rng),
      dport: p,
      proto: 6,
      fwd: leg(1, 60, 2),
      rev: p === 22 || p === 443 ? leg(1, 44, 18) : leg(1, 40, 4),
    }));
    add(
      {
        id: 'c03-outscan-vertical',
        kind: 'outbound-scan',
        also: ['port-scan-vertical'],
        entity: ip('db-1'),
        alt: [h('db-1').eni, ip('nat'), target],
        direction: 'outbound',
        family: 4,
        intensity: `${ports.length} distinct ports of one internet host in ${fmtDur(dur)} (GuardDuty Recon:EC2/Portscan style)`,
        details: { ports: ports.length, seconds: dur, target },
        description: 'The primary database host port-scans one internet address through the NAT gateway.',
      },
      conns,
    );
  }

  // --- brute-force --------------------------------------------------------------------------------------------
  const attempts = (rng: Random, times: number[], src: () => string, dst: string, port: number): Conn[] =>
    times.map((t) => ({
      t,
      dur: rng.next() * 3 + 1,
      src: src(),
      dst,
      sport: eph(rng),
      dport: port,
      proto: 6,
      fwd: leg(rng.int(12, 22), rng.int(2200, 3800), 3),
      rev: leg(rng.int(10, 18), rng.int(2800, 4200), 19),
    }));
  const every = (rng: Random, t0: number, dur: number, gap: number, jitter: number) => {
    const out: number[] = [];
    for (let t = t0; t < t0 + dur; t += gap * (1 + (rng.next() * 2 - 1) * jitter)) out.push(t);
    return out;
  };
  {
    const { rng, t0, cut } = begin(0.15);
    const src = v4(rng);
    const dur = cut(20 * MIN);
    const times = every(rng, t0, dur, 1, 0.2);
    add(
      {
        id: 'd01-ssh-fast',
        kind: 'brute-force',
        entity: src,
        alt: [ip('bastion'), h('bastion').eni],
        direction: 'inbound',
        family: 4,
        intensity: `${times.length} SSH attempts in ${fmtDur(dur)} (1/s)`,
        details: { attempts: times.length, seconds: dur, port: 22, target: ip('bastion') },
        description:
          'Fast SSH password guessing on the bastion (open to the world): a new accepted TCP connection each second, a few kB each.',
      },
      attempts(rng, times, () => src, ip('bastion'), 22),
    );
  }
  {
    const { rng, t0, cut } = begin(0.45);
    const src = v4(rng);
    const dur = cut(10 * HOUR);
    const times = every(rng, t0, dur, 120, 0.3);
    add(
      {
        id: 'd02-ssh-low-slow',
        kind: 'brute-force',
        entity: src,
        alt: [ip('stg-bastion'), h('stg-bastion').eni],
        direction: 'inbound',
        family: 4,
        intensity: `low and slow: 1 SSH attempt every 120 s ± 30% for ${fmtDur(dur)} (${times.length} attempts, 30/h)`,
        details: { attempts: times.length, seconds: dur, perHour: 30, port: 22, target: ip('stg-bastion') },
        description:
          'Low-and-slow SSH guessing on the staging bastion (default-format flow log), kept under per-minute thresholds.',
      },
      attempts(rng, times, () => src, ip('stg-bastion'), 22),
    );
  }
  {
    const { rng, t0, cut } = begin(0.25);
    const src = v4(rng);
    const dur = cut(HOUR);
    const times = every(rng, t0, dur, 6, 0.3);
    add(
      {
        id: 'd03-rdp',
        kind: 'brute-force',
        entity: src,
        alt: [ip('rdp-gw'), h('rdp-gw').eni],
        direction: 'inbound',
        family: 4,
        intensity: `${times.length} RDP attempts in ${fmtDur(dur)} (10/min)`,
        details: { attempts: times.length, seconds: dur, perMinute: 10, port: 3389, target: ip('rdp-gw') },
        description:
          'RDP password guessing on the corp RDP gateway (custom v4 format without flow-direction).',
      },
      attempts(rng, times, () => src, ip('rdp-gw'), 3389),
    );
  }
  {
    const { rng, t0, cut } = begin(0.65);
    const src = v6(rng);
    const dur = cut(3 * HOUR);
    const times = every(rng, t0, dur, 20, 0.3);
    add(
      {
        id: 'd04-ssh-v6',
        kind: 'brute-force',
        entity: src,
        alt: [h('bastion').ip6!, h('bastion').eni],
        direction: 'inbound',
        family: 6,
        intensity: `${times.length} SSH attempts over IPv6 in ${fmtDur(dur)} (3/min)`,
        details: { attempts: times.length, seconds: dur, perMinute: 3, port: 22, target: h('bastion').ip6! },
        description: "SSH guessing on the bastion's IPv6 address.",
      },
      attempts(rng, times, () => src, h('bastion').ip6!, 22),
    );
  }
  {
    const { rng, t0, cut } = begin(0.05);
    const dur = cut(2 * HOUR);
    const bots = Array.from({ length: 40 }, () => v4(rng));
    const times: number[] = [];
    const who: string[] = [];
    for (const b of bots) {
      for (let t = t0 + rng.next() * 600; t < t0 + dur; t += 600 * (0.9 + rng.next() * 0.2)) {
        times.push(t);
        who.push(b);
      }
    }
    let k = 0;
    add(
      {
        id: 'd05-ssh-distributed',
        kind: 'brute-force',
        entity: ip('bastion'),
        alt: [h('bastion').eni],
        direction: 'inbound',
        family: 4,
        intensity: `distributed: ${bots.length} sources, each 1 SSH attempt per 10 min, ${times.length} attempts in ${fmtDur(dur)} (~${Math.round((times.length / dur) * 60)}/min in total)`,
        details: {
          sources: bots.length,
          attempts: times.length,
          seconds: dur,
          port: 22,
          target: ip('bastion'),
        },
        description:
          'A botnet spreads SSH guessing on the bastion over 40 addresses so no single source stands out; the finding should name the target.',
      },
      attempts(rng, times, () => who[k++]!, ip('bastion'), 22),
    );
  }
  {
    const { rng, t0, cut } = begin(0.85);
    const src = v4(rng);
    const dur = cut(2 * HOUR);
    const times = every(rng, t0, dur, 12, 0.3);
    add(
      {
        id: 'd06-winrm',
        kind: 'brute-force',
        entity: src,
        alt: [ip('rdp-gw'), h('rdp-gw').eni],
        direction: 'inbound',
        family: 4,
        intensity: `${times.length} WinRM (5986) attempts in ${fmtDur(dur)} (5/min)`,
        details: { attempts: times.length, seconds: dur, perMinute: 5, port: 5986, target: ip('rdp-gw') },
        description: 'Password guessing on WinRM over HTTPS (5986), a login port other than SSH/RDP.',
      },
      attempts(rng, times, () => src, ip('rdp-gw'), 5986),
    );
  }

  // --- unusual-protocol ---------------------------------------------------------------------------------------
  const tunnel = (rng: Random, t0: number, dur: number, src: string, dst: string, proto: number): Conn[] => {
    const conns: Conn[] = [];
    for (let t = t0; t < t0 + dur; t += 60) {
      const b = rng.int(20_000, 900_000);
      conns.push({
        t,
        dur: 59,
        src,
        dst,
        sport: 0,
        dport: 0,
        proto,
        fwd: leg(Math.ceil(b / 1000), b, 0),
        rev: leg(Math.ceil(b / 1400), Math.round(b * 0.7), 0),
      });
    }
    return conns;
  };
  {
    const { rng, t0, cut } = begin(0.33);
    const peer = v4(rng);
    const dur = cut(90 * MIN);
    const conns = tunnel(rng, t0, dur, peer, ip('web-1'), 47);
    add(
      {
        id: 'e01-gre-inbound',
        kind: 'unusual-protocol',
        entity: ip('web-1'),
        alt: [h('web-1').eni, peer],
        direction: 'inbound',
        family: 4,
        intensity: `GRE (47) accepted, one record pair a minute for ${fmtDur(dur)}`,
        details: { protocol: 47, seconds: dur, minutes: conns.length, peer },
        description:
          'A GRE tunnel from an internet address to web-1 is accepted (a security group opened to all protocols).',
      },
      conns,
    );
  }
  {
    const { rng, t0, cut } = begin(0.58);
    const broker = v4(rng);
    const dur = cut(3 * HOUR);
    const conns = tunnel(rng, t0, dur, ip('rdp-gw'), broker, 41);
    add(
      {
        id: 'e02-6in4-outbound',
        kind: 'unusual-protocol',
        entity: ip('rdp-gw'),
        alt: [h('rdp-gw').eni, broker],
        direction: 'outbound',
        family: 4,
        intensity: `IPv6-in-IPv4 (41) to a tunnel broker, accepted, for ${fmtDur(dur)}`,
        details: { protocol: 41, seconds: dur, minutes: conns.length, peer: broker },
        description:
          'The RDP gateway opens a 6in4 tunnel (protocol 41) to an internet tunnel broker, bypassing IPv4 controls.',
      },
      conns,
    );
  }
  {
    const { rng, t0, cut } = begin(0.12);
    const peer = v4(rng);
    const dur = cut(30 * MIN);
    const conns = tunnel(rng, t0, dur, peer, ip('stg-web'), 132).map((c) => ({
      ...c,
      sport: 9899,
      dport: 9899,
    }));
    add(
      {
        id: 'e03-sctp-inbound',
        kind: 'unusual-protocol',
        entity: ip('stg-web'),
        alt: [h('stg-web').eni, peer],
        direction: 'inbound',
        family: 4,
        intensity: `SCTP (132) accepted for ${fmtDur(dur)}`,
        details: { protocol: 132, seconds: dur, minutes: conns.length, peer },
        description:
          'SCTP from an internet address accepted by the staging web server (default-format flow log).',
      },
      conns,
    );
  }

  // --- nacl-reply-drop ----------------------------------------------------------------------------------------
  {
    const { rng, t0, cut } = begin(0.28);
    const dur = cut(45 * MIN);
    const clients = Array.from({ length: 8 }, () => world.clients4[rng.int(0, 500)]!);
    const conns: Conn[] = [];
    for (let t = t0; t < t0 + dur; t += rng.int(20, 60)) {
      conns.push({
        t,
        dur: 2,
        src: rng.pick(clients),
        dst: ip('stg-web'),
        sport: rng.int(32768, 60999),
        dport: 8443,
        proto: 6,
        fwd: leg(3, 180, 2),
        rev: leg(3, 180, 18),
        replyAction: 'REJECT',
      });
    }
    add(
      {
        id: 'f01-nacl-tcp',
        kind: 'nacl-reply-drop',
        entity: ip('stg-web'),
        alt: [h('stg-web').eni],
        direction: 'inbound',
        family: 4,
        intensity: `${conns.length} inbound connections on 8443 accepted, every reply rejected, for ${fmtDur(dur)} (8 clients)`,
        details: { connections: conns.length, port: 8443, seconds: dur, clients: 8 },
        description:
          "Inbound 8443 on the staging web server is accepted but the subnet's network ACL rejects the replies (ephemeral ports not allowed out); default-format flow log.",
      },
      conns,
    );
  }
  {
    const { t0, cut } = begin(0.74);
    const dur = cut(25 * MIN);
    const dst = h('web-2').ip6!;
    add(
      {
        id: 'f02-nacl-v6',
        kind: 'nacl-reply-drop',
        entity: dst,
        alt: [h('web-2').eni, ip('web-2')],
        direction: 'inbound',
        family: 6,
        intensity: `every IPv6 HTTPS/HTTP reply of web-2 rejected for ${fmtDur(dur)} (its normal IPv6 client traffic)`,
        details: { seconds: dur, port: 443 },
        description:
          "A network ACL change without an ::/0 rule for ephemeral ports: web-2's IPv6 clients are accepted inbound, its replies rejected.",
      },
      [],
      [{ type: 'nacl', dst, dport: undefined, from: t0, to: t0 + dur, tag: 'f02-nacl-v6' }],
    );
  }
  {
    const { t0, cut } = begin(0.52);
    const dur = cut(15 * MIN);
    const dst = ip('db-2');
    add(
      {
        id: 'f03-nacl-internal',
        kind: 'nacl-reply-drop',
        entity: dst,
        alt: [h('db-2').eni],
        direction: 'internal',
        family: 4,
        intensity: `db-2's replication replies (5432) rejected for ${fmtDur(dur)}`,
        details: { seconds: dur, port: 5432 },
        description:
          "The data subnet's network ACL rejects db-2's replies to db-1's replication connection (both interfaces log).",
      },
      [],
      [{ type: 'nacl', dst, dport: 5432, from: t0, to: t0 + dur, tag: 'f03-nacl-internal' }],
    );
  }

  // --- known-bad ----------------------------------------------------------------------------------------------
  {
    const { rng, t0, cut } = begin(0.22);
    const dur = cut(2 * HOUR);
    const conns: Conn[] = [];
    for (let t = t0; t < t0 + dur; t += dur / 6) {
      conns.push({
        t,
        dur: rng.int(1, 8),
        src: ip('app-4'),
        dst: ind.c2,
        sport: eph(rng),
        dport: 443,
        proto: 6,
        fwd: leg(14, 2400, 3),
        rev: leg(12, 6800, 19),
      });
    }
    add(
      {
        id: 'g01-c2-outbound',
        kind: 'known-bad',
        entity: ind.c2,
        // the NAT gateway's translated records have its address as the source (as for c01 and c03)
        alt: [ip('app-4'), h('app-4').eni, ip('nat')],
        direction: 'outbound',
        family: 4,
        intensity: `${conns.length} HTTPS connections in ${fmtDur(dur)} to a listed single address`,
        details: { connections: conns.length, indicator: ind.c2 },
        description:
          'app-4 talks to a command-and-control address listed on its own in the indicator file (through the NAT gateway).',
      },
      conns,
    );
  }
  {
    const { rng, t0 } = begin(0.48);
    const conns = [22, 23, 445, 3389, 8080].map((p, i) => ({
      t: t0 + i * 40,
      dur: 0,
      src: ind.badIn,
      dst: ip('bastion'),
      sport: eph(rng),
      dport: p,
      proto: 6,
      fwd: leg(1, 44, 2),
      rev: p === 22 ? leg(1, 44, 18) : undefined,
      inAction: p === 22 ? ('ACCEPT' as const) : ('REJECT' as const),
    }));
    add(
      {
        id: 'g02-listed-cidr-inbound',
        kind: 'known-bad',
        entity: ind.badIn,
        alt: [ip('bastion'), h('bastion').eni],
        direction: 'inbound',
        family: 4,
        intensity: `${conns.length} probes in 3 min from an address inside a listed /24`,
        details: { connections: conns.length, indicator: ind.badNet24 },
        description: 'Five probes on the bastion from an address inside a listed /24 (only 22 accepted).',
      },
      conns,
    );
  }
  {
    const { rng, t0, cut } = begin(0.68);
    const dur = cut(HOUR);
    const conns: Conn[] = [];
    for (let t = t0; t < t0 + dur; t += dur / 20) {
      conns.push({
        t,
        dur: rng.int(1, 6),
        src: ind.badIn6,
        dst: h('web-2').ip6!,
        sport: eph(rng),
        dport: 443,
        proto: 6,
        fwd: leg(10, 1800, 3),
        rev: leg(12, 24_000, 19),
      });
    }
    add(
      {
        id: 'g03-listed-v6-inbound',
        kind: 'known-bad',
        entity: ind.badIn6,
        alt: [h('web-2').ip6!, h('web-2').eni],
        direction: 'inbound',
        family: 6,
        intensity: `${conns.length} accepted HTTPS requests in ${fmtDur(dur)} from an address inside a listed IPv6 /48`,
        details: { connections: conns.length, indicator: ind.badNet6 },
        description: "Requests to web-2's IPv6 address from inside a listed /48.",
      },
      conns,
    );
  }
  {
    const { rng, t0 } = begin(0.88);
    const conns: Conn[] = [0, 1, 2].map((i) => ({
      t: t0 + i * 90,
      dur: rng.int(2, 20),
      src: ip('build-2'),
      dst: ind.badDl,
      sport: eph(rng),
      dport: 80,
      proto: 6,
      fwd: leg(40, 3000, 3),
      rev: leg(400, 560_000, 19),
    }));
    add(
      {
        id: 'g04-listed-cidr-outbound',
        kind: 'known-bad',
        entity: ind.badDl,
        alt: [ip('build-2'), h('build-2').eni, ip('nat-c')],
        direction: 'outbound',
        family: 4,
        intensity: '3 HTTP downloads in 3 min from an address inside a listed /22',
        details: { connections: 3, indicator: ind.badNet22 },
        description:
          'A corp build host downloads from an address in a listed /22 (through nat-c; custom v4 format).',
      },
      conns,
    );
  }

  // --- coverage-gap -------------------------------------------------------------------------------------------
  {
    const { t0, cut } = begin(0.38);
    const from = Math.floor(t0 / MIN) * MIN;
    const dur = cut(15 * MIN);
    add(
      {
        id: 'h01-skipdata',
        kind: 'coverage-gap',
        entity: h('web-1').eni,
        alt: [ip('web-1')],
        direction: 'inbound',
        family: 4,
        intensity: `one SKIPDATA record a minute for ${fmtDur(dur)}, half of web-1's background records lost`,
        details: { seconds: dur },
        description: "web-1's interface drops records (capacity): SKIPDATA records every minute.",
      },
      [],
      [{ type: 'skip', host: h('web-1'), from, to: from + dur, tag: 'h01-skipdata' }],
    );
  }
  {
    const { t0, cut } = begin(0.6);
    const from = Math.floor(t0 / MIN) * MIN;
    const dur = cut(3 * HOUR);
    add(
      {
        id: 'h02-silent-eni',
        kind: 'coverage-gap',
        entity: h('app-1').eni,
        alt: [ip('app-1')],
        direction: 'internal',
        family: 4,
        intensity: `no record at all for ${fmtDur(dur)} from a normally busy interface (its peers keep logging their side)`,
        details: { seconds: dur },
        description:
          "app-1's interface stops logging (no records, no NODATA) while the load balancer still logs its health checks to it.",
      },
      [],
      [{ type: 'silence', host: h('app-1'), from, to: from + dur, tag: 'h02-silent-eni' }],
    );
  }
  {
    const { t0, cut } = begin(0.18);
    const from = Math.floor(t0 / MIN) * MIN;
    const dur = cut(90 * MIN);
    add(
      {
        id: 'h03-silent-eni-v2',
        kind: 'coverage-gap',
        entity: h('stg-db').eni,
        alt: [ip('stg-db')],
        direction: 'internal',
        family: 4,
        intensity: `no record for ${fmtDur(dur)} (default-format flow log)`,
        details: { seconds: dur },
        description:
          "stg-db's interface stops logging for 90 minutes; stg-app still logs its side of their connection.",
      },
      [],
      [{ type: 'silence', host: h('stg-db'), from, to: from + dur, tag: 'h03-silent-eni-v2' }],
    );
  }

  // --- exfiltration -------------------------------------------------------------------------------------------
  const bulk = (
    rng: Random,
    t0: number,
    dur: number,
    src: string,
    dst: string,
    perMinute: number,
  ): Conn[] => {
    const conns: Conn[] = [];
    const sport = eph(rng);
    for (let t = Math.floor(t0 / MIN) * MIN; t < t0 + dur; t += MIN) {
      const b = Math.round(perMinute * (0.9 + rng.next() * 0.2));
      conns.push({
        t,
        dur: 59,
        src,
        dst,
        sport,
        dport: 443,
        proto: 6,
        fwd: leg(Math.ceil(b / 8950), b, 0),
        rev: leg(Math.ceil(b / 17900), Math.ceil(b / 17900) * 52, 0),
      });
    }
    return conns;
  };
  {
    // At 03:10 UTC on the night nearest the middle of the span (the middle itself when there is no night).
    const { rng, cut } = begin(0.5);
    const mid = start + span / 2;
    let t0 = Math.floor(mid / 86_400) * 86_400 + 3 * HOUR + 10 * MIN;
    if (t0 < start + 600 || t0 > end - 3600) t0 = Math.floor(mid);
    const dur = Math.max(60, Math.min(40 * MIN, end - 120 - t0, cut(40 * MIN) + 0));
    const dst = v4(rng);
    const conns = bulk(rng, t0, dur, ip('db-1'), dst, 150_000_000);
    const bytes = conns.reduce((a, c) => a + c.fwd.bytes, 0);
    add(
      {
        id: 'i01-exfil-night',
        kind: 'exfiltration',
        entity: ip('db-1'),
        alt: [h('db-1').eni, dst, ip('nat')],
        direction: 'outbound',
        family: 4,
        intensity: `${(bytes / 1e9).toFixed(1)} GB in ${fmtDur(dur)} (~150 MB/min) to one new internet address, at night`,
        details: { bytes, seconds: dur, destination: dst },
        description:
          'The primary database host uploads gigabytes over HTTPS to an address it never used, through the NAT gateway.',
      },
      conns,
    );
  }
  {
    const { rng, t0, cut } = begin(0.4);
    const dur = cut(4 * HOUR);
    const dst = v6(rng);
    const conns = bulk(rng, t0, dur, h('build-3').ip6!, dst, 800_000_000 / 60);
    const bytes = conns.reduce((a, c) => a + c.fwd.bytes, 0);
    add(
      {
        id: 'i02-exfil-slow-v6',
        kind: 'exfiltration',
        entity: h('build-3').ip6!,
        alt: [h('build-3').eni, ip('build-3'), dst],
        direction: 'outbound',
        family: 6,
        intensity: `slow: ${(bytes / 1e9).toFixed(1)} GB over ${fmtDur(dur)} (~800 MB/h) over IPv6, in working hours`,
        details: { bytes, seconds: dur, destination: dst },
        description:
          'A corp build host trickles data out over IPv6 to one new address, hidden in daytime traffic.',
      },
      conns,
    );
  }

  // --- flood --------------------------------------------------------------------------------------------------
  {
    const { rng, t0, cut } = begin(0.57);
    const dur = cut(15 * MIN);
    const n = Math.max(100, Math.round((3000 * dur) / (15 * MIN)));
    const conns: Conn[] = [];
    for (let i = 0; i < n; i++) {
      const src = v4(rng);
      const k = rng.int(1, 3);
      for (let j = 0; j < k; j++) {
        const p = rng.int(200, 2000);
        conns.push({
          t: t0 + rng.next() * dur,
          dur: rng.next() * 50,
          src,
          dst: ip('web-1'),
          sport: eph(rng),
          dport: 443,
          proto: 6,
          fwd: leg(p, p * 60, 2),
        });
      }
    }
    const packets = conns.reduce((a, c) => a + c.fwd.packets, 0);
    add(
      {
        id: 'j01-syn-flood',
        kind: 'flood',
        entity: ip('web-1'),
        alt: [h('web-1').eni],
        direction: 'inbound',
        family: 4,
        intensity: `${n} sources, ${packets} SYN packets in ${fmtDur(dur)} on web-1:443`,
        details: { sources: n, records: conns.length, packets, seconds: dur },
        description:
          'A SYN flood on web-1:443 from thousands of (spoofed) addresses: SYNs only, nothing answered.',
      },
      conns,
    );
  }
  {
    const { rng, t0, cut } = begin(0.83);
    const dur = cut(20 * MIN);
    const n = Math.max(40, Math.round((400 * dur) / (20 * MIN)));
    const conns: Conn[] = [];
    for (let i = 0; i < n; i++) {
      const src = v4(rng);
      for (let t = t0 + rng.next() * 60; t < t0 + dur; t += 60) {
        const p = rng.int(100, 600);
        conns.push({
          t,
          dur: 59,
          src,
          dst: ip('web-2'),
          sport: 123,
          dport: rng.int(1024, 65535),
          proto: 17,
          fwd: leg(p, p * 468, 0),
          inAction: 'REJECT',
        });
      }
    }
    const bytes = conns.reduce((a, c) => a + c.fwd.bytes, 0);
    add(
      {
        id: 'j02-ntp-reflection',
        kind: 'flood',
        entity: ip('web-2'),
        alt: [h('web-2').eni],
        direction: 'inbound',
        family: 4,
        intensity: `NTP reflection: ${n} reflectors, ${(bytes / 1e9).toFixed(1)} GB of UDP from port 123 in ${fmtDur(dur)}`,
        details: { sources: n, bytes, seconds: dur },
        description:
          'UDP from source port 123 of hundreds of reflectors to random ports of web-2 (rejected): an amplification flood that shares its port with NTP.',
      },
      conns,
    );
  }

  // --- beacon -------------------------------------------------------------------------------------------------
  const beacon = (rng: Random, t0: number, dur: number, src: string, dst: string, port: number): Conn[] => {
    const conns: Conn[] = [];
    for (let t = t0; t < t0 + dur; t += 300 * (1 + (rng.next() * 2 - 1) * 0.01)) {
      conns.push({
        t,
        dur: rng.next(),
        src,
        dst,
        sport: eph(rng),
        dport: port,
        proto: 6,
        fwd: leg(7, 620 + rng.int(0, 20), 3),
        rev: leg(6, 1180 + rng.int(0, 20), 19),
      });
    }
    return conns;
  };
  {
    const { rng, t0, cut } = begin(0.08);
    const dur = cut(20 * HOUR);
    const dst = v4(rng);
    const conns = beacon(rng, t0, dur, ip('db-2'), dst, 443);
    add(
      {
        id: 'k01-beacon-v4',
        kind: 'beacon',
        entity: ip('db-2'),
        alt: [h('db-2').eni, dst, ip('nat')],
        direction: 'outbound',
        family: 4,
        intensity: `every 300 s ± 1% for ${fmtDur(dur)} (${conns.length} check-ins, ~640 B out each)`,
        details: { periodSeconds: 300, jitter: 0.01, checkins: conns.length, seconds: dur, destination: dst },
        description:
          'Implant on db-2 checks in with its controller over HTTPS every 300 s ± 1% (through the NAT gateway).',
      },
      conns,
    );
  }
  {
    const { rng, t0, cut } = begin(0.5);
    const dur = cut(12 * HOUR);
    const dst = v6(rng);
    const conns = beacon(rng, t0, dur, h('build-1').ip6!, dst, 8443);
    add(
      {
        id: 'k02-beacon-v6',
        kind: 'beacon',
        entity: h('build-1').ip6!,
        alt: [h('build-1').eni, ip('build-1'), dst],
        direction: 'outbound',
        family: 6,
        intensity: `every 300 s ± 1% for ${fmtDur(dur)} over IPv6 (${conns.length} check-ins)`,
        details: { periodSeconds: 300, jitter: 0.01, checkins: conns.length, seconds: dur, destination: dst },
        description: 'Implant on build-1 beacons to an IPv6 controller on 8443 every 300 s ± 1%.',
      },
      conns,
    );
  }
  // --- first-seen -------------------------------------------------------------------------------------------
  // In the span's last day (after an 8-day corpus's 7 days of learning): a host talks to a country and network
  // it never used, and another to a port it never used.
  {
    const { rng, t0, cut } = begin(0.93);
    const dur = cut(30 * MIN);
    // A fixed address whose offline country (RU) and network (AS8291) no background destination has by design:
    // the address generator's draws are random, so a drawn one could share a country with app-2's APIs.
    const dst = '95.173.136.70';
    world.taken.add(dst);
    const conns: Conn[] = Array.from({ length: 20 }, (_, i) => ({
      t: t0 + (i * dur) / 20 + rng.next() * 30,
      dur: rng.int(1, 20),
      src: ip('app-2'),
      dst,
      sport: eph(rng),
      dport: 443,
      proto: 6,
      fwd: leg(rng.int(8, 20), rng.int(2000, 9000), 3),
      rev: leg(rng.int(8, 30), rng.int(3000, 40_000), 19),
    }));
    add(
      {
        id: 'n01-new-country',
        kind: 'first-seen',
        entity: ip('app-2'),
        alt: [h('app-2').eni, ip('nat'), dst],
        direction: 'outbound',
        family: 4,
        intensity: `20 HTTPS connections in ${fmtDur(dur)} to a country (RU) and network (AS8291) app-2 never used`,
        details: { connections: 20, seconds: dur, destination: dst, country: 'RU', asn: 8291 },
        description:
          'An app server that only ever calls its dozen third-party APIs suddenly talks HTTPS to an address in a new country and network (through the NAT gateway).',
      },
      conns,
    );
  }
  {
    const { rng, t0, cut } = begin(0.96);
    const dur = cut(20 * MIN);
    const dst = v4(rng);
    const conns: Conn[] = Array.from({ length: 10 }, (_, i) => ({
      t: t0 + (i * dur) / 10 + rng.next() * 30,
      dur: rng.int(5, 50),
      src: ip('build-1'),
      dst,
      sport: eph(rng),
      dport: 4444,
      proto: 6,
      fwd: leg(rng.int(10, 40), rng.int(2000, 30_000), 3),
      rev: leg(rng.int(10, 40), rng.int(2000, 30_000), 19),
    }));
    add(
      {
        id: 'n02-new-port',
        kind: 'first-seen',
        entity: ip('build-1'),
        // corp's NAT gateway logs the translated connection from its own address
        alt: [h('build-1').eni, ip('nat-c'), dst],
        direction: 'outbound',
        family: 4,
        intensity: `10 connections in ${fmtDur(dur)} to port 4444 of an internet address; build-1 never used that port`,
        details: { connections: 10, seconds: dur, destination: dst, port: 4444 },
        description:
          'A build host opens a reverse shell to port 4444 of an internet address (a port it never used).',
      },
      conns,
    );
  }
  // Every outbound attack reaches a destination its host never used: first seen may report it too.
  for (const a of out) {
    if (
      a.label.direction === 'outbound' &&
      a.label.kind !== 'first-seen' &&
      !a.label.also.includes('first-seen')
    )
      (a as { label: AttackBuild['label'] }).label = { ...a.label, also: [...a.label.also, 'first-seen'] };
  }
  return out;
}
