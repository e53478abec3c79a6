// Scores detection findings against a labelled corpus's truth: recall per kind, false findings, look-alikes hit.

import { ipv6 } from './addresses.js';
import { KINDS, type Kind, type Labelled, type Truth } from './truth.js';

/** A finding as `flowwatch detect --output json` prints it (only the fields scoring needs). */
export interface Finding {
  readonly id: string;
  readonly detection: string;
  readonly severity: string;
  readonly entity: string;
  /** Unix seconds. */
  readonly start: number;
  readonly end: number;
  readonly evidence_count: number;
}

/**
 * Detection id → kind, first match wins. Ids are matched case-insensitively by keywords, so `port-scan`,
 * `vpc-port-scan`, `horizontal-sweep`, `brute-force-ssh`, `known-bad-address`… all map. Order matters:
 * "outbound" before "scan" (an outbound port scan is `outbound-scan`), "sweep" before "scan".
 */
export const KIND_RULES: readonly { readonly kind: Kind; readonly pattern: RegExp }[] = [
  { kind: 'first-seen', pattern: /first[-_ ]?seen|novel|new[-_ ]?(country|asn|port|destination)/ },
  {
    kind: 'outbound-scan',
    pattern: /outbound|egress[-_ ]?scan|internal[-_ ]?scan|scanning[-_ ]?out|recon[-_ ]?out/,
  },
  { kind: 'sweep-horizontal', pattern: /sweep|horizontal/ },
  { kind: 'brute-force', pattern: /brute|password[-_ ]?guess|login[-_ ]?attempt/ },
  { kind: 'port-scan-vertical', pattern: /vertical|port[-_ ]?scan|portscan|scan/ },
  { kind: 'unusual-protocol', pattern: /protocol/ },
  { kind: 'nacl-reply-drop', pattern: /nacl|reply[-_ ]?drop|asymmetric|return[-_ ]?traffic/ },
  {
    kind: 'known-bad',
    pattern: /known[-_ ]?bad|threat|intel|ioc|indicator|blocklist|denylist|malicious|bad[-_ ]?ip/,
  },
  {
    kind: 'coverage-gap',
    pattern: /coverage|gap|skip[-_ ]?data|silent|stopped|missing[-_ ]?log|no[-_ ]?data/,
  },
  // remote-volume: bytes to one internet address far over its baseline (ATT&CK T1048, exfiltration)
  { kind: 'exfiltration', pattern: /exfil|data[-_ ]?transfer|upload|remote[-_ ]?volume/ },
  { kind: 'flood', pattern: /flood|ddos|\bdos\b|denial/ },
  { kind: 'beacon', pattern: /beacon|c2[-_ ]?period|periodic/ },
];

/** The kind a detection id reports, or undefined when no keyword matches (the scorer lists those loudly). */
export function kindOfDetection(detection: string): Kind | undefined {
  const d = detection.toLowerCase();
  if ((KINDS as readonly string[]).includes(d)) return d as Kind;
  return KIND_RULES.find((r) => r.pattern.test(d))?.kind;
}

/** Unix seconds from a number (seconds, or milliseconds above 1e11) or an ISO-8601 string. */
function seconds(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v > 1e11 ? Math.floor(v / 1000) : v;
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return seconds(Number(v), where);
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return Math.floor(ms / 1000);
  }
  throw new Error(`${where}: expected unix seconds or an ISO-8601 time, got ${JSON.stringify(v)}`);
}

/**
 * Reads `detect --output json`: an array of findings or `{ findings: [...] }`. Each finding needs
 * `detection`, `entity`, `start`, `end`; `id`, `severity`, `evidence_count` are optional here.
 *
 * @example parseFindings('{"findings":[]}') // []
 */
export function parseFindings(text: string): Finding[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(
      `detect output is not JSON (${(e as Error).message}); first 200 characters: ${text.slice(0, 200)}`,
    );
  }
  const list = Array.isArray(json) ? json : (json as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(list))
    throw new Error('detect output is neither an array of findings nor an object with a "findings" array');
  return list.map((raw, i) => {
    const where = `finding ${i + 1}`;
    if (raw === null || typeof raw !== 'object') throw new Error(`${where}: expected an object`);
    const o = raw as Record<string, unknown>;
    const detection = o.detection ?? o.detection_id ?? o.rule;
    if (typeof detection !== 'string') throw new Error(`${where}: "detection" must be a string`);
    const entity = o.entity;
    const text =
      typeof entity === 'string'
        ? entity
        : entity && typeof entity === 'object'
          ? Object.values(entity).join(' ')
          : undefined;
    if (text === undefined) throw new Error(`${where} (${detection}): "entity" must be a string`);
    return {
      id: String(o.id ?? `#${i + 1}`),
      detection,
      severity: String(o.severity ?? ''),
      entity: text,
      start: seconds(o.start, `${where} (${detection}) start`),
      end: seconds(o.end ?? o.start, `${where} (${detection}) end`),
      evidence_count: Number(o.evidence_count ?? 0),
    };
  });
}

/** Canonical RFC 5952 text of an IPv6 address, or undefined when `s` is not one. */
export function canonicalIpv6(s: string): string | undefined {
  const parts = s.toLowerCase().split('::');
  if (parts.length > 2) return undefined;
  const side = (x: string) => (x === '' ? [] : x.split(':'));
  const head = side(parts[0]!);
  const tail = parts.length === 2 ? side(parts[1]!) : [];
  const fill = parts.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < (parts.length === 2 ? 1 : 0) || head.length + tail.length + fill !== 8) return undefined;
  const groups = [...head, ...new Array<string>(fill).fill('0'), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return ipv6(groups.map((g) => Number.parseInt(g, 16)));
}

/**
 * The names a finding's entity mentions: IPv4 addresses, IPv6 addresses (canonicalised; write one with a port
 * as `[addr]:port`), interface ids; the whole trimmed text when none is found.
 *
 * @example entityNames('10.0.0.5:22 <- eni-0abc') // ['10.0.0.5', 'eni-0abc']
 */
export function entityNames(entity: string): string[] {
  const out = new Set<string>();
  for (const m of entity.matchAll(/(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d])/g)) out.add(m[0]);
  for (const m of entity.matchAll(/eni-[0-9a-f]+/gi)) out.add(m[0].toLowerCase());
  for (const m of entity.matchAll(/[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}/gi)) {
    const c = canonicalIpv6(m[0]);
    if (c) out.add(c);
  }
  if (out.size === 0) out.add(entity.trim().toLowerCase());
  return [...out];
}

/** True when the finding names the item's entity or one of its alternatives. */
export function namesEntity(f: Finding, item: Pick<Labelled, 'entity' | 'alt'>): boolean {
  const names = new Set([item.entity, ...item.alt].map((n) => canonicalIpv6(n) ?? n.toLowerCase()));
  return entityNames(f.entity).some((n) => names.has(n));
}

/** True when [f.start, f.end] and [item.start, item.end] overlap, each widened by `slack` seconds. */
export function overlaps(
  f: Pick<Finding, 'start' | 'end'>,
  item: Pick<Labelled, 'start' | 'end'>,
  slack: number,
): boolean {
  return f.start <= item.end + slack && f.end >= item.start - slack;
}

/** One finding's verdict. */
export interface Judged {
  readonly finding: Finding;
  readonly kind: Kind | undefined;
  /**
   * `found`: right kind, entity and window of an attack; `related`: an attack lists the kind in `also`;
   * `false`: anything else; `unmapped`: the detection id maps to no kind.
   */
  readonly verdict: 'found' | 'related' | 'false' | 'unmapped';
  /** Attacks it found (or is related to). */
  readonly attacks: readonly string[];
  /** For false findings: the benign look-alikes (resembling this kind) whose entity and window it hits. */
  readonly benign: readonly string[];
  /** For false findings: attacks of other kinds whose entity and window it hits (a wrong label). */
  readonly otherAttacks: readonly string[];
}

/** Per-kind figures. */
export interface KindRow {
  readonly kind: Kind;
  readonly attacks: number;
  readonly found: number;
  /** found / attacks, or null when the corpus has no attack of this kind. */
  readonly recall: number | null;
  readonly findings: number;
  readonly falseFindings: number;
  readonly falseOnBenign: number;
  readonly related: number;
  readonly missed: readonly string[];
  readonly benignHit: readonly string[];
}

/** The evaluation. */
export interface Score {
  readonly rows: readonly KindRow[];
  readonly judged: readonly Judged[];
  /** Detection ids that map to no kind, with their finding counts. */
  readonly unmapped: Readonly<Record<string, number>>;
  /** Detection id → kind, for every mapped id seen. */
  readonly mapping: Readonly<Record<string, Kind>>;
  readonly slack: number;
}

/**
 * Judges findings against the truth. A finding of kind K **finds** attack A when A.kind = K, the finding
 * names A's entity or an alternative, and the windows overlap (± `slack` s). A finding that does that for an
 * attack listing K in `also` is **related** (neither found nor false). Every other mapped finding is **false**;
 * it is also reported as landing on each benign look-alike (kind or `also` = K) whose entity and window it hits.
 */
export function score(
  truth: Pick<Truth, 'attacks' | 'benign'>,
  findings: readonly Finding[],
  slack = 300,
): Score {
  const unmapped: Record<string, number> = {};
  const mapping: Record<string, Kind> = {};
  const judged: Judged[] = findings.map((f) => {
    const kind = kindOfDetection(f.detection);
    if (kind === undefined) {
      unmapped[f.detection] = (unmapped[f.detection] ?? 0) + 1;
      return { finding: f, kind, verdict: 'unmapped', attacks: [], benign: [], otherAttacks: [] };
    }
    mapping[f.detection] = kind;
    const hits = truth.attacks.filter((a) => namesEntity(f, a) && overlaps(f, a, slack));
    const found = hits.filter((a) => a.kind === kind).map((a) => a.id);
    if (found.length > 0)
      return { finding: f, kind, verdict: 'found', attacks: found, benign: [], otherAttacks: [] };
    const related = hits.filter((a) => a.also.includes(kind)).map((a) => a.id);
    if (related.length > 0)
      return { finding: f, kind, verdict: 'related', attacks: related, benign: [], otherAttacks: [] };
    const benign = truth.benign
      .filter((b) => (b.kind === kind || b.also.includes(kind)) && namesEntity(f, b) && overlaps(f, b, slack))
      .map((b) => b.id);
    return { finding: f, kind, verdict: 'false', attacks: [], benign, otherAttacks: hits.map((a) => a.id) };
  });
  const rows: KindRow[] = KINDS.map((kind) => {
    const attacks = truth.attacks.filter((a) => a.kind === kind);
    const mine = judged.filter((j) => j.kind === kind);
    const foundIds = new Set(mine.filter((j) => j.verdict === 'found').flatMap((j) => j.attacks));
    const found = attacks.filter((a) => foundIds.has(a.id)).length;
    const falses = mine.filter((j) => j.verdict === 'false');
    return {
      kind,
      attacks: attacks.length,
      found,
      recall: attacks.length === 0 ? null : found / attacks.length,
      findings: mine.length,
      falseFindings: falses.length,
      falseOnBenign: falses.filter((j) => j.benign.length > 0).length,
      related: mine.filter((j) => j.verdict === 'related').length,
      missed: attacks.filter((a) => !foundIds.has(a.id)).map((a) => a.id),
      benignHit: [...new Set(falses.flatMap((j) => j.benign))],
    };
  });
  return { rows, judged, unmapped, mapping, slack };
}

/** The evaluation as a markdown report: the per-kind table, misses, look-alikes hit, mapping and unmapped ids. */
export function markdown(s: Score, title = 'Detection quality'): string {
  const pct = (r: number | null) => (r === null ? '–' : `${Math.round(r * 100)}%`);
  const lines = [
    `## ${title}`,
    '',
    '| Kind | Attacks | Found | Recall | Findings | False | False on look-alike | Related |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  let a = 0;
  let fd = 0;
  let n = 0;
  let fa = 0;
  let fb = 0;
  let rel = 0;
  for (const r of s.rows) {
    lines.push(
      `| ${r.kind} | ${r.attacks} | ${r.found} | ${pct(r.recall)} | ${r.findings} | ${r.falseFindings} | ${r.falseOnBenign} | ${r.related} |`,
    );
    a += r.attacks;
    fd += r.found;
    n += r.findings;
    fa += r.falseFindings;
    fb += r.falseOnBenign;
    rel += r.related;
  }
  lines.push(
    `| **all** | ${a} | ${fd} | ${pct(a === 0 ? null : fd / a)} | ${n} | ${fa} | ${fb} | ${rel} |`,
    '',
  );
  lines.push(
    `Matching: right kind, entity (or an alternative) named, windows overlapping ± ${s.slack} s.`,
    '',
  );
  const missed = s.rows.flatMap((r) => r.missed);
  lines.push(`Missed attacks: ${missed.length === 0 ? 'none' : missed.join(', ')}`, '');
  const hit = s.rows.flatMap((r) => r.benignHit.map((b) => `${b} (as ${r.kind})`));
  lines.push(`Benign look-alikes reported: ${hit.length === 0 ? 'none' : hit.join(', ')}`, '');
  const map = Object.entries(s.mapping);
  lines.push(
    `Detection ids mapped: ${map.length === 0 ? 'none seen' : map.map(([d, k]) => `${d} → ${k}`).join(', ')}`,
    '',
  );
  const un = Object.entries(s.unmapped);
  if (un.length > 0)
    lines.push(
      `**UNMAPPED detection ids (not scored):** ${un.map(([d, c]) => `${d} (${c})`).join(', ')}`,
      '',
    );
  return `${lines.join('\n')}\n`;
}

/** How anomaly findings (which name no kind) fared: per attack kind found, and the findings that hit no attack. */
export interface AnomalyScore {
  /** Per kind: attacks, those some anomaly finding hit (entity named, windows overlapping ± slack), recall. */
  readonly rows: readonly {
    kind: Kind;
    attacks: number;
    found: number;
    recall: number | null;
    missed: string[];
  }[];
  readonly findings: number;
  /** Findings that hit at least one attack. */
  readonly onAttacks: number;
  /** Findings that hit no attack (false findings), and those of them that land on a benign look-alike. */
  readonly falseFindings: number;
  readonly falseOnBenign: number;
  /** Look-alikes hit, with how many findings each. */
  readonly benignHit: Readonly<Record<string, number>>;
}

/**
 * Scores kind-less anomaly findings (e.g. the Random Cut Forest's per-interface anomalies): a finding **hits** an
 * attack of any kind when it names the attack's entity or an alternative and the windows overlap (± `slack` s).
 * Recall is per attack kind; every finding that hits no attack is a false finding.
 */
export function scoreAnomalies(
  truth: Pick<Truth, 'attacks' | 'benign'>,
  findings: readonly Finding[],
  slack = 300,
): AnomalyScore {
  const hit = new Set<string>();
  let onAttacks = 0;
  let falseOnBenign = 0;
  const benignHit: Record<string, number> = {};
  for (const f of findings) {
    const attacks = truth.attacks.filter((a) => namesEntity(f, a) && overlaps(f, a, slack));
    for (const a of attacks) hit.add(a.id);
    if (attacks.length > 0) {
      onAttacks++;
      continue;
    }
    const benign = truth.benign.filter((b) => namesEntity(f, b) && overlaps(f, b, slack));
    if (benign.length > 0) falseOnBenign++;
    for (const b of benign) benignHit[b.id] = (benignHit[b.id] ?? 0) + 1;
  }
  const rows = KINDS.map((kind) => {
    const attacks = truth.attacks.filter((a) => a.kind === kind);
    const found = attacks.filter((a) => hit.has(a.id)).length;
    return {
      kind,
      attacks: attacks.length,
      found,
      recall: attacks.length === 0 ? null : found / attacks.length,
      missed: attacks.filter((a) => !hit.has(a.id)).map((a) => a.id),
    };
  });
  return {
    rows,
    findings: findings.length,
    onAttacks,
    falseFindings: findings.length - onAttacks,
    falseOnBenign,
    benignHit,
  };
}

/** The anomaly evaluation as markdown. */
export function anomalyMarkdown(s: AnomalyScore, title: string, slack: number): string {
  const pct = (r: number | null) => (r === null ? '–' : `${Math.round(r * 100)}%`);
  const lines = [
    `## ${title}`,
    '',
    '| Attack kind | Attacks | Hit | Recall | Missed |',
    '| --- | ---: | ---: | ---: | --- |',
    ...s.rows.map(
      (r) => `| ${r.kind} | ${r.attacks} | ${r.found} | ${pct(r.recall)} | ${r.missed.join(', ') || '–'} |`,
    ),
    '',
    `Findings: ${s.findings}; on an attack: ${s.onAttacks}; **false: ${s.falseFindings}** (of which on a benign look-alike: ${s.falseOnBenign}).`,
    '',
    `Look-alikes hit: ${
      Object.keys(s.benignHit).length === 0
        ? 'none'
        : Object.entries(s.benignHit)
            .map(([b, n]) => `${b} (${n})`)
            .join(', ')
    }`,
    '',
    `Matching: entity (or an alternative) named, windows overlapping ± ${slack} s; any attack kind counts.`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}
