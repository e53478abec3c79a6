// IANA protocol numbers seen in flow logs, by name.

const NAMES: Record<number, string> = {
  1: 'ICMP',
  2: 'IGMP',
  4: 'IPv4',
  6: 'TCP',
  17: 'UDP',
  41: 'IPv6',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  58: 'ICMPv6',
  89: 'OSPF',
  112: 'VRRP',
  132: 'SCTP',
};

/** Name of an IANA protocol number (`6` → `TCP`), or the number itself when it has no common name. */
export function protocolName(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  return NAMES[n] ?? String(n);
}

/** IANA's lower-case protocol keywords, as OCSF `protocol_name` and ECS `network.transport` write them. */
export const IANA_KEYWORDS: Readonly<Record<number, string>> = {
  1: 'icmp',
  6: 'tcp',
  17: 'udp',
  47: 'gre',
  50: 'esp',
  58: 'ipv6-icmp',
  132: 'sctp',
};

/** IANA keyword of a protocol number (`6` → `tcp`), or undefined when it has none here. */
export function ianaKeyword(n: number): string | undefined {
  return IANA_KEYWORDS[n];
}
