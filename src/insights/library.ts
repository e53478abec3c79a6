// The named query library: AWS's sample flow log queries and the everyday questions of network and
// security engineers, runnable with `flowwatch query --name <name>` (and deployed as saved queries).

/** One named Logs Insights query. */
export interface LibraryQuery {
  readonly name: string;
  readonly title: string;
  /** Where it comes from: AWS's sample page, the Logs Insights guide, or flowwatch. */
  readonly source: 'aws-sample' | 'aws-guide' | 'flowwatch';
  /** Fields beyond the default format the query needs (it returns nothing on stores without them). */
  readonly needs?: readonly string[];
  /** The query as flowwatch runs and deploys it by default (deduplicated where it sums bytes or packets). */
  readonly query: string;
  /**
   * For queries that sum bytes or packets: the same query over every ENI's record (`query --per-eni`); `query`
   * then starts with {@link DEDUP_FILTER}.
   */
  readonly perEni?: string;
}

/**
 * The Logs Insights stage counting each flow once, as far as one record can tell (Logs Insights has no
 * sub-queries): keep records without flow-direction, ingress records (the receiver's record is the flow's),
 * REJECT records (a rejected packet went no further), and egress records to addresses outside the private
 * ranges (no ENI of the account receives them). An egress record to a private address is dropped: the
 * receiving ENI's ingress record counts it. Limits (docs/decisions/14-counting-each-flow-once.md): a private
 * destination whose ENI is not logged (VPN, peering, another account) loses its sent bytes, IPv6 between ENIs
 * counts twice, and a NAT gateway's legs are not recognised (a host's traffic through one still counts twice).
 */
export const DEDUP_FILTER =
  'filter not ispresent(flowDirection) or flowDirection = "ingress" or action = "REJECT" or not (isIpv4InSubnet(dstAddr, "10.0.0.0/8") or isIpv4InSubnet(dstAddr, "172.16.0.0/12") or isIpv4InSubnet(dstAddr, "192.168.0.0/16") or isIpv4InSubnet(dstAddr, "100.64.0.0/10"))';

/** A query that sums bytes or packets: deduplicated by default, per ENI on request. */
function counted(q: Omit<LibraryQuery, 'perEni'>): LibraryQuery {
  return { ...q, query: `${DEDUP_FILTER} | ${q.query}`, perEni: q.query };
}

/** Every library query, in the order `flowwatch query --list` shows them. */
export const LIBRARY: readonly LibraryQuery[] = Object.freeze([
  {
    name: 'top-rejected-sources',
    title: 'Top 20 source addresses with the most rejected requests',
    source: 'aws-guide',
    query:
      'filter action = "REJECT" | stats count(*) as numRejections by srcAddr | sort numRejections desc | limit 20',
  },
  counted({
    name: 'top-host-pairs',
    title: 'Top 15 host pairs by packets transferred',
    source: 'aws-sample',
    query:
      'stats sum(packets) as packetsTransferred by srcAddr, dstAddr | sort packetsTransferred desc | limit 15',
  }),
  counted({
    name: 'top-destinations-from-subnet',
    title: 'Top 15 destinations by bytes for sources in 10.0.1.0/24 (edit the subnet)',
    source: 'aws-sample',
    query:
      'filter isIpv4InSubnet(srcAddr, "10.0.1.0/24") | stats sum(bytes) as bytesTransferred by dstAddr | sort bytesTransferred desc | limit 15',
  }),
  {
    name: 'udp-sources',
    title: 'Source addresses using UDP',
    source: 'aws-sample',
    query: 'filter protocol = 17 | stats count(*) by srcAddr',
  },
  {
    name: 'skipdata-per-hour',
    title: 'How often records were skipped (SKIPDATA), per hour',
    source: 'aws-sample',
    query: 'filter logStatus = "SKIPDATA" | stats count(*) by bin(1h) as t | sort t',
  },
  {
    name: 'one-record-per-connection',
    title: 'The latest record of each connection (5-tuple)',
    source: 'aws-guide',
    query:
      'fields @timestamp, srcAddr, dstAddr, srcPort, dstPort, protocol, bytes | sort @timestamp desc | dedup srcAddr, dstAddr, srcPort, dstPort, protocol',
  },
  {
    name: 'recent-egress',
    title: 'The 20 most recent egress records, with account and direction',
    source: 'flowwatch',
    needs: ['flow-direction'],
    query:
      'fields @timestamp, @message, accountId as ID, flowDirection | sort @timestamp desc | filter flowDirection = "egress" | limit 20',
  },
  counted({
    name: 'top-talkers',
    title: 'Top 20 sources by bytes sent',
    source: 'flowwatch',
    query:
      'stats sum(bytes) as bytesSent, sum(packets) as packetsSent, count(*) as flows by srcAddr | sort bytesSent desc | limit 20',
  }),
  counted({
    name: 'top-conversations',
    title: 'Top 20 conversations (source, destination, port) by bytes',
    source: 'flowwatch',
    query:
      'stats sum(bytes) as bytesTransferred by srcAddr, dstAddr, dstPort | sort bytesTransferred desc | limit 20',
  }),
  {
    name: 'rejected-by-port',
    title: 'Rejected flows per destination port',
    source: 'flowwatch',
    query:
      'filter action = "REJECT" | stats count(*) as rejections by dstPort, protocol | sort rejections desc | limit 20',
  },
  {
    name: 'rejected-by-interface',
    title: 'Rejected flows per network interface',
    source: 'flowwatch',
    query:
      'filter action = "REJECT" | stats count(*) as rejections by interfaceId | sort rejections desc | limit 20',
  },
  {
    name: 'ssh-attempts',
    title: 'SSH (TCP 22) attempts per source, accepted and rejected',
    source: 'flowwatch',
    query:
      'filter protocol = 6 and dstPort = 22 | stats count(*) as attempts, count_distinct(dstAddr) as targets by srcAddr, action | sort attempts desc | limit 20',
  },
  {
    name: 'rdp-attempts',
    title: 'RDP (TCP 3389) attempts per source, accepted and rejected',
    source: 'flowwatch',
    query:
      'filter protocol = 6 and dstPort = 3389 | stats count(*) as attempts, count_distinct(dstAddr) as targets by srcAddr, action | sort attempts desc | limit 20',
  },
  {
    name: 'ssh-rdp-summary',
    title: 'SSH and RDP flows by action and port',
    source: 'aws-guide',
    query: 'filter dstPort in [22, 3389] | stats count(*) as flows by action, dstPort',
  },
  {
    name: 'rejected-inbound-5m',
    title: 'Rejected inbound attempts per source, in 5-minute buckets',
    source: 'aws-guide',
    needs: ['flow-direction'],
    query:
      'filter action = "REJECT" and flowDirection = "ingress" | stats count(*) as attempts, sum(packets) as pkts by srcAddr, bin(5m) | sort attempts desc | limit 100',
  },
  {
    name: 'traffic-by-direction',
    title: 'Bytes, packets and flows by direction and action',
    source: 'flowwatch',
    needs: ['flow-direction'],
    query:
      'filter ispresent(flowDirection) | stats sum(bytes) as bytesTransferred, sum(packets) as packetsTransferred, count(*) as flows by flowDirection, action',
  },
  {
    name: 'external-destinations',
    title: 'Public (non-RFC 1918) destinations receiving the most bytes',
    source: 'aws-guide',
    query:
      'filter not isIpv4InSubnet(dstAddr, "10.0.0.0/8") and not isIpv4InSubnet(dstAddr, "172.16.0.0/12") and not isIpv4InSubnet(dstAddr, "192.168.0.0/16") | stats sum(bytes) as total by dstAddr | sort total desc | limit 20',
  },
  counted({
    name: 'ipv6-traffic',
    title: 'IPv6 conversations by bytes',
    source: 'flowwatch',
    query:
      'filter isValidIpV6(srcAddr) or isValidIpV6(dstAddr) | stats count(*) as flows, sum(bytes) as bytesTransferred by srcAddr, dstAddr | sort bytesTransferred desc | limit 20',
  }),
  {
    name: 'syn-scanners',
    title: 'Sources sending SYN-only TCP flows to more than 20 ports (possible scans)',
    source: 'aws-guide',
    needs: ['tcp-flags'],
    query:
      'filter protocol = 6 and tcpFlags in [2, 3, 6, 7] | stats count_distinct(dstPort) as ports by srcAddr | filter ports > 20',
  },
  {
    name: 'denied-icmp',
    title: 'Rejected ICMP (ping) by source and destination',
    source: 'flowwatch',
    query:
      'filter protocol = 1 and action = "REJECT" | stats count(*) as denied by srcAddr, dstAddr | sort denied desc | limit 20',
  },
  counted({
    name: 'top-ports',
    title: 'Destination ports by flows and bytes',
    source: 'flowwatch',
    query:
      'stats count(*) as flows, sum(bytes) as bytesTransferred by dstPort, protocol | sort flows desc | limit 20',
  }),
  {
    name: 'rejected-per-hour',
    title: 'Accepted and rejected flows per hour',
    source: 'flowwatch',
    query: 'stats count(*) as flows by bin(1h) as hour, action | sort hour asc',
  },
]);

/** The library query of this name, or undefined. */
export function findLibraryQuery(name: string): LibraryQuery | undefined {
  return LIBRARY.find((q) => q.name === name);
}
