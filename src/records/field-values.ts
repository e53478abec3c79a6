// The values AWS documents for the enumerated flow log fields (../shared/spec/flow-log-records.md), and the
// warning for a comparison that can never hold: `action = "reject"` (values are case-sensitive in AWS and here),
// `logStatus = "NO DATA"`, `flowDirection = "inbound"`. Such a filter matches nothing, and a count or an alarm built
// on it stays at zero because of the spelling, not the traffic (the silent zero). Logs Insights, SQL and filter
// patterns (metric filters, test-pattern) warn with the value the user most likely meant. Fields without a list of
// values have a shape a value can miss just as silently: a port or protocol given by name (`dstPort = "ssh"`,
// `protocol = "tcp"`: flow logs record numbers), an address or ID in upper case (`2001:DB8::1`, `ENI-0AB…`: AWS
// writes them in lower case) or a CIDR block compared with `=` to a field that holds one address.

import { protocolNumber, servicePort } from '../core/protocols.js';
import { FIELDS, type FieldDef } from './catalog.js';

/** Documented values per store column; `-` (stored as NULL) is never listed. */
export const FIELD_VALUES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  action: ['ACCEPT', 'REJECT'],
  log_status: ['OK', 'NODATA', 'SKIPDATA'],
  type: ['IPv4', 'IPv6', 'EFA'],
  sublocation_type: ['wavelength', 'outpost', 'localzone'],
  flow_direction: ['ingress', 'egress'],
  // BPA: VPC Block Public Access; EC: VPC Encryption Controls (observed, newer than version 8).
  reject_reason: ['BPA', 'EC'],
});

/** The shape of the values of fields without a value list: what a value must look like to match any record. */
type Shape = 'port' | 'protocol' | 'address' | 'lower-case';

/** Store column → the shape its values always have (numbers; lower-case addresses, IDs, regions and zones). */
const FIELD_SHAPES: Readonly<Record<string, Shape>> = Object.freeze({
  srcport: 'port',
  dstport: 'port',
  protocol: 'protocol',
  srcaddr: 'address',
  dstaddr: 'address',
  pkt_srcaddr: 'address',
  pkt_dstaddr: 'address',
  interface_id: 'lower-case',
  vpc_id: 'lower-case',
  subnet_id: 'lower-case',
  instance_id: 'lower-case',
  region: 'lower-case',
  az_id: 'lower-case',
  tgw_id: 'lower-case',
  tgw_attachment_id: 'lower-case',
  tgw_src_vpc_id: 'lower-case',
  tgw_dst_vpc_id: 'lower-case',
  tgw_src_subnet_id: 'lower-case',
  tgw_dst_subnet_id: 'lower-case',
  tgw_src_eni: 'lower-case',
  tgw_dst_eni: 'lower-case',
  tgw_src_az_id: 'lower-case',
  tgw_dst_az_id: 'lower-case',
  tgw_pair_attachment_id: 'lower-case',
});

const byColumn = new Map(FIELDS.map((f) => [f.column, f]));
const byInsights = new Map(FIELDS.map((f) => [f.insights.toLowerCase(), f]));

/** True when valueWarning can tell of `f`'s values that some never match (a value list or a shape). */
export function hasValueRules(f: FieldDef): boolean {
  return FIELD_VALUES[f.column] !== undefined || FIELD_SHAPES[f.column] !== undefined;
}

/**
 * The catalog field of a store column or Logs Insights name whose values valueWarning checks (documented
 * values, or a shape: ports, protocol, addresses, IDs); undefined otherwise.
 */
export function checkedField(name: string): FieldDef | undefined {
  const f = byColumn.get(name.toLowerCase()) ?? byInsights.get(name.toLowerCase());
  return f !== undefined && hasValueRules(f) ? f : undefined;
}

/**
 * The warning for testing `name` (as the user wrote it) against `value` when no documented value can match;
 * undefined when one can. `glob` lets `*` stand for any text (filter patterns' wildcard); `negated` for `!=`,
 * which then holds for every record instead of none; `item` for one item of an `in` list (the others may match).
 *
 * @example valueWarning(field('action'), 'action', 'reject')
 * // 'action is never "reject": its values are ACCEPT and REJECT, and comparisons are case-sensitive (did you mean "REJECT"?); as written the test matches no record'
 */
export function valueWarning(
  f: FieldDef,
  name: string,
  value: string,
  opts: { glob?: boolean; negated?: boolean; item?: boolean } = {},
): string | undefined {
  if (value === '-' || value === '') return undefined;
  const outcome =
    opts.item === true
      ? 'that item matches no record'
      : `as written the test ${opts.negated === true ? 'holds for every record' : 'matches no record'}`;
  const values = FIELD_VALUES[f.column];
  if (values === undefined) {
    // A pattern's wildcard stands for text the shape cannot judge.
    if (opts.glob === true && value.includes('*')) return undefined;
    // Records are space-delimited: no field ever holds a space (a value copied with one).
    if (value.trim() !== value && value.trim() !== '')
      return `${name} is never "${value}": a flow log field never holds a space (did you mean "${value.trim()}"?); ${outcome}`;
    const why = shapeProblem(FIELD_SHAPES[f.column], value, name);
    return why === undefined ? undefined : `${name} is never "${value}": ${why}; ${outcome}`;
  }
  const glob = opts.glob === true && value.includes('*');
  if (values.some(glob ? globTest(value) : (v) => v === value)) return undefined;
  const lower = value.toLowerCase();
  const caseless = values.find(
    glob ? (v) => globTest(lower)(v.toLowerCase()) : (v) => v.toLowerCase() === lower,
  );
  const list = `${values.slice(0, -1).join(', ')} and ${values[values.length - 1]}`;
  return `${name} is never "${value}": its values are ${list}, and comparisons are case-sensitive${
    caseless !== undefined ? ` (did you mean "${caseless}"?)` : ''
  }; ${outcome}`;
}

/**
 * The warning for comparing Logs Insights' `@logStream` (here the interface id, or the transit gateway attachment
 * id) with a CloudWatch Logs stream name: CloudWatch names a flow log's stream after the interface with the traffic
 * type appended (`eni-0c19436730cc350ae-all`), so a query copied from CloudWatch matches nothing; undefined when
 * the value is not such a name.
 *
 * @example logStreamWarning('eni-0abc-all') // '@logStream is never "eni-0abc-all": ... (did you mean "eni-0abc"?) ...'
 */
export function logStreamWarning(
  value: string,
  opts: { negated?: boolean; item?: boolean } = {},
): string | undefined {
  const m = /^((?:eni|tgw-attach)-[0-9a-f]+)-(?:all|accept|reject)$/i.exec(value.trim());
  if (!m) return undefined;
  const outcome =
    opts.item === true
      ? 'that item matches no record'
      : `as written the test ${opts.negated === true ? 'holds for every record' : 'matches no record'}`;
  return `@logStream is never "${value}": here it is the interface id without CloudWatch's traffic-type suffix (did you mean "${m[1]!.toLowerCase()}"?); ${outcome}`;
}

/** Why no value of this shape is `v` (with the value meant), or undefined when one can be. */
function shapeProblem(shape: Shape | undefined, v: string, name: string): string | undefined {
  switch (shape) {
    case undefined:
      return undefined;
    case 'port': {
      if (/^\d+$/.test(v)) return undefined;
      const port = servicePort(v);
      return `flow logs record port numbers, not service names${port !== undefined ? ` (did you mean ${port}?)` : ''}`;
    }
    case 'protocol': {
      if (/^\d+$/.test(v)) return undefined;
      const n = protocolNumber(v);
      return `flow logs record the IANA protocol number, not its name${n !== undefined ? ` (did you mean ${n}?)` : ''}`;
    }
    case 'address':
      if (v.includes('/'))
        return `it holds one address per record, never a CIDR block, so = cannot test membership (in Logs Insights write isIpInSubnet(${name}, "${v}"))`;
      return /[A-F]/.test(v) && v.includes(':')
        ? `flow logs write IPv6 addresses in lower case, and comparisons are case-sensitive (did you mean "${v.toLowerCase()}"?)`
        : undefined;
    case 'lower-case':
      return /[A-Z]/.test(v) && /^[a-z0-9-]+$/.test(v.toLowerCase())
        ? `AWS writes these IDs and names in lower case, and comparisons are case-sensitive (did you mean "${v.toLowerCase()}"?)`
        : undefined;
    default: {
      const never: never = shape;
      return never;
    }
  }
}

function globTest(pattern: string): (v: string) => boolean {
  const re = new RegExp(`^${pattern.split('*').map(escapeRe).join('.*')}$`, 's');
  return (v) => re.test(v);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
