// Table and partition locations: local directories (or `file://` URIs) listed recursively the way Hive
// reads them; `s3://` URIs map into a local mirror or cache folder, and never outside it.

import { readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AthenaError } from './errors.js';

/** Hive skips files and folders whose names start with `_` or `.`, and the console's `_$folder$` markers. */
function hidden(name: string): boolean {
  return name.startsWith('_') || name.startsWith('.') || name.endsWith('_$folder$');
}

/**
 * The local directory of a location: relative paths resolve against the working directory, `file://` URIs
 * to their path, and `s3://bucket/key` to `<s3Root>/bucket/key` when an S3 mirror folder is given
 * (`--location-root`), confined to it (ATHENA_LOCATION_OUTSIDE_ROOT for `..` or a symbolic link leading out).
 * Without one, `s3://` throws ATHENA_S3_UNSUPPORTED.
 *
 * @example localDir('s3://logs/AWSLogs/', '/mirror', span) // '/mirror/logs/AWSLogs'
 */
export function localDir(
  location: string,
  s3Root: string | undefined,
  span: { start: number; end: number },
): string {
  const s3 = /^s3[an]?:\/\/([^/]+)\/?(.*)$/i.exec(location);
  if (s3 && s3Root !== undefined) return confined(location, resolve(s3Root), s3[1]!, s3[2]!, span);
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

/** True when `path` is `root` or lies under it. */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The real path of `path` (symbolic links resolved), or `path` itself when it does not exist. */
function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * `<root>/bucket/key`, refused (ATHENA_LOCATION_OUTSIDE_ROOT) unless it stays under `root`: a bucket or key
 * with `..` segments, or a folder on the way that is a symbolic link leading out of the mirror. (S3 keys are
 * taken literally: `%2e%2e` is a folder named so, not `..`.)
 */
function confined(
  location: string,
  root: string,
  bucket: string,
  key: string,
  span: { start: number; end: number },
): string {
  const dir = resolve(root, bucket, key);
  if (!inside(root, dir) || dir === root || !inside(real(root), real(dir))) {
    throw new AthenaError(
      'ATHENA_LOCATION_OUTSIDE_ROOT',
      `${location} leads outside the S3 mirror folder ${root}`,
      span,
      'name a bucket and a key inside the mirror, without ".." segments or symbolic links leading out of it',
    );
  }
  return dir;
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
