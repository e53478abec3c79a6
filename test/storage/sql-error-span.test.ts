// DuckDB's caret context mapped back to the user's SQL: spans worked out by hand from each text (0-based,
// end excluded), including a caret in a window DuckDB cut out of a long line.

import { describe, expect, it } from 'vitest';
import { sqlErrorSpan } from '../../src/storage/sql-error-span.js';

const binder = (ctx: string, caret: number) =>
  `Binder Error: Referenced column "x" not found in FROM clause!\nCandidate bindings: "a"\n\nLINE ${ctx}\n${' '.repeat(caret)}^`;

describe('sqlErrorSpan', () => {
  it.each([
    // "select foo from flows": foo at 7..10; DuckDB's caret sits under column 7 after "LINE 1: " (8 chars).
    ['select foo from flows', binder('1: select foo from flows', 15), 7, 10],
    // "select a,\n" is 10 characters; the second line starts there and srcadr 2 further, at 12.
    ['select a,\n  srcadr\nfrom flows', binder('2:   srcadr', 10), 12, 18],
    // A quoted identifier is underlined whole.
    ['select "Nope" from flows', binder('1: select "Nope" from flows', 15), 7, 13],
    // A window of a long line: "...b, c, zzz FROM t" — the caret is 5 into the window's text after "...".
    [
      `select ${'a, '.repeat(60)}b, c, zzz FROM t`,
      binder('1: ...b, c, zzz FROM t', 8 + 3 + 6),
      7 + 180 + 6,
      7 + 180 + 9,
    ],
  ])('%j', (sql, message, start, end) => {
    const r = sqlErrorSpan(sql, message);
    expect(r.start).toBe(start);
    expect(r.end).toBe(end);
    expect(r.message).not.toContain('LINE');
    expect(r.message).toContain('Candidate bindings');
  });

  it('leaves a message without a caret context alone, without a span', () => {
    expect(sqlErrorSpan('select 1', 'Conversion Error: x')).toEqual({ message: 'Conversion Error: x' });
  });

  it('gives no span when the line DuckDB names is not in the text', () => {
    const r = sqlErrorSpan('select 1', binder('3: nothing', 8));
    expect(r.start).toBeUndefined();
    expect(r.message).not.toContain('LINE');
  });
});

describe('flowwatch sql with a date compared with a unix-seconds column', () => {
  it('names start/end as unix seconds and gives the rewrite, which runs', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { runCliInProcess } = await import('../support/run-cli.js');
    const dir = mkdtempSync(join(tmpdir(), 'fw-sql-date-'));
    try {
      // Two default-format records, one before and one after 2026-12-07T00:00:00Z (unix 1796601600).
      const log = join(dir, 'flows.log');
      writeFileSync(
        log,
        [
          'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
          '2 123456789012 eni-a 10.0.0.1 10.0.0.2 1000 22 6 1 40 1796601000 1796601030 ACCEPT OK',
          '2 123456789012 eni-a 10.0.0.1 10.0.0.2 1001 22 6 1 40 1796602000 1796602030 REJECT OK',
          '',
        ].join('\n'),
      );
      const db = join(dir, 'store.duckdb');
      expect((await runCliInProcess(['ingest', log, '--db', db])).code).toBe(0);
      const bad = await runCliInProcess([
        'sql',
        '--db',
        db,
        "SELECT count(*) FROM flows WHERE start > '2026-12-07'",
      ]);
      expect(bad.code).not.toBe(0);
      expect(bad.err).toContain('unix seconds');
      expect(bad.err).toContain("epoch(TIMESTAMP '2026-12-07')");
      const ok = await runCliInProcess([
        'sql',
        '--db',
        db,
        '-o',
        'csv',
        "SELECT count(*) AS n FROM flows WHERE start >= epoch(TIMESTAMP '2026-12-07')",
      ]);
      expect(ok.code).toBe(0);
      expect(ok.out.trim().split('\n')).toEqual(['n', '1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
