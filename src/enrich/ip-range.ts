// One comparable number for every address: IPv4 and IPv6 in a single 128-bit space (IPv4 as its IPv4-mapped
// IPv6 address ::ffff:a.b.c.d), so exact addresses, CIDR blocks and inclusive ranges of both families compare
// as [lo, hi] pairs of unsigned 128-bit integers (DuckDB UHUGEINT, JS bigint).

import { parseAddress, parseCidr } from '../network/address.js';

/** Offset of the IPv4-mapped block ::ffff:0:0/96: IPv4 address n has key V4_BASE + n. */
export const V4_BASE = 0xffff_0000_0000n;

/** An inclusive range of keys, and the family its text was written in. */
export interface KeyRange {
  readonly lo: bigint;
  readonly hi: bigint;
  readonly v6: boolean;
  /** Prefix length in the text's own family (32/128 for one address); undefined for a lo-hi range. */
  readonly bits: number | undefined;
}

/**
 * The key of one address, or undefined when the text is not an address.
 *
 * @example addressKeyOf('1.2.3.4') // 0xffff01020304n
 */
export function addressKeyOf(text: string): bigint | undefined {
  const a = parseAddress(text);
  if (a === undefined) return undefined;
  return a.v6 ? a.n : V4_BASE + BigInt(a.n);
}

/**
 * The key range of a CIDR block or bare address (`198.51.100.0/24`, `2001:db8::/32`, `203.0.113.7`), or
 * undefined when it is neither. A base with host bits set (`10.0.0.5/8`) is taken as its block, as AWS does.
 *
 * @example cidrRange('10.0.0.0/8') // { lo: V4_BASE + 0x0a000000n, hi: V4_BASE + 0x0affffffn, v6: false, bits: 8 }
 */
export function cidrRange(text: string): KeyRange | undefined {
  const c = parseCidr(text);
  if (c === undefined) return undefined;
  if (c.v6) {
    const size = 1n << BigInt(128 - c.bits);
    return { lo: c.base, hi: c.base + size - 1n, v6: true, bits: c.bits };
  }
  const size = 1n << BigInt(32 - c.bits);
  const lo = V4_BASE + BigInt(c.base);
  return { lo, hi: lo + size - 1n, v6: false, bits: c.bits };
}

/** The key range of `first-last` (inclusive, one family), or undefined. */
export function spanRange(first: string, last: string): KeyRange | undefined {
  const a = parseAddress(first);
  const b = parseAddress(last);
  if (a === undefined || b === undefined || a.v6 !== b.v6) return undefined;
  const lo = a.v6 ? a.n : V4_BASE + BigInt(a.n);
  const hi = b.v6 ? b.n : V4_BASE + BigInt(b.n);
  if (hi < lo) return undefined;
  return { lo, hi, v6: a.v6, bits: undefined };
}
