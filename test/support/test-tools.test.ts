// test/support/test-tools.ts: the files that drive chromium or awscli wait until `npm test`'s install beside the
// suite has ended, and not at all when no install runs.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testToolsSettled } from './test-tools.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-tools-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('testToolsSettled', () => {
  it('returns at once when no install runs beside the suite (no variable, or an empty one)', async () => {
    const t0 = performance.now();
    await testToolsSettled({});
    await testToolsSettled({ FLOWWATCH_TEST_TOOLS: '' });
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('waits until the marker file is written, then returns', async () => {
    const marker = join(dir, 'settled');
    let settled = false;
    const waiting = testToolsSettled({ FLOWWATCH_TEST_TOOLS: marker }).then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 700));
    expect(settled).toBe(false);
    writeFileSync(marker, '0');
    await waiting;
    expect(settled).toBe(true);
  });
});
