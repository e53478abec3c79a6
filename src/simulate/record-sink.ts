// Turns simulated flows into record lines of a format and counts the ground truth of what it wrote.

import { FIELDS, field } from '../records/catalog.js';
import type { Format } from '../records/format.js';
import type { Eni } from './vpc.js';

/** One flow as the simulation produces it, before it is laid out in a format. Reused between records. */
export interface FlowRecord {
  /** The interface on which the record is captured. */
  eni: Eni;
  egress: boolean;
  srcaddr: string;
  dstaddr: string;
  srcport: number;
  dstport: number;
  protocol: number;
  packets: number;
  bytes: number;
  start: number;
  end: number;
  accept: boolean;
  tcpFlags: number;
  pktSrcaddr: string;
  pktDstaddr: string;
  /** `traffic-path` code for egress records (spec §4.3); ignored for ingress. */
  trafficPath: number;
  /** `reject-reason`: `BPA` or `-`. */
  rejectReason: string;
  /** `type`: IPv4, IPv6, or EFA (OS-bypass traffic of an EFA: no ports, protocol or TCP flags, written `-`). */
  type: 'IPv4' | 'IPv6' | 'EFA';
}

/** Counts of the records exchanged between an attack's source and its target (either direction). */
export interface PairStats {
  readonly source: string;
  readonly target: string;
  records: number;
  rejected: number;
  /** Bytes of the records sent by `source` to `target`. */
  bytesFromSource: number;
  /** Distinct destination ports of the records sent by `source` to `target`. */
  readonly ports: Set<number>;
}

/** Constant record context: who owns the interfaces and where they are. */
export interface SinkContext {
  readonly account: string;
  readonly region: string;
  readonly vpcId: string;
  /** The VPC's interfaces, for the version 9–11 fields (next hop, tags, interface type); none: those are `-`. */
  readonly enis?: readonly Eni[] | undefined;
}

const slot = (aws: string): number => FIELDS.indexOf(field(aws));

const S = {
  version: slot('version'),
  account: slot('account-id'),
  interface: slot('interface-id'),
  srcaddr: slot('srcaddr'),
  dstaddr: slot('dstaddr'),
  srcport: slot('srcport'),
  dstport: slot('dstport'),
  protocol: slot('protocol'),
  packets: slot('packets'),
  bytes: slot('bytes'),
  start: slot('start'),
  end: slot('end'),
  action: slot('action'),
  logStatus: slot('log-status'),
  vpc: slot('vpc-id'),
  subnet: slot('subnet-id'),
  instance: slot('instance-id'),
  tcpFlags: slot('tcp-flags'),
  type: slot('type'),
  pktSrc: slot('pkt-srcaddr'),
  pktDst: slot('pkt-dstaddr'),
  region: slot('region'),
  az: slot('az-id'),
  pktSrcService: slot('pkt-src-aws-service'),
  pktDstService: slot('pkt-dst-aws-service'),
  direction: slot('flow-direction'),
  path: slot('traffic-path'),
  rejectReason: slot('reject-reason'),
  encryption: slot('encryption-status'),
  instanceTag: slot('instance-tag'),
  instanceTag2: slot('instance-tag-2'),
  interfaceTag: slot('interface-tag'),
  asgTag: slot('asg-tag'),
  interfaceType: slot('interface-type'),
  hopInterface: slot('next-hop-interface-id'),
  hopSubnet: slot('next-hop-subnet-id'),
  hopAz: slot('next-hop-az-id'),
  hopVpc: slot('next-hop-vpc-id'),
  hopType: slot('next-hop-interface-type'),
} as const;

/** Ports whose traffic the simulated applications encrypt themselves (HTTPS, SSH, PostgreSQL with TLS). */
const APP_ENCRYPTED_PORTS = new Set([443, 22, 5432]);

/** `interface-type` of a simulated interface: the NAT gateway's is `nat_gateway`, an EFA's `efa`, an instance's `-`. */
const interfaceType = (eni: Eni): string => (eni.name === 'nat' ? 'nat_gateway' : eni.efa ? 'efa' : '-');

/** Initial size of the line buffer; it grows if the caller lets more accumulate. */
const INITIAL_BUFFER = (1 << 20) + (256 << 10);
/** Room guaranteed before each record line: values are short (IDs, addresses, numbers, ≤ 64-char names). */
const MAX_LINE = 16 << 10;

/** Slot of the constant `-` used for fields the catalog does not know. */
const DASH_SLOT = FIELDS.length;

/**
 * The `version` value records of a format carry: the highest version among its catalog fields (spec §2.2).
 *
 * @example formatVersion(parseFormat('${version} ${srcaddr} ${flow-direction}')) // 5
 */
export function formatVersion(format: Format): number {
  return format.fields.reduce((v, f) => Math.max(v, f.def?.version ?? 2), 2);
}

/** The header line of an S3 text file of this format: its AWS field names separated by single spaces. */
export function headerLine(format: Format): string {
  return format.fields.map((f) => f.def?.aws ?? f.name).join(' ');
}

/**
 * Lays records out in a format, appending them to an in-memory chunk that the caller drains, and counts
 * what it wrote: records, verdicts, NODATA records, bytes (total and per source address) and, for each
 * attack pair, the records between its two addresses.
 */
export class RecordSink {
  /** Records written so far. */
  records = 0;
  accepted = 0;
  rejected = 0;
  nodata = 0;
  /** Sum of `bytes` over all records. */
  bytes = 0;
  /** Sum of `bytes` per `srcaddr`, in first-seen order. */
  readonly bytesBySource = new Map<string, number>();
  /** Lines not yet taken by {@link RecordSink.take}: `buf[0, pos)`. */
  private buf = Buffer.allocUnsafeSlow(INITIAL_BUFFER);
  private pos = 0;
  private readonly order: number[];
  private readonly ok: (string | number)[];
  private readonly nd: (string | number)[];
  private readonly services: ReadonlyMap<string, string>;
  private readonly pairs = new Map<string, PairStats>();
  private readonly byIp: ReadonlyMap<string, Eni>;
  private readonly nat: Eni | undefined;
  private readonly vpcId: string;

  /**
   * @param services AWS service code of AWS addresses, for the `pkt-*-aws-service` fields.
   */
  constructor(format: Format, ctx: SinkContext, services: ReadonlyMap<string, string>) {
    this.order = format.fields.map((f) => (f.def ? FIELDS.indexOf(f.def) : DASH_SLOT));
    const version = formatVersion(format);
    this.ok = new Array<string | number>(FIELDS.length + 1).fill('-');
    this.ok[S.version] = version;
    this.ok[S.account] = ctx.account;
    this.ok[S.vpc] = ctx.vpcId;
    this.ok[S.type] = 'IPv4';
    this.ok[S.region] = ctx.region;
    this.ok[S.logStatus] = 'OK';
    this.nd = new Array<string | number>(FIELDS.length + 1).fill('-');
    this.nd[S.version] = version;
    this.nd[S.account] = ctx.account;
    this.nd[S.logStatus] = 'NODATA';
    this.services = services;
    this.byIp = new Map((ctx.enis ?? []).map((e) => [e.ip, e]));
    this.nat = ctx.enis?.find((e) => e.name === 'nat');
    this.vpcId = ctx.vpcId;
  }

  /** Starts counting the records between two addresses; returns the live counts. */
  track(source: string, target: string): PairStats {
    const p: PairStats = { source, target, records: 0, rejected: 0, bytesFromSource: 0, ports: new Set() };
    this.pairs.set(source, p);
    return p;
  }

  /** Bytes of record lines waiting to be taken. */
  get pending(): number {
    return this.pos;
  }

  /** Takes the lines written since the last call (ASCII bytes); the sink continues in a fresh buffer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafeSlow(this.buf.length);
    this.pos = 0;
    return out;
  }

  /** Appends a line of free text (the header line) without counting it as a record. */
  writeLine(line: string): void {
    this.reserve(line.length + 1);
    this.pos = this.buf.write(line + '\n', this.pos, 'latin1') + this.pos;
  }

  /** Writes one OK record. */
  write(r: FlowRecord): void {
    const s = this.ok;
    const eni = r.eni;
    s[S.interface] = eni.id;
    s[S.subnet] = eni.subnet.id;
    s[S.instance] = eni.instanceId;
    s[S.az] = eni.subnet.azId;
    s[S.srcaddr] = r.srcaddr;
    s[S.dstaddr] = r.dstaddr;
    s[S.srcport] = r.srcport;
    s[S.dstport] = r.dstport;
    s[S.protocol] = r.protocol;
    s[S.packets] = r.packets;
    s[S.bytes] = r.bytes;
    s[S.start] = r.start;
    s[S.end] = r.end;
    s[S.action] = r.accept ? 'ACCEPT' : 'REJECT';
    s[S.tcpFlags] = r.tcpFlags;
    s[S.pktSrc] = r.pktSrcaddr;
    s[S.pktDst] = r.pktDstaddr;
    s[S.pktSrcService] = this.services.get(r.pktSrcaddr) ?? '-';
    s[S.pktDstService] = this.services.get(r.pktDstaddr) ?? '-';
    s[S.direction] = r.egress ? 'egress' : 'ingress';
    s[S.path] = r.egress ? r.trafficPath : '-';
    s[S.rejectReason] = r.accept ? '-' : r.rejectReason;
    s[S.type] = r.type;
    if (r.type === 'EFA') s[S.srcport] = s[S.dstport] = s[S.protocol] = s[S.tcpFlags] = '-';
    if (this.byIp.size > 0) this.newerFields(s, r);
    this.line(s);

    if (r.accept) this.accepted++;
    else this.rejected++;
    this.bytes += r.bytes;
    const m = this.bytesBySource;
    m.set(r.srcaddr, (m.get(r.srcaddr) ?? 0) + r.bytes);
    if (this.pairs.size > 0) {
      const p = this.pairs.get(r.srcaddr);
      if (p !== undefined && p.target === r.dstaddr) {
        p.records++;
        if (!r.accept) p.rejected++;
        p.bytesFromSource += r.bytes;
        p.ports.add(r.dstport);
      } else {
        const q = this.pairs.get(r.dstaddr);
        if (q !== undefined && q.target === r.srcaddr) {
          q.records++;
          if (!r.accept) q.rejected++;
        }
      }
    }
  }

  /**
   * The version 9–11 values of an OK record (spec §10.2). Next hop: the peer's interface when the peer is in
   * the VPC, the NAT gateway for a private subnet's traffic to the internet, else none (an internet gateway
   * has no interface). Encryption: Nitro encrypts traffic between two instances of the VPC (1), the
   * applications encrypt HTTPS, SSH and PostgreSQL (2), both (3), neither (0); rejected flows `-`. Tags: the
   * tier (instance), `Platform Team` percent-encoded (second instance tag), the role (interface), and
   * an Auto Scaling group for the web and app tiers.
   */
  private newerFields(s: (string | number)[], r: FlowRecord): void {
    const eni = r.eni;
    const peerIp = r.egress ? r.pktDstaddr : r.pktSrcaddr;
    let hop = this.byIp.get(peerIp);
    if (hop === undefined && !eni.subnet.public && !peerIp.startsWith('10.')) hop = this.nat;
    if (hop === eni) hop = undefined;
    s[S.hopInterface] = hop?.id ?? '-';
    s[S.hopSubnet] = hop?.subnet.id ?? '-';
    s[S.hopAz] = hop?.subnet.azId ?? '-';
    s[S.hopVpc] = hop ? this.vpcId : '-';
    s[S.hopType] = hop ? interfaceType(hop) : '-';
    s[S.interfaceType] = interfaceType(eni);
    const peer = this.byIp.get(r.egress ? r.dstaddr : r.srcaddr);
    const nitro = peer !== undefined && peer.instanceId !== '-' && eni.instanceId !== '-';
    const app =
      r.protocol === 6 && (APP_ENCRYPTED_PORTS.has(r.dstport) || APP_ENCRYPTED_PORTS.has(r.srcport));
    s[S.encryption] = r.accept ? (app ? 2 : 0) + (nitro ? 1 : 0) : '-';
    const tier = eni.name.replace(/-\d+$/, '');
    const instance = eni.instanceId !== '-';
    s[S.instanceTag] = instance ? tier : '-';
    s[S.instanceTag2] = instance ? 'Platform%20Team' : '-';
    s[S.interfaceTag] = eni.name;
    s[S.asgTag] = tier === 'web' || tier === 'app' ? `flowwatch-${tier}` : '-';
  }

  /** Writes a NODATA record for an interface (spec §4.4): only version, account, interface and times. */
  writeNoData(eni: Eni, start: number, end: number): void {
    const s = this.nd;
    s[S.interface] = eni.id;
    s[S.start] = start;
    s[S.end] = end;
    this.line(s);
    this.nodata++;
  }

  /** The address that sent the most bytes (first reached on ties), or '' when no bytes were written. */
  topTalker(): string {
    let best = '';
    let most = 0;
    for (const [ip, b] of this.bytesBySource) {
      if (b > most) {
        best = ip;
        most = b;
      }
    }
    return best;
  }

  /**
   * Appends the values of the format's fields, separated by spaces, as ASCII bytes. Writing bytes directly
   * (rather than concatenating strings) keeps the garbage collector out of the way at millions of records.
   */
  private line(s: readonly (string | number)[]): void {
    this.reserve(MAX_LINE);
    const b = this.buf;
    const o = this.order;
    let p = this.pos;
    for (let i = 0; i < o.length; i++) {
      if (i > 0) b[p++] = 32;
      const v = s[o[i]!]!;
      if (typeof v === 'number') p = writeUint(b, p, v);
      else for (let j = 0; j < v.length; j++) b[p++] = v.charCodeAt(j);
    }
    b[p++] = 10;
    this.pos = p;
    this.records++;
  }

  /** Makes room for `n` more bytes. */
  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

/** Writes a non-negative integer in decimal at `p`; returns the position after it. */
function writeUint(b: Buffer, p: number, v: number): number {
  if (v < 10) {
    b[p] = 48 + v;
    return p + 1;
  }
  let digits = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
  let x = v;
  for (let i = p + digits - 1; i >= p; i--) {
    const q = Math.floor(x / 10);
    b[i] = 48 + (x - q * 10);
    x = q;
  }
  return p + digits;
}
