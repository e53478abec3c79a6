// Background traffic with a daily rhythm, and the benign look-alikes, generated one 5-minute slot at a time.

import { hash32, Random } from '../random.js';
import { publicIpv4, publicIpv6 } from './addresses.js';
import type { Conn, Leg } from './records.js';
import type { Estate, Host } from './topology.js';
import type { Kind } from './truth.js';

export const SLOT = 300;
const HOUR = 3600;
const DAY = 86_400;

/** Relative activity at a time: 0.25 around 04:00 UTC, 1 around 16:00 UTC, three quarters of that at weekends. */
export function diurnal(t: number): number {
  const h = (t % DAY) / HOUR;
  const dow = (Math.floor(t / DAY) + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  const weekend = dow === 0 || dow === 6 ? 0.75 : 1;
  return weekend * (0.25 + 0.75 * (0.5 - 0.5 * Math.cos((2 * Math.PI * (h - 4)) / 24)));
}

/** A Poisson-distributed count with mean `lambda` (normal approximation above 30). */
export function poisson(rng: Random, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(rng.normal(lambda, Math.sqrt(lambda))));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  for (;;) {
    p *= rng.next();
    if (p <= l) return k;
    k++;
  }
}

/** A benign look-alike's label, before its window and record count are known. */
export interface BenignSpec {
  readonly id: string;
  readonly kind: Kind;
  readonly also: readonly Kind[];
  readonly entity: string;
  readonly alt: readonly string[];
  readonly description: string;
  readonly why: string;
}

/** The outside world of the background: client pools and the fixed parties of the look-alikes. */
export interface World {
  readonly clients4: readonly string[];
  readonly clients6: readonly string[];
  readonly apis: readonly string[];
  readonly ntpPool: readonly string[];
  readonly offsite: string;
  readonly branches: readonly string[];
  readonly offices: readonly string[];
  readonly ci: string;
  readonly nearIndicator: string;
  readonly github4: readonly string[];
  readonly github6: readonly string[];
  /** The external log service web-2 keeps one TLS session to (b-keepalive). */
  readonly logService: string;
  /** The package mirror build-2 fetches from by passive FTP every morning (b-ftp-passive). */
  readonly mirror: string;
  /** Every address drawn so far (attack addresses are drawn fresh from the same generators, never reused). */
  readonly taken: Set<string>;
}

/** Draws a fresh address not used by anyone else. */
export function fresh(taken: Set<string>, make: () => string): string {
  for (;;) {
    const ip = make();
    if (!taken.has(ip)) {
      taken.add(ip);
      return ip;
    }
  }
}

/** Builds the background's outside world from the seed. */
export function buildWorld(seed: number): World {
  const rng = new Random(hash32(seed, 0xb0b));
  const taken = new Set<string>();
  const v4 = () => fresh(taken, () => publicIpv4(rng));
  const v6 = () => fresh(taken, () => publicIpv6(rng));
  const many = (n: number, f: () => string) => Array.from({ length: n }, f);
  return {
    clients4: many(6000, v4),
    clients6: many(1200, v6),
    apis: many(12, v4),
    ntpPool: many(40, v4),
    offsite: fresh(taken, () => `185.${rng.int(100, 120)}.${rng.int(0, 255)}.${rng.int(1, 254)}`),
    branches: many(3, v4),
    offices: many(3, v4),
    ci: v4(),
    // Just below the indicator list's 45.95.147.0/24 (see indicators.ts): a near miss of a CIDR boundary.
    nearIndicator: fresh(taken, () => '45.95.146.254'),
    github4: many(6, v4),
    github6: many(4, v6),
    // drawn last, so every address above stays what it was before this look-alike was added
    logService: v4(),
    mirror: v4(),
    taken,
  };
}

const ephemeral = (rng: Random) => rng.int(32768, 60999);
const leg = (packets: number, bytes: number, flags: number): Leg => ({ packets, bytes, flags });
/** TCP request side (SYN, FIN) and reply side (SYN-ACK, FIN) flag ORs. */
const REQ = 3;
const REP = 19;

/** Times `phase + k·period` inside [s, e). */
function ticks(s: number, e: number, period: number, phase: number): number[] {
  const out: number[] = [];
  let t = s + ((((phase - s) % period) + period) % period);
  for (; t < e; t += period) out.push(t);
  return out;
}

/** Open ports of the public hosts (what the internet may reach; everything else is rejected by the security group). */
export const OPEN_PORTS: Readonly<Record<string, readonly number[]>> = {
  'web-1': [80, 443],
  'web-2': [80, 443],
  'lb-a': [80, 443],
  'lb-b': [80, 443],
  bastion: [22],
  'stg-web': [443, 8443],
  'stg-bastion': [22],
  'rdp-gw': [3389, 5986],
  vpn: [],
};

/** Ports internet background scanners knock on, with repeats as weights. */
const NOISE_PORTS = [
  22, 22, 22, 23, 23, 80, 443, 445, 445, 3389, 3389, 8080, 8443, 5900, 1433, 3306, 6379, 9200, 25, 21, 111,
  135, 139, 161, 5060, 2323, 7547, 8888, 27017, 11211,
];

/**
 * The background of one slot: every component below, each from its own seeded stream so that a slot's
 * traffic depends only on the seed and the slot. Components tagged with a look-alike id are the benign
 * look-alikes (see {@link benignSpecs}).
 */
export class Background {
  constructor(
    private readonly seed: number,
    private readonly estate: Estate,
    private readonly world: World,
    private readonly scale: number,
  ) {}

  slot(s: number, out: Conn[]): void {
    const e = s + SLOT;
    const f = diurnal(s + SLOT / 2) * this.scale;
    const r = (n: number) => new Random(hash32(this.seed, n, s));
    this.busyWeb(r(1), s, e, f, out);
    this.lbHealth(r(2), s, e, out);
    this.appTier(r(3), s, e, f, out);
    this.apis(r(4), s, e, f, out);
    this.ntp(r(5), s, e, out);
    this.noise(r(6), s, e, out);
    this.monitor(r(7), s, e, out);
    this.backup(r(8), s, e, out);
    this.vpn(r(9), s, e, out);
    this.corp(r(10), s, e, f, out);
    this.ciDeploys(r(11), s, e, out);
    this.nearIndicator(r(12), s, e, f, out);
    this.staging(r(13), s, e, f, out);
    this.devHost(r(14), s, e, out);
    this.dbPool(r(15), s, e, out);
    // drawn last (its own stream 16), so the components above keep their traffic
    this.keepalive(r(16), s, e, out);
    this.ftpPassive(r(17), s, out);
    this.cdn(r(18), s, e, f, out);
    this.stagingJobs(r(19), s, e, f, out);
  }

  /**
   * Staging's job runner: stg-app opens a new connection to stg-db:5432 for every job (no pool), runs a few
   * queries and closes it: ~6 a minute at the daily peak (a quarter of that at night), a few kB each, all
   * accepted. Staging logs the default format, so nothing in its records (no tcp-flags) tells these from login
   * attempts.
   */
  private stagingJobs(rng: Random, s: number, _e: number, f: number, out: Conn[]): void {
    const app = this.h('stg-app').ip4;
    const db = this.h('stg-db').ip4;
    const n = poisson(rng, 30 * f);
    for (let i = 0; i < n; i++) {
      const b = rng.int(600, 9000);
      out.push({
        t: s + rng.next() * SLOT,
        dur: rng.next() * 3,
        src: app,
        dst: db,
        sport: ephemeral(rng),
        dport: 5432,
        proto: 6,
        fwd: leg(Math.ceil(b / 500) + 3, b, REQ),
        rev: leg(Math.ceil((b * 2) / 1400) + 3, b * 2, REP),
        tag: 'b-stg-db-jobs',
      });
    }
  }

  /**
   * Passive FTP: at 06:00 UTC every day build-2 opens a control connection to a package mirror's port 21 and
   * a data connection to the port the mirror names, in its passive range 50000–50999: a new high port a day.
   */
  private ftpPassive(rng: Random, s: number, out: Conn[]): void {
    if (s % DAY !== 6 * HOUR) return;
    const day = Math.floor(s / DAY);
    const src = this.h('build-2').ip4;
    const t = s + rng.next() * 60;
    out.push({
      t,
      dur: 40,
      src,
      dst: this.world.mirror,
      sport: ephemeral(rng),
      dport: 21,
      proto: 6,
      fwd: leg(12, 900, REQ),
      rev: leg(12, 1400, REP),
      tag: 'b-ftp-passive',
    });
    out.push({
      t: t + 2,
      dur: 30,
      src,
      dst: this.world.mirror,
      sport: ephemeral(rng),
      dport: 50000 + (hash32(this.seed, 0xf7, day) % 1000),
      proto: 6,
      fwd: leg(400, 21_000, REQ),
      rev: leg(900, 1_300_000, REP),
      tag: 'b-ftp-passive',
    });
  }

  /**
   * A CDN: app-1 fetches assets over HTTPS from a content network whose address changes every day (13.32.d.10,
   * Amazon CloudFront's 13.32.0.0/15: one network, AS16509, and one country, US).
   */
  private cdn(rng: Random, s: number, _e: number, f: number, out: Conn[]): void {
    const n = poisson(rng, 2 * f);
    const day = Math.floor(s / DAY);
    for (let i = 0; i < n; i++) {
      out.push({
        t: s + rng.next() * SLOT,
        dur: rng.next() * 3,
        src: this.h('app-1').ip4,
        dst: `13.32.${(day % 200) + 1}.10`,
        sport: ephemeral(rng),
        dport: 443,
        proto: 6,
        fwd: leg(rng.int(6, 12), rng.int(800, 3000), REQ),
        rev: leg(rng.int(10, 60), rng.int(20_000, 400_000), REP),
        tag: 'b-cdn-change',
      });
    }
  }

  /** Business hours of the dev host: weekdays 08:00–18:00 UTC. */
  static devActive(t: number): boolean {
    const h = (t % DAY) / HOUR;
    const dow = (Math.floor(t / DAY) + 4) % 7;
    return dow >= 1 && dow <= 5 && h >= 8 && h < 18;
  }

  private h(name: string): Host {
    return this.estate.host(name);
  }

  /** Thousands of clients on web-1/web-2 port 443 (and some 80), IPv4 and IPv6, all accepted. */
  private busyWeb(rng: Random, s: number, _e: number, f: number, out: Conn[]): void {
    for (const name of ['web-1', 'web-2']) {
      const host = this.h(name);
      const n = poisson(rng, 60 * f);
      for (let i = 0; i < n; i++) {
        const v6 = rng.chance(0.15);
        const pool = v6 ? this.world.clients6 : this.world.clients4;
        out.push({
          t: s + rng.next() * SLOT,
          dur: rng.next() * 20,
          src: pool[rng.skewed(pool.length, 2)]!,
          dst: v6 ? host.ip6! : host.ip4,
          sport: ephemeral(rng),
          dport: rng.chance(0.9) ? 443 : 80,
          proto: 6,
          fwd: leg(rng.int(6, 40), rng.int(600, 4000), REQ),
          rev: leg(rng.int(5, 60), rng.logNormal(20_000, 1, 600, 2_000_000), REP),
          tag: `b-busy-${name}`,
        });
      }
    }
  }

  /** Each load balancer node health-checks app-1..4 on 8080 every 30 s (a new connection each time). */
  private lbHealth(rng: Random, s: number, e: number, out: Conn[]): void {
    for (const [li, lb] of ['lb-a', 'lb-b'].entries()) {
      for (let k = 1; k <= 4; k++) {
        const target = this.h(`app-${k}`);
        for (const t of ticks(s, e, 30, li * 13 + k * 7)) {
          out.push({
            t: t + rng.next() * 0.05,
            dur: 0.01,
            src: this.h(lb).ip4,
            dst: target.ip4,
            sport: ephemeral(rng),
            dport: 8080,
            proto: 6,
            fwd: leg(5, 420, REQ),
            rev: leg(5, 650, REP),
            tag: 'b-lb-health',
          });
        }
      }
    }
  }

  /** Pooled connections, one record pair per minute: LB→app:8080, app→db-1:5432, db-1→db-2 replication. */
  private appTier(rng: Random, s: number, e: number, f: number, out: Conn[]): void {
    const pool = (src: string, dst: string, dport: number, sportSeed: number, bytes: number): void => {
      const sport = 40000 + (hash32(sportSeed, Math.floor(s / HOUR)) % 20000);
      for (const t of ticks(s, e, 60, 0)) {
        const b = Math.max(200, Math.round(bytes * f * (0.8 + 0.4 * rng.next())));
        out.push({
          t,
          dur: 59,
          src,
          dst,
          sport,
          dport,
          proto: 6,
          fwd: leg(Math.ceil(b / 900), b, 0),
          rev: leg(Math.ceil((b * 3) / 1400), b * 3, 0),
        });
      }
    };
    for (let k = 1; k <= 4; k++) {
      const app = this.h(`app-${k}`).ip4;
      pool(this.h('lb-a').ip4, app, 8080, 100 + k, 60_000);
      pool(this.h('lb-b').ip4, app, 8080, 200 + k, 60_000);
      pool(app, this.h('db-1').ip4, 5432, 300 + k, 30_000);
    }
    pool(this.h('db-1').ip4, this.h('db-2').ip4, 5432, 400, 80_000);
  }

  /**
   * A connection pool: app-1..4 each keep 12 connections to the read replica db-2:5432 (a HikariCP-style pool,
   * each connection replaced after 30 minutes at its own phase). A connection carries queries in ~15% of its
   * minutes (a record pair then) and always writes its first minute (SYN, no FIN) and its last (FIN); a few kB
   * of queries each way. About 38 of the 48 connections show up in any 10 minutes.
   */
  private dbPool(rng: Random, s: number, e: number, out: Conn[]): void {
    const LIFE = 1800;
    const db = this.h('db-2').ip4;
    for (let k = 1; k <= 4; k++) {
      const app = this.h(`app-${k}`).ip4;
      for (let c = 0; c < 12; c++) {
        const phase = (hash32(this.seed, 0xb001, k, c) % LIFE) - LIFE;
        for (const t of ticks(s, e, 60, phase % 60)) {
          const age = (((t - phase) % LIFE) + LIFE) % LIFE;
          const gen = Math.floor((t - phase) / LIFE);
          const first = age < 60;
          const last = age >= LIFE - 60;
          const used = rng.chance(0.15);
          const b = rng.int(400, 6000);
          if (!first && !last && !used) continue;
          out.push({
            t: t + rng.next() * 0.5,
            dur: 58,
            src: app,
            dst: db,
            sport: 32768 + (hash32(this.seed, 0xb002, k, c, gen) % 28000),
            dport: 5432,
            proto: 6,
            fwd: leg(Math.ceil(b / 400) + 2, b, first ? 2 : last ? 1 : 0),
            rev: leg(Math.ceil((b * 4) / 1400) + 2, b * 4, first ? 18 : last ? 1 : 0),
            tag: 'b-db-pool',
          });
        }
      }
    }
  }

  /** App servers call a dozen third-party HTTPS APIs through the NAT gateway. */
  private apis(rng: Random, s: number, _e: number, f: number, out: Conn[]): void {
    for (let k = 1; k <= 4; k++) {
      const n = poisson(rng, 4 * f);
      for (let i = 0; i < n; i++) {
        out.push({
          t: s + rng.next() * SLOT,
          dur: rng.next() * 5,
          src: this.h(`app-${k}`).ip4,
          dst: rng.pick(this.world.apis),
          sport: ephemeral(rng),
          dport: 443,
          proto: 6,
          fwd: leg(rng.int(8, 20), rng.int(1500, 8000), REQ),
          rev: leg(rng.int(8, 30), rng.int(3000, 60_000), REP),
          tag: 'b-nat-return',
        });
      }
    }
  }

  /**
   * NTP: every instance polls four servers of a public pool every 1024 s (chrony's steady state); the set
   * rotates every 6 hours, so over two days a host talks to a dozen pool addresses on UDP 123. Corp hosts use
   * ntp-c, which polls the pool itself.
   */
  private ntp(rng: Random, s: number, e: number, out: Conn[]): void {
    for (const host of this.estate.hosts) {
      if (host.instance === '-') continue;
      const corp = host.vpc.name === 'corp' && host.name !== 'ntp-c';
      for (let j = 0; j < (corp ? 1 : 4); j++) {
        const phase = hash32(this.seed, 77, host.ip4.length + host.eni.charCodeAt(6), j) % 1024;
        for (const t of ticks(s, e, 1024, phase + j * 97)) {
          const epoch = Math.floor(t / (6 * HOUR));
          const server = corp
            ? this.h('ntp-c').ip4
            : this.world.ntpPool[
                hash32(this.seed, epoch, j, host.eni.charCodeAt(8)) % this.world.ntpPool.length
              ]!;
          const chrony = host.vpc.name !== 'corp';
          out.push({
            t: t + rng.next(),
            dur: 0,
            src: host.ip4,
            dst: server,
            sport: chrony ? ephemeral(rng) : 123,
            dport: 123,
            proto: 17,
            fwd: leg(1, 76, 0),
            rev: leg(1, 76, 0),
            tag: 'b-ntp',
          });
        }
      }
    }
  }

  /** Internet background noise: a few single probes an hour on each public host, from ever-new sources. */
  private noise(rng: Random, s: number, _e: number, out: Conn[]): void {
    for (const [name, open] of Object.entries(OPEN_PORTS)) {
      const host = this.h(name);
      for (const v6 of [false, true]) {
        if (v6 && !host.ip6) continue;
        const n = poisson(rng, v6 ? 0.03 : 4 / 12);
        for (let i = 0; i < n; i++) {
          const port = rng.pick(NOISE_PORTS);
          const ok = open.includes(port);
          const src = fresh(this.world.taken, () => (v6 ? publicIpv6(rng) : publicIpv4(rng)));
          out.push({
            t: s + rng.next() * SLOT,
            dur: rng.next() * 2,
            src,
            dst: v6 ? host.ip6! : host.ip4,
            sport: ephemeral(rng),
            dport: port,
            proto: 6,
            fwd: leg(rng.int(1, 3), rng.int(40, 180), ok ? 6 : 2),
            rev: ok ? leg(1, 44, 18) : undefined,
            inAction: ok ? 'ACCEPT' : 'REJECT',
            tag: 'b-internet-noise',
          });
        }
      }
    }
  }

  /**
   * The monitoring host checks every prod and staging instance every 5 minutes: node exporter (9100), an SSH
   * banner check (22), a ping (ICMP, and ICMPv6 for dual-stack hosts).
   */
  private monitor(rng: Random, s: number, e: number, out: Conn[]): void {
    const mon = this.h('monitor');
    const targets = this.estate.hosts.filter(
      (h) => h !== mon && h.instance !== '-' && (h.vpc.name === 'prod' || h.vpc.name === 'staging'),
    );
    for (const [i, h] of targets.entries()) {
      for (const t of ticks(s, e, 300, i * 11)) {
        const base = { t: t + rng.next(), src: mon.ip4, dst: h.ip4, tag: 'b-monitor' };
        out.push({
          ...base,
          dur: 0.2,
          sport: ephemeral(rng),
          dport: 9100,
          proto: 6,
          fwd: leg(8, 900, REQ),
          rev: leg(10, rng.int(11_000, 14_000), REP),
        });
        out.push({
          ...base,
          dur: 0.1,
          sport: ephemeral(rng),
          dport: 22,
          proto: 6,
          fwd: leg(4, 240, REQ),
          rev: leg(4, 420, REP),
        });
        out.push({ ...base, dur: 0, sport: 0, dport: 0, proto: 1, fwd: leg(1, 84, 0), rev: leg(1, 84, 0) });
        if (h.ip6) {
          // The monitor has no IPv6 address of its own in this estate; v6 pings come from the bastion's agent.
          out.push({
            ...base,
            src: this.h('bastion').ip6!,
            dst: h.ip6,
            dur: 0,
            sport: 0,
            dport: 0,
            proto: 58,
            fwd: leg(1, 104, 0),
            rev: leg(1, 104, 0),
          });
        }
      }
    }
  }

  /**
   * Log shipping over one long-lived TLS session: web-2 keeps a connection to an external log service on 6514
   * (syslog over TLS) with traffic in every minute, and reconnects (a new source port) when it drops: in each
   * hour, with probability 1/3, at a random minute (so about every 3 hours, irregularly).
   */
  private keepalive(rng: Random, s: number, e: number, out: Conn[]): void {
    const dropIn = (hour: number): number | undefined => {
      const x = hash32(this.seed, 91, hour);
      return x % 3 === 0 ? hour * HOUR + (Math.floor(x / 3) % 60) * 60 : undefined;
    };
    for (const t of ticks(s, e, 60, 0)) {
      // the session the minute belongs to starts at the last drop at or before it
      let since = 0;
      for (let hour = Math.floor(t / HOUR); hour > Math.floor(t / HOUR) - 400; hour--) {
        const d = dropIn(hour);
        if (d !== undefined && d <= t) {
          since = d;
          break;
        }
      }
      const b = rng.int(2_000, 40_000);
      out.push({
        t,
        dur: 59,
        src: this.h('web-2').ip4,
        dst: this.world.logService,
        sport: 32768 + (hash32(this.seed, 92, since) % 28000),
        dport: 6514,
        proto: 6,
        fwd: leg(Math.ceil(b / 1400), b, 0),
        rev: leg(Math.ceil(b / 2800), 52 * Math.ceil(b / 2800), 0),
        tag: 'b-keepalive',
      });
    }
  }

  /** Nightly backup: the backup host sends ~13 GB to an offsite provider from 02:00 UTC for ~35 minutes. */
  private backup(rng: Random, s: number, e: number, out: Conn[]): void {
    const day = Math.floor(s / DAY) * DAY;
    const jitter = hash32(this.seed, 55, day) % 120;
    const from = day + 2 * HOUR + jitter;
    const length = 33 * 60 + (hash32(this.seed, 56, day) % 300);
    for (const t of ticks(s, e, 60, from % 60)) {
      if (t < from || t >= from + length) continue;
      const b = rng.int(350_000_000, 420_000_000);
      out.push({
        t,
        dur: 59,
        src: this.h('backup').ip4,
        dst: this.world.offsite,
        sport: 44_000 + ((day / DAY) % 1000),
        dport: 443,
        proto: 6,
        fwd: leg(Math.ceil(b / 8950), b, 0),
        rev: leg(Math.ceil(b / 8950 / 2), Math.ceil(b / 8950 / 2) * 52, 0),
        tag: 'b-nightly-backup',
      });
    }
  }

  /** Three branch offices keep IPsec tunnels to the corp VPN appliance: ESP (50) all the time, IKE on UDP 500. */
  private vpn(rng: Random, s: number, e: number, out: Conn[]): void {
    const vpn = this.h('vpn').ip4;
    for (const br of this.world.branches) {
      for (const t of ticks(s, e, 60, 0)) {
        const b = rng.int(200_000, 4_000_000);
        out.push({
          t,
          dur: 59,
          src: br,
          dst: vpn,
          sport: 0,
          dport: 0,
          proto: 50,
          fwd: leg(Math.ceil(b / 1200), b, 0),
          rev: leg(Math.ceil(b / 900), Math.round(b * 1.4), 0),
          tag: 'b-vpn-esp',
        });
      }
      for (const t of ticks(s, e, HOUR, 1800)) {
        out.push({
          t,
          dur: 1,
          src: br,
          dst: vpn,
          sport: 500,
          dport: 500,
          proto: 17,
          fwd: leg(4, 1600, 0),
          rev: leg(4, 1400, 0),
          tag: 'b-vpn-esp',
        });
      }
    }
  }

  /**
   * Corp: build hosts talk to the domain controller (Kerberos 88, LDAP 389, SMB 445, RPC 135 and a random
   * RPC dynamic port 49152–65535 per session), to file-1 (SMB), and to code hosts on the internet (IPv4 via
   * nat-c, IPv6 directly). Office staff use RDP on rdp-gw during the day.
   */
  private corp(rng: Random, s: number, _e: number, f: number, out: Conn[]): void {
    const ad = this.h('ad-1').ip4;
    for (let k = 1; k <= 3; k++) {
      const b = this.h(`build-${k}`);
      const sessions = poisson(rng, 2 * f);
      for (let i = 0; i < sessions; i++) {
        const t = s + rng.next() * (SLOT - 10);
        for (const port of [88, 389, 445, 135, rng.int(49152, 65535)]) {
          out.push({
            t: t + rng.next(),
            dur: rng.next() * 3,
            src: b.ip4,
            dst: ad,
            sport: ephemeral(rng),
            dport: port,
            proto: 6,
            fwd: leg(rng.int(4, 12), rng.int(300, 3000), REQ),
            rev: leg(rng.int(4, 12), rng.int(300, 6000), REP),
            tag: port >= 49152 || port === 135 ? 'b-ad-rpc' : undefined,
          });
        }
        out.push({
          t: t + 2,
          dur: rng.next() * 30,
          src: b.ip4,
          dst: this.h('file-1').ip4,
          sport: ephemeral(rng),
          dport: 445,
          proto: 6,
          fwd: leg(rng.int(10, 200), rng.int(2000, 200_000), REQ),
          rev: leg(rng.int(10, 400), rng.int(2000, 2_000_000), REP),
        });
      }
      const pulls = poisson(rng, 3 * f);
      for (let i = 0; i < pulls; i++) {
        const v6 = rng.chance(0.3);
        out.push({
          t: s + rng.next() * SLOT,
          dur: rng.next() * 10,
          src: v6 ? b.ip6! : b.ip4,
          dst: rng.pick(v6 ? this.world.github6 : this.world.github4),
          sport: ephemeral(rng),
          dport: 443,
          proto: 6,
          fwd: leg(rng.int(10, 40), rng.int(2000, 9000), REQ),
          rev: leg(rng.int(20, 2000), rng.int(20_000, 30_000_000), REP),
        });
      }
    }
    const rdp = this.h('rdp-gw').ip4;
    const h = (s % DAY) / HOUR;
    if (h >= 7 && h < 19) {
      for (const office of this.world.offices) {
        for (const t of ticks(s, s + SLOT, 60, 0)) {
          out.push({
            t,
            dur: 59,
            src: office,
            dst: rdp,
            sport: 50_000 + (hash32(this.seed, Math.floor(s / DAY)) % 9000),
            dport: 3389,
            proto: 6,
            fwd: leg(rng.int(100, 400), rng.int(10_000, 60_000), 0),
            rev: leg(rng.int(200, 900), rng.int(100_000, 900_000), 0),
          });
        }
      }
    }
  }

  /** A CI runner deploys through the bastion every 10 minutes: three SSH sessions of 20–90 s, all accepted. */
  private ciDeploys(rng: Random, s: number, e: number, out: Conn[]): void {
    for (const t of ticks(s, e, 600, 240)) {
      for (let i = 0; i < 3; i++) {
        out.push({
          t: t + i * 2 + rng.next(),
          dur: rng.int(20, 90),
          src: this.world.ci,
          dst: this.h('bastion').ip4,
          sport: ephemeral(rng),
          dport: 22,
          proto: 6,
          fwd: leg(rng.int(60, 300), rng.int(20_000, 400_000), REQ),
          rev: leg(rng.int(60, 300), rng.int(30_000, 200_000), REP),
          tag: 'b-ci-ssh',
        });
      }
    }
  }

  /** A busy client whose address sits just outside a listed indicator CIDR browses web-1 from morning to night. */
  private nearIndicator(rng: Random, s: number, _e: number, f: number, out: Conn[]): void {
    const h = (s % DAY) / HOUR;
    if (h < 7) return;
    const n = poisson(rng, 2 * f);
    for (let i = 0; i < n; i++) {
      out.push({
        t: s + rng.next() * SLOT,
        dur: rng.next() * 10,
        src: this.world.nearIndicator,
        dst: this.h('web-1').ip4,
        sport: ephemeral(rng),
        dport: 443,
        proto: 6,
        fwd: leg(rng.int(6, 30), rng.int(600, 4000), REQ),
        rev: leg(rng.int(6, 60), rng.int(4000, 90_000), REP),
        tag: 'b-near-indicator',
      });
    }
  }

  /** Staging: a small public site, stg-app→stg-db pooled, office SSH on stg-bastion a few times a day. */
  private staging(rng: Random, s: number, e: number, f: number, out: Conn[]): void {
    const web = this.h('stg-web');
    const n = poisson(rng, 6 * f);
    for (let i = 0; i < n; i++) {
      out.push({
        t: s + rng.next() * SLOT,
        dur: rng.next() * 5,
        src: this.world.clients4[rng.skewed(this.world.clients4.length, 2)]!,
        dst: web.ip4,
        sport: ephemeral(rng),
        dport: 443,
        proto: 6,
        fwd: leg(rng.int(6, 30), rng.int(600, 3000), REQ),
        rev: leg(rng.int(5, 40), rng.int(2000, 80_000), REP),
      });
    }
    const app = this.h('stg-app').ip4;
    const db = this.h('stg-db').ip4;
    const sport = 41000 + (Math.floor(s / HOUR) % 1000);
    for (const t of ticks(s, e, 60, 0)) {
      out.push({
        t,
        dur: 59,
        src: web.ip4,
        dst: app,
        sport: sport + 1,
        dport: 8080,
        proto: 6,
        fwd: leg(20, 9000, 0),
        rev: leg(30, 40_000, 0),
      });
      out.push({
        t,
        dur: 59,
        src: app,
        dst: db,
        sport,
        dport: 5432,
        proto: 6,
        fwd: leg(12, 3000, 0),
        rev: leg(20, 22_000, 0),
      });
    }
    if (rng.chance(0.02 * f * 12)) {
      out.push({
        t: s + rng.next() * 200,
        dur: rng.int(60, 1200),
        src: rng.pick(this.world.offices),
        dst: this.h(rng.chance(0.5) ? 'stg-bastion' : 'bastion').ip4,
        sport: ephemeral(rng),
        dport: 22,
        proto: 6,
        fwd: leg(rng.int(100, 900), rng.int(10_000, 90_000), REQ),
        rev: leg(rng.int(100, 900), rng.int(20_000, 400_000), REP),
      });
    }
  }

  /**
   * dev-1 works office hours only (weekdays 08:00–18:00 UTC: SMB to file-1, HTTPS out); outside them its
   * interface writes NODATA records, one per 5-minute slot: idle, but still logging.
   */
  private devHost(rng: Random, s: number, _e: number, out: Conn[]): void {
    if (!Background.devActive(s)) return;
    const dev = this.h('dev-1');
    const n = poisson(rng, 3);
    for (let i = 0; i < n; i++) {
      out.push({
        t: s + rng.next() * SLOT,
        dur: rng.next() * 20,
        src: dev.ip4,
        dst: rng.chance(0.5) ? this.h('file-1').ip4 : rng.pick(this.world.github4),
        sport: ephemeral(rng),
        dport: rng.chance(0.5) ? 445 : 443,
        proto: 6,
        fwd: leg(rng.int(10, 60), rng.int(2000, 40_000), REQ),
        rev: leg(rng.int(10, 90), rng.int(2000, 400_000), REP),
        tag: 'b-business-hours',
      });
    }
  }
}

/** The labels of the benign look-alikes the background contains. */
export function benignSpecs(estate: Estate, world: World): BenignSpec[] {
  const ip = (n: string) => estate.host(n).ip4;
  const h = (n: string) => estate.host(n);
  const web = (n: string): BenignSpec => ({
    id: `b-busy-${n}`,
    kind: 'flood',
    also: ['brute-force', 'exfiltration', 'port-scan-vertical'],
    entity: ip(n),
    // Client popularity is skewed: the busiest clients (listed too) each make ~1% of the connections.
    alt: [h(n).ip6!, h(n).eni, ...world.clients4.slice(0, 3), ...world.clients6.slice(0, 3)],
    description: `Busy public web server ${n}: ~60 new HTTPS/HTTP connections per 5 minutes at the daily peak (a quarter of that at night) from a pool of 6000 IPv4 and 1200 IPv6 clients (the busiest few make ~1% each), all accepted, replies up to 2 MB.`,
    why: 'many sources on one host:port (fan-in, like a flood or a distributed brute force) and many bytes out (like exfiltration)',
  });
  const publicHosts = Object.keys(OPEN_PORTS).map((n) => h(n));
  return [
    web('web-1'),
    web('web-2'),
    {
      id: 'b-lb-health',
      kind: 'sweep-horizontal',
      also: ['brute-force', 'beacon', 'outbound-scan'],
      entity: ip('lb-a'),
      alt: [ip('lb-b'), h('lb-a').eni, h('lb-b').eni, ...[1, 2, 3, 4].map((k) => ip(`app-${k}`))],
      description:
        'Load balancer health checks: lb-a and lb-b each open a new TCP connection to app-1..4 on port 8080 every 30 s, all day.',
      why: 'one source, one port, several hosts (sweep); hundreds of short connections per hour to one host:port (brute force); strictly periodic (beacon)',
    },
    {
      id: 'b-monitor',
      kind: 'sweep-horizontal',
      also: ['outbound-scan', 'port-scan-vertical', 'beacon', 'unusual-protocol'],
      entity: ip('monitor'),
      alt: [h('monitor').eni, h('bastion').ip6!],
      description:
        'Monitoring fan-out: every 5 minutes the monitor host checks every prod and staging instance on 9100 (node exporter), 22 (SSH banner) and ICMP; ICMPv6 pings of dual-stack hosts come from the bastion.',
      why: 'one internal host touching every host on the same ports (sweep, internal scanning), several ports per host, periodic, ICMPv6',
    },
    {
      id: 'b-ntp',
      kind: 'beacon',
      also: ['sweep-horizontal', 'outbound-scan'],
      entity: world.ntpPool[0]!,
      alt: [...world.ntpPool.slice(1), ip('ntp-c')],
      description:
        'NTP: each instance polls 4 pool servers every 1024 s on UDP 123 (rotating the set every 6 h, so ~12 pool addresses per host over 2 days); corp hosts poll ntp-c, which polls the pool.',
      why: 'strictly periodic small flows to external addresses (beacon); one port, many external addresses over time (sweep/outbound scan)',
    },
    {
      id: 'b-nat-return',
      kind: 'port-scan-vertical',
      also: ['flood'],
      entity: ip('nat'),
      alt: [h('nat').eni, ...world.apis],
      description:
        'App servers call 12 third-party HTTPS APIs through the NAT gateway (~4 calls per app per 5 minutes at the peak); the replies reach the NAT on a new translated port each time.',
      why: 'replies from one API address to thousands of distinct destination ports of the NAT (vertical scan, if replies are not told from requests)',
    },
    {
      id: 'b-internet-noise',
      kind: 'port-scan-vertical',
      also: ['sweep-horizontal', 'brute-force'],
      entity: publicHosts[0]!.ip4,
      alt: publicHosts.flatMap((x) => [x.ip4, ...(x.ip6 ? [x.ip6] : []), x.eni]),
      description:
        'Internet background noise: every public host gets ~4 single probes an hour (IPv6 hosts ~0.4) from ever-new internet addresses on common ports (22, 23, 445, 3389, ...); rejected unless the port is open.',
      why: 'over a day each public host sees probes on dozens of distinct ports (vertical scan if keyed on the target only) from hundreds of sources',
    },
    {
      id: 'b-nightly-backup',
      kind: 'exfiltration',
      also: ['beacon'],
      entity: ip('backup'),
      alt: [h('backup').eni, world.offsite],
      description:
        'Nightly backup: from 02:00 UTC (+0–2 min) for ~33–38 min every night the backup host sends 350–420 MB a minute (~13 GB) to one offsite provider through the NAT gateway.',
      why: 'gigabytes out to one external address at night (exfiltration), at the same hour every night',
    },
    {
      id: 'b-keepalive',
      kind: 'beacon',
      also: ['exfiltration'],
      entity: ip('web-2'),
      alt: [h('web-2').eni, world.logService],
      description:
        'Log shipping: web-2 keeps one TLS session to an external log service (6514) with traffic every minute, reconnecting on a new source port about every 3 hours (irregularly).',
      why: 'a record to the same external address:port in every aggregation window, all day (a perfect 60 s series if windows are taken for check-ins)',
    },
    {
      id: 'b-vpn-esp',
      kind: 'unusual-protocol',
      also: [],
      entity: ip('vpn'),
      alt: [h('vpn').eni, ...world.branches],
      description:
        'Site-to-site IPsec: three branch offices send ESP (protocol 50) to the corp VPN appliance all the time, IKE on UDP 500 hourly.',
      why: 'a protocol other than TCP/UDP/ICMP accepted from the internet, continuously from the first hour (a baseline, not a change)',
    },
    {
      id: 'b-ad-rpc',
      kind: 'port-scan-vertical',
      also: ['outbound-scan'],
      entity: ip('ad-1'),
      alt: [h('ad-1').eni, ...[1, 2, 3].map((k) => ip(`build-${k}`))],
      description:
        'Windows RPC: build hosts reach the domain controller on 135 and a random dynamic port 49152–65535 per session, a few sessions per host per 5 minutes.',
      why: 'each client touches hundreds of distinct ports on one host over a day (vertical scan), all accepted',
    },
    {
      id: 'b-ci-ssh',
      kind: 'brute-force',
      also: [],
      entity: world.ci,
      alt: [ip('bastion'), h('bastion').eni],
      description:
        'CI deploys: one runner opens 3 SSH sessions (20–90 s, 20–400 kB) to the bastion every 10 minutes, all day, all accepted.',
      why: '18 SSH connections an hour from one source to one host:port, for days (like a low-and-slow brute force)',
    },
    {
      id: 'b-db-pool',
      kind: 'brute-force',
      also: [],
      entity: ip('db-2'),
      alt: [h('db-2').eni, ...[1, 2, 3, 4].map((k) => ip(`app-${k}`))],
      description:
        'Connection pools: app-1..4 each keep 12 connections to the read replica db-2:5432, each replaced after 30 minutes; a record pair in the minutes a connection carries queries (~15%, and its first and last), a few kB each, all day.',
      why: '~38 connections to one database port in every 10 minutes from four sources, small records (a brute force if connections are counted without telling new ones from pooled ones)',
    },
    {
      id: 'b-stg-db-jobs',
      kind: 'brute-force',
      also: [],
      entity: ip('stg-db'),
      alt: [h('stg-db').eni, ip('stg-app'), h('stg-app').eni],
      description:
        "Staging's job runner: stg-app opens a new connection to stg-db:5432 per job (no pool), ~6 a minute at the daily peak, a few kB each, all accepted; default-format flow log (no tcp-flags).",
      why: '~60 short accepted connections to one database port in 10 minutes, in a format without tcp-flags (a brute force if every short accepted connection counts as a login attempt)',
    },
    {
      id: 'b-near-indicator',
      kind: 'known-bad',
      also: [],
      entity: world.nearIndicator,
      alt: [],
      description: `A client at ${world.nearIndicator}, one address below the listed 45.95.147.0/24, browses web-1 from 07:00 to midnight.`,
      why: 'an address next to a listed CIDR: a wrong prefix match (off by one, or a /23 for a /24) reports it',
    },
    {
      id: 'b-ftp-passive',
      kind: 'first-seen',
      also: [],
      entity: ip('build-2'),
      alt: [h('build-2').eni, world.mirror],
      description:
        'Passive FTP: at 06:00 UTC every day build-2 fetches from a package mirror: port 21, then a data connection to the port the mirror names in 50000–50999 (a new one every day).',
      why: 'a host starting connections to a remote port it never used before, every day (a new-port rule that does not know dynamic ports)',
    },
    {
      id: 'b-cdn-change',
      kind: 'first-seen',
      also: [],
      entity: ip('app-1'),
      alt: [h('app-1').eni],
      description:
        'A CDN: app-1 fetches assets from Amazon CloudFront, whose address changes every day (13.32.d.10): one network (AS16509), one country (US).',
      why: 'a new destination address every day (a new-destination rule keyed on addresses, not on the network)',
    },
    {
      id: 'b-web-countries',
      kind: 'first-seen',
      also: [],
      entity: ip('web-1'),
      alt: [h('web-1').ip6!, h('web-1').eni, ip('web-2'), h('web-2').ip6!, h('web-2').eni],
      description:
        'The busy web servers (b-busy-web-1/-2) answer clients from a pool of 7,200 internet addresses in many countries; new clients, and so new client countries, every day.',
      why: 'records from the server to addresses in countries it never sent to before (its replies, not connections it started)',
    },
    {
      id: 'b-business-hours',
      kind: 'coverage-gap',
      also: [],
      entity: h('dev-1').eni,
      alt: [ip('dev-1')],
      description:
        'dev-1 is used on weekdays 08:00–18:00 UTC only; outside those hours its interface writes one NODATA record per 5-minute slot.',
      why: 'an interface with no traffic for 14 hours a night (like one that stopped logging), but still logging (NODATA)',
    },
  ];
}
