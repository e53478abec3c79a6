// Address helpers for the labelled corpus: RFC 5952 IPv6 text and seeded public IPv4/IPv6 addresses.

import type { Random } from '../random.js';

/**
 * Formats eight 16-bit groups as RFC 5952 text: lower case, no leading zeros, the longest run (≥ 2) of zero
 * groups as `::` (the first such run on ties).
 *
 * @example ipv6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]) // '2001:db8::1'
 */
export function ipv6(groups: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * First octets used for ordinary internet addresses (clients, scanners, attackers alike, so an attacker is
 * not told apart by its range). None is private, reserved, documentation, AWS, or used by the indicator list
 * (which draws from 45, 91, 185 and 194 only).
 */
const FIRST_OCTETS = [
  24, 31, 37, 46, 62, 66, 71, 73, 77, 81, 86, 89, 90, 93, 98, 101, 109, 112, 116, 121, 134, 141, 175, 177,
  181, 187, 189, 195, 201, 213, 217,
];

/** A random ordinary public IPv4 address. */
export function publicIpv4(rng: Random): string {
  return `${rng.pick(FIRST_OCTETS)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

/** /32 prefixes of ordinary global IPv6 space (RIR allocations; not AWS, not documentation, not indicators). */
const V6_PREFIXES: readonly (readonly [number, number])[] = [
  [0x2a02, 0x8100],
  [0x2a01, 0x4f8],
  [0x2607, 0xf8b0],
  [0x2406, 0xda00],
  [0x2800, 0x3f0],
  [0x2c0f, 0xfb50],
  [0x2a00, 0x1450],
  [0x2001, 0x4860],
  [0x2403, 0x6200],
  [0x2a0e, 0x97c0],
];

/** A random ordinary public IPv6 address (a /64 of a common allocation and a random interface id). */
export function publicIpv6(rng: Random): string {
  const [a, b] = rng.pick(V6_PREFIXES);
  return ipv6([
    a,
    b,
    rng.int(0, 0xffff),
    rng.int(0, 0xffff),
    rng.int(0, 0xffff),
    rng.int(1, 0xffff),
    rng.int(0, 0xffff),
    rng.int(1, 0xffff),
  ]);
}

/** True for an IPv6 address in text form. */
export const isV6 = (ip: string): boolean => ip.includes(':');
