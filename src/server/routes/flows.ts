// GET /api/flows: the flow explorer: stored records filtered by address or CIDR block, port, protocol,
// interface, action, direction and time, newest first. Every value reaches SQL as a bound parameter; a CIDR
// block becomes the Insights backend's subnet test over its parsed bytes.

import type { FastifyInstance } from 'fastify';
import type { Enricher } from '../../enrich/enricher.js';
import { enricherOf } from '../../enrich/load-enricher.js';
import { parseCidr, subnetSql } from '../../insights/index.js';
import { NO_SNAPSHOT_NAMES_NOTE, type ResourceNames, resourceNames } from '../../network/resource-names.js';
import { DEFAULT_FIELDS, FIELDS, field } from '../../records/catalog.js';
import { valueWarning } from '../../records/field-values.js';
import { missingFieldWarning, storedColumns } from '../../storage/missing-fields.js';
import { emptyRangeNote } from '../../storage/range-note.js';
import { ident } from '../../storage/sql.js';
import type { FlowsResponse } from '../api-contract.js';
import { InvalidInputError } from '../errors.js';
import type { RouteContext } from '../route-context.js';
import { responses, rowsSchema, timeRangeProperties } from '../schemas.js';

interface FlowsQuery {
  ip?: string;
  cidr?: string;
  port?: number;
  protocol?: number;
  interface?: string;
  action?: 'ACCEPT' | 'REJECT';
  direction?: 'ingress' | 'egress';
  since?: number;
  until?: number;
  limit?: number;
}

export const MAX_FLOWS = 10_000;

/** The enricher, rebuilt at most once a minute (to see AWS ranges loaded since). */
let cached: { at: number; enricher: Promise<Enricher> } | undefined;
function enricher$(ctx: RouteContext): Promise<Enricher> {
  if (!cached || Date.now() - cached.at > 60_000) {
    const enricher = ctx.read((reader) => enricherOf(reader));
    cached = { at: Date.now(), enricher };
    enricher.catch(() => {
      cached = undefined;
    });
  }
  return cached.enricher;
}

/** The catalog's columns, then each record's event time (unix seconds) and where it came from. */
const COLUMNS = [...FIELDS.map((f) => f.column), 'event_time', 'time_source'];

export function flowsRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: FlowsQuery }>(
    '/flows',
    {
      schema: {
        summary: 'Flow records matching filters, newest first',
        description:
          'Records whose event time lies in [since, until) (default: the last hour), all filters combined with AND. ' +
          '`ip`, `cidr` and `port` match either side (source or destination). Columns are the store’s column ' +
          'names (catalog order) that hold a value in at least one returned row, then the offline enrichment of ' +
          'each side when known: src_/dst_ as_number, as_organization, country, aws_service, aws_region; then names ' +
          'from the newest network snapshot: `interface_name` (instance Name tag, subnet, security groups of ' +
          '`interface_id`) and `src_name`/`dst_name` (the same for an address one of its interfaces holds). Without ' +
          'a snapshot `notes` says so. With no rows, `notes` says why when it is not the traffic: the range holds no ' +
          'record (and where the stored ones are), the interface id is in upper case (AWS writes ids in lower case), ' +
          'or the direction filter reads flow-direction, which no stored record has.',
        tags: ['flows'],
        querystring: {
          type: 'object',
          properties: {
            ip: {
              anyOf: [
                { type: 'string', format: 'ipv4' },
                { type: 'string', format: 'ipv6' },
              ],
              description: 'source or destination address',
            },
            cidr: {
              type: 'string',
              maxLength: 64,
              description: 'source or destination in this block, e.g. 10.0.0.0/16',
            },
            port: { type: 'integer', minimum: 0, maximum: 65535, description: 'source or destination port' },
            protocol: {
              type: 'integer',
              minimum: 0,
              maximum: 255,
              description: 'IANA number: 6 TCP, 17 UDP, 1 ICMP',
            },
            interface: { type: 'string', maxLength: 64, description: 'interface id, e.g. eni-0a1b2c3d' },
            action: { type: 'string', enum: ['ACCEPT', 'REJECT'] },
            direction: { type: 'string', enum: ['ingress', 'egress'] },
            ...timeRangeProperties,
            limit: { type: 'integer', minimum: 1, maximum: MAX_FLOWS, default: 100 },
          },
        },
        response: responses({
          type: 'object',
          required: ['columns', 'rows', 'truncated'],
          properties: {
            columns: { type: 'array', items: { type: 'string' } },
            rows: rowsSchema,
            truncated: { type: 'boolean', description: 'true when more records match than `limit`' },
            notes: { type: 'array', items: { type: 'string' } },
          },
        }),
      },
    },
    async (req): Promise<FlowsResponse> => {
      const q = req.query;
      const { since, until } = ctx.range(q);
      const params: (string | number)[] = [since, until];
      const bind = (v: string | number) => {
        params.push(v);
        return `$${params.length}`;
      };
      const where = ['event_time >= $1::BIGINT', 'event_time < $2::BIGINT'];
      // An IPv6 address has many spellings (2001:db8::1, 2001:DB8:0:0:0:0:0:1): compared as a /128 block
      // over the parsed bytes, not as text. IPv4 has one spelling and keeps the plain (indexed) equality.
      const v6 = q.ip?.includes(':') ? parseCidr(`${q.ip}/128`) : undefined;
      if (v6) {
        const side = (col: string) => subnetSql(ident(col), v6.v, v6.bytes, v6.prefix);
        where.push(`(${side('srcaddr')} OR ${side('dstaddr')})`);
      } else if (q.ip !== undefined) {
        const p = bind(q.ip);
        where.push(`(srcaddr = ${p} OR dstaddr = ${p})`);
      }
      if (q.cidr !== undefined) {
        const c = parseCidr(q.cidr);
        if (!c) {
          throw new InvalidInputError(
            'cidr',
            `query parameter cidr "${q.cidr}" is not a CIDR block such as 10.0.0.0/16 or 2001:db8::/32`,
          );
        }
        const side = (col: string) => subnetSql(ident(col), c.v, c.bytes, c.prefix);
        where.push(`(${side('srcaddr')} OR ${side('dstaddr')})`);
      }
      if (q.port !== undefined) {
        const p = bind(q.port);
        where.push(`(srcport = ${p} OR dstport = ${p})`);
      }
      if (q.protocol !== undefined) where.push(`protocol = ${bind(q.protocol)}`);
      if (q.interface !== undefined) where.push(`interface_id = ${bind(q.interface)}`);
      if (q.action !== undefined) where.push(`action = ${bind(q.action)}`);
      if (q.direction !== undefined) where.push(`flow_direction = ${bind(q.direction)}`);
      const limit = q.limit ?? 100;
      const sql = `SELECT ${COLUMNS.map(ident).join(', ')} FROM flows
WHERE ${where.join(' AND ')}
ORDER BY event_time DESC, file_id DESC, line
LIMIT ${bind(limit + 1)}`;
      const r = await ctx.read((reader) => reader.query(sql, params));
      const truncated = r.rows.length > limit;
      const rows = truncated ? r.rows.slice(0, limit) : r.rows;
      // Offline enrichment of both sides (AS, country, AWS service): src_as_number, dst_country, ...
      const enricher = rows.length === 0 ? undefined : await enricher$(ctx);
      // Names from the newest network snapshot: the interface's, and each side's when it is an interface's address.
      const names: ResourceNames | undefined =
        rows.length === 0 ? undefined : await ctx.read((reader) => resourceNames(reader));
      const enriched = rows.map(
        (row): Record<string, unknown> => ({
          ...row,
          ...enricher?.fields('src_', (row['pkt_srcaddr'] ?? row['srcaddr']) as string | null),
          ...enricher?.fields('dst_', (row['pkt_dstaddr'] ?? row['dstaddr']) as string | null),
          ...(names === undefined
            ? {}
            : {
                interface_name: names.label(row['interface_id'] as string | null) ?? null,
                src_name: names.label((row['pkt_srcaddr'] ?? row['srcaddr']) as string | null) ?? null,
                dst_name: names.label((row['pkt_dstaddr'] ?? row['dstaddr']) as string | null) ?? null,
              }),
        }),
      );
      const extra = [
        ...(enricher
          ? [...Object.keys(enricher.fields('src_', null)), ...Object.keys(enricher.fields('dst_', null))]
          : []),
        ...(names === undefined ? [] : ['interface_name', 'src_name', 'dst_name']),
      ];
      const used = [...COLUMNS, ...extra].filter((c) =>
        enriched.some((row) => row[c] !== null && row[c] !== undefined),
      );
      const columns = rows.length === 0 ? DEFAULT_FIELDS.map((f) => f.column) : used;
      // No rows is not "no such traffic" when the range holds no record at all, or when the direction filter
      // reads a field no stored format has (every record's flow_direction is null): say which (never a silent zero).
      const notes =
        rows.length > 0
          ? names === undefined
            ? [NO_SNAPSHOT_NAMES_NOTE]
            : []
          : await ctx.read(async (reader) => {
              const out: string[] = [];
              const range = await emptyRangeNote(
                reader,
                { since, until },
                'choose a time range in that span',
              );
              if (range !== undefined) out.push(range);
              // An interface id typed in upper case (ENI-0A1B…): AWS writes ids in lower case.
              const spelling =
                q.interface === undefined
                  ? undefined
                  : valueWarning(field('interface-id'), 'interface', q.interface);
              if (range === undefined && spelling !== undefined) out.push(spelling);
              else if (
                range === undefined &&
                q.direction !== undefined &&
                !(await storedColumns(reader)).has('flow_direction')
              ) {
                out.push(
                  `${missingFieldWarning(field('flow-direction'), 'flow-direction')}; the direction filter needs it: clear the filter to see the flows`,
                );
              }
              return out;
            });
      return {
        columns,
        rows: enriched.map((row) => Object.fromEntries(columns.map((c) => [c, row[c] ?? null]))),
        truncated,
        ...(notes.length > 0 ? { notes } : {}),
      };
    },
  );
}
