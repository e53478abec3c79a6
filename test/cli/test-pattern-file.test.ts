// flowwatch test-pattern --file: lines cut on the bytes (LF, CRLF, lone CR), gzip, over-long events, --count.
// Expected numbers are counted by hand from the lines written below.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fw-tp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SSH = '[v, a, eni, src, dst, sp, dp = 22, proto = 6, pk, by, s, e, action = REJECT, st]';
const rec = (src: string, dp: number, action: string) =>
  `2 123456789012 eni-1 ${src} 10.0.0.5 40000 ${dp} 6 1 40 1620000000 1620000060 ${action} OK`;

const fw = (args: string[], input = '') =>
  runCliInProcess(args, { input, env: { ...process.env, FLOWWATCH_DB: '' }, timeoutMs: 60_000 });

describe('test-pattern --file', () => {
  it('numbers events across LF, CRLF and lone CR, in a gzip file, counting blank lines as events', async () => {
    // Breaks: CRLF, CRLF, lone CR, LF, LF (a blank line), none at the end.
    const body = `${rec('1.1.1.1', 22, 'REJECT')}\r\n${rec('2.2.2.2', 80, 'REJECT')}\r\n${rec('3.3.3.3', 22, 'REJECT')}\rnoté\n\n${rec('4.4.4.4', 22, 'REJECT')}`;
    const f = join(dir, 'mixed.log.gz');
    writeFileSync(f, gzipSync(body));
    const r = await fw(['test-pattern', SSH, '--file', f, '-o', 'json']);
    expect(r.code, r.err).toBe(0);
    // Events: 1 rec1, 2 rec2, 3 rec3 (ended by a lone CR), 4 "noté", 5 blank, 6 rec4 (no final break).
    const out = JSON.parse(r.out) as {
      eventNumber: number;
      eventMessage: string;
      extractedValues: Record<string, string>;
    }[];
    expect(out.map((m) => m.eventNumber)).toEqual([1, 3, 6]);
    expect(out[0]!.eventMessage).toBe(rec('1.1.1.1', 22, 'REJECT'));
    expect(out[2]!.extractedValues['$src']).toBe('4.4.4.4');
    const t = await fw(['test-pattern', SSH, '--file', f]);
    expect(t.err).toContain('3 of 6 events match.');
    const c = await fw(['test-pattern', SSH, '--file', f, '--count', '-o', 'json']);
    expect(JSON.parse(c.out)).toEqual({ matched: 3, events: 6 });
  });

  it('counts an event over 1 MiB without testing it, and says so', async () => {
    const f = join(dir, 'long.log');
    writeFileSync(
      f,
      `${rec('1.1.1.1', 22, 'REJECT')}\n${'x'.repeat((1 << 20) + 10)}\n${rec('5.5.5.5', 22, 'REJECT')}\n`,
    );
    const r = await fw(['test-pattern', SSH, '--file', f, '--count']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('2 of 3 events match.\n');
    expect(r.err).toMatch(/1 event\(s\) longer than 1 MiB not tested \(event 2\)/);
  });

  it('reports the events before a cut gzip stream, then names the file and the damage (exit 1)', async () => {
    const whole = gzipSync(
      `${Array.from({ length: 2000 }, (_, i) => rec('1.1.1.1', i % 2 === 0 ? 22 : 80, 'REJECT')).join('\n')}\n`,
    );
    const cut = whole.subarray(0, 300);
    const f = join(dir, 'cut.log.gz');
    writeFileSync(f, cut);
    // What survives the cut, inflated independently: its complete lines are the events; every other one is port 22.
    const complete =
      gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH }).toString().split('\n').length - 1;
    expect(complete).toBeGreaterThan(10);
    const r = await fw(['test-pattern', SSH, '--file', f, '--count', '-o', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({ matched: Math.ceil(complete / 2), events: complete });
    expect(r.err).toContain(`cut.log.gz: the input is damaged or cut short after event ${complete}`);
  });

  it('names a missing file', async () => {
    const r = await fw(['test-pattern', SSH, '--file', join(dir, 'nope.log')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('nope.log');
  });

  it('says why nothing matched when the lines have another shape (a header and 15-field lines)', async () => {
    const f = join(dir, 'v5.log');
    const header =
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';
    writeFileSync(f, `${header}\n${rec('1.1.1.1', 22, 'REJECT')} ingress\n`);
    const r = await fw(['test-pattern', SSH, '--file', f, '--count']);
    expect(r.out).toContain('0 of 2 events match.');
    // The SSH pattern has 14 fields; both lines (the header too) have 15.
    expect(r.err).toContain(
      'the pattern has 14 fields and no "...", so it matches only lines of exactly 14 fields',
    );
    expect(r.err).toContain('every line has 15 fields (2 lines looked at)');
    expect(r.err).toContain('line 1 is a flow log header line');
    // Something matched: no such warning.
    const ok = await fw(['test-pattern', SSH, '--count'], `${rec('1.1.1.1', 22, 'REJECT')}\n`);
    expect(ok.out).toContain('1 of 1 events match.');
    expect(ok.err).not.toContain('warning');
  });
});
