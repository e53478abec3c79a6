// The table formatter: thousands separators for counts and bytes only, never for ports, protocol numbers,
// epoch times, account ids or line numbers, whatever the naming (column, camelCase, aggregate).

import { describe, expect, it } from 'vitest';
import { isCodeColumn, render, wrap } from '../../src/cli/output.js';

describe('table cells', () => {
  it('prints ports, times, account ids and line numbers as they are, counts and bytes grouped', () => {
    const out = render(
      {
        columns: ['dstPort', 'start', 'accountId', 'line', 'bytes', 'count(*)'],
        rows: [
          {
            dstPort: 3389,
            start: 1621577928,
            accountId: 123456789012,
            line: 12345,
            bytes: 1234567,
            'count(*)': 4321,
          },
        ],
      },
      'table',
    );
    const row = out.split('\n')[2]!.trim().split(/\s+/);
    expect(row).toEqual(['3389', '1621577928', '123456789012', '12345', '1,234,567', '4,321']);
  });

  it('classifies column names by their last word', () => {
    for (const code of [
      'dstport',
      'srcPort',
      'port',
      'protocol',
      'account_id',
      'acct',
      'end',
      '"end"',
      'first_seen',
      'min(start)',
      'latest(end)',
      'line_no',
      'lineNumber',
      '@timestamp',
      'tcp_flags',
      'traffic_path',
      'icmp_type',
    ])
      expect(isCodeColumn(code), code).toBe(true);
    for (const quantity of [
      'bytes',
      'packets',
      'flows',
      'count(*)',
      'count_distinct(dstport)',
      'sum(bytes)',
      'numRejections',
      'rejected',
      'attempts',
      'sources',
      'n',
    ])
      expect(isCodeColumn(quantity), quantity).toBe(false);
  });
});

describe('render table', () => {
  it('aligns a table of 300k rows (a 10M-record hunt with --limit 0) without overflowing the stack', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => ({ name: i === 7 ? 'longest-name' : 'a', n: i }));
    const lines = render({ columns: ['name', 'n'], rows }, 'table').split('\n');
    // header, rule, 300k rows, the final empty string after the last newline
    expect(lines).toHaveLength(300_003);
    expect(lines[0]).toBe('name                n');
    expect(lines[1]).toBe('------------  -------');
    expect(lines[9]).toBe('longest-name        7');
    expect(lines[300_001]).toBe('a             299,999');
  });
});

describe('wrap', () => {
  it('breaks at spaces within the width, indents every line, cuts a word longer than a line', () => {
    expect(wrap('aa bb cc dd', 7, '  ')).toBe('  aa bb\n  cc dd\n');
    expect(wrap('abcdefghij', 6, ' ')).toBe(' abcde\n fghij\n');
    expect(wrap('', 10)).toBe('\n');
  });
});
