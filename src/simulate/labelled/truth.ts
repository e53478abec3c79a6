// The ground truth of a labelled corpus (`truth.json`): injected attacks and benign look-alikes, with exact windows.

/** Detection kinds, as plain labels shared by the truth file and the scorer. */
export const KINDS = [
  'port-scan-vertical',
  'sweep-horizontal',
  'brute-force',
  'outbound-scan',
  'unusual-protocol',
  'nacl-reply-drop',
  'known-bad',
  'coverage-gap',
  'exfiltration',
  'flood',
  'beacon',
  'first-seen',
] as const;

export type Kind = (typeof KINDS)[number];

/** What both attacks and look-alikes carry. */
export interface Labelled {
  readonly id: string;
  /** The detection kind that should report it (attack) or that it resembles (look-alike). */
  readonly kind: Kind;
  /**
   * Other kinds that may legitimately report it (attack: not a false finding, not counted for recall; e.g. an
   * internal host's sweep is also an outbound scan) or that it also resembles (look-alike).
   */
  readonly also: readonly Kind[];
  /** The address or interface id a finding should name. */
  readonly entity: string;
  /** Other names that are equally acceptable (the other end, the interface id, its address). */
  readonly alt: readonly string[];
  /** Unix seconds: `start` of its first record and `end` of its last record. */
  readonly start: number;
  readonly end: number;
  readonly description: string;
  /** Records (and NODATA/SKIPDATA records) the generator wrote for it, on every interface that logged it. */
  readonly records: number;
}

/** An injected attack. */
export interface Attack extends Labelled {
  readonly direction: 'inbound' | 'outbound' | 'internal';
  readonly family: 4 | 6;
  /** The stated intensity in words, e.g. "1 attempt every 120 s ± 30% for 10 h (300 attempts)". */
  readonly intensity: string;
  /** The numbers behind the intensity (counted from the connections actually generated). */
  readonly details: Readonly<Record<string, number | string>>;
}

/** A benign look-alike: traffic that resembles an attack and must not be reported. */
export interface Benign extends Labelled {
  /** Why it is in the corpus: what a naive rule would mistake it for. */
  readonly why: string;
}

/** One VPC of the corpus and its flow log. */
export interface TruthVpc {
  readonly name: string;
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly flowLogId: string;
  readonly format: string;
  /** The VPC's address blocks (what a user lists as flowwatch.yaml's homeNet). */
  readonly cidrs: readonly string[];
  readonly interfaces: readonly { name: string; eni: string; ip4: string; ip6?: string }[];
}

/** `truth.json`. */
export interface Truth {
  readonly generator: 'flowwatch labelled corpus';
  readonly version: 1;
  readonly seed: number;
  /** Unix seconds: the corpus covers [start, end). */
  readonly start: number;
  readonly end: number;
  /** Number of `.log.gz` files written under `logs`. */
  readonly files: number;
  /** Records in them (header lines not counted), NODATA/SKIPDATA included. */
  readonly records: number;
  /** Indicator file (plain IP/CIDR list) relative to the corpus folder. */
  readonly indicators: string;
  /** Folder with the flow log files, relative to the corpus folder (what `flowwatch ingest` is given). */
  readonly logs: string;
  readonly vpcs: readonly TruthVpc[];
  readonly kinds: readonly Kind[];
  readonly attacks: readonly Attack[];
  readonly benign: readonly Benign[];
}
