// Finds the files to ingest: paths given by the user, directory trees in AWS's S3 layouts, pruned by key time.

import { opendir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SourceError } from '../core/errors.js';
import { prunedByKey } from '../records/s3-key.js';

/**
 * Names of files that can hold flow logs when found in a directory tree (AWS writes `.log.gz` and
 * `.parquet`); other files there (manifests, READMEs) are skipped. Files named on the command line are
 * always read, whatever their name.
 */
const FLOW_FILE = /\.(log|gz|parquet)$/i;

export interface Discovered {
  readonly files: string[];
  /** Files skipped because their key lies outside --since/--until. */
  readonly pruned: number;
  /** Files inside the given directories skipped because their names are not flow log names (FLOW_FILE). */
  readonly skippedByName: number;
  /** The first few of them (paths), to name in the summary. */
  readonly skippedExamples: readonly string[];
}

/** How many skipped files the summary names. */
const SKIPPED_EXAMPLES = 3;

/**
 * Expands the given paths into files, walking directories in sorted order. A directory whose key says its
 * records all lie outside [since, until) is skipped without being listed.
 */
export async function discover(
  paths: readonly string[],
  since: number | undefined,
  until: number | undefined,
): Promise<Discovered> {
  const files: string[] = [];
  let pruned = 0;
  let skippedByName = 0;
  const skippedExamples: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries: { name: string; dir: boolean }[] = [];
    for await (const e of await opendir(dir)) {
      if (e.name.startsWith('.')) continue;
      entries.push({ name: e.name, dir: e.isDirectory() });
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (prunedByKey(p, since, until)) {
        pruned++;
        continue;
      }
      if (e.dir) await walk(p);
      else if (FLOW_FILE.test(e.name)) files.push(p);
      else if (++skippedByName <= SKIPPED_EXAMPLES) skippedExamples.push(p);
    }
  };
  for (const given of paths) {
    if (given === '-') {
      files.push('-');
      continue;
    }
    const p = resolve(given);
    const s = await stat(p).catch(() => undefined);
    if (!s) throw new SourceError('NOT_FOUND', given, 'no such file or directory');
    if (s.isDirectory()) await walk(p);
    else if (prunedByKey(p, since, until)) pruned++;
    else files.push(p);
  }
  return { files, pruned, skippedByName, skippedExamples };
}
