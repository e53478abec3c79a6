// The Logs Insights function catalog: every function with its kind, arity, argument and result types,
// description and an example. The analyzer checks calls against it; completion and docs read it.

/** Value types of the analyzer. `text` is a string that may hold a number (fields made by `parse`). */
export type VType = 'number' | 'string' | 'text' | 'timestamp' | 'boolean' | 'period' | 'regex' | 'null';

/** What an argument accepts: a value type, `any` value, a `field` name, a `period` literal, or `*`. */
export type Param =
  | 'number'
  | 'string'
  | 'timestamp'
  | 'any'
  | 'field'
  | 'period'
  | 'literal-number'
  | 'literal-cidr';

export interface FunctionDef {
  /** The name as AWS documents it (calls match it case-insensitively). */
  readonly name: string;
  /** scalar: anywhere; aggregate: only in stats. */
  readonly kind: 'scalar' | 'aggregate';
  readonly group: 'numeric' | 'general' | 'string' | 'datetime' | 'ip' | 'aggregate';
  readonly params: readonly Param[];
  /** Further arguments of the last parameter's kind allowed (greatest, least, coalesce, concat). */
  readonly variadic?: boolean;
  /** Number of trailing optional parameters. */
  readonly optional?: number;
  /** Result type; `arg` = the type of the first argument. */
  readonly returns: VType | 'arg';
  readonly description: string;
  readonly example: string;
}

const f = (
  name: string,
  kind: FunctionDef['kind'],
  group: FunctionDef['group'],
  params: Param[],
  returns: FunctionDef['returns'],
  description: string,
  example: string,
  extra: { variadic?: boolean; optional?: number } = {},
): FunctionDef => Object.freeze({ name, kind, group, params, returns, description, example, ...extra });

/** Every function flowwatch's Logs Insights understands. */
export const FUNCTIONS: readonly FunctionDef[] = Object.freeze([
  f('abs', 'scalar', 'numeric', ['number'], 'number', 'Absolute value.', 'fields abs(bytes - 1000) as d'),
  f(
    'ceil',
    'scalar',
    'numeric',
    ['number'],
    'number',
    'Rounds up to an integer.',
    'fields ceil(bytes / 1024) as kib',
  ),
  f(
    'floor',
    'scalar',
    'numeric',
    ['number'],
    'number',
    'Rounds down to an integer.',
    'fields floor(bytes / 1024) as kib',
  ),
  f(
    'greatest',
    'scalar',
    'numeric',
    ['number', 'number'],
    'number',
    'The largest argument.',
    'fields greatest(srcPort, dstPort) as p',
    { variadic: true },
  ),
  f(
    'least',
    'scalar',
    'numeric',
    ['number', 'number'],
    'number',
    'The smallest argument.',
    'fields least(srcPort, dstPort) as p',
    { variadic: true },
  ),
  f('log', 'scalar', 'numeric', ['number'], 'number', 'Natural logarithm.', 'fields log(bytes) as l'),
  f('sqrt', 'scalar', 'numeric', ['number'], 'number', 'Square root.', 'fields sqrt(packets) as s'),
  f(
    'ispresent',
    'scalar',
    'general',
    ['field'],
    'boolean',
    'True when the record has the field.',
    'filter ispresent(flowDirection)',
  ),
  f(
    'coalesce',
    'scalar',
    'general',
    ['any', 'any'],
    'arg',
    'The first argument that is present.',
    'fields coalesce(pktSrcAddr, srcAddr) as src',
    { variadic: true },
  ),
  f(
    'isempty',
    'scalar',
    'string',
    ['any'],
    'number',
    '1 when the value is missing or empty, else 0.',
    'filter isempty(vpcId)',
  ),
  f(
    'isblank',
    'scalar',
    'string',
    ['any'],
    'number',
    '1 when the value is missing, empty or only white space, else 0.',
    'filter isblank(vpcId)',
  ),
  f(
    'concat',
    'scalar',
    'string',
    ['any', 'any'],
    'string',
    'Joins the values as text.',
    'fields concat(srcAddr, ":", srcPort) as src',
    { variadic: true },
  ),
  f(
    'ltrim',
    'scalar',
    'string',
    ['string', 'string'],
    'string',
    'Removes white space, or the given characters, from the start.',
    'fields ltrim(interfaceId, "eni-") as id',
    { optional: 1 },
  ),
  f(
    'rtrim',
    'scalar',
    'string',
    ['string', 'string'],
    'string',
    'Removes white space, or the given characters, from the end.',
    'fields rtrim(action, "T") as a',
    { optional: 1 },
  ),
  f(
    'trim',
    'scalar',
    'string',
    ['string', 'string'],
    'string',
    'Removes white space, or the given characters, from both ends.',
    'fields trim(" x ") as t',
    { optional: 1 },
  ),
  f(
    'strlen',
    'scalar',
    'string',
    ['string'],
    'number',
    'Length in Unicode code points.',
    'fields strlen(interfaceId) as n',
  ),
  f('toupper', 'scalar', 'string', ['string'], 'string', 'Upper case.', 'fields toupper(interfaceId) as eni'),
  f('tolower', 'scalar', 'string', ['string'], 'string', 'Lower case.', 'fields tolower(action) as a'),
  f(
    'substr',
    'scalar',
    'string',
    ['string', 'number', 'number'],
    'string',
    'Substring from a zero-based start, optionally of a length.',
    'fields substr(interfaceId, 4) as id',
    { optional: 1 },
  ),
  f(
    'replace',
    'scalar',
    'string',
    ['string', 'string', 'string'],
    'string',
    'Replaces every occurrence.',
    'fields replace(interfaceId, "eni-", "") as id',
  ),
  f(
    'strcontains',
    'scalar',
    'string',
    ['string', 'string'],
    'number',
    '1 when the text contains the search string, else 0.',
    'filter strcontains(interfaceId, "0a1")',
  ),
  f(
    'bin',
    'scalar',
    'datetime',
    ['period'],
    'timestamp',
    'Rounds @timestamp down to the period (for stats ... by bin(5m)).',
    'stats count(*) by bin(5m)',
  ),
  f(
    'datefloor',
    'scalar',
    'datetime',
    ['timestamp', 'period'],
    'timestamp',
    'Rounds a timestamp down to the period.',
    'fields datefloor(@timestamp, 1h) as hour',
  ),
  f(
    'dateceil',
    'scalar',
    'datetime',
    ['timestamp', 'period'],
    'timestamp',
    'Rounds a timestamp up to the period.',
    'fields dateceil(@timestamp, 1h) as hour',
  ),
  f(
    'fromMillis',
    'scalar',
    'datetime',
    ['number'],
    'timestamp',
    'The timestamp of epoch milliseconds.',
    'fields fromMillis(startTime * 1000) as started',
  ),
  f(
    'toMillis',
    'scalar',
    'datetime',
    ['timestamp'],
    'number',
    'Epoch milliseconds of a timestamp.',
    'fields toMillis(@timestamp) as ms',
  ),
  f(
    'now',
    'scalar',
    'datetime',
    [],
    'number',
    'When the query started, in epoch seconds.',
    'fields now() - endTime as age',
  ),
  f(
    'isValidIp',
    'scalar',
    'ip',
    ['string'],
    'boolean',
    'True for a valid IPv4 or IPv6 address.',
    'filter isValidIp(pktSrcAddr)',
  ),
  f(
    'isValidIpV4',
    'scalar',
    'ip',
    ['string'],
    'boolean',
    'True for a valid IPv4 address.',
    'filter isValidIpV4(srcAddr)',
  ),
  f(
    'isValidIpV6',
    'scalar',
    'ip',
    ['string'],
    'boolean',
    'True for a valid IPv6 address.',
    'filter isValidIpV6(srcAddr)',
  ),
  f(
    'isIpInSubnet',
    'scalar',
    'ip',
    ['string', 'literal-cidr'],
    'boolean',
    'True when the address is in the IPv4 or IPv6 CIDR block.',
    'filter isIpInSubnet(srcAddr, "10.0.0.0/16")',
  ),
  f(
    'isIpv4InSubnet',
    'scalar',
    'ip',
    ['string', 'literal-cidr'],
    'boolean',
    'True when the address is a valid IPv4 address in the CIDR block.',
    'filter isIpv4InSubnet(srcAddr, "10.0.1.0/24")',
  ),
  f(
    'isIpv6InSubnet',
    'scalar',
    'ip',
    ['string', 'literal-cidr'],
    'boolean',
    'True when the address is a valid IPv6 address in the CIDR block.',
    'filter isIpv6InSubnet(srcAddr, "2001:db8::/32")',
  ),
  f(
    'count',
    'aggregate',
    'aggregate',
    ['any'],
    'number',
    'count(*): records; count(f): records that have f.',
    'stats count(*) by action',
    { optional: 1 },
  ),
  f(
    'count_distinct',
    'aggregate',
    'aggregate',
    ['any'],
    'number',
    'Number of distinct values (exact).',
    'stats count_distinct(dstPort) by srcAddr',
  ),
  f(
    'sum',
    'aggregate',
    'aggregate',
    ['number'],
    'number',
    'Sum of the values.',
    'stats sum(bytes) by srcAddr',
  ),
  f(
    'avg',
    'aggregate',
    'aggregate',
    ['number'],
    'number',
    'Mean of the values.',
    'stats avg(bytes) by dstAddr',
  ),
  f('min', 'aggregate', 'aggregate', ['any'], 'arg', 'Smallest value.', 'stats min(bytes) by dstAddr'),
  f('max', 'aggregate', 'aggregate', ['any'], 'arg', 'Largest value.', 'stats max(bytes) by dstAddr'),
  f(
    'pct',
    'aggregate',
    'aggregate',
    ['number', 'literal-number'],
    'arg',
    'Nearest-rank percentile: pct(bytes, 95).',
    'stats pct(bytes, 95) by dstAddr',
  ),
  f(
    'stddev',
    'aggregate',
    'aggregate',
    ['number'],
    'number',
    'Sample standard deviation.',
    'stats stddev(bytes) by dstAddr',
  ),
  f(
    'earliest',
    'aggregate',
    'aggregate',
    ['any'],
    'arg',
    'The value of the record with the earliest @timestamp.',
    'stats earliest(srcPort) by srcAddr',
  ),
  f(
    'latest',
    'aggregate',
    'aggregate',
    ['any'],
    'arg',
    'The value of the record with the latest @timestamp.',
    'stats latest(action) by srcAddr',
  ),
  f(
    'sortsFirst',
    'aggregate',
    'aggregate',
    ['any'],
    'arg',
    'The value that sorts first.',
    'stats sortsFirst(dstAddr) by srcAddr',
  ),
  f(
    'sortsLast',
    'aggregate',
    'aggregate',
    ['any'],
    'arg',
    'The value that sorts last.',
    'stats sortsLast(dstAddr) by srcAddr',
  ),
]);

const byName = new Map(FUNCTIONS.map((d) => [d.name.toLowerCase(), d]));

/** The function of this name (case-insensitive), or undefined. */
export function findFunction(name: string): FunctionDef | undefined {
  return byName.get(name.toLowerCase());
}
