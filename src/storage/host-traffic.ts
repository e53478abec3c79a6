// Traffic of the whole store or of one host (an address or an interface) per bin, its top peers and ports: what the
// baseline bands learn from and what a host's page shows. $1 since, $2 until, $3 bin or limit, $4 the host.

import { isIP } from 'node:net';
import { type FlowView, flowsRelation } from './flow-views.js';
import type { Store } from './store.js';

/** A host: an IPv4/IPv6 address or an interface id (eni-…). */
export interface Host {
  readonly kind: 'address' | 'interface';
  readonly id: string;
}

/**
 * Parses a host given by a user, or undefined when it is neither an address nor an interface id.
 *
 * @example parseHost('10.0.1.5') // { kind: 'address', id: '10.0.1.5' }
 */
export function parseHost(text: string): Host | undefined {
  const s = text.trim();
  if (/^eni-[0-9a-z]{1,32}$/i.test(s)) return { kind: 'interface', id: s };
  if (isIP(s) !== 0) return { kind: 'address', id: s };
  return undefined;
}

/** Accepted and rejected bytes, packets and flows of one bin. */
export interface TrafficBin {
  readonly t: number;
  readonly acceptedBytes: number;
  readonly rejectedBytes: number;
  readonly acceptedPackets: number;
  readonly rejectedPackets: number;
  readonly acceptedFlows: number;
  readonly rejectedFlows: number;
}

/** The relation and host predicate of a question: an interface reads its own records, an address each flow once. */
function source(view: FlowView, host: Host | undefined): { from: string; where: string } {
  if (host?.kind === 'interface') return { from: 'flows', where: 'interface_id = $4' };
  const from = `${flowsRelation(view, { since: '$1', until: '$2' })} AS flows`;
  if (host?.kind === 'address') return { from, where: '(srcaddr = $4 OR dstaddr = $4)' };
  return { from, where: 'TRUE' };
}

const n = (v: unknown) => Number(v ?? 0);

/**
 * The bins of [since, until) that have records, ascending (bins without records are absent).
 *
 * @example await trafficBins(store, { since, until, bin: 3600, view: 'deduplicated' })
 */
export async function trafficBins(
  store: Store,
  o: { since: number; until: number; bin: number; view: FlowView; host?: Host | undefined },
): Promise<TrafficBin[]> {
  const { from, where } = source(o.view, o.host);
  const sql = `SELECT (event_time // $3::BIGINT) * $3::BIGINT AS t,
    coalesce(sum(bytes) FILTER (WHERE action = 'ACCEPT'), 0) AS ab,
    coalesce(sum(bytes) FILTER (WHERE action = 'REJECT'), 0) AS rb,
    coalesce(sum(packets) FILTER (WHERE action = 'ACCEPT'), 0) AS ap,
    coalesce(sum(packets) FILTER (WHERE action = 'REJECT'), 0) AS rp,
    count(*) FILTER (WHERE action = 'ACCEPT') AS af,
    count(*) FILTER (WHERE action = 'REJECT') AS rf
  FROM ${from} WHERE event_time >= $1::BIGINT AND event_time < $2::BIGINT AND ${where} GROUP BY 1 ORDER BY 1`;
  const params = [o.since, o.until, o.bin, ...(o.host ? [o.host.id] : [])];
  const rows = (await store.query(sql, params)).rows;
  return rows.map((r) => ({
    t: n(r['t']),
    acceptedBytes: n(r['ab']),
    rejectedBytes: n(r['rb']),
    acceptedPackets: n(r['ap']),
    rejectedPackets: n(r['rp']),
    acceptedFlows: n(r['af']),
    rejectedFlows: n(r['rf']),
  }));
}

/**
 * Every bin from the first with records (or `since`) to `until`, zeros where there were none: traffic absent from a
 * stored stretch is zero traffic. Bins before the first record are not invented.
 */
export function fillBins(
  bins: readonly TrafficBin[],
  since: number,
  until: number,
  bin: number,
): TrafficBin[] {
  const start = Math.min(Math.floor(since / bin) * bin, bins[0]?.t ?? Number.POSITIVE_INFINITY);
  const by = new Map(bins.map((b) => [b.t, b]));
  const out: TrafficBin[] = [];
  for (let t = start; t < until; t += bin) {
    out.push(
      by.get(t) ?? {
        t,
        acceptedBytes: 0,
        rejectedBytes: 0,
        acceptedPackets: 0,
        rejectedPackets: 0,
        acceptedFlows: 0,
        rejectedFlows: 0,
      },
    );
  }
  return out;
}

/** A host's top peers (the other end of its flows) and destination ports. */
export interface HostTops {
  readonly peers: { addr: string; bytes: number; flows: number }[];
  readonly ports: { port: number; protocol: number; flows: number; bytes: number }[];
}

/**
 * A host's top peers by bytes and destination ports by flows in [since, until).
 *
 * @example await hostTops(store, { since, until, host: parseHost('10.0.1.5')!, top: 10, view: 'deduplicated' })
 */
export async function hostTops(
  store: Store,
  o: { since: number; until: number; host: Host; top: number; view: FlowView },
): Promise<HostTops> {
  const { from, where } = source(o.view, o.host);
  const range = 'event_time >= $1::BIGINT AND event_time < $2::BIGINT';
  // An address's peer is the other end; an interface's the remote end of its direction (ingress: the source).
  const peer =
    o.host.kind === 'address'
      ? 'CASE WHEN srcaddr = $4 THEN dstaddr ELSE srcaddr END'
      : "CASE WHEN flow_direction = 'ingress' THEN srcaddr ELSE dstaddr END";
  const peersSql = `SELECT ${peer} AS addr, coalesce(sum(bytes), 0) AS bytes, count(*) AS flows
    FROM ${from} WHERE ${range} AND ${where} AND ${peer} IS NOT NULL
    GROUP BY 1 ORDER BY bytes DESC, flows DESC, addr LIMIT $3`;
  const portsSql = `SELECT dstport AS port, protocol, count(*) AS flows, coalesce(sum(bytes), 0) AS bytes
    FROM ${from} WHERE ${range} AND ${where} AND dstport IS NOT NULL
    GROUP BY 1, 2 ORDER BY flows DESC, bytes DESC, port, protocol LIMIT $3`;
  const params = [o.since, o.until, o.top, o.host.id];
  const peers = (await store.query(peersSql, params)).rows.map((r) => ({
    addr: String(r['addr']),
    bytes: n(r['bytes']),
    flows: n(r['flows']),
  }));
  const ports = (await store.query(portsSql, params)).rows.map((r) => ({
    port: n(r['port']),
    protocol: n(r['protocol']),
    flows: n(r['flows']),
    bytes: n(r['bytes']),
  }));
  return { peers, ports };
}
