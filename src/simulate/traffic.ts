// Simulated traffic: background conversations and the injected attacks, emitted hour by hour as records.

import type { Internet } from './internet.js';
import { budgetAt, type Plan, SCENARIOS, type ScenarioName } from './plan.js';
import type { Random } from './random.js';
import type { FlowRecord, RecordSink } from './record-sink.js';
import { type Eni, OFFICE_IP, type Vpc } from './vpc.js';

const TCP = 6;
const UDP = 17;
const ICMP = 1;

/** `traffic-path` codes (spec §4.3). */
const PATH_SAME_VPC = 1;
const PATH_IGW = 2;
const PATH_GATEWAY_ENDPOINT = 7;
const PATH_IGW_NITRO = 8;

/** Sources of records within an hour: background, then the attacks in {@link SCENARIOS} order. */
const BACKGROUND = 0;
const SSH = 1;
const SCAN = 2;
const ICMP_DENIED = 3;
const EXFIL = 4;

/** Records written per exfiltration connection-minute: 2 on the db interface, 4 on the NAT gateway's. */
const EXFIL_UNIT = 6;

/** Ports that internet background scanners knock on. */
const NOISE_TCP_PORTS = [22, 23, 25, 445, 1433, 2375, 3306, 3389, 5900, 6379, 8080, 8443, 9200, 27017];
const NOISE_UDP_PORTS = [53, 123, 161, 1900, 5060];

/** Kinds of background conversations, how many records each writes, and their relative frequency. */
type Kind =
  | 'webHttps'
  | 'webHttp'
  | 'webHttps6'
  | 'efa'
  | 'webToApp'
  | 'appToDb'
  | 'toS3'
  | 'appToDynamo'
  | 'natHttps'
  | 'ntpDirect'
  | 'ntpNat'
  | 'webEgress'
  | 'officeSsh'
  | 'bastionSsh'
  | 'noise'
  | 'lateReject'
  | 'nodata';

const KINDS: readonly { kind: Kind; records: number; weight: number }[] = [
  { kind: 'webHttps', records: 2, weight: 34 },
  { kind: 'webHttp', records: 2, weight: 4 },
  // IPv6 clients of the dual-stack web servers: about 8% of the records (24 of ~290 record-weights).
  { kind: 'webHttps6', records: 2, weight: 12 },
  // EFA traffic between the two HPC nodes, recorded on both: about 4%.
  { kind: 'efa', records: 4, weight: 3 },
  { kind: 'webToApp', records: 4, weight: 16 },
  { kind: 'appToDb', records: 4, weight: 14 },
  { kind: 'toS3', records: 2, weight: 4 },
  { kind: 'appToDynamo', records: 2, weight: 3 },
  { kind: 'natHttps', records: 6, weight: 3 },
  { kind: 'ntpDirect', records: 2, weight: 1 },
  { kind: 'ntpNat', records: 6, weight: 1 },
  { kind: 'webEgress', records: 2, weight: 2 },
  { kind: 'officeSsh', records: 2, weight: 1.5 },
  { kind: 'bastionSsh', records: 4, weight: 1 },
  { kind: 'noise', records: 1, weight: 9 },
  { kind: 'lateReject', records: 1, weight: 2 },
  { kind: 'nodata', records: 1, weight: 0.5 },
];
const KIND_TOTAL = KINDS.reduce((a, k) => a + k.weight, 0);

/**
 * Generates the records of each hour of a {@link Plan} into a {@link RecordSink}: exactly the planned number
 * per hour, background conversations interleaved with the attacks active in that hour. Conversations between
 * two interfaces of the VPC are recorded on both (egress on the sender's, ingress on the receiver's), replies
 * included; internet traffic of the private subnets also crosses the NAT gateway's interface.
 */
export class Traffic {
  private readonly rng: Random;
  private readonly vpc: Vpc;
  private readonly net: Internet;
  private readonly sink: RecordSink;
  private readonly plan: Plan;
  private readonly r: FlowRecord;

  // Current hour.
  private hourStart = 0;
  /** Seconds of the current hour that are simulated (the last hour may be cut). */
  private span = 3600;
  private quota = 0;
  /** Background records written in the current hour. */
  private bgDone = 0;
  private remaining = 0;
  private readonly budget = [0, 0, 0, 0, 0];
  private readonly hourBudget = [0, 0, 0, 0, 0];
  private readonly scenarioTotal: number[];
  private readonly scenarioDone = [0, 0, 0, 0, 0];

  // Times of the conversation being written.
  private t0 = 0;
  private t1 = 0;
  // Sizes and flags of the conversation being written.
  private reqPackets = 0;
  private reqBytes = 0;
  private respPackets = 0;
  private respBytes = 0;
  private clientFlags = 0;
  private serverFlags = 0;
  /** `reject-reason` of the next record only. */
  private rejectReason = '-';

  // Attack state.
  private readonly scanTarget: Eni;
  private readonly pingTarget: Eni;
  private readonly scanSrcPort: number;
  private scanStep = 0;
  private readonly scanOffset: number;
  private readonly exfilUnitBytes: number;
  private natPort = 1024;
  /** IPv6 internet clients (documentation prefix 2001:db8::/32, as the IPv4 ones are documentation ranges). */
  private readonly clients6: readonly string[];
  /** True while an EFA conversation is written: its records are `type` EFA. */
  private efaFlow = false;

  constructor(rng: Random, vpc: Vpc, net: Internet, sink: RecordSink, plan: Plan) {
    this.rng = rng;
    this.vpc = vpc;
    this.net = net;
    this.sink = sink;
    this.plan = plan;
    this.r = {
      eni: vpc.db,
      egress: false,
      srcaddr: '',
      dstaddr: '',
      srcport: 0,
      dstport: 0,
      protocol: 0,
      packets: 0,
      bytes: 0,
      start: 0,
      end: 0,
      accept: true,
      tcpFlags: 0,
      pktSrcaddr: '',
      pktDstaddr: '',
      trafficPath: 0,
      rejectReason: '-',
      type: 'IPv4',
    };
    this.scenarioTotal = [0, ...SCENARIOS.map((s) => plan.scenarios[s].perHour.reduce((a, b) => a + b, 0))];
    const [scanTarget, pingTarget] = rng.chance(0.5) ? [vpc.web[0], vpc.web[1]] : [vpc.web[1], vpc.web[0]];
    this.scanTarget = scanTarget;
    this.pingTarget = pingTarget;
    this.scanSrcPort = rng.int(33000, 65000);
    this.scanOffset = rng.int(0, 65534);
    const exfilUnits = Math.max(1, Math.floor((this.scenarioTotal[EXFIL] ?? 0) / EXFIL_UNIT));
    this.exfilUnitBytes = rng.int(3_000_000_000, 9_000_000_000) / exfilUnits;
    const group = () => rng.int(1, 0xffff).toString(16);
    this.clients6 = Array.from({ length: 64 }, () => `2001:db8:${group()}:${group()}::${group()}`);
  }

  /** The two addresses of each attack: the bastion, one web server each for the scan and the pings, the db host. */
  get attacks(): Readonly<Record<ScenarioName, { source: string; target: string }>> {
    const { vpc, net } = this;
    return {
      sshBruteForce: { source: net.sshAttacker, target: vpc.bastion.ip },
      portScan: { source: net.scanner, target: this.scanTarget.ip },
      icmpDenied: { source: net.pinger, target: this.pingTarget.ip },
      exfiltration: { source: vpc.db.ip, target: net.exfilDestination },
    };
  }

  /** Starts hour `h` (0-based) of the plan. */
  beginHour(h: number): void {
    const plan = this.plan;
    this.hourStart = plan.start + h * 3600;
    this.span = h === plan.hours - 1 ? plan.lastHourSeconds : 3600;
    this.budget[BACKGROUND] = plan.background[h] ?? 0;
    SCENARIOS.forEach((s, i) => {
      this.budget[i + 1] = budgetAt(plan.scenarios[s], h);
    });
    for (let i = 0; i < 5; i++) this.hourBudget[i] = this.budget[i]!;
    this.quota = this.budget.reduce((a, b) => a + b, 0);
    this.bgDone = 0;
    this.remaining = this.quota;
  }

  /** True when the current hour has all its records. */
  get hourDone(): boolean {
    return this.remaining === 0;
  }

  /** Writes conversations of the current hour until the sink holds `maxBytes` bytes or the hour is complete. */
  generate(maxBytes: number): void {
    const sink = this.sink;
    const budget = this.budget;
    while (this.remaining > 0 && sink.pending < maxBytes) {
      let x = this.rng.next() * this.remaining;
      let s = 0;
      while (s < EXFIL && x >= budget[s]!) {
        x -= budget[s]!;
        s++;
      }
      const before = sink.records;
      if (s === BACKGROUND) this.background(budget[BACKGROUND]!);
      else if (!this.attack(s, budget[s]!)) {
        // The attack's leftover is too small for one of its conversations: give it to the background.
        budget[BACKGROUND]! += budget[s]!;
        budget[s] = 0;
        continue;
      }
      const n = sink.records - before;
      budget[s]! -= n;
      this.remaining -= n;
      this.scenarioDone[s]! += n;
      if (s === BACKGROUND) this.bgDone += n;
    }
  }

  // ---------------------------------------------------------------- time, sizes, flags

  /**
   * Sets the times of the next conversation: its start spread evenly over [from, to) seconds of the hour
   * at fraction `frac` (every minute, the last included, gets its share: capping starts a minute before
   * `to` left hh:59 nearly empty, a fake outage), and its end inside the same window (records stay in
   * their file's hour), so a flow starting in the window's last minute is cut short at its end.
   */
  private times(from: number, to: number, frac: number, maxDuration: number): void {
    const latest = this.hourStart + to - 1;
    let t = this.hourStart + from + Math.floor(frac * (to - from)) + this.rng.int(0, 15);
    if (t > latest) t = latest;
    this.t0 = t;
    this.t1 = Math.min(t + this.rng.int(0, maxDuration), latest);
  }

  /**
   * Background conversations are spread by the background's own progress through the hour, not the hour's: when
   * an attack's records happened to be drawn last, the hour's progress put the background's last records minutes
   * before the hour's end (a dip at hh:58–hh:59 of an attack hour).
   */
  private backgroundTimes(maxDuration: number): void {
    const done = this.bgDone;
    const left = this.budget[BACKGROUND]!;
    this.times(0, this.span, done + left > 0 ? done / (done + left) : 0, maxDuration);
  }

  private attackTimes(s: number, from: number, to: number, maxDuration: number): void {
    const total = this.hourBudget[s]!;
    const done = total - this.budget[s]!;
    const end = Math.min(to, this.span);
    this.times(Math.min(from, end - 1), end, total > 0 ? done / total : 0, maxDuration);
  }

  /** Request/response packets and bytes of a TCP exchange with a log-normal response size. */
  private sizes(respMedian: number, sigma: number, reqMedian: number): void {
    const rng = this.rng;
    let respBytes = rng.logNormal(respMedian, sigma, 40, 60_000_000);
    const respPackets = Math.max(1, Math.ceil(respBytes / 1448) + rng.int(0, 2));
    if (respBytes < respPackets * 52) respBytes = respPackets * 52;
    const reqPackets = Math.ceil(respPackets / 2) + rng.int(1, 3);
    this.reqPackets = reqPackets;
    this.reqBytes = reqPackets * 52 + rng.logNormal(reqMedian, 0.8, 0, 200_000);
    this.respPackets = respPackets;
    this.respBytes = respBytes;
  }

  /**
   * TCP flags of the client's and the server's record (spec §4.2): a whole short connection (3/19), only
   * its start (2/18), the middle of a long one (0/0) or its end (1/1). Pooled connections are mostly middles.
   */
  private flags(pooled: boolean): void {
    const u = this.rng.next();
    const [whole, opening, middle] = pooled ? [0, 0.07, 0.92] : [0.6, 0.75, 0.9];
    if (u < whole) this.setFlags(3, 19);
    else if (u < opening) this.setFlags(2, 18);
    else if (u < middle) this.setFlags(0, 0);
    else this.setFlags(1, 1);
  }

  private setFlags(client: number, server: number): void {
    this.clientFlags = client;
    this.serverFlags = server;
  }

  /** An ephemeral client port: Linux's range mostly, Windows' otherwise. */
  private ephemeral(): number {
    return this.rng.chance(0.6) ? this.rng.int(32768, 60999) : this.rng.int(49152, 65535);
  }

  // ---------------------------------------------------------------- records

  /** Writes one record on `eni` with the current times. `pkt-*` addresses default to the IP header's. */
  private rec(
    eni: Eni,
    egress: boolean,
    src: string,
    dst: string,
    srcport: number,
    dstport: number,
    protocol: number,
    packets: number,
    bytes: number,
    accept: boolean,
    tcpFlags: number,
    trafficPath: number,
    pktSrc = src,
    pktDst = dst,
  ): void {
    const r = this.r;
    r.eni = eni;
    r.egress = egress;
    r.srcaddr = src;
    r.dstaddr = dst;
    r.srcport = srcport;
    r.dstport = dstport;
    r.protocol = protocol;
    r.packets = packets;
    r.bytes = bytes;
    r.start = this.t0;
    r.end = this.t1;
    r.accept = accept;
    r.tcpFlags = tcpFlags;
    r.trafficPath = trafficPath;
    r.pktSrcaddr = pktSrc;
    r.pktDstaddr = pktDst;
    r.rejectReason = this.rejectReason;
    r.type = this.efaFlow ? 'EFA' : src.includes(':') ? 'IPv6' : 'IPv4';
    this.sink.write(r);
    this.rejectReason = '-';
  }

  /**
   * An accepted request/response exchange with the current sizes and flags. Recorded on the client's interface
   * (egress request, ingress reply) when the client is in the VPC and on the server's (ingress request, egress
   * reply) when the server is.
   */
  private exchange(
    clientEni: Eni | undefined,
    client: string,
    cport: number,
    serverEni: Eni | undefined,
    server: string,
    sport: number,
    protocol: number,
    clientPath: number,
    serverPath: number,
  ): void {
    const { reqPackets, reqBytes, respPackets, respBytes, clientFlags, serverFlags } = this;
    if (clientEni)
      this.rec(
        clientEni,
        true,
        client,
        server,
        cport,
        sport,
        protocol,
        reqPackets,
        reqBytes,
        true,
        clientFlags,
        clientPath,
      );
    if (serverEni)
      this.rec(
        serverEni,
        false,
        client,
        server,
        cport,
        sport,
        protocol,
        reqPackets,
        reqBytes,
        true,
        clientFlags,
        0,
      );
    if (serverEni)
      this.rec(
        serverEni,
        true,
        server,
        client,
        sport,
        cport,
        protocol,
        respPackets,
        respBytes,
        true,
        serverFlags,
        serverPath,
      );
    if (clientEni)
      this.rec(
        clientEni,
        false,
        server,
        client,
        sport,
        cport,
        protocol,
        respPackets,
        respBytes,
        true,
        serverFlags,
        0,
      );
  }

  /**
   * A private instance's exchange with an internet host through the NAT gateway: 2 records on the instance's
   * interface, 4 on the NAT gateway's, whose `srcaddr`/`dstaddr` show its own address where the packet
   * addresses (`pkt-*`) show the real endpoints (spec §4.1).
   */
  private natExchange(inst: Eni, ext: string, cport: number, dport: number, protocol: number): void {
    const { reqPackets, reqBytes, respPackets, respBytes, clientFlags, serverFlags } = this;
    const nat = this.vpc.nat;
    const natPort = this.nextNatPort();
    const ip = inst.ip;
    this.rec(
      inst,
      true,
      ip,
      ext,
      cport,
      dport,
      protocol,
      reqPackets,
      reqBytes,
      true,
      clientFlags,
      PATH_SAME_VPC,
    );
    this.rec(
      nat,
      false,
      ip,
      nat.ip,
      cport,
      dport,
      protocol,
      reqPackets,
      reqBytes,
      true,
      clientFlags,
      0,
      ip,
      ext,
    );
    this.rec(
      nat,
      true,
      nat.ip,
      ext,
      natPort,
      dport,
      protocol,
      reqPackets,
      reqBytes,
      true,
      clientFlags,
      PATH_IGW,
    );
    this.rec(nat, false, ext, nat.ip, dport, natPort, protocol, respPackets, respBytes, true, serverFlags, 0);
    this.rec(
      nat,
      true,
      nat.ip,
      ip,
      dport,
      cport,
      protocol,
      respPackets,
      respBytes,
      true,
      serverFlags,
      PATH_SAME_VPC,
      ext,
      ip,
    );
    this.rec(inst, false, ext, ip, dport, cport, protocol, respPackets, respBytes, true, serverFlags, 0);
  }

  private nextNatPort(): number {
    const next = this.natPort + 1 + this.rng.int(0, 7);
    this.natPort = next > 65535 ? 1024 : next;
    return this.natPort;
  }

  // ---------------------------------------------------------------- background

  private background(budget: number): void {
    let x = this.rng.next() * KIND_TOTAL;
    let k = KINDS[0]!;
    for (const c of KINDS) {
      k = c;
      x -= c.weight;
      if (x < 0) break;
    }
    // Too few records left in the hour for this conversation: one internet scanner knock fills the gap.
    const kind: Kind = k.records > budget ? 'noise' : k.kind;
    const { rng, vpc, net } = this;
    switch (kind) {
      case 'webHttps':
      case 'webHttp': {
        const https = kind === 'webHttps';
        this.backgroundTimes(https ? 59 : 5);
        this.flags(false);
        if (https) this.sizes(9000, 1.5, 500);
        else this.sizes(350, 0.3, 300);
        const web = rng.pick(vpc.web);
        const client = net.clients[rng.skewed(net.clients.length)]!;
        this.exchange(
          undefined,
          client,
          this.ephemeral(),
          web,
          web.ip,
          https ? 443 : 80,
          TCP,
          0,
          PATH_IGW_NITRO,
        );
        return;
      }
      case 'webHttps6': {
        this.backgroundTimes(59);
        this.flags(false);
        this.sizes(9000, 1.5, 500);
        const web = rng.pick(vpc.web);
        const client = this.clients6[rng.skewed(this.clients6.length)]!;
        this.exchange(undefined, client, this.ephemeral(), web, web.ip6!, 443, TCP, 0, PATH_IGW_NITRO);
        return;
      }
      case 'efa': {
        // OS-bypass (SRD) traffic between the HPC nodes' EFAs: large transfers; no ports or protocol.
        this.backgroundTimes(59);
        this.sizes(4_000_000, 1.0, 2_000_000);
        this.setFlags(0, 0);
        const [a, b] = rng.chance(0.5) ? [vpc.hpc[0], vpc.hpc[1]] : [vpc.hpc[1], vpc.hpc[0]];
        this.efaFlow = true;
        this.exchange(a, a.ip, 0, b, b.ip, 0, 0, PATH_SAME_VPC, PATH_SAME_VPC);
        this.efaFlow = false;
        return;
      }
      case 'webToApp': {
        this.backgroundTimes(59);
        this.flags(true);
        this.sizes(6000, 1.2, 800);
        const web = rng.pick(vpc.web);
        const app = rng.pick(vpc.app);
        this.exchange(web, web.ip, this.ephemeral(), app, app.ip, 8080, TCP, PATH_SAME_VPC, PATH_SAME_VPC);
        return;
      }
      case 'appToDb': {
        this.backgroundTimes(59);
        this.flags(true);
        this.sizes(3000, 1.8, 300);
        const i = rng.int(0, 1);
        const app = vpc.app[i]!;
        // A connection pool: twenty long-lived client ports per app server.
        const cport = 41000 + i * 100 + rng.int(0, 19);
        this.exchange(app, app.ip, cport, vpc.db, vpc.db.ip, 5432, TCP, PATH_SAME_VPC, PATH_SAME_VPC);
        return;
      }
      case 'toS3': {
        this.backgroundTimes(59);
        this.flags(false);
        const inst = rng.pick([vpc.web[0], vpc.web[1], vpc.app[0], vpc.app[1], vpc.db]);
        if (rng.chance(0.5)) this.sizes(200_000, 1.5, 400);
        else {
          // An upload: the big side is the request.
          this.sizes(300, 0.3, 400);
          const up = rng.logNormal(500_000, 1.5, 1000, 500_000_000);
          this.reqPackets = Math.ceil(up / 1448);
          this.reqBytes = up + this.reqPackets * 52;
          this.respPackets = Math.ceil(this.reqPackets / 2);
          this.respBytes = this.respPackets * 52 + 300;
        }
        this.exchange(
          inst,
          inst.ip,
          this.ephemeral(),
          undefined,
          rng.pick(net.s3),
          443,
          TCP,
          PATH_GATEWAY_ENDPOINT,
          0,
        );
        return;
      }
      case 'appToDynamo': {
        this.backgroundTimes(59);
        this.flags(true);
        this.sizes(2000, 1.0, 500);
        const app = rng.pick(vpc.app);
        const ddb = rng.pick(net.dynamodb);
        this.exchange(app, app.ip, this.ephemeral(), undefined, ddb, 443, TCP, PATH_GATEWAY_ENDPOINT, 0);
        return;
      }
      case 'natHttps': {
        this.backgroundTimes(59);
        this.flags(false);
        this.sizes(20_000, 1.5, 700);
        const inst = rng.chance(0.8) ? rng.pick(vpc.app) : vpc.db;
        this.natExchange(inst, rng.pick(net.apis), this.ephemeral(), 443, TCP);
        return;
      }
      case 'ntpDirect':
      case 'ntpNat': {
        this.backgroundTimes(1);
        this.ntpSizes();
        const server = rng.pick(net.ntp);
        if (kind === 'ntpDirect') {
          const inst = rng.pick([vpc.web[0], vpc.web[1], vpc.bastion]);
          this.exchange(inst, inst.ip, this.ephemeral(), undefined, server, 123, UDP, PATH_IGW_NITRO, 0);
        } else {
          this.natExchange(rng.pick([vpc.app[0], vpc.app[1], vpc.db]), server, this.ephemeral(), 123, UDP);
        }
        return;
      }
      case 'webEgress': {
        this.backgroundTimes(59);
        this.flags(false);
        this.sizes(4000, 1.2, 900);
        const web = rng.pick(vpc.web);
        this.exchange(
          web,
          web.ip,
          this.ephemeral(),
          undefined,
          rng.pick(net.apis),
          443,
          TCP,
          PATH_IGW_NITRO,
          0,
        );
        return;
      }
      case 'officeSsh': {
        this.backgroundTimes(59);
        this.flags(false);
        this.sizes(20_000, 1.5, 3000);
        const b = vpc.bastion;
        this.exchange(undefined, OFFICE_IP, this.ephemeral(), b, b.ip, 22, TCP, 0, PATH_IGW_NITRO);
        return;
      }
      case 'bastionSsh': {
        this.backgroundTimes(59);
        this.flags(false);
        this.sizes(15_000, 1.5, 2000);
        const b = vpc.bastion;
        const to = rng.pick([vpc.app[0], vpc.app[1], vpc.db]);
        this.exchange(b, b.ip, this.ephemeral(), to, to.ip, 22, TCP, PATH_SAME_VPC, PATH_SAME_VPC);
        return;
      }
      case 'noise': {
        this.backgroundTimes(3);
        const target = rng.pick([vpc.web[0], vpc.web[1], vpc.bastion]);
        const src = net.scanners[rng.skewed(net.scanners.length, 2)]!;
        // Rarely, the record says VPC Block Public Access denied it (spec §3.7).
        if (rng.chance(0.01)) this.rejectReason = 'BPA';
        if (rng.chance(0.9)) {
          const packets = rng.int(1, 2);
          const size = rng.pick([40, 44, 60]);
          this.rec(
            target,
            false,
            src,
            target.ip,
            this.ephemeral(),
            rng.pick(NOISE_TCP_PORTS),
            TCP,
            packets,
            packets * size,
            false,
            2,
            0,
          );
        } else {
          const port = rng.pick(NOISE_UDP_PORTS);
          this.rec(
            target,
            false,
            src,
            target.ip,
            this.ephemeral(),
            port,
            UDP,
            1,
            rng.int(40, 200),
            false,
            0,
            0,
          );
        }
        return;
      }
      case 'lateReject': {
        // Packets after the connection was closed are rejected (spec §3.1, action).
        this.backgroundTimes(2);
        const web = rng.pick(vpc.web);
        const client = net.clients[rng.skewed(net.clients.length)]!;
        const packets = rng.int(1, 2);
        const flags = rng.pick([4, 1, 0]);
        this.rec(
          web,
          false,
          client,
          web.ip,
          this.ephemeral(),
          443,
          TCP,
          packets,
          packets * 40,
          false,
          flags,
          0,
        );
        return;
      }
      case 'nodata': {
        this.backgroundTimes(0);
        const eni = rng.chance(0.6) ? vpc.bastion : rng.pick([vpc.db, vpc.app[0], vpc.app[1]]);
        const start = this.t0 - (this.t0 % 60);
        this.sink.writeNoData(eni, start, Math.min(start + 59, this.hourStart + this.span - 1));
        return;
      }
      default: {
        const never: never = kind;
        throw new Error(`unhandled kind ${String(never)}`);
      }
    }
  }

  private ntpSizes(): void {
    const packets = this.rng.int(1, 4);
    this.reqPackets = packets;
    this.reqBytes = packets * 76;
    this.respPackets = packets;
    this.respBytes = packets * 76;
    this.clientFlags = 0;
    this.serverFlags = 0;
  }

  // ---------------------------------------------------------------- attacks

  /** Writes one conversation of attack `s`; false when `budget` is too small for one. */
  private attack(s: number, budget: number): boolean {
    const { rng, vpc, net } = this;
    const plan = this.plan.scenarios[SCENARIOS[s - 1]!];
    switch (s) {
      case SSH: {
        // Security group admits SSH from the office only: every attempt is a rejected SYN (plus retries).
        this.attackTimes(s, plan.from, plan.to, 5);
        const b = vpc.bastion;
        const packets = rng.chance(0.7) ? 1 : rng.int(2, 3);
        this.rec(
          b,
          false,
          net.sshAttacker,
          b.ip,
          this.ephemeral(),
          22,
          TCP,
          packets,
          packets * 60,
          false,
          2,
          0,
        );
        return true;
      }
      case SCAN: {
        this.attackTimes(s, plan.from, plan.to, 0);
        const t = this.scanTarget;
        this.rec(t, false, net.scanner, t.ip, this.scanSrcPort, this.nextScanPort(), TCP, 1, 44, false, 2, 0);
        return true;
      }
      case ICMP_DENIED: {
        this.attackTimes(s, plan.from, plan.to, 59);
        const t = this.pingTarget;
        const packets = rng.int(1, 60);
        const bytes = packets * 84;
        const total = this.scenarioTotal[s]!;
        const frac = total > 0 ? this.scenarioDone[s]! / total : 1;
        if (budget >= 2 && frac < 0.7) {
          // The network ACL admits echo requests but denies the replies (spec §4.5).
          this.rec(t, false, net.pinger, t.ip, 0, 0, ICMP, packets, bytes, true, 0, 0);
          this.rec(t, true, t.ip, net.pinger, 0, 0, ICMP, packets, bytes, false, 0, PATH_IGW_NITRO);
        } else {
          // Later an inbound rule denies the requests themselves.
          this.rec(t, false, net.pinger, t.ip, 0, 0, ICMP, packets, bytes, false, 0, 0);
        }
        return true;
      }
      case EXFIL: {
        if (budget < EXFIL_UNIT) return false;
        this.attackTimes(s, plan.from, plan.to, 59);
        const first = this.scenarioDone[s] === 0;
        const sent = Math.round(this.exfilUnitBytes * (0.6 + 0.8 * rng.next()));
        this.reqPackets = Math.ceil(sent / 1448);
        this.reqBytes = sent + this.reqPackets * 52;
        this.respPackets = Math.ceil(this.reqPackets / 2);
        this.respBytes = this.respPackets * 52;
        this.clientFlags = first ? 2 : 0;
        this.serverFlags = first ? 18 : 0;
        this.natExchange(vpc.db, net.exfilDestination, this.ephemeral(), 443, TCP);
        return true;
      }
      default:
        throw new Error(`not an attack: ${s}`);
    }
  }

  /** The next port of the scan: a fixed-stride walk over 1–65535 that skips the open ports 80 and 443. */
  private nextScanPort(): number {
    for (;;) {
      // 7919 is prime and does not divide 65535, so the walk visits every port before repeating.
      const port = 1 + ((this.scanOffset + this.scanStep * 7919) % 65535);
      this.scanStep++;
      if (port !== 80 && port !== 443) return port;
    }
  }
}
