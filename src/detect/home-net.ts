// `$home`: the user's own address space in detection definitions (docs/decisions/36-ipv6-home-net.md). It is the
// `homeNet:` list of flowwatch.yaml, plus for `detect` the VPC blocks of the newest network snapshot; VPC IPv6 addresses are public, so `$private` alone cannot say that an IPv6
// host is one of ours. Definitions name `$home` symbolically and the catalog resolves it once the list is known.

import { isScalar, isSeq, type Node } from 'yaml';
import { parseCidr } from '../network/address.js';
import { modelOfBody } from '../network/snapshot.js';
import { listSnapshots, snapshotBody } from '../storage/network-snapshots.js';
import type { Store } from '../storage/store.js';
import type { AllowList, Condition, Detection, FieldTest } from './definition.js';
import type { Locator } from './parse.js';

/** The symbolic name of the home network in `cidr:`/`notCidr:` lists. */
export const HOME = '$home';

/**
 * The `homeNet:` list of flowwatch.yaml (CIDR blocks or addresses), checked with positions; [] when absent.
 *
 * @example homeNetOf(doc.get('homeNet', true), loc) // ['10.10.0.0/16', '2600:1f18:4a3:6b00::/56']
 */
export function homeNetOf(node: unknown, loc: Locator): string[] {
  if (node === undefined || node === null || (isScalar(node) && node.value === null)) return [];
  if (!isSeq(node))
    throw loc.at(
      node,
      'DETECT_TYPE',
      'homeNet: expected a list of CIDR blocks (your VPCs and on-premises networks)',
      'e.g. homeNet: [10.10.0.0/16, 2600:1f18:4a3:6b00::/56]',
    );
  return node.items.map((n, i) => {
    const text = isScalar(n) ? String(n.value) : '';
    const cidr = text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`;
    if (parseCidr(cidr) === undefined)
      throw loc.at(
        n as Node,
        'DETECT_BAD_CIDR',
        `homeNet[${i}]: "${text}" is not an address or CIDR block`,
        'e.g. 10.10.0.0/16 or 2600:1f18:4a3:6b00::/56',
      );
    return cidr;
  });
}

/** Thrown when a definition tests `cidr: [$home]` outside `any:` and homeNet is empty. */
export class HomeNetMissing extends Error {}

/** `c` with $home replaced by `home`; undefined when the test can never hold (a `cidr` list left empty). */
function resolveCondition(c: Condition, home: readonly string[]): Condition | undefined {
  if ((c.op !== 'cidr' && c.op !== 'not_cidr') || !c.cidrs.includes(HOME)) return c;
  const cidrs = c.cidrs.flatMap((x) => (x === HOME ? home : [x]));
  if (cidrs.length > 0) return { ...c, cidrs };
  return c.op === 'cidr' ? undefined : { op: 'present' };
}

function resolveTests(tests: readonly FieldTest[], home: readonly string[]): FieldTest[] | undefined {
  const out: FieldTest[] = [];
  for (const t of tests) {
    const cond = resolveCondition(t.cond, home);
    if (cond === undefined) return undefined;
    out.push({ field: t.field, cond });
  }
  return out;
}

/**
 * The definition with `$home` resolved to `home`. An `any:` alternative testing `cidr: [$home]` is dropped when
 * `home` is empty (it can never hold); `notCidr: [$home]` alone becomes "present".
 *
 * @example resolveHome(outboundScan, ['2600:1f18:4a3:6b00::/56'])
 */
export function resolveHome(d: Detection, home: readonly string[]): Detection {
  const uses = JSON.stringify([
    d.filter,
    d.anyOf,
    d.allow,
    'request' in d ? [d.request, d.reply] : [],
  ]).includes(`"${HOME}"`);
  if (!uses) return d;
  const must = (tests: readonly FieldTest[], where: string) => {
    const r = resolveTests(tests, home);
    if (r === undefined)
      throw new HomeNetMissing(
        `${d.id}: its ${where} tests cidr: [$home], and flowwatch.yaml has no homeNet: list (so it could never match)`,
      );
    return r;
  };
  const anyOf = d.anyOf.flatMap((g) => {
    const r = resolveTests(g, home);
    return r === undefined ? [] : [r];
  });
  if (d.anyOf.length > 0 && anyOf.length === 0)
    throw new HomeNetMissing(
      `${d.id}: every alternative of its filter.any tests cidr: [$home], and flowwatch.yaml has no homeNet: list`,
    );
  const allow: AllowList = {
    cidrs: d.allow.cidrs.flatMap((a) => {
      const cidrs = a.cidrs.flatMap((x) => (x === HOME ? home : [x]));
      return cidrs.length === 0 ? [] : [{ field: a.field, cidrs }];
    }),
    values: d.allow.values,
  };
  const out = { ...d, filter: must(d.filter, 'filter'), anyOf, allow };
  if (out.kind === 'pair')
    return { ...out, request: must(out.request, 'request'), reply: must(out.reply, 'reply') };
  return out;
}

/**
 * The note `detect` prints when outbound-scan cannot see IPv6 scans: the range holds IPv6 records without
 * flow-direction and homeNet lists no IPv6 block (a VPC's IPv6 addresses are public, so nothing says which
 * side is ours). `hasUndirectedIpv6` answers whether such a record exists (see UNDIRECTED_IPV6_SQL).
 */
export async function ipv6HomeNote(
  detections: readonly Detection[],
  home: readonly string[],
  hasUndirectedIpv6: () => Promise<boolean>,
): Promise<string | undefined> {
  if (!detections.some((d) => d.id === 'outbound-scan' && d.enabled)) return undefined;
  if (home.some((c) => c.includes(':'))) return undefined;
  if (!(await hasUndirectedIpv6())) return undefined;
  return 'the store has IPv6 records without flow-direction, and flowwatch.yaml lists no IPv6 homeNet block: a VPC’s IPv6 addresses are public, so IPv6 scans from these hosts cannot be told from the internet’s and are not reported. List your VPCs’ IPv6 CIDRs (homeNet: [2600:1f18:4a3:6b00::/56, ...]) or log flow-direction (format v5 or later).';
}

/**
 * The note `detect` prints when the brute-force detections run over TCP records without tcp-flags (formats before
 * v3): there, an accepted short connection from our own addresses is not counted as a login attempt (it cannot
 * be told from an application's connection), so a brute force from inside on such records is not seen.
 * `hasUnflaggedTcp` answers whether the range holds an accepted TCP record without tcp-flags (UNFLAGGED_TCP_SQL).
 */
export async function bruteForceFlagsNote(
  detections: readonly Detection[],
  hasUnflaggedTcp: () => Promise<boolean>,
): Promise<string | undefined> {
  const ids = ['brute-force-login', 'brute-force-login-slow'];
  const on = detections.filter((d) => ids.includes(d.id) && d.enabled).map((d) => d.id);
  if (on.length === 0) return undefined;
  if (!(await hasUnflaggedTcp())) return undefined;
  return `${on.join(', ')}: the store has accepted TCP records without tcp-flags (a format before v3), in which a short connection from one of our own addresses (private, link-local or homeNet:) is not counted as a login attempt, because an application's connections to its database look the same; rejected attempts and accepted ones from the internet are counted. To see a brute force from inside on these interfaces too, log \${tcp-flags} (format v3 or later).`;
}

/** One accepted TCP record without tcp-flags in [$1, $2) (NULL: unbounded), for bruteForceFlagsNote. */
export const UNFLAGGED_TCP_SQL = `SELECT 1 AS x FROM flows WHERE (event_time >= $1::BIGINT OR $1::BIGINT IS NULL) AND (event_time < $2::BIGINT OR $2::BIGINT IS NULL) AND protocol = 6 AND action = 'ACCEPT' AND tcp_flags IS NULL LIMIT 1`;

/** One IPv6 record without flow-direction in [$1, $2) (NULL: unbounded), for ipv6HomeNote (DuckDB, `flows`). */
export const UNDIRECTED_IPV6_SQL = `SELECT 1 AS x FROM flows WHERE (event_time >= $1::BIGINT OR $1::BIGINT IS NULL) AND (event_time < $2::BIGINT OR $2::BIGINT IS NULL) AND flow_direction IS NULL AND contains(srcaddr, ':') LIMIT 1`;

/**
 * The VPC blocks (IPv4 and IPv6) of the newest stored network snapshot (`flowwatch network load`), which `detect`
 * adds to `$home`; [] without a snapshot.
 *
 * @example await snapshotHomeNet(store) // ['10.0.0.0/16', '2600:1f18:4a3:6b00::/56']
 */
export async function snapshotHomeNet(store: Store): Promise<string[]> {
  let list: Awaited<ReturnType<typeof listSnapshots>>;
  try {
    list = await listSnapshots(store);
  } catch {
    return [];
  }
  const newest = list.at(-1);
  if (newest === undefined) return [];
  const model = modelOfBody(await snapshotBody(store, newest.id));
  return [...new Set([...model.vpcs.values()].flatMap((v) => v.cidrs.map((c) => c.text)))];
}
