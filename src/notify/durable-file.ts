// Crash-safe file writes: temp file + fsync + rename + fsync of the directory, so a file is old or new, never torn.

import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Suffix of temp files; a reader skips them and `removeTempFiles` clears those a crash left behind. */
export const TEMP_SUFFIX = '.tmp';

/**
 * fsyncs a directory so that a rename or unlink in it survives a power cut. Platforms that cannot open a
 * directory for fsync (Windows) skip it.
 */
export async function syncDir(dir: string): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw err;
  } finally {
    await fh?.close();
  }
}

/**
 * Writes `data` to `path` durably: into a fresh temp file in the same directory, fsync, rename over `path`,
 * fsync the directory. After a crash (even SIGKILL or power loss) `path` holds the old or the new content.
 *
 * @example await writeFileDurable('/state/pending/abc.json', JSON.stringify(record));
 */
export async function writeFileDurable(path: string, data: string, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
  const fh = await open(temp, 'wx', mode);
  try {
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  await rename(temp, path);
  await syncDir(dir);
}

/** Removes a file (and fsyncs its directory); a file already gone is fine. */
export async function removeDurable(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return;
  }
  await syncDir(dirname(path));
}
