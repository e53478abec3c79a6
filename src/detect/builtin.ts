// The built-in detection catalog, as the YAML a user reads (`flowwatch detections show <id> --yaml`), copies
// into flowwatch.yaml and changes. Kept as text here so the package ships it without a build step.
// docs/decisions/21-detections.md sets each one beside what GuardDuty, Panther and Sigma do.

/** File name → YAML text of each built-in definition. */
export const BUILTIN_DEFINITIONS: Readonly<Record<string, string>> = {
  'vertical-port-scan.yaml': `id: vertical-port-scan
title: Vertical port scan (many ports on one host)
description: |
  One source is refused on many destination ports of one host within the window. Only rejected TCP/UDP
  records to ports below 32768 count, so replies to a client's ephemeral ports (Linux 32768-60999,
  Windows/macOS 49152-65535) and accepted monitoring scrapes of a few services do not look like a scan. A
  probe is small: a record counts only with at most 10 packets (a scanner sends one or two per port), so a
  reflected UDP flood (hundreds of packets from port 123 or 53 to random ports; flood-fan-in's) is not a scan.
kind: threshold
attack: { tactic: TA0007, tacticName: Discovery, technique: T1046, techniqueName: Network Service Discovery }
window: 600
quiet: 1800
groupBy: [dstaddr, srcaddr]
entity: [dstaddr]
peers: srcaddr
filter:
  action: REJECT
  protocol: [6, 17]
  dstport: { lt: 32768 }
  any:
    - { packets: { lte: 10 } }
    - { packets: { missing: true } }
metric: { distinct: [dstport] }
thresholds: { low: 15, medium: 50, high: 250 }
`,
  'vertical-port-scan-slow.yaml': `id: vertical-port-scan-slow
title: Slow vertical port scan (many ports on one host in an hour)
description: |
  The vertical port scan over an hour: a scanner probing fewer than 15 ports per 10 minutes (one every 150 s is
  4) but keeping on (24 an hour) stays under the 10-minute window. Same records as vertical-port-scan (small
  rejected probes).
kind: threshold
supersededBy: vertical-port-scan
attack: { tactic: TA0007, tacticName: Discovery, technique: T1046, techniqueName: Network Service Discovery }
window: 3600
quiet: 3600
groupBy: [dstaddr, srcaddr]
entity: [dstaddr]
peers: srcaddr
filter:
  action: REJECT
  protocol: [6, 17]
  dstport: { lt: 32768 }
  any:
    - { packets: { lte: 10 } }
    - { packets: { missing: true } }
metric: { distinct: [dstport] }
thresholds: { low: 15, medium: 50, high: 250 }
`,
  'horizontal-sweep.yaml': `id: horizontal-sweep
title: Horizontal sweep (one port, many hosts)
description: |
  One source probes the same port of many hosts within the window: TCP/UDP records to ports below 32768 that
  were rejected, or TCP attempts that were let out but never answered (a bare SYN: tcp-flags SYN or SYN+RST
  with at most 2 packets and 160 bytes; with no tcp-flags field, at most 2 packets and 160 bytes). Sweeps of
  empty address space are accepted by the sender's security group and answered by nobody, so rejected records
  alone miss them. A server answering many clients never groups (the group is the destination port), and a
  client that talks to many hosts exchanges data, so neither counts.
kind: threshold
attack: { tactic: TA0007, tacticName: Discovery, technique: T1046, techniqueName: Network Service Discovery }
window: 600
quiet: 1800
groupBy: [srcaddr, dstport]
entity: [srcaddr]
peers: dstaddr
filter:
  protocol: [6, 17]
  dstport: { lt: 32768 }
  any:
    - { action: REJECT }
    - { protocol: 6, tcp_flags: [2, 6], packets: { lte: 2 }, bytes: { lte: 160 } }
    - { protocol: 6, tcp_flags: { missing: true }, packets: { lte: 2 }, bytes: { lte: 160 } }
metric: { distinct: [dstaddr] }
thresholds: { low: 5, medium: 20, high: 100 }
`,
  'horizontal-sweep-slow.yaml': `id: horizontal-sweep-slow
title: Slow horizontal sweep (one port, many hosts in an hour)
description: |
  The horizontal sweep over an hour: a source that probes fewer than 5 hosts per 10 minutes but keeps going
  (one host a minute is 60 an hour) stays under the 10-minute window. Same records as horizontal-sweep.
kind: threshold
supersededBy: horizontal-sweep
attack: { tactic: TA0007, tacticName: Discovery, technique: T1046, techniqueName: Network Service Discovery }
window: 3600
quiet: 3600
groupBy: [srcaddr, dstport]
entity: [srcaddr]
peers: dstaddr
filter:
  protocol: [6, 17]
  dstport: { lt: 32768 }
  any:
    - { action: REJECT }
    - { protocol: 6, tcp_flags: [2, 6], packets: { lte: 2 }, bytes: { lte: 160 } }
    - { protocol: 6, tcp_flags: { missing: true }, packets: { lte: 2 }, bytes: { lte: 160 } }
metric: { distinct: [dstaddr] }
thresholds: { low: 10, medium: 50, high: 250 }
`,
  'brute-force-login.yaml': `id: brute-force-login
title: Brute force on a login port
description: |
  Many short TCP connections (distinct source address and port) to one host on a login port within the window:
  SSH, Telnet, FTP, RDP, WinRM, VNC and the common database ports. A login attempt is short and small: the
  client sends a few kilobytes (at most 16 KiB in the record) and, where the format has tcp-flags, opens and
  closes it within one record (SYN with FIN or RST), or is rejected. So a pooled or long-lived connection (its
  records carry no SYN, or SYN without FIN) and a session doing work (tens of kilobytes and more) do not count,
  and connections are counted, not records, so a connection recorded on both ends counts once. In records
  without tcp-flags (formats before v3) an accepted short connection counts only from outside our networks
  (not $private, $local or homeNet:): from our own hosts it cannot be told from an application's connection to
  its database or a deploy's SSH session, which would be reported all day; rejected ones count from anywhere.
kind: threshold
attack: { tactic: TA0006, tacticName: Credential Access, technique: T1110, techniqueName: Brute Force }
window: 600
quiet: 1800
groupBy: [dstaddr, dstport]
entity: [dstaddr, dstport]
peers: srcaddr
filter:
  protocol: 6
  dstport: [21, 22, 23, 1433, 3306, 3389, 5432, 5900, 5985, 5986]
  bytes: { lte: 16384 }
  any:
    - { action: REJECT }
    - { tcp_flags: [3, 6, 7] }
    - { tcp_flags: { missing: true }, srcaddr: { notCidr: [$private, $local, $home] } }
metric: { distinct: [srcaddr, srcport] }
thresholds: { low: 30, medium: 100, high: 500 }
`,
  'brute-force-login-slow.yaml': `id: brute-force-login-slow
title: Slow brute force on a login port (attempts over an hour)
description: |
  The brute force over an hour, for low-and-slow guessing kept under the 10-minute window's 30 attempts (one
  attempt every 2 minutes is 5 per 10 minutes but 30 an hour): 20 short connections in an hour from ONE source
  to one login port (one every 3 minutes, sustained). Same records as brute-force-login. Per source, because an
  internet-facing login port gets a steady trickle of single probes from ever-new addresses all day; a
  distributed guesser fast enough to matter reaches brute-force-login's 30 per 10 minutes.
kind: threshold
supersededBy: brute-force-login
attack: { tactic: TA0006, tacticName: Credential Access, technique: T1110, techniqueName: Brute Force }
window: 3600
quiet: 3600
groupBy: [dstaddr, dstport, srcaddr]
entity: [dstaddr, dstport]
peers: srcaddr
filter:
  protocol: 6
  dstport: [21, 22, 23, 1433, 3306, 3389, 5432, 5900, 5985, 5986]
  bytes: { lte: 16384 }
  any:
    - { action: REJECT }
    - { tcp_flags: [3, 6, 7] }
    - { tcp_flags: { missing: true }, srcaddr: { notCidr: [$private, $local, $home] } }
metric: { distinct: [srcaddr, srcport] }
thresholds: { low: 20, medium: 100, high: 500 }
`,
  'outbound-scan.yaml': `id: outbound-scan
title: Internal host scanning outward
description: |
  One of our hosts reaches many internet address:port pairs within the window (accepted or not: egress
  security groups usually allow everything). Ours: a private address ($private), an address of the homeNet:
  list of flowwatch.yaml ($home: VPC IPv6 addresses are public, so only this list or flow-direction can tell
  them from the internet), or the sender of a record its interface logged as egress (formats with
  flow-direction). The internet: neither private, local nor homeNet. DNS, NTP, HTTP(S) and DNS-over-TLS
  destinations are left out (browsing, updates and resolvers talk to many hosts), as are records from a source
  port below 1024 (a server answering the internet).
kind: threshold
attack: { tactic: TA0007, tacticName: Discovery, technique: T1046, techniqueName: Network Service Discovery }
window: 600
quiet: 1800
groupBy: [srcaddr]
entity: [srcaddr]
peers: dstaddr
filter:
  protocol: [6, 17]
  dstaddr: { notCidr: [$private, $local, $home] }
  srcport: { gte: 1024 }
  dstport: { lt: 32768, notIn: [53, 80, 123, 443, 853] }
  any:
    - { srcaddr: { cidr: [$private] } }
    - { srcaddr: { cidr: [$home] } }
    - { flow_direction: egress, srcaddr: { notCidr: [$local] } }
metric: { distinct: [dstaddr, dstport] }
thresholds: { medium: 50, high: 250 }
`,
  'unusual-protocol.yaml': `id: unusual-protocol
title: Unusual IP protocol accepted
description: |
  Traffic with an IP protocol other than ICMP (1), TCP (6), UDP (17), ICMPv6 (58) and IPsec (ESP 50, AH 51)
  was accepted: GRE, IP-in-IP, 6in4, SCTP and the rest. IPsec is left out because it is what every
  site-to-site VPN speaks (AWS Site-to-Site VPN, strongSwan or libreswan on an instance), all day; to watch it
  too, override the filter (protocol: { notIn: [1, 6, 17, 58] }). Other tunnels to known peers: allow-list
  their addresses.
kind: threshold
attack: { tactic: TA0011, tacticName: Command and Control, technique: T1095, techniqueName: Non-Application Layer Protocol }
window: 3600
quiet: 3600
groupBy: [srcaddr, dstaddr, protocol]
entity: [srcaddr]
peers: dstaddr
filter:
  action: ACCEPT
  protocol: { notIn: [1, 6, 17, 58, 50, 51] }
metric: count
thresholds: { low: 1 }
`,
  'nacl-reply-drop.yaml': `id: nacl-reply-drop
title: Network ACL drops replies
description: |
  A record accepted in one direction and its reply (the same 5-tuple reversed, same interface, same window)
  rejected: the signature AWS documents for a stateless network ACL that allows a request but not its
  response (typically the ephemeral port range outbound). Connections fail although the security group
  allows them.
kind: pair
window: 600
quiet: 1800
groupBy: [interface_id, srcaddr]
entity: [interface_id, srcaddr]
peers: dstaddr
request:
  action: ACCEPT
reply:
  action: REJECT
thresholds: { low: 1, medium: 20 }
`,
  'skipdata.yaml': `id: skipdata
title: Flow log records skipped (SKIPDATA)
description: |
  AWS wrote SKIPDATA records for an interface: some flow records of the window were lost (capacity or an
  internal error), so detections and counts miss traffic there.
kind: threshold
attack: { tactic: TA0005, tacticName: Defense Evasion, technique: T1562.001, techniqueName: "Impair Defenses: Disable or Modify Tools" }
window: 3600
quiet: 3600
groupBy: [interface_id]
entity: [interface_id]
filter:
  log_status: SKIPDATA
metric: count
thresholds: { low: 1, medium: 12 }
`,
  'interface-stopped-logging.yaml': `id: interface-stopped-logging
title: Interface stopped logging (its traffic seen only by other interfaces)
description: |
  An interface that logged before writes nothing at all for a whole window (no record, no NODATA, no
  SKIPDATA) while other interfaces of the account log traffic sent from its address: the host is alive and
  talking, but its own flow log is blind (deleted, its delivery broken, or switched off to hide something). An
  interface's address is the one in most of its records over the lookback (6 hours before the range; with
  flow-direction, the local side of each record). Not reported: an idle host, however long (nothing sent, so
  nothing for others to log; AWS writes NODATA for it anyway), a host quiet at night, a deleted or stopped
  interface (others may still try to reach it, but nothing comes from its address), and an address moved to a
  new interface (the new one logs it). Traffic with unmonitored hosts only (the internet) gives no evidence, so
  an interface talking to no other monitored interface cannot be judged.
kind: silence
attack: { tactic: TA0005, tacticName: Defense Evasion, technique: T1562.008, techniqueName: "Impair Defenses: Disable or Modify Cloud Logs" }
window: 900
quiet: 1800
lookback: 21600
entity: [interface_id]
thresholds: { medium: 10, high: 100 }
`,
  'known-bad-address.yaml': `id: known-bad-address
title: Traffic with a known-bad address (threat intelligence)
description: |
  A record whose source or destination (the packet-level address when the format has it, so a NAT gateway's
  records name the real party) lies in an indicator of the loaded threat-intelligence feeds (flowwatch intel
  add), valid at the record's time. The entity is the other side (the internal host), the peers the listed
  addresses. Severity by direction and action: an accepted connection the internal host started (outbound:
  command and control, a download) is high; an accepted one the listed address started (inbound: it reached a
  service, replies included) medium; rejected traffic either way (probes the network refused) low. Which side
  started a connection: the one with the higher (ephemeral) port.
kind: intel
attack: { tactic: TA0011, tacticName: Command and Control, technique: T1071, techniqueName: Application Layer Protocol }
window: 3600
quiet: 3600
groupBy: [host, known_bad]
entity: [host]
peers: known_bad
thresholds: { low: 1, medium: 2, high: 3 }
`,
  'exfiltration-baseline.yaml': `id: exfiltration-baseline
title: Outbound data far above the host's own baseline (exfiltration)
description: |
  Bytes a host sends to the internet in an hour, compared with the same host at the same hour on earlier days
  (hour of the week once the store holds 3 weeks): median and MAD, hours without traffic counted as 0. A
  nightly backup at the same hour every night is its own baseline; an upload at an hour the host is usually
  quiet is not. At least 1 GiB in the hour and 10 times the baseline median. Until the store holds 3 days,
  only 100 GiB or more in an hour is reported (cold start) and the run says so.
kind: baseline
attack: { tactic: TA0010, tacticName: Exfiltration, technique: T1048, techniqueName: Exfiltration Over Alternative Protocol }
window: 3600
quiet: 3600
groupBy: [srcaddr]
entity: [srcaddr]
filter:
  action: ACCEPT
  dstaddr: { notCidr: [$private, $local] }
metric: { sum: bytes }
baseline: { minValue: 1073741824, minRatio: 10, coldStart: 107374182400 }
thresholds: { medium: 6, high: 20, critical: 50 }
`,
  'flood-fan-in.yaml': `id: flood-fan-in
title: Flood / DDoS fan-in (distinct internet sources per minute far above the host's baseline)
description: |
  Distinct internet source addresses reaching one address in a minute, compared with the per-minute values of
  the same host in the same hour on earlier days (of the week after 3 weeks): median and MAD, minutes without
  traffic counted as 0. A busy web server is busy every day; a flood is not. At least 100 sources and 5 times
  the baseline median. Until the store holds 3 days only 1,000 sources or more in a minute are reported.
kind: baseline
attack: { tactic: TA0040, tacticName: Impact, technique: T1498, techniqueName: Network Denial of Service }
window: 60
quiet: 600
groupBy: [dstaddr]
entity: [dstaddr]
filter:
  srcaddr: { notCidr: [$private, $local] }
metric: { distinct: [srcaddr] }
baseline: { minValue: 100, minRatio: 5, coldStart: 1000 }
thresholds: { medium: 6, high: 20, critical: 50 }
`,
  'flood-packets.yaml': `id: flood-packets
title: Flood (packets per minute from the internet far above the host's baseline)
description: |
  Packets from internet addresses to one address in a minute against the same host's per-minute baseline for
  that hour (as flood-fan-in). At least 100,000 packets and 10 times the baseline median; during cold start
  (less than 3 days of history) 1,000,000 packets or more in a minute.
kind: baseline
attack: { tactic: TA0040, tacticName: Impact, technique: T1498, techniqueName: Network Denial of Service }
window: 60
quiet: 600
groupBy: [dstaddr]
entity: [dstaddr]
filter:
  srcaddr: { notCidr: [$private, $local] }
metric: { sum: packets }
baseline: { minValue: 100000, minRatio: 10, coldStart: 1000000 }
thresholds: { medium: 6, high: 20, critical: 50 }
`,
  'reject-spike.yaml': `id: reject-spike
title: Spike of rejected traffic to a host
description: |
  Rejected records toward one address in an hour against the same host's baseline for that hour (hour of day,
  of the week after 3 weeks). At least 500 rejected records and 10 times the baseline median: the steady
  background of internet probes is the baseline, a scan, flood or broken rule is not.
kind: baseline
attack: { tactic: TA0043, tacticName: Reconnaissance, technique: T1595, techniqueName: Active Scanning }
window: 3600
quiet: 3600
groupBy: [dstaddr]
entity: [dstaddr]
filter:
  action: REJECT
metric: count
baseline: { minValue: 500, minRatio: 10 }
thresholds: { low: 6, medium: 20, high: 50 }
`,
  'remote-volume.yaml': `id: remote-volume
title: Unusual traffic volume to a remote host
description: |
  Bytes sent to one internet address in an hour against that address's own baseline for the hour (hour of
  day, of the week after 3 weeks); an address never used before has a baseline of 0. At least 1 GiB and 10
  times the baseline median: a new destination receiving gigabytes, or a known one receiving far more.
kind: baseline
attack: { tactic: TA0010, tacticName: Exfiltration, technique: T1048, techniqueName: Exfiltration Over Alternative Protocol }
window: 3600
quiet: 3600
groupBy: [dstaddr]
entity: [dstaddr]
filter:
  action: ACCEPT
  dstaddr: { notCidr: [$private, $local] }
metric: { sum: bytes }
baseline: { minValue: 1073741824, minRatio: 10 }
thresholds: { medium: 6, high: 20, critical: 50 }
`,
  'beacon.yaml': `id: beacon
title: Beaconing to an external host
description: |
  An internal host contacts one external address:port at a regular interval with similar sizes, the way an
  implant checks in with its controller. Per source, destination, port and protocol over a day, the records
  become connections (consecutive records of one 5-tuple are one connection, so a long download or a
  keep-alive session counts once, not as a series of windows), and the connection times and sizes get RITA's beacon score
  (interval skew and dispersion, hourly histogram, duration), 0-100. A destination more than half of the
  day's sources contact (update mirrors) is a shared service, not a beacon; NTP (port 123) polls by design
  and pool DNS spreads the hosts over many servers, so it is allowed by port; private and link-local
  destinations (health checks, internal services) are out of scope. A NAT gateway's own records
  repeat its clients' beacons under its address. Periods under about two minutes cannot be told apart in
  flow logs.
kind: beacon
attack: { tactic: TA0011, tacticName: Command and Control, technique: T1071, techniqueName: Application Layer Protocol }
window: 86400
quiet: 86400
entity: [srcaddr]
filter:
  protocol: [6, 17]
  dstaddr: { notCidr: [$private, $local] }
  srcaddr: { notCidr: [$local] }
  srcport: { gte: 1024 }
allow:
  dstport: [123]
minConnections: 4
gap: 120
prevalence: { percent: 50, minSources: 3 }
thresholds: { low: 75, medium: 90, high: 100 }
`,
  'first-seen-port.yaml': `id: first-seen-port
title: A host used a remote port it never used before
description: |
  Connections a host starts to internet addresses (source port above destination port: the ephemeral side
  is the higher, so a server's replies to its clients' ports are not its own choices), per destination port: a
  port the host did not use in the 28 days before is new. Needs 7 days of history, of the store and of the host
  (before that: the learning period, said so). NTP (123) is allowed: pool servers rotate. Ports in the dynamic range
  (49152-65535: passive FTP data, RPC) are no service of their own and are not compared. Hosts are private
  addresses: add your VPCs' IPv6 prefixes to filter.srcaddr.cidr.
attack: { tactic: TA0011, tacticName: Command and Control, technique: T1571, techniqueName: Non-Standard Port }
kind: first-seen
window: 3600
quiet: 86400
groupBy: [srcaddr]
entity: [srcaddr]
filter:
  action: ACCEPT
  protocol: [6, 17]
  dstaddr: { notCidr: [$private, $local] }
  srcaddr: { cidr: [$private] }
  dstport: { lt: 49152 }
allow:
  dstport: [123]
firstSeen: { field: dstport, learningDays: 7, requestsOnly: true }
thresholds: { low: 1, medium: 3 }
`,
  'first-seen-country.yaml': `id: first-seen-country
title: A host talked to a destination country it never talked to before
description: |
  Connections a host starts to internet addresses, per destination country (offline data,
  @ip-location-db): a country the host did not reach in the 28 days before is new. Needs 7 days of history, of
  the store and of the host. Addresses without a known country are not compared. Hosts are private addresses:
  add your VPCs' IPv6 prefixes to filter.srcaddr.cidr (an IPv6 address alone does not say whose it is).
attack: { tactic: TA0011, tacticName: Command and Control, technique: T1071, techniqueName: Application Layer Protocol }
kind: first-seen
window: 3600
quiet: 86400
groupBy: [srcaddr]
entity: [srcaddr]
filter:
  action: ACCEPT
  protocol: [6, 17]
  dstaddr: { notCidr: [$private, $local] }
  srcaddr: { cidr: [$private] }
allow:
  dstport: [123]
firstSeen: { field: dstaddr, as: country, learningDays: 7, requestsOnly: true }
thresholds: { low: 1, medium: 3 }
`,
  'first-seen-asn.yaml': `id: first-seen-asn
title: A host talked to a network (ASN) it never talked to before
description: |
  Connections a host starts to internet addresses, per destination autonomous system (offline data,
  @ip-location-db): a network the host did not reach in the 28 days before is new — a new address of a CDN or
  cloud provider it already uses is not. Needs 7 days of history, of the store and of the host. Hosts are
  private addresses: add your VPCs' IPv6 prefixes to filter.srcaddr.cidr.
attack: { tactic: TA0011, tacticName: Command and Control, technique: T1071, techniqueName: Application Layer Protocol }
kind: first-seen
window: 3600
quiet: 86400
groupBy: [srcaddr]
entity: [srcaddr]
filter:
  action: ACCEPT
  protocol: [6, 17]
  dstaddr: { notCidr: [$private, $local] }
  srcaddr: { cidr: [$private] }
allow:
  dstport: [123]
firstSeen: { field: dstaddr, as: asn, learningDays: 7, requestsOnly: true }
thresholds: { low: 1, medium: 3 }
`,
  'exfiltration-daily.yaml': `id: exfiltration-daily
title: Slow exfiltration (outbound bytes in a day far above the host's daily baseline)
description: |
  Bytes a host sends to internet addresses in a UTC day, compared with its own totals on the previous days (the
  same weekday once the store holds 3 weeks): median and MAD, days without traffic counted as 0. Catches a
  trickle that stays under exfiltration-baseline's 1 GiB in every hour (800 MB an hour for 4 hours). At least
  2 GiB and 10 times the daily median; a nightly backup of the same size every night is its own baseline. Until
  the store holds 3 days only 1 TiB or more in a day is reported. Not reported again when exfiltration-baseline
  found the same host in the same day.
kind: baseline
attack: { tactic: TA0010, tacticName: Exfiltration, technique: T1030, techniqueName: Data Transfer Size Limits }
window: 86400
quiet: 86400
groupBy: [srcaddr]
entity: [srcaddr]
supersededBy: exfiltration-baseline
filter:
  action: ACCEPT
  dstaddr: { notCidr: [$private, $local] }
metric: { sum: bytes }
baseline: { minValue: 2147483648, minRatio: 10, coldStart: 1099511627776 }
thresholds: { medium: 6, high: 20, critical: 50 }
`,
};
