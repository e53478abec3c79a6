// Table and partition locations: local directories (or `file://` URIs) listed recursively the way Hive
// reads them; `s3://` URIs are refused for now with a clear error.

import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AthenaError } from './errors.js';

/** Hive skips files and folders whose names start with `_` or `.`, and the console's `_$folder$` markers. */
function hidden(name: string): boolean {
  return name.startsWith('_') || name.startsWith('.') || name.endsWith('_$folder$');
}

/**
 * The local directory of a location: relative paths resolve against the working directory, `file://` URIs
 * to their path, and `s3://bucket/key` to `<s3Root>/bucket/key` when an S3 mirror folder is given
 * (`--location-root`). Without one, `s3://` throws ATHENA_S3_UNSUPPORTED.
 *
 * @example localDir('s3://logs/AWSLogs/', '/mirror', span) // '/mirror/logs/AWSLogs'
 */
export function localDir(
  location: string,
  s3Root: string | undefined,
  span: { start: number; end: number },
): string {
  const s3 = /^s3[an]?:\/\/([^/]+)\/?(.*)$/i.exec(location);
  if (s3 && s3Root !== undefined) return join(resolve(s3Root), s3[1]!, s3[2]!);
  if (s3) {
    throw new AthenaError(
      'ATHENA_S3_UNSUPPORTED',
      `${location} is on S3, and this session has neither an S3 client nor a local mirror`,
      span,
      'give --location-root <dir> (a mirror holding <dir>/bucket/key), or let flowwatch read S3 (the default)',
    );
  }
  if (location.startsWith('file://')) return fileURLToPath(location);
  return resolve(location);
}

/** Every visible file under `dir`, recursively, sorted; [] when `dir` does not exist. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (hidden(e.name)) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && statSync(p).size > 0) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** The visible sub-directories of `dir` (names), sorted; [] when it does not exist. */
export function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !hidden(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
