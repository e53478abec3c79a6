// query --name with a shortened or misspelt name: the hint only said to list them; it now names the query meant
// (the library's top-rejected-sources, README's example).

import { describe, expect, it } from 'vitest';
import { runMain } from '../support/capture-io.js';

describe('query --name', () => {
  it('an unknown name gets the library query meant, else the way to list them', async () => {
    const r = await runMain(['query', '--name', 'top-rejected', '--db', '/nonexistent/x.duckdb']);
    expect([r.code, r.err]).toEqual([
      2,
      'flowwatch: there is no library query named "top-rejected"\n  hint: did you mean "top-rejected-sources"?\n',
    ]);
    const x = await runMain(['query', '--name', 'qqqq', '--db', '/nonexistent/x.duckdb']);
    expect(x.err).toContain('hint: list them with: flowwatch query --list');
  });
});
