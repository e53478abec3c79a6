// Reads a proposed change: pasted `aws ec2 …` commands (authorize/revoke-security-group-ingress/egress,
// create/replace/delete-network-acl-entry, with the CLI's shorthand or JSON values), or a YAML/JSON list of
// `{ <command>: <its --cli-input-json> }`. Both become the same inputs, read by the snapshot loader's own readers.

import { parse as parseYaml } from 'yaml';
import { UsageError } from '../core/errors.js';
import { parseCidr } from './address.js';
import type { Operation } from './change.js';
import { protocolNumber, readAclEntry, readSgPermissions } from './load.js';

type Obj = Record<string, unknown>;

const SG_VERBS = [
  'authorize-security-group-ingress',
  'authorize-security-group-egress',
  'revoke-security-group-ingress',
  'revoke-security-group-egress',
] as const;
const ACL_VERBS = [
  'create-network-acl-entry',
  'replace-network-acl-entry',
  'delete-network-acl-entry',
] as const;
const ROUTE_VERBS = ['create-route', 'replace-route', 'delete-route'] as const;
const VERBS: readonly string[] = [...SG_VERBS, ...ACL_VERBS, ...ROUTE_VERBS];

/** A route's destination keys and its target keys (CLI input JSON) with their CLI options. */
const DESTINATIONS = [
  ['DestinationCidrBlock', '--destination-cidr-block'],
  ['DestinationIpv6CidrBlock', '--destination-ipv6-cidr-block'],
  ['DestinationPrefixListId', '--destination-prefix-list-id'],
] as const;
const TARGETS = [
  ['GatewayId', '--gateway-id'],
  ['NatGatewayId', '--nat-gateway-id'],
  ['TransitGatewayId', '--transit-gateway-id'],
  ['VpcPeeringConnectionId', '--vpc-peering-connection-id'],
  ['NetworkInterfaceId', '--network-interface-id'],
  ['InstanceId', '--instance-id'],
  ['EgressOnlyInternetGatewayId', '--egress-only-internet-gateway-id'],
  ['LocalGatewayId', '--local-gateway-id'],
  ['CarrierGatewayId', '--carrier-gateway-id'],
  ['VpcEndpointId', '--vpc-endpoint-id'],
  ['CoreNetworkArn', '--core-network-arn'],
] as const;

const HINT = `a change is ${VERBS.join(', ')}: pasted as the aws ec2 command, or as YAML/JSON [{ <command>: { GroupId, IpPermissions } | { NetworkAclId, RuleNumber, Egress, Protocol, RuleAction, CidrBlock, PortRange, IcmpTypeCode } | { RouteTableId, DestinationCidrBlock, GatewayId } }] (see README "What-if")`;

/**
 * Reads a change given as text: `aws ec2 …` commands (one per line, `\` continuations, `;` or `&&` between) or a
 * YAML/JSON document. `source` names the file (or "--change") in errors.
 *
 * @example parseChange('--change', "aws ec2 authorize-security-group-ingress --group-id sg-1 --protocol tcp --port 22 --cidr 203.0.113.7/32")
 */
export function parseChange(source: string, text: string): Operation[] {
  const t = text.trim();
  if (t === '') throw new UsageError('CHANGE_EMPTY', `${source}: the change is empty`, HINT);
  const ops = /^aws\s/.test(t) ? opsOfInputs(source, commandsOf(source, t)) : opsOfDocument(source, t);
  if (ops.length === 0) throw new UsageError('CHANGE_EMPTY', `${source}: the change has no operation`, HINT);
  return ops;
}

function opsOfDocument(source: string, text: string): Operation[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new UsageError(
      'CHANGE_NOT_YAML',
      `${source}: neither an aws ec2 command nor YAML/JSON: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
      HINT,
    );
  }
  const list = Array.isArray(doc)
    ? doc
    : doc !== null && typeof doc === 'object' && Array.isArray((doc as Obj)['Changes'])
      ? ((doc as Obj)['Changes'] as unknown[])
      : doc !== null && typeof doc === 'object'
        ? [doc]
        : undefined;
  if (list === undefined)
    throw new UsageError('CHANGE_BAD_SHAPE', `${source}: expected a list of changes`, HINT);
  const inputs = list.map((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item) || Object.keys(item).length !== 1)
      throw new UsageError(
        'CHANGE_BAD_SHAPE',
        `${source}: [${i}]: expected one { <command>: <input> } entry`,
        HINT,
      );
    const [verb, input] = Object.entries(item as Obj)[0]!;
    if (input === null || typeof input !== 'object' || Array.isArray(input))
      throw new UsageError('CHANGE_BAD_SHAPE', `${source}: [${i}].${verb}: expected an object`, HINT);
    return { verb, input: input as Obj, at: `[${i}].${verb}` };
  });
  return opsOfInputs(source, inputs);
}

interface Input {
  readonly verb: string;
  readonly input: Obj;
  /** Where it came from, for errors (`[0].authorize-security-group-ingress`, `command 2`). */
  readonly at: string;
}

function opsOfInputs(source: string, inputs: readonly Input[]): Operation[] {
  const ops: Operation[] = [];
  for (const { verb, input, at } of inputs) {
    if (!VERBS.includes(verb))
      throw new UsageError(
        'CHANGE_UNKNOWN_COMMAND',
        `${source}: ${at}: "${verb}" is not a change flowwatch can apply`,
        HINT,
      );
    if ((ROUTE_VERBS as readonly string[]).includes(verb)) {
      ops.push(routeOp(source, verb as (typeof ROUTE_VERBS)[number], input, at));
      continue;
    }
    if ((SG_VERBS as readonly string[]).includes(verb)) {
      const egress = verb.endsWith('-egress');
      const groupId = input['GroupId'];
      if (typeof groupId !== 'string' || groupId === '')
        throw new UsageError(
          'CHANGE_BAD_FIELD',
          `${source}: ${at}.GroupId: expected the security group id (sg-…)${input['GroupName'] !== undefined ? ': GroupName is not supported, give GroupId' : ''}`,
          HINT,
        );
      if (input['SecurityGroupRuleIds'] !== undefined)
        throw new UsageError(
          'CHANGE_RULE_IDS',
          `${source}: ${at}: SecurityGroupRuleIds cannot be matched (describe-security-groups does not show rule ids)`,
          'give the rule itself with IpPermissions (--ip-permissions)',
        );
      const perms = input['IpPermissions'] ?? flatPermission(input);
      const rules = readSgPermissions(source, groupId, egress, perms, `${at}.IpPermissions`, HINT);
      if (rules.length === 0)
        throw new UsageError(
          'CHANGE_NO_PEER',
          `${source}: ${at}: the permission names no peer (IpRanges, Ipv6Ranges, PrefixListIds or UserIdGroupPairs)`,
          HINT,
        );
      const op = verb.startsWith('authorize') ? 'authorize-sg' : 'revoke-sg';
      for (const rule of rules) ops.push({ op, groupId, rule });
      continue;
    }
    const aclId = input['NetworkAclId'];
    if (typeof aclId !== 'string' || aclId === '')
      throw new UsageError(
        'CHANGE_BAD_FIELD',
        `${source}: ${at}.NetworkAclId: expected the network ACL id (acl-…)`,
        HINT,
      );
    const egress = input['Egress'] === true;
    if (verb === 'delete-network-acl-entry') {
      const n = input['RuleNumber'];
      if (typeof n !== 'number' || !Number.isInteger(n))
        throw new UsageError('CHANGE_BAD_FIELD', `${source}: ${at}.RuleNumber: expected an integer`, HINT);
      ops.push({ op: 'delete-acl-entry', aclId, egress, ruleNumber: n });
      continue;
    }
    const entry = readAclEntry(source, { ...input, Egress: egress }, at, HINT);
    ops.push({
      op: verb === 'create-network-acl-entry' ? 'create-acl-entry' : 'replace-acl-entry',
      aclId,
      entry,
    });
  }
  return ops;
}

/** create-route / replace-route / delete-route from its input (RouteTableId, a destination, a target). */
function routeOp(source: string, verb: (typeof ROUTE_VERBS)[number], input: Obj, at: string): Operation {
  const routeTableId = input['RouteTableId'];
  if (typeof routeTableId !== 'string' || routeTableId === '')
    throw new UsageError(
      'CHANGE_BAD_FIELD',
      `${source}: ${at}.RouteTableId: expected the route table id (rtb-…)`,
      HINT,
    );
  const dests = DESTINATIONS.filter(([k]) => typeof input[k] === 'string' && input[k] !== '');
  if (dests.length !== 1)
    throw new UsageError(
      'CHANGE_BAD_FIELD',
      `${source}: ${at}: give one destination (${DESTINATIONS.map(([, o]) => o).join(', ')})`,
      HINT,
    );
  const destination = String(input[dests[0]![0]]);
  if (dests[0]![0] !== 'DestinationPrefixListId' && parseCidr(destination) === undefined)
    throw new UsageError(
      'CHANGE_BAD_FIELD',
      `${source}: ${at}.${dests[0]![0]}: "${destination}" is not a CIDR block`,
      HINT,
    );
  if (verb === 'delete-route') return { op: 'delete-route', routeTableId, destination };
  const targets = TARGETS.filter(([k]) => typeof input[k] === 'string' && input[k] !== '');
  if (targets.length !== 1)
    throw new UsageError(
      'CHANGE_BAD_FIELD',
      `${source}: ${at}: give one target (${TARGETS.map(([, o]) => o).join(', ')})`,
      HINT,
    );
  const [key, option] = targets[0]!;
  return {
    op: verb,
    routeTableId,
    route: { destination, target: String(input[key]), state: 'active' },
    targetOption: option,
  };
}

/** The flat form of authorize-security-group-ingress (IpProtocol, FromPort, ToPort, CidrIp) as one permission. */
function flatPermission(input: Obj): Obj[] {
  const p: Obj = { IpProtocol: input['IpProtocol'] ?? '-1' };
  if (input['FromPort'] !== undefined) p['FromPort'] = input['FromPort'];
  if (input['ToPort'] !== undefined) p['ToPort'] = input['ToPort'];
  if (typeof input['CidrIp'] === 'string') p['IpRanges'] = [{ CidrIp: input['CidrIp'] }];
  if (typeof input['SourceSecurityGroupId'] === 'string')
    p['UserIdGroupPairs'] = [{ GroupId: input['SourceSecurityGroupId'] }];
  return [p];
}

// ---------------------------------------------------------------------------------------------------------------
// Pasted `aws ec2 …` commands

/** Splits shell text into commands of words: quotes, backslash escapes and `\` line continuations as sh does. */
function shellCommands(source: string, text: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      if (text[i + 1] === '\n') i++;
      else if (text[i + 1] === '\r' && text[i + 2] === '\n') i += 2;
      else word = (word ?? '') + (text[++i] ?? '');
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0)
        throw new UsageError(
          'CHANGE_UNCLOSED_QUOTE',
          `${source}: the ' at position ${i + 1} is never closed`,
        );
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) j++;
        s += text[j];
        j++;
      }
      if (j >= text.length)
        throw new UsageError(
          'CHANGE_UNCLOSED_QUOTE',
          `${source}: the " at position ${i + 1} is never closed`,
        );
      word = (word ?? '') + s;
      i = j;
    } else if (ch === '\n' || ch === ';') endCommand();
    else if (ch === '&' && text[i + 1] === '&') {
      endCommand();
      i++;
    } else if (ch === '#' && word === undefined) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if (/\s/.test(ch)) endWord();
    else word = (word ?? '') + ch;
  }
  endCommand();
  return commands;
}

/** Global AWS CLI options that take a value, and those that do not; both are ignored. */
const GLOBAL_WITH_VALUE = new Set([
  '--region',
  '--profile',
  '--output',
  '--endpoint-url',
  '--query',
  '--color',
  '--cli-read-timeout',
  '--cli-connect-timeout',
]);
const GLOBAL_FLAGS = new Set([
  '--dry-run',
  '--no-dry-run',
  '--debug',
  '--no-paginate',
  '--no-verify-ssl',
  '--no-cli-pager',
]);

const INT_KEYS = new Set(['FromPort', 'ToPort', 'From', 'To', 'Type', 'Code', 'RuleNumber']);

/**
 * Parses the AWS CLI shorthand syntax (`IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=1.2.3.4/32}]`), or
 * JSON when the value is JSON. Integer members become numbers.
 */
export function parseShorthand(text: string, where: string): unknown {
  const t = text.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    try {
      return JSON.parse(t);
    } catch {
      // not JSON: a shorthand list or structure
    }
  }
  let i = 0;
  const fail = (expected: string): never => {
    throw new UsageError(
      'CHANGE_BAD_SHORTHAND',
      `${where}: expected ${expected} at position ${i + 1} of "${t}"`,
      'write it as the AWS CLI shorthand Key=Value,Key=[{Key=Value}] or as JSON',
    );
  };
  const value = (key: string | undefined): unknown => {
    if (t[i] === '[') {
      i++;
      const items: unknown[] = [];
      while (t[i] !== ']') {
        if (i >= t.length) fail('"]"');
        items.push(value(key));
        if (t[i] === ',') i++;
        else if (t[i] !== ']') fail('"," or "]"');
      }
      i++;
      return items;
    }
    if (t[i] === '{') {
      i++;
      const o = struct('}');
      if (t[i] !== '}') fail('"}"');
      i++;
      return o;
    }
    const start = i;
    while (i < t.length && !',]}'.includes(t[i]!)) i++;
    const s = t.slice(start, i).trim();
    return key !== undefined && INT_KEYS.has(key) && /^-?\d+$/.test(s) ? Number(s) : s;
  };
  const struct = (close: string | undefined): Obj => {
    const o: Obj = {};
    while (i < t.length && t[i] !== close) {
      const eq = t.indexOf('=', i);
      if (eq < 0) fail('Key=Value');
      const key = t.slice(i, eq).trim();
      if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key)) fail('a member name');
      i = eq + 1;
      o[key] = value(key);
      if (t[i] === ',') i++;
    }
    return o;
  };
  const o = struct(undefined);
  if (i < t.length) fail('the end');
  return o;
}

function commandsOf(source: string, text: string): Input[] {
  return shellCommands(source, text).map((words, n) => {
    const at = `command ${n + 1}`;
    if (words[0] !== 'aws' || words[1] !== 'ec2')
      throw new UsageError('CHANGE_NOT_AWS_EC2', `${source}: ${at} does not start with "aws ec2"`, HINT);
    const verb = words[2] ?? '';
    if (!VERBS.includes(verb))
      throw new UsageError(
        'CHANGE_UNKNOWN_COMMAND',
        `${source}: ${at}: "aws ec2 ${verb}" is not a change flowwatch can apply`,
        HINT,
      );
    const opts = new Map<string, string[]>();
    for (let k = 3; k < words.length; k++) {
      const w = words[k]!;
      if (!w.startsWith('--'))
        throw new UsageError(
          'CHANGE_BAD_OPTION',
          `${source}: ${at}: "${w}" is not an option (options start with --)`,
          HINT,
        );
      const values: string[] = [];
      while (k + 1 < words.length && !(words[k + 1]!.startsWith('--') && !/^--?\d/.test(words[k + 1]!)))
        values.push(words[++k]!);
      opts.set(w, values);
    }
    const one = (name: string): string | undefined => {
      const v = opts.get(name);
      if (v === undefined) return undefined;
      if (v.length !== 1)
        throw new UsageError('CHANGE_BAD_OPTION', `${source}: ${at}: ${name} takes one value`, HINT);
      return v[0];
    };
    const known = new Set<string>();
    const take = (name: string) => {
      known.add(name);
      return one(name);
    };
    let input: Obj;
    if ((ROUTE_VERBS as readonly string[]).includes(verb)) {
      input = { RouteTableId: take('--route-table-id') };
      for (const [k, o] of [...DESTINATIONS, ...TARGETS]) {
        const v = take(o);
        if (v !== undefined) input[k] = v;
      }
    } else if ((SG_VERBS as readonly string[]).includes(verb)) {
      input = { GroupId: take('--group-id') };
      known.add('--ip-permissions');
      const perms = opts.get('--ip-permissions');
      const groupName = take('--group-name');
      if (groupName !== undefined) input['GroupName'] = groupName;
      known.add('--security-group-rule-ids');
      if (opts.has('--security-group-rule-ids')) input['SecurityGroupRuleIds'] = [];
      if (perms !== undefined) {
        input['IpPermissions'] = perms.flatMap((p) => {
          const v = parseShorthand(p, `${source}: ${at}: --ip-permissions`);
          return Array.isArray(v) ? v : [v];
        });
      } else {
        const protocol = take('--protocol');
        const port = take('--port');
        const cidr = take('--cidr');
        const group = take('--source-group');
        if (protocol === undefined)
          throw new UsageError(
            'CHANGE_BAD_OPTION',
            `${source}: ${at}: give --ip-permissions, or --protocol with --port and --cidr or --source-group`,
            HINT,
          );
        const perm: Obj = { IpProtocol: protocol };
        const num = protocolNumber(protocol);
        if (port !== undefined && port !== '-1' && port !== 'all') {
          const m = /^(-?\d+)(?:-(-?\d+))?$/.exec(port);
          if (!m)
            throw new UsageError(
              'CHANGE_BAD_OPTION',
              `${source}: ${at}: --port "${port}" is not N or N-M`,
              HINT,
            );
          const icmp = num === 1 || num === 58;
          perm['FromPort'] = Number(m[1]);
          perm['ToPort'] = m[2] !== undefined ? Number(m[2]) : icmp ? -1 : Number(m[1]);
        } else if (port !== undefined && num !== -1 && num !== undefined) {
          perm['FromPort'] = num === 1 || num === 58 ? -1 : 0;
          perm['ToPort'] = num === 1 || num === 58 ? -1 : 65535;
        }
        if (cidr !== undefined)
          perm[cidr.includes(':') ? 'Ipv6Ranges' : 'IpRanges'] = [
            cidr.includes(':') ? { CidrIpv6: cidr } : { CidrIp: cidr },
          ];
        if (group !== undefined) perm['UserIdGroupPairs'] = [{ GroupId: group }];
        input['IpPermissions'] = [perm];
      }
    } else {
      input = { NetworkAclId: take('--network-acl-id') };
      known.add('--egress');
      known.add('--ingress');
      if (opts.has('--egress') && opts.has('--ingress'))
        throw new UsageError(
          'CHANGE_BAD_OPTION',
          `${source}: ${at}: give --egress or --ingress, not both`,
          HINT,
        );
      input['Egress'] = opts.has('--egress');
      const n = take('--rule-number');
      if (n === undefined || !/^\d+$/.test(n))
        throw new UsageError('CHANGE_BAD_OPTION', `${source}: ${at}: --rule-number must be an integer`, HINT);
      input['RuleNumber'] = Number(n);
      if (verb !== 'delete-network-acl-entry') {
        input['Protocol'] = take('--protocol');
        input['RuleAction'] = take('--rule-action');
        const c4 = take('--cidr-block');
        const c6 = take('--ipv6-cidr-block');
        if (c4 !== undefined) input['CidrBlock'] = c4;
        if (c6 !== undefined) input['Ipv6CidrBlock'] = c6;
        const ports = take('--port-range');
        const icmp = take('--icmp-type-code');
        if (ports !== undefined) input['PortRange'] = parseShorthand(ports, `${source}: ${at}: --port-range`);
        if (icmp !== undefined)
          input['IcmpTypeCode'] = parseShorthand(icmp, `${source}: ${at}: --icmp-type-code`);
      }
    }
    for (const name of opts.keys())
      if (!known.has(name) && !GLOBAL_FLAGS.has(name) && !GLOBAL_WITH_VALUE.has(name))
        throw new UsageError(
          'CHANGE_BAD_OPTION',
          `${source}: ${at}: aws ec2 ${verb} has no option ${name} flowwatch knows`,
          HINT,
        );
    return { verb, input, at };
  });
}
