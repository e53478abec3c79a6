// The cells a verdict cannot tell apart: an explanation reads an IPv4 address only through the CIDR blocks and the
// interface addresses of the snapshot, and the client's (ephemeral) port only through network ACL port ranges.
// Every address of one interval between those boundaries (and every port of one port interval) gets the same
// verdict, so `explain --rejects` groups stored records by cell in SQL and judges each cell once.

import { type Cidr, parseAddress, parseCidr } from './address.js';
import type { NetworkModel } from './model.js';

/** The boundaries of the cells: the first address (IPv4 as a number) and the first client port of each cell. */
export interface VerdictCells {
  /** Sorted, distinct, starting at 0: IPv4 cell starts. */
  readonly v4Starts: readonly number[];
  /** Sorted, distinct, starting at 0: client-port cell starts (0–65535). */
  readonly portStarts: readonly number[];
}

const V4_END = 2 ** 32;

/**
 * The cells of several snapshots at once (the union of their boundaries refines each snapshot's own cells).
 *
 * @example verdictCells([model]).v4Starts // [0, 167772160, 184549376, ...] for a rule on 10.0.0.0/8
 */
export function verdictCells(models: Iterable<NetworkModel>): VerdictCells {
  const v4 = new Set<number>([0]);
  const ports = new Set<number>([0]);
  const block = (c: Cidr | undefined) => {
    if (c === undefined || c.v6) return;
    v4.add(c.base);
    const end = c.base + 2 ** (32 - c.bits);
    if (end < V4_END) v4.add(end);
  };
  const single = (text: string) => {
    const a = parseAddress(text);
    if (a === undefined || a.v6) return;
    v4.add(a.n);
    if (a.n + 1 < V4_END) v4.add(a.n + 1);
  };
  const portRange = (from: number | undefined, to: number | undefined) => {
    if (from === undefined || to === undefined) return;
    if (from > 0 && from <= 65535) ports.add(from);
    if (to + 1 > 0 && to + 1 <= 65535) ports.add(to + 1);
  };
  for (const m of models) {
    for (const g of m.securityGroups.values())
      for (const r of [...g.inbound, ...g.outbound]) if (r.peer.kind === 'cidr') block(r.peer.cidr);
    for (const pl of m.prefixLists.values()) for (const c of pl.cidrs ?? []) block(c);
    for (const acl of m.acls.values())
      for (const e of [...acl.inbound, ...acl.outbound]) {
        block(e.cidr);
        portRange(e.portFrom, e.portTo);
      }
    for (const s of m.subnets.values()) for (const c of s.cidrs) block(c);
    for (const v of m.vpcs.values()) for (const c of v.cidrs) block(c);
    for (const rt of m.routeTables.values())
      for (const r of rt.routes) if (!r.destination.startsWith('pl-')) block(parseCidr(r.destination));
    for (const eni of m.interfaces.values())
      for (const a of [...eni.privateAddresses, ...eni.publicAddresses]) single(a);
  }
  return {
    v4Starts: [...v4].sort((a, b) => a - b),
    portStarts: [...ports].sort((a, b) => a - b),
  };
}

/** The cell start of an IPv4 address (binary search); for tests and callers outside SQL. */
export function cellStart(starts: readonly number[], n: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= n) lo = mid;
    else hi = mid - 1;
  }
  return starts[lo]!;
}
