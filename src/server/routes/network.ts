// GET /api/network/rejects and POST /api/network/explain: why flows were rejected, judged against the network
// configuration snapshots in the store (`flowwatch network load`), as `flowwatch explain` does.

import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { UserError } from '../../core/errors.js';
import { applyChange } from '../../network/change.js';
import { explainRecord, type FlowRecord } from '../../network/explain.js';
import { explainRejects } from '../../network/explain-rejects.js';
import { explanationJson, recordOf } from '../../network/explanation-json.js';
import { protocolNumber } from '../../network/load.js';
import type { NetworkModel } from '../../network/model.js';
import { inForce, modelOfBody } from '../../network/snapshot.js';
import { type FlowGroup, whatIf } from '../../network/what-if.js';
import {
  countRejects,
  flowGroups,
  listSnapshots,
  type SnapshotInfo,
  snapshotBody,
  topRejectGroups,
} from '../../storage/network-snapshots.js';
import type { Store } from '../../storage/store.js';
import type { ExplainRequest, NetworkRejectsResponse } from '../api-contract.js';
import { InvalidInputError } from '../errors.js';
import type { RouteContext } from '../route-context.js';
import { responses, timeRangeProperties, unixSeconds } from '../schemas.js';

/** What to run to give the server a snapshot (said wherever one is missing). */
export const LOAD_SNAPSHOT_COMMAND =
  'aws ec2 describe-security-groups > sg.json; aws ec2 describe-network-acls > acl.json; aws ec2 describe-network-interfaces > eni.json; aws ec2 describe-subnets > subnets.json; flowwatch network load sg.json acl.json eni.json subnets.json';

function noSnapshot(): UserError {
  return new UserError(
    'NETWORK_NO_SNAPSHOT',
    'the store has no network configuration snapshot to judge flows against',
    `load one (security groups, network ACLs, interfaces, subnets as aws ec2 describe-* JSON): ${LOAD_SNAPSHOT_COMMAND}`,
  );
}

/** The snapshots of a store with their models, built once per request. */
async function modelsOf(store: Store): Promise<{ list: SnapshotInfo[]; models: Map<number, NetworkModel> }> {
  const list = await listSnapshots(store);
  const models = new Map<number, NetworkModel>();
  for (const s of list) models.set(s.id, modelOfBody(await snapshotBody(store, s.id)));
  return { list, models };
}

const stepSchema = { type: 'object', additionalProperties: true } as const;

const explanationSchema = {
  type: 'object',
  required: ['conclusion', 'decision', 'steps', 'snapshot'],
  additionalProperties: true,
  properties: {
    conclusion: { type: 'string' },
    decision: { type: 'string', enum: ['ACCEPT', 'REJECT', 'UNKNOWN'] },
    blocking: { ...stepSchema, nullable: true },
    steps: { type: 'array', items: stepSchema },
    fix: { type: 'string', nullable: true, description: 'the AWS CLI command adding the smallest rule' },
    fixCdk: { type: 'string', nullable: true, description: 'the same rule as an aws-cdk-lib v2 statement' },
  },
} as const;

export function networkRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: { since?: number; until?: number; limit?: number } }>(
    '/network/rejects',
    {
      schema: {
        summary: 'The rejected flows of a range, top first, each with the rule responsible',
        description:
          'REJECT records of [since, until) (default: the last hour) grouped by everything a verdict depends on ' +
          '(interface, addresses, ports, protocol, direction, tcp-flags, reject-reason), the `limit` largest first, each ' +
          'judged against the snapshot in force at its time; and every reject grouped by the rule responsible. Without ' +
          'a snapshot the flows are listed unexplained and `warnings` says how to load one.',
        tags: ['network'],
        querystring: {
          type: 'object',
          properties: {
            ...timeRangeProperties,
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
          },
        },
        response: responses(
          {
            type: 'object',
            required: ['rejects', 'snapshots', 'flows', 'groups', 'warnings'],
            additionalProperties: true,
            properties: {
              rejects: { type: 'integer' },
              predatingSnapshots: { type: 'integer' },
              snapshots: { type: 'array', items: { type: 'object', additionalProperties: true } },
              flows: { type: 'array', items: { type: 'object', additionalProperties: true } },
              groups: { type: 'array', items: { type: 'object', additionalProperties: true } },
              warnings: { type: 'array', items: { type: 'string' } },
              loadCommand: { type: 'string' },
            },
          },
          [400, 401, 408, 500],
        ),
      },
    },
    async (req): Promise<NetworkRejectsResponse> => {
      const { since, until } = ctx.range(req.query);
      const limit = req.query.limit ?? 20;
      return ctx.read(async (reader) => {
        const { list, models } = await modelsOf(reader);
        // The groups by rule: every reject judged by verdict cell (each cell once, as `flowwatch explain --rejects`),
        // with exact distinct flows; the same groups as judging every distinct flow (test/network/explain-api).
        const explained =
          list.length === 0
            ? undefined
            : await explainRejects(
                reader,
                { list, model: async (id) => models.get(id)! },
                since,
                until,
                'cells',
                true,
              );
        const rejects = explained?.total ?? (await countRejects(reader, since, until));
        const predating = explained?.predating ?? 0;
        const groups = new Map<string, NetworkRejectsResponse['groups'][number]>();
        for (const [k, g] of explained?.groups ?? [])
          groups.set(k, {
            responsible: k,
            records: g.records,
            flows: g.flows,
            conclusion: g.conclusion,
            fix: g.fix ?? null,
          });
        // The top flows: only the `limit` largest distinct flows are fetched and judged.
        const flows: NetworkRejectsResponse['flows'][number][] = [];
        for (const row of (await topRejectGroups(reader, since, until, limit)).rows) {
          const rec = recordOf(row);
          const snapId = row['snapshot'] === null ? undefined : Number(row['snapshot']);
          const model = models.get(snapId ?? list[0]?.id ?? -1);
          const e = model ? explainRecord(model, rec) : undefined;
          flows.push({
            interfaceId: rec.interfaceId ?? null,
            srcaddr: rec.srcaddr,
            dstaddr: rec.dstaddr,
            srcport: rec.srcport,
            dstport: rec.dstport,
            protocol: rec.protocol,
            flowDirection: rec.flowDirection ?? null,
            tcpFlags: rec.tcpFlags ?? null,
            rejectReason: rec.rejectReason ?? null,
            records: Number(row['records']),
            firstSeen: Number(row['first_seen']),
            lastSeen: Number(row['last_seen']),
            responsible: e?.groupKey ?? null,
          });
        }
        flows.sort((a, b) => b.records - a.records || a.firstSeen - b.firstSeen);
        const warnings: string[] = [];
        if (list.length === 0)
          warnings.push(
            'no network configuration snapshot is loaded: the rejects cannot be explained. Load the security groups, network ACLs, interfaces and subnets (aws ec2 describe-* JSON) with flowwatch network load',
          );
        else if (predating > 0)
          warnings.push(
            `${predating} rejected records predate every snapshot: judged against the earliest (in force from ${new Date(list[0]!.takenAt * 1000).toISOString()}); load the configuration of that time to be sure`,
          );
        return {
          rejects,
          predatingSnapshots: predating,
          snapshots: list.map((s) => ({ id: s.id, takenAt: s.takenAt, sources: s.sources })),
          flows: flows.slice(0, limit),
          groups: [...groups.values()].sort((a, b) => b.records - a.records).slice(0, limit),
          warnings,
          ...(list.length === 0 ? { loadCommand: LOAD_SNAPSHOT_COMMAND } : {}),
        };
      });
    },
  );

  app.post<{ Body: ExplainRequest }>(
    '/network/explain',
    {
      schema: {
        summary: 'Why a flow was (or would be) rejected: the verdict chain and the fix',
        description:
          'Judges one flow against the snapshot in force at `time` (default now): security groups and network ACLs ' +
          'of both directions, the rule that decides, the fix as an AWS CLI command and a CDK statement. By default ' +
          '`src` opened the connection to `dst`:`dstPort`; with `asLogged` the fields are a flow-log record as written ' +
          '(the request or the reply is told from ports and tcp-flags, and the log fields are evidence). Answers 400 ' +
          'NETWORK_NO_SNAPSHOT when no snapshot is loaded (the hint says how).',
        tags: ['network'],
        body: {
          type: 'object',
          required: ['src', 'dst'],
          additionalProperties: false,
          properties: {
            src: { type: 'string', maxLength: 64 },
            dst: { type: 'string', maxLength: 64 },
            srcPort: { type: 'integer', minimum: 0, maximum: 65535 },
            dstPort: { type: 'integer', minimum: 0, maximum: 65535 },
            protocol: { type: 'string', maxLength: 16, default: 'tcp' },
            icmpType: { type: 'integer', minimum: 0, maximum: 255 },
            icmpCode: { type: 'integer', minimum: 0, maximum: 255 },
            time: unixSeconds,
            interface: { type: 'string', maxLength: 64 },
            asLogged: { type: 'boolean', default: false },
            action: { type: 'string', maxLength: 8 },
            flowDirection: { type: 'string', maxLength: 8 },
            tcpFlags: { type: 'integer', minimum: 0, maximum: 255 },
            rejectReason: { type: 'string', maxLength: 16 },
            whatIf: {
              type: 'object',
              description:
                'also re-judge the stored flows of [since, until) with the fix applied: which rejects it would accept',
              additionalProperties: false,
              required: ['since', 'until'],
              properties: { since: unixSeconds, until: unixSeconds },
            },
          },
        },
        response: responses(explanationSchema, [400, 401, 408, 500]),
      },
    },
    async (req) => {
      const b = req.body;
      for (const f of ['src', 'dst'] as const)
        if (isIP(b[f].trim()) === 0)
          throw new InvalidInputError(f, `${f} "${b[f]}" is not an IPv4 or IPv6 address`, 'e.g. 10.0.1.10');
      const protocol = protocolNumber(b.protocol ?? 'tcp');
      if (protocol === undefined || protocol < 0)
        throw new InvalidInputError(
          'protocol',
          `protocol "${b.protocol}" is not tcp, udp, icmp, icmpv6 or 0-255`,
          'e.g. tcp or 6',
        );
      const ports = protocol === 6 || protocol === 17;
      if (ports && b.dstPort === undefined)
        throw new InvalidInputError('dstPort', 'dstPort is required for tcp and udp', 'e.g. 22');
      const rec: FlowRecord = {
        interfaceId: b.interface?.trim() || undefined,
        srcaddr: b.src.trim(),
        dstaddr: b.dst.trim(),
        srcport: b.srcPort ?? (ports && !b.asLogged ? 50000 : 0),
        dstport: b.dstPort ?? 0,
        protocol,
        given: !b.asLogged,
        ...(b.asLogged
          ? {
              action: b.action ?? 'REJECT',
              flowDirection: b.flowDirection ?? null,
              tcpFlags: b.tcpFlags ?? null,
              rejectReason: b.rejectReason ?? null,
            }
          : {}),
        ...(b.icmpType !== undefined ? { icmpType: b.icmpType } : {}),
        ...(b.icmpCode !== undefined ? { icmpCode: b.icmpCode } : {}),
      };
      const time = b.time ?? Math.floor(ctx.now());
      return ctx.read(async (reader) => {
        const pick = inForce(await listSnapshots(reader), time);
        if (pick === undefined) throw noSnapshot();
        const model = modelOfBody(await snapshotBody(reader, pick.snapshot.id));
        const e = explainRecord(model, rec);
        const json = explanationJson(e, pick.snapshot, pick.predates, model);
        if (b.whatIf === undefined || e.fixOperation === undefined) return json;
        const { since, until } = ctx.range(b.whatIf);
        const flows: FlowGroup[] = [];
        for await (const chunk of flowGroups(reader, since, until))
          for (const row of chunk)
            flows.push({
              record: recordOf(row),
              records: Number(row['records']),
              first: Number(row['first_seen']),
              last: Number(row['last_seen']),
            });
        const r = whatIf(model, applyChange(model, [e.fixOperation]), flows);
        return {
          ...json,
          whatIf: {
            since,
            until,
            judged: r.judged,
            totals: r.totals,
            groups: r.groups.slice(0, 20).map((g) => ({ ...g })),
          },
        };
      });
    },
  );
}
