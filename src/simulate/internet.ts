// The world outside the simulated VPC: web clients, AWS service addresses, NTP and API servers, attackers.

import type { Random } from './random.js';
import { OFFICE_IP } from './vpc.js';

/** External addresses the simulated traffic talks to. Attacker addresses appear in no background flow. */
export interface Internet {
  /** Web clients, most active first (pick with a skewed index). */
  readonly clients: readonly string[];
  /** Internet background scanners knocking on closed ports (a bounded set, so counts per address stay small). */
  readonly scanners: readonly string[];
  /** Public Amazon S3 addresses (us-east-1, 52.216.0.0/15), reached through a gateway endpoint. */
  readonly s3: readonly string[];
  /** Public DynamoDB addresses (52.94.0.0/22), reached through a gateway endpoint. */
  readonly dynamodb: readonly string[];
  /** Public NTP servers. */
  readonly ntp: readonly string[];
  /** Third-party HTTPS APIs the servers call. */
  readonly apis: readonly string[];
  /** AWS service code (`ip-ranges.json` `service`) of each AWS address above, for `pkt-*-aws-service`. */
  readonly services: ReadonlyMap<string, string>;
  /** Source of the SSH brute force on the bastion. */
  readonly sshAttacker: string;
  /** Source of the port scan on a web server. */
  readonly scanner: string;
  /** Source of the pings whose replies a network ACL denies. */
  readonly pinger: string;
  /** Where the database host exfiltrates data to. */
  readonly exfilDestination: string;
}

/** First octets of ordinary (non-AWS, non-reserved) public address space used for clients and noise. */
const PUBLIC_FIRST_OCTETS = [
  24, 31, 37, 46, 62, 66, 71, 73, 77, 81, 86, 89, 90, 93, 98, 101, 109, 112, 116, 121, 134, 141, 175, 177,
  181, 187, 189, 195, 201, 213, 217,
];

/** The three documentation ranges (RFC 5737). */
const TEST_NETS = ['192.0.2', '198.51.100', '203.0.113'];

const NTP_SERVERS = ['162.159.200.1', '162.159.200.123', '129.6.15.28', '132.163.96.1', '216.239.35.0'];
const API_SERVERS = ['140.82.112.5', '151.101.0.223', '104.16.123.96', '142.250.64.78', '199.232.69.194'];

/** A random address of ordinary public space (never a documentation, AWS or reserved address). */
function publicAddress(rng: Random): string {
  return `${rng.pick(PUBLIC_FIRST_OCTETS)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

/** Builds the external world: attacker addresses first (from the documentation ranges), then the client pool. */
export function buildInternet(rng: Random): Internet {
  const taken = new Set<string>([OFFICE_IP]);
  const fresh = (make: () => string): string => {
    for (;;) {
      const ip = make();
      if (!taken.has(ip)) {
        taken.add(ip);
        return ip;
      }
    }
  };
  const inNet = (net: string) => () => `${net}.${rng.int(1, 254)}`;
  const sshAttacker = fresh(inNet('203.0.113'));
  const scanner = fresh(inNet('192.0.2'));
  const pinger = fresh(inNet('198.51.100'));
  const exfilDestination = fresh(inNet('203.0.113'));

  const clients: string[] = [];
  for (let i = 0; i < 1500; i++) {
    clients.push(fresh(rng.chance(0.35) ? () => inNet(rng.pick(TEST_NETS))() : () => publicAddress(rng)));
  }
  const scanners: string[] = [];
  for (let i = 0; i < 4000; i++) scanners.push(fresh(() => publicAddress(rng)));
  const s3: string[] = [];
  for (let i = 0; i < 24; i++)
    s3.push(fresh(() => `52.${rng.int(216, 217)}.${rng.int(0, 255)}.${rng.int(1, 254)}`));
  const dynamodb: string[] = [];
  for (let i = 0; i < 8; i++) dynamodb.push(fresh(() => `52.94.${rng.int(0, 3)}.${rng.int(1, 254)}`));
  const services = new Map<string, string>();
  for (const ip of s3) services.set(ip, 'S3');
  for (const ip of dynamodb) services.set(ip, 'DYNAMODB');
  return {
    clients,
    scanners,
    s3,
    dynamodb,
    ntp: NTP_SERVERS,
    apis: API_SERVERS,
    services,
    sshAttacker,
    scanner,
    pinger,
    exfilDestination,
  };
}
