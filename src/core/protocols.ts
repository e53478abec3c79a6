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

/** Protocol names people write, lower-case, to their IANA number (flow logs record the number). */
const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  icmpv6: 58,
  'ipv6-icmp': 58,
  ospf: 89,
  vrrp: 112,
  sctp: 132,
};

/** IANA number of a protocol name in any case (`tcp` → 6), or undefined. */
export function protocolNumber(name: string): number | undefined {
  return PROTOCOL_NUMBERS[name.trim().toLowerCase()];
}

/** Well-known service names (IANA's, and the common aliases) to their port, lower-case. */
const SERVICE_PORTS: Readonly<Record<string, number>> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  dns: 53,
  domain: 53,
  http: 80,
  kerberos: 88,
  pop3: 110,
  ntp: 123,
  imap: 143,
  snmp: 161,
  ldap: 389,
  https: 443,
  smb: 445,
  'microsoft-ds': 445,
  smtps: 465,
  submission: 587,
  ldaps: 636,
  imaps: 993,
  pop3s: 995,
  mssql: 1433,
  'ms-sql-s': 1433,
  oracle: 1521,
  nfs: 2049,
  mysql: 3306,
  rdp: 3389,
  'ms-wbt-server': 3389,
  postgres: 5432,
  postgresql: 5432,
  winrm: 5985,
  redis: 6379,
  'http-alt': 8080,
  elasticsearch: 9200,
  mongodb: 27017,
};

/** Port of a service name in any case (`ssh` → 22, `HTTPS` → 443), or undefined. */
export function servicePort(name: string): number | undefined {
  return SERVICE_PORTS[name.trim().toLowerCase()];
}
