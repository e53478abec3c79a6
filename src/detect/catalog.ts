// The effective detection catalog: the built-in definitions, changed, disabled or extended by the
// `detections:` section of flowwatch.yaml.
//
//   detections:
//     vertical-port-scan: { thresholds: { low: 30 }, allow: { srcaddr: [203.0.113.7] } }
//     unusual-protocol: { enabled: false }
//     my-telnet: { kind: threshold, title: Telnet attempts, ... }   # an id the catalog lacks: a new definition

import { type Document, isMap, isScalar } from 'yaml';
import { BUILTIN_DEFINITIONS } from './builtin.js';
import type { Detection } from './definition.js';
import { HomeNetMissing, homeNetOf, resolveHome } from './home-net.js';
import { applyOverride, Locator, mapItems, nameHint, parseDefinition, parseDefinitionText } from './parse.js';

let raw: readonly Detection[] | undefined;
let builtins: readonly Detection[] | undefined;

/** The built-ins as written, `$home` unresolved. */
function rawBuiltins(): readonly Detection[] {
  raw ??= Object.entries(BUILTIN_DEFINITIONS).map(([file, text]) =>
    parseDefinitionText(`builtin/${file}`, text),
  );
  return raw;
}

/**
 * The built-in definitions, parsed once.
 *
 * @example builtinCatalog().map((d) => d.id) // ['vertical-port-scan', ...]
 */
export function builtinCatalog(): readonly Detection[] {
  builtins ??= rawBuiltins().map((d) => resolveHome(d, []));
  return builtins;
}

/** The YAML text of a built-in definition, or undefined. */
export function builtinText(id: string): string | undefined {
  return Object.values(BUILTIN_DEFINITIONS).find((t) => t.startsWith(`id: ${id}\n`));
}

/**
 * The catalog as flowwatch.yaml's `detections:` section leaves it (built-ins first, in catalog order, then
 * the user's own). `text` is the file's text (for positions); `file` names it in errors. `extraHome` joins
 * homeNet in `$home` (detect adds the network snapshot's VPC blocks).
 */
export function effectiveCatalog(
  doc: Document | undefined,
  file: string,
  text: string,
  extraHome: readonly string[] = [],
): Detection[] {
  const loc = new Locator(file, text);
  const homeNode = doc?.get('homeNet', true);
  const home = [...homeNetOf(homeNode, loc), ...extraHome];
  const resolved = (list: readonly Detection[]) =>
    list.map((d) => {
      try {
        return resolveHome(d, home);
      } catch (err) {
        if (!(err instanceof HomeNetMissing)) throw err;
        throw loc.at(
          doc?.getIn(['detections', d.id], true) ?? homeNode ?? doc?.contents,
          'DETECT_NO_HOME',
          err.message,
          'list your networks at the top of flowwatch.yaml: homeNet: [10.10.0.0/16, 2600:1f18:4a3:6b00::/56]',
        );
      }
    });
  const base = rawBuiltins();
  const section = doc?.get('detections', true);
  if (section === undefined || section === null || (isScalar(section) && section.value === null))
    return resolved(base);
  if (!isMap(section)) {
    throw loc.at(
      section,
      'DETECT_TYPE',
      'detections: expected a mapping of detection id → changes or a new definition',
    );
  }
  const byId = new Map(base.map((d) => [d.id, d]));
  const added: Detection[] = [];
  for (const { key, value, name } of mapItems(section)) {
    const where = `detections.${name}`;
    const builtin = byId.get(name);
    if (builtin !== undefined) {
      if (!isMap(value))
        throw loc.at(
          value ?? key,
          'DETECT_TYPE',
          `${where}: expected a mapping of changes (e.g. enabled: false)`,
        );
      if (value.has('kind')) {
        throw loc.at(
          value.get('kind', true) ?? key,
          'DETECT_BUILTIN_ID',
          `${where}: "${name}" is a built-in detection; a new definition needs its own id`,
          'to change the built-in, give only title, description, enabled, window, quiet, thresholds, allow or filter',
        );
      }
      byId.set(name, applyOverride(builtin, value, loc, where));
      continue;
    }
    if (!isMap(value) || !value.has('kind')) {
      throw loc.at(
        key,
        'DETECT_UNKNOWN_DETECTION',
        `${where}: there is no built-in detection "${name}"`,
        `${nameHint(
          name,
          base.map((d) => d.id),
        )} (a new definition needs kind, title, window, groupBy, thresholds)`,
      );
    }
    if (value.has('id'))
      throw loc.at(value.get('id', true), 'DETECT_TYPE', `${where}: the key above is the id; remove "id"`);
    added.push(parseDefinition(value, loc, where, name));
  }
  return resolved([...base.map((d) => byId.get(d.id)!), ...added]);
}
