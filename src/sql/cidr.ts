// CIDR text → the Cidr the dialects' inCidr takes (address bytes with host bits zero, and the prefix).

import { parseCidr } from '../network/address.js';
import type { Cidr } from './dialect.js';

/**
 * Parses a CIDR block (a bare address is a /32 or /128) for `Dialect.inCidr`; undefined when it is not one.
 * Host bits are cleared, as AWS does (`10.1.2.3/12` is 10.0.0.0/12).
 *
 * @example cidrOf('10.1.2.3/12') // { v: 4, bytes: [10, 0, 0, 0], prefix: 12 }
 */
export function cidrOf(text: string): Cidr | undefined {
  const c = parseCidr(text);
  if (c === undefined) return undefined;
  if (!c.v6) {
    const n = c.base;
    return { v: 4, bytes: [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff], prefix: c.bits };
  }
  const bytes = Array.from({ length: 16 }, (_, i) => Number((c.base >> BigInt(8 * (15 - i))) & 0xffn));
  return { v: 6, bytes, prefix: c.bits };
}
