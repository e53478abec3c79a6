// Scratch folders for ingest runs: one per run under a flowwatch-owned folder, each holding a lock the kernel
// releases when its process dies, so the next run removes what killed runs left behind and never a live run's.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Name of the lock socket in a run's folder. */
const LOCK = 'lock';
/** Where the socket cannot be made (a temp path too long for a socket address): the owner's pid instead. */
const OWNER = 'owner.pid';
/** A folder still being set up (no lock yet) is left alone for this long. */
const SETUP_GRACE_MS = 60 * 60 * 1000;

/** The flowwatch-owned folder holding every run's scratch folder: `$TMPDIR/flowwatch-scratch-<uid>`. */
export function scratchRoot(base = tmpdir()): string {
  return join(base, `flowwatch-scratch-${process.getuid?.() ?? 'user'}`);
}

/**
 * True when the run owning `dir` is certainly gone: its lock socket refuses connections (the listening socket
 * died with its process), or it has no socket and its owner.pid names no process (or it has neither). Anything unexpected counts as alive: a scratch folder is only ever
 * removed when its owner is known to be dead.
 */
function ownerDead(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection(join(dir, LOCK));
    sock.once('connect', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') resolve(true);
      else if (e.code === 'ENOENT') resolve(pidDead(dir));
      else resolve(false);
    });
  });
}

/** For a folder without a lock socket: dead unless its owner.pid names a process that exists. */
function pidDead(dir: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, OWNER), 'utf8'));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * A run's scratch folder, `<root>/<pid>-<random>`, locked by a Unix socket listening inside it for as long as
 * the process lives (a kill -9 closes it: no pid files, so neither a zombie nor a reused pid fools the check).
 *
 * @example const s = await Scratch.create(); try { use(s.dir); } finally { s.remove(); }
 */
export class Scratch {
  private constructor(
    readonly dir: string,
    private readonly server: Server | undefined,
  ) {}

  /**
   * Removes the folders of dead runs under `root`, then makes this run's folder: set up under a `.new-` name
   * (which cleaners skip) and renamed into place once its lock listens.
   */
  static async create(root = scratchRoot()): Promise<Scratch> {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    await Scratch.clean(root);
    const name = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const setup = join(root, `.new-${name}`);
    mkdirSync(setup, { mode: 0o700 });
    let server: Server | undefined = createServer((c) => c.destroy());
    try {
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(join(setup, LOCK), () => resolve());
      });
      server.unref();
    } catch {
      // No socket here (path too long for a socket address, or no Unix sockets): fall back to the pid, which a
      // reused pid can make look alive (the folder then waits for a later run), never the other way round.
      server = undefined;
      writeFileSync(join(setup, OWNER), String(process.pid));
    }
    const dir = join(root, name);
    renameSync(setup, dir);
    return new Scratch(dir, server);
  }

  /** Removes the scratch folders under `root` whose runs are dead; returns their names. */
  static async clean(root = scratchRoot()): Promise<string[]> {
    let names: string[];
    try {
      names = readdirSync(root);
    } catch {
      return [];
    }
    const removed: string[] = [];
    for (const name of names) {
      const dir = join(root, name);
      if (name.startsWith('.new-')) {
        // A run being set up right now, or one killed during set-up long ago.
        let age = 0;
        try {
          age = Date.now() - statSync(dir).mtimeMs;
        } catch {
          continue;
        }
        if (age < SETUP_GRACE_MS) continue;
      } else if (!/^\d+-[0-9a-f]+$/.test(name) || !(await ownerDead(dir))) {
        continue;
      }
      rmSync(dir, { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }

  /** Removes this run's folder and releases its lock (synchronous, so it also works in a signal handler). */
  remove(): void {
    this.server?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
