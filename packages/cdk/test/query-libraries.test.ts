// Which saved queries a format gets: Logs Insights queries from flowwatch's library (with a parse stage for custom
// formats) and the Athena SQL library, gated by the fields each query reads.

import { DEFAULT_FIELDS, type FieldDef, findField } from 'flowwatch/catalog';
import { describe, expect, it } from 'vitest';
import { ATHENA_LIBRARY, athenaQueriesFor, insightsQueriesFor } from '../src/index.js';
import { parseStage } from '../src/insights-queries.js';

const f = (...names: string[]): FieldDef[] => names.map((n) => findField(n)!);

describe('Logs Insights queries', () => {
  it('adds no parse stage for the default format, and one naming every field otherwise', () => {
    expect(parseStage([...DEFAULT_FIELDS])).toBe('');
    expect(parseStage(f('srcaddr', 'dstaddr', 'action', 'end'))).toBe(
      'parse @message "* * * *" as srcAddr, dstAddr, action, endTime',
    );
  });

  it('keeps only the queries whose every field is in the format', () => {
    const names = insightsQueriesFor(f('srcaddr', 'dstaddr', 'dstport', 'protocol', 'action')).map(
      (q) => q.name,
    );
    // Worked out from the library, in its order: the queries reading no field beyond these five.
    expect(names).toEqual([
      'top-rejected-sources',
      'udp-sources',
      'rejected-by-port',
      'ssh-attempts',
      'rdp-attempts',
      'ssh-rdp-summary',
      'denied-icmp',
      'rejected-per-hour',
    ]);
  });
});

describe('Athena queries', () => {
  it('are all there for the default format, reading the table by its quoted name', () => {
    const qs = athenaQueriesFor([...DEFAULT_FIELDS], '"db"."t"');
    expect(qs.map((q) => q.name)).toEqual(ATHENA_LIBRARY.map((q) => q.name));
    expect(qs.find((q) => q.name === 'rejected-by-source')?.sql).toBe(
      'SELECT srcaddr, COUNT(*) AS rejections\nFROM "db"."t"\n' +
        "WHERE year = date_format(current_date, '%Y') AND month = date_format(current_date, '%m') AND day = date_format(current_date, '%d')\n" +
        "  AND action = 'REJECT'\nGROUP BY srcaddr\nORDER BY rejections DESC\nLIMIT 20",
    );
  });

  it('leave out the queries whose columns the format lacks', () => {
    expect(athenaQueriesFor(f('srcaddr', 'action'), 't').map((q) => q.name)).toEqual(['rejected-by-source']);
  });
});
