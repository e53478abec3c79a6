// Scratch folders: live runs' folders are never removed, dead runs' are (the real kill -9 is in test/cli/crash.test.ts).

import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Scratch } from '../../src/ingest/scratch.js';
import { runProcess } from '../support/run-cli.js';

const base = mkdtempSync(join(tmpdir(), 'fw-scratch-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('Scratch', () => {
  it("keeps live runs' folders, removes its own on remove(), and leaves foreign and half-made folders", async () => {
    const root = join(base, 'live');
    const a = await Scratch.create(root);
    const b = await Scratch.create(root);
    writeFileSync(join(a.dir, 'normal-0.txt'), 'x');
    mkdirSync(join(root, 'not-ours'));
    mkdirSync(join(root, '.new-1-abcd')); // a run being set up right now
    expect(await Scratch.clean(root)).toEqual([]);
    expect(existsSync(a.dir) && existsSync(b.dir)).toBe(true);
    a.remove();
    expect(existsSync(a.dir)).toBe(false);
    expect(readdirSync(root).sort()).toEqual(['.new-1-abcd', b.dir.split('/').pop(), 'not-ours'].sort());
    b.remove();
  });

  it('without a lock socket, judges by owner.pid: a finished process is dead, a running one alive', async () => {
    const root = join(base, 'pid');
    // runProcess resolves on 'close', after 'exit': the child has exited and been reaped by now.
    const gone = (await runProcess('node', ['-e', '0'])).pid!;
    mkdirSync(join(root, '11-aa'), { recursive: true });
    writeFileSync(join(root, '11-aa', 'owner.pid'), String(gone));
    mkdirSync(join(root, '22-bb'));
    writeFileSync(join(root, '22-bb', 'owner.pid'), String(process.pid));
    mkdirSync(join(root, '33-cc')); // neither socket nor pid: nothing can own it
    expect((await Scratch.clean(root)).sort()).toEqual(['11-aa', '33-cc']);
    expect(readdirSync(root)).toEqual(['22-bb']);
  });
});
