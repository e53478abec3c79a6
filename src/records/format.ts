// Flow log formats: `${field}` format strings, S3 header lines and plain name lists, resolved against the catalog.

import { FormatError } from '../core/errors.js';
import { progressGuard } from '../core/progress.js';
import { closest } from '../core/suggest.js';
import { DEFAULT_FORMAT, FIELDS, type FieldDef, findField } from './catalog.js';

/** One position of a format. `def` is undefined for a name the catalog does not know. */
export interface FormatField {
  /** The name as written in the format (hyphenated or underscored). */
  readonly name: string;
  readonly def: FieldDef | undefined;
  /** Store column for catalog fields; for unknown fields the key used in the `extra` map. */
  readonly key: string;
}

/** A resolved flow log format: the ordered fields of each record. */
export interface Format {
  readonly fields: readonly FormatField[];
  /** Names that are not in the catalog: their values are kept as text in `extra` and reported. */
  readonly unknown: readonly string[];
  /** The format as a `${...}` string with AWS names. */
  readonly text: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

function build(names: readonly { name: string; at: number }[], source: string): Format {
  if (names.length === 0) {
    throw new FormatError(
      'FORMAT_EMPTY',
      'the format names no field',
      0,
      'write e.g. "${version} ${srcaddr}"',
    );
  }
  const seen = new Set<string>();
  const fields: FormatField[] = [];
  const unknown: string[] = [];
  for (const { name, at } of names) {
    if (!NAME.test(name)) {
      throw new FormatError(
        'FORMAT_BAD_NAME',
        `"${name}" at position ${at + 1} of ${source} is not a field name`,
        at,
        'field names are letters, digits, "-" and "_", e.g. pkt-srcaddr',
      );
    }
    const def = findField(name);
    const key = def ? def.column : name.toLowerCase().replaceAll('-', '_');
    if (seen.has(key)) {
      throw new FormatError(
        'FORMAT_DUPLICATE',
        `field "${name}" appears twice in ${source} (position ${at + 1})`,
        at,
      );
    }
    seen.add(key);
    if (!def) unknown.push(name);
    fields.push({ name, def, key });
  }
  const text = fields.map((f) => `\${${f.def ? f.def.aws : f.name}}`).join(' ');
  return { fields, unknown, text };
}

/**
 * Parses a format: a `${field}` string as given to CreateFlowLogs, a plain list of names
 * (`version account-id ...` or `version account_id ...`), or the word `default`.
 *
 * @example parseFormat('${version} ${srcaddr} ${action}').fields.map(f => f.key) // ['version','srcaddr','action']
 */
export function parseFormat(spec: string): Format {
  const s = spec.trim();
  if (s === '' || s === 'default') return s === '' ? build([], 'the format') : DEFAULT;
  if (!s.includes('${')) {
    return build(tokens(spec), 'the format');
  }
  const names: { name: string; at: number }[] = [];
  let i = 0;
  const step = progressGuard('format lexer');
  while (i < spec.length) {
    step(i);
    const c = spec[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (!spec.startsWith('${', i)) {
      throw new FormatError(
        'FORMAT_EXPECTED_FIELD',
        `expected "\${" at position ${i + 1} of the format, found "${spec.slice(i, i + 10)}"`,
        i,
        'a format is ${field} tokens separated by spaces',
      );
    }
    const close = spec.indexOf('}', i + 2);
    if (close < 0) {
      throw new FormatError(
        'FORMAT_UNCLOSED',
        `"\${" at position ${i + 1} of the format is never closed`,
        i,
        'add the closing "}"',
      );
    }
    names.push({ name: spec.slice(i + 2, close), at: i + 2 });
    i = close + 1;
  }
  return build(names, 'the format');
}

function tokens(line: string): { name: string; at: number }[] {
  const out: { name: string; at: number }[] = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push({ name: m[0], at: m.index });
  return out;
}

/** The default format (the 14 version-2 fields). */
export const DEFAULT: Format = parseFormat(DEFAULT_FORMAT);

/**
 * Recognises the header line of an S3 text file (`version account-id interface-id ...`, hyphenated or
 * underscored). Returns the format it declares, or undefined when the line is a record, not a header.
 * A header must consist of names only, with at least half of them known to the catalog.
 */
export function detectHeader(line: string): Format | undefined {
  const toks = tokens(line.replace(/\r$/, ''));
  if (toks.length === 0 || !toks.every((t) => NAME.test(t.name))) return undefined;
  const known = toks.filter((t) => findField(t.name)).length;
  if (known === 0 || known * 2 < toks.length) return undefined;
  try {
    return build(toks, 'the header line');
  } catch {
    return undefined;
  }
}

/** True when every field of `a` and `b` is the same, in the same order. */
export function sameFormat(a: Format, b: Format): boolean {
  return a.fields.length === b.fields.length && a.fields.every((f, i) => f.key === b.fields[i]!.key);
}

/**
 * Refuses a format the user typed (`--format`) that names a field the catalog does not know, with a
 * did-you-mean and the position of the name in `spec`: a typo (`${srcadr}`) would otherwise load every value
 * of that field into `extra` and leave `srcaddr` empty. Header lines are not checked (AWS adds fields).
 *
 * @example checkKnownFields('${srcadr} ${dstaddr}', parseFormat('${srcadr} ${dstaddr}')) // throws: did you mean ${srcaddr}?
 */
export function checkKnownFields(spec: string, format: Format): void {
  const name = format.unknown[0];
  if (name === undefined) return;
  const braced = spec.indexOf(`\${${name}}`);
  const start = braced >= 0 ? braced + 2 : Math.max(0, spec.search(new RegExp(`(?<=^|\\s)${name}(?=\\s|$)`)));
  const guess = closest(
    name,
    FIELDS.map((f) => f.aws),
  );
  const more = format.unknown.length > 1 ? ` (also unknown: ${format.unknown.slice(1).join(', ')})` : '';
  throw new FormatError(
    'FORMAT_UNKNOWN_FIELD',
    `"${name}" at position ${start + 1} of the format is not a flow log field${more}`,
    start,
    guess
      ? `did you mean \${${guess}}? If "${name}" is meant (a field flowwatch does not know yet), pass --allow-unknown-fields to keep its values as text in "extra"`
      : 'see flowwatch fields for the field names; pass --allow-unknown-fields to keep unknown fields as text in "extra"',
  );
}
