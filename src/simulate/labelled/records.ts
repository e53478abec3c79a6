// Turns connections into the flow log records each monitored interface would write, and lays records out in a format.

import type { Format } from '../../records/format.js';
import { formatVersion } from '../record-sink.js';
import { isV6 } from './addresses.js';
import type { Estate, Host } from './topology.js';

/** One direction of a connection: packets, bytes and the OR of its TCP flags (0 for other protocols). */
export interface Leg {
  readonly packets: number;
  readonly bytes: number;
  readonly flags: number;
}

/** A connection (or one aggregation window of a long one) as the traffic model produces it. */
export interface Conn {
  /** Unix seconds of the first packet (may be fractional). */
  readonly t: number;
  /** Seconds until the last packet (clamped to the 5-minute slot by the writer). */
  readonly dur: number;
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly proto: number;
  /** The initiator's packets. */
  readonly fwd: Leg;
  /** The responder's packets; absent when nothing answers (no host, a silent drop, a flood). */
  readonly rev?: Leg | undefined;
  /** Verdict on the responder's interface for the inbound packets (security group / network ACL). */
  readonly inAction?: 'ACCEPT' | 'REJECT';
  /** Verdict on the responder's interface for its reply (a network ACL can reject it). */
  readonly replyAction?: 'ACCEPT' | 'REJECT';
  /** Id of the attack or benign look-alike the connection belongs to. */
  readonly tag?: string | undefined;
}

/** One record, as a map from AWS field name to value. */
export interface Rec {
  host: Host;
  srcaddr: string;
  dstaddr: string;
  srcport: number;
  dstport: number;
  protocol: number;
  packets: number;
  bytes: number;
  start: number;
  end: number;
  action: 'ACCEPT' | 'REJECT';
  flags: number;
  egress: boolean;
  pktSrc: string;
  pktDst: string;
  path: number | '-';
  tag: string | undefined;
}

/** A NODATA or SKIPDATA record of an interface. */
export interface StatusRec {
  host: Host;
  start: number;
  end: number;
  status: 'NODATA' | 'SKIPDATA';
  tag: string | undefined;
}

/** True for an RFC 1918 IPv4 address: such traffic stays in the VPC (or its peers), never through a NAT gateway. */
export function isPrivate4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number);
  return a === 10 || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168);
}

/** Ephemeral port a NAT gateway uses for a translated connection (deterministic from the connection). */
function natPort(c: Conn): number {
  return 1024 + ((c.sport * 7919 + Math.floor(c.t)) % 64000);
}

/**
 * The records a connection produces. Each monitored interface on the path logs the packets it sends
 * (egress) and receives (ingress) as separate records (a record's 5-tuple is directional):
 * - the initiator's interface: its request (egress, ACCEPT) and, when a reply reaches it, the reply (ingress);
 * - the responder's interface: the request (ingress, `inAction`) and, when accepted and answered, its reply
 *   (egress, `replyAction`);
 * - a NAT gateway, for a private IPv4 host reaching the internet: the request arriving from the host (dstaddr
 *   is the NAT's own address, pkt-dstaddr the real destination), the translated request leaving, and the
 *   reply both ways.
 * `start`/`end` are clamped into [slotStart, slotEnd) so each record lands in its 5-minute file.
 */
export function recordsOf(c: Conn, estate: Estate, slotEnd: number, out: Rec[]): void {
  const start = Math.floor(c.t);
  const end = Math.min(Math.floor(c.t + c.dur), slotEnd - 1);
  const srcHost = estate.byIp(c.src);
  const dstHost = estate.byIp(c.dst);
  const inAction = c.inAction ?? 'ACCEPT';
  const replyAction = c.replyAction ?? 'ACCEPT';
  const answered = c.rev !== undefined && (dstHost === undefined || inAction === 'ACCEPT');
  const replyArrives = answered && (dstHost === undefined || replyAction === 'ACCEPT');
  const base = { start, end, protocol: c.proto, tag: c.tag };
  const fwd = (host: Host, egress: boolean, action: Rec['action'], path: Rec['path']): Rec => ({
    ...base,
    host,
    srcaddr: c.src,
    dstaddr: c.dst,
    srcport: c.sport,
    dstport: c.dport,
    packets: c.fwd.packets,
    bytes: c.fwd.bytes,
    action,
    flags: c.fwd.flags,
    egress,
    pktSrc: c.src,
    pktDst: c.dst,
    path,
  });
  const rev = (host: Host, egress: boolean, action: Rec['action'], path: Rec['path']): Rec => ({
    ...base,
    host,
    srcaddr: c.dst,
    dstaddr: c.src,
    srcport: c.dport,
    dstport: c.sport,
    packets: c.rev!.packets,
    bytes: c.rev!.bytes,
    action,
    flags: c.rev!.flags,
    egress,
    pktSrc: c.dst,
    pktDst: c.src,
    path,
  });
  const v6 = isV6(c.src);
  const internal = dstHost !== undefined || isPrivate4(c.dst);
  const viaNat =
    srcHost !== undefined &&
    !internal &&
    !v6 &&
    !srcHost.public &&
    srcHost.vpc.nat !== undefined &&
    srcHost !== srcHost.vpc.nat;
  const pathOut = (h: Host): Rec['path'] => {
    if (dstHost !== undefined) return dstHost.vpc === h.vpc ? 1 : 4;
    return viaNat || internal ? 1 : 8;
  };
  if (srcHost) {
    out.push(fwd(srcHost, true, 'ACCEPT', pathOut(srcHost)));
    if (replyArrives) out.push(rev(srcHost, false, 'ACCEPT', '-'));
  }
  if (viaNat && srcHost) {
    const nat = srcHost.vpc.nat!;
    const np = natPort(c);
    out.push({ ...fwd(nat, false, 'ACCEPT', '-'), dstaddr: nat.ip4 });
    out.push({ ...fwd(nat, true, 'ACCEPT', 8), srcaddr: nat.ip4, srcport: np, pktSrc: nat.ip4 });
    if (replyArrives) {
      out.push({ ...rev(nat, false, 'ACCEPT', '-'), dstaddr: nat.ip4, dstport: np, pktDst: nat.ip4 });
      out.push({ ...rev(nat, true, 'ACCEPT', 1), srcaddr: nat.ip4 });
    }
  }
  if (dstHost) {
    out.push(fwd(dstHost, false, inAction, '-'));
    if (answered) {
      const back = srcHost ? (srcHost.vpc === dstHost.vpc ? 1 : 4) : 8;
      out.push(rev(dstHost, true, replyAction, back));
    }
  }
}

/** Lays records of one VPC out in its format; unknown/absent fields are `-`. */
export class LineWriter {
  private readonly names: readonly string[];
  /** The `version` value of every record: the highest field version of the format. */
  private readonly version: number;
  constructor(format: Format) {
    this.names = format.fields.map((f) => f.def?.aws ?? f.name);
    this.version = formatVersion(format);
  }

  /** One OK record as a line (no line break). */
  line(r: Rec): string {
    const h = r.host;
    const v = h.vpc;
    const out: (string | number)[] = [];
    for (const n of this.names) {
      switch (n) {
        case 'version':
          out.push(this.version);
          break;
        case 'account-id':
          out.push(v.account);
          break;
        case 'interface-id':
          out.push(h.eni);
          break;
        case 'srcaddr':
          out.push(r.srcaddr);
          break;
        case 'dstaddr':
          out.push(r.dstaddr);
          break;
        case 'srcport':
          out.push(r.srcport);
          break;
        case 'dstport':
          out.push(r.dstport);
          break;
        case 'protocol':
          out.push(r.protocol);
          break;
        case 'packets':
          out.push(r.packets);
          break;
        case 'bytes':
          out.push(r.bytes);
          break;
        case 'start':
          out.push(r.start);
          break;
        case 'end':
          out.push(r.end);
          break;
        case 'action':
          out.push(r.action);
          break;
        case 'log-status':
          out.push('OK');
          break;
        case 'vpc-id':
          out.push(v.id);
          break;
        case 'subnet-id':
          out.push(h.subnet);
          break;
        case 'instance-id':
          out.push(h.instance);
          break;
        case 'tcp-flags':
          out.push(r.flags);
          break;
        case 'type':
          out.push(isV6(r.srcaddr) ? 'IPv6' : 'IPv4');
          break;
        case 'pkt-srcaddr':
          out.push(r.pktSrc);
          break;
        case 'pkt-dstaddr':
          out.push(r.pktDst);
          break;
        case 'region':
          out.push(v.region);
          break;
        case 'az-id':
          out.push(h.az);
          break;
        case 'flow-direction':
          out.push(r.egress ? 'egress' : 'ingress');
          break;
        case 'traffic-path':
          out.push(r.egress ? r.path : '-');
          break;
        default:
          out.push('-');
      }
    }
    return out.join(' ');
  }

  /** A NODATA/SKIPDATA record: version, account, interface, start, end and log-status; the rest `-`. */
  statusLine(r: StatusRec): string {
    return this.names
      .map((n) => {
        switch (n) {
          case 'version':
            return this.version;
          case 'account-id':
            return r.host.vpc.account;
          case 'interface-id':
            return r.host.eni;
          case 'start':
            return r.start;
          case 'end':
            return r.end;
          case 'log-status':
            return r.status;
          default:
            return '-';
        }
      })
      .join(' ');
  }
}
