// IPv4/IPv6 addresses and CIDR blocks for rule matching: IPv4 as an unsigned 32-bit number, IPv6 as a bigint.

/** A parsed address: IPv4 as a number in [0, 2^32), IPv6 as a 128-bit bigint. */
export type Address = { readonly v6: false; readonly n: number } | { readonly v6: true; readonly n: bigint };

/** A parsed CIDR block; `text` is the block as written. */
export type Cidr =
  | { readonly v6: false; readonly base: number; readonly bits: number; readonly text: string }
  | { readonly v6: true; readonly base: bigint; readonly bits: number; readonly text: string };

/** Parses a dotted-quad IPv4 address, or undefined. */
function parseV4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** Parses an IPv6 address (with `::` and an optional embedded IPv4 tail), or undefined. */
function parseV6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let text = s;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [Math.floor(v4 / 65536), v4 % 65536];
    const prefix = text.slice(0, lastColon + 1);
    text = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = group(halves[0]!);
  const rest = halves.length === 2 ? group(halves[1]!) : [];
  if (head === undefined || rest === undefined) return undefined;
  const total = head.length + rest.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const words = [...head, ...Array<number>(8 - total).fill(0), ...rest, ...tail];
  let n = 0n;
  for (const w of words) n = (n << 16n) | BigInt(w);
  return n;
}

/**
 * Parses an IPv4 or IPv6 address, or returns undefined.
 *
 * @example parseAddress('10.0.1.5') // { v6: false, n: 167772421 }
 */
export function parseAddress(text: string): Address | undefined {
  const s = text.trim();
  if (s.includes(':')) {
    const n = parseV6(s);
    return n === undefined ? undefined : { v6: true, n };
  }
  const n = parseV4(s);
  return n === undefined ? undefined : { v6: false, n };
}

/**
 * Parses a CIDR block (a bare address is a /32 or /128), canonicalising the base as AWS does
 * (`100.68.0.18/18` → base 100.68.0.0). Undefined when it is not a block.
 *
 * @example parseCidr('10.0.0.0/16')?.bits // 16
 */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, more] = text.trim().split('/');
  if (more !== undefined || addr === undefined) return undefined;
  const a = parseAddress(addr);
  if (a === undefined) return undefined;
  const max = a.v6 ? 128 : 32;
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return undefined;
  const bits = len === undefined ? max : Number(len);
  if (bits > max) return undefined;
  if (a.v6) {
    const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
    return { v6: true, base: a.n & mask, bits, text };
  }
  const size = 2 ** (32 - bits);
  return { v6: false, base: Math.floor(a.n / size) * size, bits, text };
}

/** True when `addr` lies in `cidr` (never across families). */
export function contains(cidr: Cidr, addr: Address): boolean {
  if (cidr.v6 !== addr.v6) return false;
  if (!cidr.v6) {
    const size = 2 ** (32 - cidr.bits);
    return addr.n >= cidr.base && addr.n < cidr.base + size;
  }
  if (cidr.bits === 0) return true;
  return (addr.n as bigint) >> BigInt(128 - cidr.bits) === cidr.base >> BigInt(128 - cidr.bits);
}

/** The canonical text of an address (IPv4 dotted quad; IPv6 as 8 lower-case groups, compressed). */
export function formatAddress(a: Address): string {
  if (!a.v6) return [24, 16, 8, 0].map((s) => Math.floor(a.n / 2 ** s) % 256).join('.');
  const words = Array.from({ length: 8 }, (_, i) =>
    Number((a.n >> BigInt((7 - i) * 16)) & 0xffffn).toString(16),
  );
  return words
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::')
    .replace(/:::+/, '::');
}

/** A map key for an address, equal for every spelling of it (IPv6 `::1` and `0:0:…:1`). */
export function addressKey(a: Address): string {
  return a.v6 ? `6:${a.n.toString(16)}` : String(a.n);
}
