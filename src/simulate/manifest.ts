// The ground truth of a simulated corpus, as counted by the generator while it wrote the records.

/** One output file and the records it holds (header line not counted). */
export interface ManifestFile {
  /** Path relative to the output directory, with `/` separators. */
  readonly path: string;
  readonly records: number;
}

/**
 * `manifest.json` of a simulated corpus. Every count refers to records written (whatever fields the format
 * has). Attack counts are of the records between the attack's two addresses in **either** direction, i.e.
 * `(srcaddr = source AND dstaddr = target) OR (srcaddr = target AND dstaddr = source)` (`target` is called
 * `destination` for the exfiltration); no background record involves an attacker address.
 */
export interface Manifest {
  /** The format as a `${...}` string. */
  readonly format: string;
  /** Total records (sum over `files`). */
  readonly records: number;
  readonly files: readonly ManifestFile[];
  /** Records with `action` ACCEPT. */
  readonly accepted: number;
  /** Records with `action` REJECT. */
  readonly rejected: number;
  /** NODATA records (`action` is `-`); accepted + rejected + nodata = records. */
  readonly nodata: number;
  readonly scenarios: {
    /** Rejected SSH attempts from one internet address on the bastion's port 22. */
    readonly sshBruteForce: { readonly source: string; readonly target: string; readonly records: number };
    /** SYN probes from one address to many ports of a web server, all rejected. */
    readonly portScan: {
      readonly source: string;
      readonly target: string;
      /** Distinct `dstport`s of the records from source to target. */
      readonly distinctPorts: number;
      readonly records: number;
    };
    /** Pings whose replies a network ACL denies (request ACCEPT, reply REJECT), later denied requests. */
    readonly icmpDenied: {
      readonly source: string;
      readonly target: string;
      readonly records: number;
      /** Records of the pair with `action` REJECT (denied replies and denied requests). */
      readonly rejected: number;
    };
    /** The database host sending gigabytes to one internet address on port 443 (through the NAT gateway). */
    readonly exfiltration: {
      readonly source: string;
      readonly destination: string;
      /** Records on the db host's interface: outbound data and inbound acknowledgements. */
      readonly records: number;
      /** Sum of `bytes` of the records from source to destination only. */
      readonly bytes: number;
    };
  };
  /** Sum of `bytes` over all records. */
  readonly bytes: number;
  /** The `srcaddr` with the largest sum of `bytes` ('' when no record has bytes). */
  readonly topTalkerBySourceBytes: string;
  /** The options that produced the corpus. */
  readonly seed: number;
  /** Unix seconds of the first hour and of the end of the last hour (exclusive). */
  readonly start: number;
  readonly end: number;
  readonly account: string;
  readonly region: string;
  readonly flowLogId: string;
  readonly vpcId: string;
}
