// The fields of the flow log format: chosen from flowwatch's catalog, checked against the target, as LogFormat.

import { DEFAULT_FIELDS, FIELDS, type FieldDef, V2_TO_V5_FIELDS } from 'flowwatch/catalog';
import { parseFormat } from 'flowwatch/format';
import { FlowLogMonitoringError } from './errors.js';
import type { FlowLogTarget, TargetKind } from './flow-log-target.js';
import { closest } from './suggest.js';

/** Every confirmed transit gateway field (versions 2–6), in catalog order: the default for TGW targets. */
const TGW_FIELDS: readonly FieldDef[] = FIELDS.filter(
  (f) => f.confirmed && f.scope !== 'vpc' && f.version <= 6,
);

const KIND_NAME: Record<TargetKind, string> = { vpc: 'VPC (network interface)', tgw: 'transit gateway' };

/** The default fields of a target: every v2–v5 VPC field, or every transit gateway field. */
export function defaultFields(kind: TargetKind): readonly FieldDef[] {
  return kind === 'vpc' ? V2_TO_V5_FIELDS : TGW_FIELDS;
}

/**
 * Resolves the chosen fields against the catalog and checks them for the target. `spec` is a list of names
 * (AWS `pkt-srcaddr`, column `pkt_srcaddr` or Insights `pktSrcAddr`), a `${...}` format string, or `default`
 * (the 14 fields of the default format). Throws FlowLogMonitoringError: `FORMAT_*` (syntax, duplicates),
 * `UNKNOWN_FIELD` (with a did-you-mean), `UNCONFIRMED_FIELD`, `FIELD_NOT_FOR_TARGET`.
 *
 * @example resolveFields(['srcaddr', 'dstaddr', 'action'], FlowLogTarget.vpc(vpc), false).map(f => f.aws)
 */
export function resolveFields(
  spec: string | readonly string[] | undefined,
  target: Pick<FlowLogTarget, 'kind' | 'description'>,
  allowUnconfirmed: boolean,
): readonly FieldDef[] {
  if (spec === undefined) return defaultFields(target.kind);
  return resolveNames(spec, 'fields', target, allowUnconfirmed);
}

/**
 * The catalog fields of a format, for `key` (named in messages); `target` undefined skips the scope check
 * (a pattern's format may be any format).
 */
export function resolveNames(
  spec: string | readonly string[],
  key: string,
  target: Pick<FlowLogTarget, 'kind' | 'description'> | undefined,
  allowUnconfirmed: boolean,
): readonly FieldDef[] {
  const text = typeof spec === 'string' ? spec : spec.join(' ');
  let format: ReturnType<typeof parseFormat>;
  try {
    format = parseFormat(text);
  } catch (err) {
    const e = err as Error & { code?: string; hint?: string };
    throw new FlowLogMonitoringError(e.code ?? 'FORMAT_INVALID', `${key}: ${e.message}`, e.hint, {
      cause: err,
    });
  }
  const names = FIELDS.map((f) => f.aws);
  const out: FieldDef[] = [];
  for (const f of format.fields) {
    const def = f.def;
    if (def === undefined) {
      const guess = closest(f.name, [...names, ...FIELDS.map((x) => x.insights)]);
      const aws =
        guess === undefined ? undefined : FIELDS.find((x) => x.aws === guess || x.insights === guess)?.aws;
      throw new FlowLogMonitoringError(
        'UNKNOWN_FIELD',
        `${key}: "${f.name}" is not a flow log field`,
        aws ? `did you mean "${aws}"?` : 'run "flowwatch fields" for the list',
      );
    }
    if (!def.confirmed && !allowUnconfirmed) {
      throw new FlowLogMonitoringError(
        'UNCONFIRMED_FIELD',
        `${key}: "${def.aws}" is not documented by AWS yet (CreateFlowLogs may refuse it)`,
        'set allowUnconfirmedFields: true to use it anyway',
      );
    }
    if (target && def.scope !== 'both' && def.scope !== target.kind) {
      throw new FlowLogMonitoringError(
        'FIELD_NOT_FOR_TARGET',
        `${key}: "${def.aws}" is a ${KIND_NAME[def.scope]} field, but the target is ${target.description} (${KIND_NAME[target.kind]} flow logs)`,
        `remove it, or choose from the ${KIND_NAME[target.kind]} fields`,
      );
    }
    out.push(def);
  }
  return out;
}

/**
 * The `${...}` LogFormat of a list of fields.
 *
 * @example logFormat(DEFAULT_FIELDS) // '${version} ${account-id} ... ${log-status}'
 */
export function logFormat(fields: readonly FieldDef[]): string {
  return fields.map((f) => `\${${f.aws}}`).join(' ');
}

/** True when the fields are exactly the default format's 14 fields in order. */
export function isDefaultFormat(fields: readonly FieldDef[]): boolean {
  return fields.length === DEFAULT_FIELDS.length && fields.every((f, i) => f.aws === DEFAULT_FIELDS[i]!.aws);
}
