// Metric-filter presets (rejected SSH, RDP, SMB, denied ICMP, ...), generated for any flow log format from the
// catalog positions of the fields they test.

import type { Format } from '../records/format.js';
import type { MetricFilter } from './metric-filter.js';

/** Namespace of the preset metrics. */
export const PRESET_NAMESPACE = 'FlowLogs';

/** Default threshold of the large-transfers preset, in bytes per record. */
export const LARGE_TRANSFER_BYTES = 10_000_000;

/** A condition on one field (AWS name), written inside that field's slot; `{slot}` stands for its slot name. */
interface Test {
  readonly field: string;
  readonly condition: string;
}

interface PresetDef {
  readonly id: string;
  readonly description: string;
  readonly metricName: string;
  readonly tests: (opts: PresetOptions) => readonly Test[];
  readonly metricValue?: string;
  readonly unit: 'Count' | 'Bytes';
}

export interface PresetOptions {
  /** Threshold of the large-transfers preset (default 10,000,000 bytes). */
  readonly largeBytes?: number;
}

/** A preset for a format: the metric filter, or why it cannot be expressed. */
export type Preset =
  | {
      readonly id: string;
      readonly description: string;
      readonly available: true;
      readonly filter: MetricFilter;
    }
  | { readonly id: string; readonly description: string; readonly available: false; readonly reason: string };

const is = (field: string, value: string): Test => ({ field, condition: `{slot} = ${value}` });

const DEFS: readonly PresetDef[] = [
  {
    id: 'rejected-ssh',
    description: 'rejected SSH (TCP port 22)',
    metricName: 'RejectedSSH',
    tests: () => [is('dstport', '22'), is('protocol', '6'), is('action', 'REJECT')],
    unit: 'Count',
  },
  {
    id: 'rejected-rdp',
    description: 'rejected RDP (TCP port 3389)',
    metricName: 'RejectedRDP',
    tests: () => [is('dstport', '3389'), is('protocol', '6'), is('action', 'REJECT')],
    unit: 'Count',
  },
  {
    id: 'smb',
    description: 'SMB connection attempts, accepted or rejected (TCP port 445)',
    metricName: 'SMBFlows',
    tests: () => [is('dstport', '445'), is('protocol', '6')],
    unit: 'Count',
  },
  {
    id: 'denied-icmp',
    description: 'denied ICMP (protocol 1, REJECT)',
    metricName: 'DeniedICMP',
    tests: () => [is('protocol', '1'), is('action', 'REJECT')],
    unit: 'Count',
  },
  {
    id: 'rejected',
    description: 'any rejected flow',
    metricName: 'Rejected',
    tests: () => [is('action', 'REJECT')],
    unit: 'Count',
  },
  {
    id: 'nodata-skipdata',
    description: 'NODATA and SKIPDATA records (no traffic, or records dropped)',
    metricName: 'NoDataOrSkipData',
    tests: () => [{ field: 'log-status', condition: '{slot} = NODATA || {slot} = SKIPDATA' }],
    unit: 'Count',
  },
  {
    id: 'large-transfers',
    description: 'large transfers: bytes of records above a threshold',
    metricName: 'LargeTransferBytes',
    tests: (o) => [{ field: 'bytes', condition: `{slot} > ${o.largeBytes ?? LARGE_TRANSFER_BYTES}` }],
    metricValue: '$bytes',
    unit: 'Bytes',
  },
];

/** Slot name of a format field: the AWS name with `-` → `_`. */
function slotName(name: string): string {
  return name.replaceAll('-', '_');
}

/**
 * Every preset for a format: a `[...]` pattern naming each field of the format in order (so the field count
 * is checked), with the preset's conditions in the slots of its fields. A preset whose fields the format
 * lacks is unavailable, with the reason.
 *
 * @example presets(DEFAULT)[0].filter.pattern // '[version, account_id, ..., dstport = 22, protocol = 6, ..., action = REJECT, log_status]'
 */
export function presets(format: Format, opts: PresetOptions = {}): Preset[] {
  return DEFS.map((d): Preset => {
    const tests = d.tests(opts);
    const valueField = d.metricValue?.slice(1);
    const needed = [...new Set([...tests.map((t) => t.field), ...(valueField ? [valueField] : [])])];
    const position = (aws: string) => format.fields.findIndex((f) => (f.def ? f.def.aws : f.name) === aws);
    const missing = needed.filter((n) => position(n) < 0);
    if (missing.length > 0) {
      return {
        id: d.id,
        description: d.description,
        available: false,
        reason: `the format has no ${missing.join(', ')} field${missing.length > 1 ? 's' : ''}`,
      };
    }
    const slots = format.fields.map((f) => {
      const aws = f.def ? f.def.aws : f.name;
      const slot = slotName(aws);
      const t = tests.find((x) => x.field === aws);
      return t ? t.condition.replaceAll('{slot}', slot) : slot;
    });
    const filter: MetricFilter = {
      name: d.id,
      pattern: `[${slots.join(', ')}]`,
      metricNamespace: PRESET_NAMESPACE,
      metricName: d.metricName,
      metricValue: valueField ? `$${slotName(valueField)}` : '1',
      defaultValue: 0,
      unit: d.unit,
    };
    return { id: d.id, description: d.description, available: true, filter };
  });
}
