// The dispatcher lock of a state directory: released by the kernel when its holder dies (kill -9, a zombie left
// unreaped, a process id reused by another program), while a live holder still keeps a second dispatcher out.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/notify/index.js';
import { type Receiver, startReceiver, stateDir } from './helpers.js';

const VITE_NODE = join('node_modules', 'vite-node', 'vite-node.mjs');
const CHILD = join('test', 'notify', 'child-dispatcher.ts');

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function hook(): Promise<Receiver> {
  const r = await startReceiver(() => 200);
  cleanups.push(() => r.close());
  return r;
}

/** Resolves with the first stdout line of `child` matching `re` (rejects if the child exits first). */
function waitForLine(child: ChildProcess, re: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) resolve(m);
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('exit', () => reject(new Error(`child exited before ${re}: ${err}`)));
  });
}

const state = (pid: number) =>
  /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';

describe('outbox lock', () => {
  it('a live holder keeps a second dispatcher out, naming its process; SIGKILL frees it at once', async () => {
    const dir = stateDir();
    mkdirSync(dir, { recursive: true });
    const child = spawn(process.execPath, [VITE_NODE, CHILD, dir, (await hook()).url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => void child.kill('SIGKILL'));
    await waitForLine(child, /published/);
    await expect(Outbox.open(dir, { exclusive: true })).rejects.toMatchObject({
      code: 'OUTBOX_LOCKED',
      message: `${dir} is in use by another notification dispatcher (process ${child.pid})`,
    });
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    const box = await Outbox.open(dir, { exclusive: true }); // no wait, no file to delete
    await box.close();
  });

  it('a holder killed but never reaped (a zombie, as in a container without init) does not hold it', async () => {
    if (process.platform !== 'linux') return;
    const dir = stateDir();
    mkdirSync(dir, { recursive: true });
    // sh starts the dispatcher in the background, then becomes `sleep`, which never reaps it.
    const parent = spawn(
      'sh',
      [
        '-c',
        `"$0" "$1" "$2" "$3" "$4" & echo "pid $!"; exec sleep 60`,
        process.execPath,
        VITE_NODE,
        CHILD,
        dir,
        (await hook()).url,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanups.push(() => void parent.kill('SIGKILL'));
    const pid = Number((await waitForLine(parent, /pid (\d+)/))[1]);
    await waitForLine(parent, /published/);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && state(pid) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(state(pid)).toBe('Z'); // still in the process table: kill(pid, 0) succeeds on it
    const box = await Outbox.open(dir, { exclusive: true });
    await box.close();
  });

  it('a stale lock file naming a live, unrelated process (a reused pid) does not hold it', async () => {
    const dir = stateDir();
    mkdirSync(dir, { recursive: true });
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    cleanups.push(() => void other.kill('SIGKILL'));
    writeFileSync(join(dir, 'lock'), `${other.pid}\n`); // what an older flowwatch killed with -9 left behind
    const box = await Outbox.open(dir, { exclusive: true });
    await box.close();
  });
});
