// Partition projection (TBLPROPERTIES projection.*): which partitions exist, found by walking the folders
// the `storage.location.template` (or the Hive `col=value` default) describes and keeping the values the
// projection allows.

import { join } from 'node:path';
import { progressGuard } from '../core/progress.js';
import { AthenaError } from './errors.js';
import { subdirs } from './locations.js';

/** A projected partition: values in partition-column order and its folder. */
export interface ProjectedPartition {
  readonly values: readonly string[];
  readonly dir: string;
}

type Check = (v: string) => boolean;

const NO_SPAN = { start: 0, end: 0 };

function bad(message: string, hint?: string): never {
  throw new AthenaError('ATHENA_BAD_PROJECTION', message, NO_SPAN, hint);
}

/** A Java DateTimeFormatter pattern (yyyy MM dd HH mm ss, literals) as a regex with named groups. */
function dateRegex(format: string): RegExp {
  const parts: Record<string, string> = {
    yyyy: '(?<y>\\d{4})',
    MM: '(?<mo>\\d{2})',
    dd: '(?<d>\\d{2})',
    HH: '(?<h>\\d{2})',
    mm: '(?<mi>\\d{2})',
    ss: '(?<s>\\d{2})',
  };
  let re = '';
  let i = 0;
  const step = progressGuard('projection date-format lexer');
  while (i < format.length) {
    step(i);
    const tok = Object.keys(parts).find((k) => format.startsWith(k, i));
    if (tok) {
      re += parts[tok];
      i += tok.length;
    } else {
      re += format[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    }
  }
  return new RegExp(`^${re}$`);
}

/** A date value in the projection's format, or a `NOW[±n UNIT]` bound, as epoch milliseconds. */
function dateValue(v: string, re: RegExp, now: Date): number | undefined {
  const rel = /^NOW(?:([+-])(\d+)(YEARS?|MONTHS?|WEEKS?|DAYS?|HOURS?|MINUTES?|SECONDS?))?$/i.exec(v.trim());
  if (rel) {
    const d = new Date(now.getTime());
    const n = (rel[1] === '-' ? -1 : 1) * Number(rel[2] ?? 0);
    const unit = (rel[3] ?? 'DAYS').toUpperCase().replace(/S$/, '');
    if (unit === 'YEAR') d.setUTCFullYear(d.getUTCFullYear() + n);
    else if (unit === 'MONTH') d.setUTCMonth(d.getUTCMonth() + n);
    else {
      const ms = { WEEK: 604_800_000, DAY: 86_400_000, HOUR: 3_600_000, MINUTE: 60_000, SECOND: 1000 }[unit];
      d.setTime(d.getTime() + n * (ms ?? 0));
    }
    return d.getTime();
  }
  const g = re.exec(v.trim())?.groups;
  if (!g) return undefined;
  const t = Date.UTC(
    Number(g['y'] ?? 1970),
    Number(g['mo'] ?? 1) - 1,
    Number(g['d'] ?? 1),
    Number(g['h'] ?? 0),
    Number(g['mi'] ?? 0),
    Number(g['s'] ?? 0),
  );
  return Number.isNaN(t) ? undefined : t;
}

/** The value check of one projected column. */
function columnCheck(col: string, props: Readonly<Record<string, string>>, now: Date): Check {
  const p = (k: string) => props[`projection.${col}.${k}`];
  const type = (p('type') ?? '').toLowerCase();
  switch (type) {
    case 'enum': {
      const values = new Set((p('values') ?? '').split(','));
      return (v) => values.has(v);
    }
    case 'integer': {
      const [lo, hi] = (p('range') ?? '').split(',').map((x) => Number(x.trim()));
      if (lo === undefined || hi === undefined || Number.isNaN(lo) || Number.isNaN(hi))
        bad(`projection.${col}.range must be "min,max"`);
      const digits = Number(p('digits') ?? 0);
      const step = Number(p('interval') ?? 1);
      return (v) => {
        if (!/^-?\d+$/.test(v)) return false;
        const n = Number(v);
        const padded = n < 0 ? `-${String(-n).padStart(digits, '0')}` : String(n).padStart(digits, '0');
        return n >= lo && n <= hi && (n - lo) % step === 0 && (digits === 0 ? String(n) === v : padded === v);
      };
    }
    case 'date': {
      const format = p('format');
      if (!format) bad(`projection.${col}.format is missing`, "e.g. 'projection.day.format'='yyyy/MM/dd'");
      const re = dateRegex(format);
      const [a, b] = (p('range') ?? '').split(',');
      const lo = a === undefined ? undefined : dateValue(a, re, now);
      const hi = b === undefined ? undefined : dateValue(b, re, now);
      if (lo === undefined || hi === undefined)
        bad(`projection.${col}.range must be "start,end" in ${format} or NOW±n UNIT`);
      return (v) => {
        const t = dateValue(v, re, now);
        return t !== undefined && !/^NOW/i.test(v) && t >= lo && t <= hi;
      };
    }
    case 'injected':
      return () => true;
    default:
      return bad(
        `projection.${col}.type must be enum, integer, date or injected (found "${type}")`,
        `add 'projection.${col}.type'='enum' (or integer, date, injected)`,
      );
  }
}

/** True when the table's TBLPROPERTIES turn partition projection on. */
export function projectionEnabled(props: Readonly<Record<string, string>>): boolean {
  return (props['projection.enabled'] ?? '').toLowerCase() === 'true';
}

/**
 * The partitions of a projected table found on disk. `toDir` maps the template's fixed prefix (a location)
 * to a local directory.
 *
 * @example projectedPartitions(['day'], props, 's3://b/p/', (l) => '/data/p', new Date())
 */
export function projectedPartitions(
  columns: readonly string[],
  props: Readonly<Record<string, string>>,
  location: string,
  toDir: (location: string) => string,
  now: Date,
): ProjectedPartition[] {
  const checks = new Map(columns.map((c) => [c, columnCheck(c, props, now)]));
  let template =
    props['storage.location.template'] ??
    `${location.replace(/\/+$/, '')}/${columns.map((c) => `${c}=\${${c}}`).join('/')}`;
  for (const c of columns) {
    if (!template.includes(`\${${c}}`))
      bad(`storage.location.template has no \${${c}} for the partition column ${c}`);
    // a value spanning folders (a date formatted yyyy/MM/dd): one placeholder per folder level
    const format = props[`projection.${c}.format`] ?? '';
    const levels = format.split('/').length;
    if (levels > 1) {
      const pieces = Array.from({ length: levels }, (_, k) => `\${${c}#${k}}`).join('/');
      template = template.replaceAll(`\${${c}}`, pieces);
    }
  }
  const first = template.indexOf('${');
  const cut = template.lastIndexOf('/', first) + 1;
  const base = toDir(template.slice(0, cut));
  const segments = template
    .slice(cut)
    .split('/')
    .filter((s) => s !== '');
  let frontier: { dir: string; values: Map<string, string> }[] = [{ dir: base, values: new Map() }];
  for (const seg of segments) {
    const names: string[] = [];
    const re = new RegExp(
      `^${seg
        .split(/(\$\{[^}]+\})/)
        .map((piece) => {
          const m = /^\$\{([^}]+)\}$/.exec(piece);
          if (!m) return piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(m[1]!.toLowerCase());
          return '(.+?)';
        })
        .join('')}$`,
    );
    const next: typeof frontier = [];
    for (const f of frontier) {
      if (names.length === 0) {
        next.push({ dir: join(f.dir, seg), values: f.values });
        continue;
      }
      for (const d of subdirs(f.dir)) {
        const m = re.exec(d);
        if (!m) continue;
        const values = new Map(f.values);
        let ok = true;
        names.forEach((n, i) => {
          const v = m[i + 1]!;
          if (values.has(n) && values.get(n) !== v) ok = false;
          values.set(n, v);
        });
        if (ok) next.push({ dir: join(f.dir, d), values });
      }
    }
    frontier = next;
  }
  const out: ProjectedPartition[] = [];
  for (const f of frontier) {
    const values = columns.map((c) => {
      if (f.values.has(c)) return f.values.get(c)!;
      const pieces: string[] = [];
      for (let k = 0; f.values.has(`${c}#${k}`); k++) pieces.push(f.values.get(`${c}#${k}`)!);
      return pieces.join('/');
    });
    if (columns.every((c, i) => checks.get(c)!(values[i]!))) out.push({ values, dir: f.dir });
  }
  return out;
}

/**
 * MSCK REPAIR TABLE: the Hive-style `col=value` folders under `dir`, one level per partition column in
 * order (values URL-decoded as Hive escapes them).
 *
 * @example hivePartitions('/data/t', ['year', 'month']) // [{ values: ['2024', '05'], dir: '/data/t/year=2024/month=05' }]
 */
export function hivePartitions(dir: string, columns: readonly string[]): ProjectedPartition[] {
  let frontier: ProjectedPartition[] = [{ values: [], dir }];
  for (const col of columns) {
    const next: ProjectedPartition[] = [];
    for (const f of frontier) {
      for (const d of subdirs(f.dir)) {
        const eq = d.indexOf('=');
        if (eq < 0 || d.slice(0, eq).toLowerCase() !== col) continue;
        let value = d.slice(eq + 1);
        try {
          value = decodeURIComponent(value);
        } catch {
          // not an escape sequence: keep the folder's text
        }
        next.push({ values: [...f.values, value], dir: join(f.dir, d) });
      }
    }
    frontier = next;
  }
  return columns.length === 0 ? [] : frontier;
}
