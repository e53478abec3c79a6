// A lock on a state directory that the kernel releases when its holder dies: a listening Unix socket in Linux's
// abstract namespace named after the directory's real path. Nothing is left on disk after kill -9, and no
// process id is checked (a zombie or a reused pid cannot keep it taken); the holder tells who it is.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { realpath, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';

/** The lock is taken: `holder` is the process id the holder reported (undefined when it did not answer). */
export class DirLockBusy extends Error {
  constructor(
    readonly name: string,
    readonly holder: number | undefined,
  ) {
    super(`the lock ${JSON.stringify(name)} is held${holder === undefined ? '' : ` by process ${holder}`}`);
  }
}

/**
 * The socket address of a directory's lock: on Linux `\0flowwatch-<purpose>-<sha256 of the real path>` (abstract
 * namespace: no file, gone with the last descriptor); elsewhere a socket file `<dir>/<purpose>.lock.sock`.
 *
 * @example await lockAddress('/var/lib/flowwatch/outbox', 'outbox') // '\0flowwatch-outbox-3f1c…'
 */
export async function lockAddress(dir: string, purpose: string): Promise<string> {
  const real = await realpath(dir);
  if (process.platform === 'linux') {
    return `\0flowwatch-${purpose}-${createHash('sha256').update(real).digest('hex').slice(0, 40)}`;
  }
  return join(real, `${purpose}.lock.sock`);
}

/**
 * Takes the lock of `dir` for `purpose`, or throws {@link DirLockBusy} naming the holder's process id. The lock
 * lasts until the returned release function runs or the process ends (however it ends). It never keeps the
 * process alive.
 *
 * @example const release = await lockDirectory(dir, 'outbox'); try { ... } finally { await release(); }
 */
export async function lockDirectory(dir: string, purpose: string): Promise<() => Promise<void>> {
  const address = await lockAddress(dir, purpose);
  // A holder killed a moment ago may still be tearing down (its threads exit after its main thread shows as a
  // zombie, and only then does the kernel close its socket): wait for that, briefly, unless a live process
  // answers as the holder.
  const deadline = Date.now() + RELEASE_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end(`${process.pid}\n`);
    });
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once('error', (e: NodeJS.ErrnoException) => resolve(e));
      server.listen({ path: address, exclusive: true }, () => resolve(undefined));
    });
    if (error === undefined) {
      server.unref();
      return () => close(server);
    }
    if (error.code !== 'EADDRINUSE') throw error;
    const holder = await askHolder(address);
    // A socket file (not Linux) whose listener died: remove it and try once more.
    if (holder === 'gone' && !address.startsWith('\0') && attempt === 0) {
      await unlink(address).catch(() => undefined);
      continue;
    }
    const live = typeof holder === 'number' && alive(holder);
    if (!live && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    throw new DirLockBusy(address, typeof holder === 'number' ? holder : undefined);
  }
}

/** How long a lock whose holder is gone, dying or silent may take to be released by the kernel. */
const RELEASE_WAIT_MS = 3000;

/** True when the process exists and is not a zombie (Linux: /proc; elsewhere: assumed alive). */
function alive(pid: number): boolean {
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The process id the holder reports, 'gone' when nothing listens, undefined when it does not answer. */
function askHolder(address: string): Promise<number | 'gone' | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const socket = createConnection({ path: address });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, 1000);
    socket.on('data', (d: Buffer) => {
      text += d.toString();
    });
    socket.on('end', () => {
      clearTimeout(timer);
      const pid = Number(text.trim());
      resolve(Number.isInteger(pid) && pid > 0 ? pid : undefined);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code === 'ECONNREFUSED' || e.code === 'ENOENT' ? 'gone' : undefined);
    });
  });
}
