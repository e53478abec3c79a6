// metric-filter put with a JSON pattern (copied from a CloudWatch example for JSON logs): saved without a word,
// while metric-filter list says "cannot apply" and the metric stays at zero. put now warns where it is written.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../support/capture-io.js';

const put = (config: string, pattern: string) =>
  runMain([
    'metric-filter',
    'put',
    '--config',
    config,
    '--name',
    'rejects',
    '--pattern',
    pattern,
    '--namespace',
    'FlowLogs',
    '--metric-name',
    'Rejects',
  ]);

describe('metric-filter put', () => {
  it('warns that a JSON pattern counts nothing in flow logs, and saves it (AWS accepts it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-mf-json-'));
    try {
      const config = join(dir, 'fw.yaml');
      const r = await put(config, '{ $.action = "REJECT" }');
      expect(r.code).toBe(0);
      expect(r.out).toContain('Added metric filter "rejects"');
      expect(r.err).toContain(
        'warning: a JSON pattern ({ $.field ... }) never matches a flow log record (records are space-delimited), so this filter counts nothing',
      );
      const ok = await put(config, '[..., action = REJECT, status]');
      expect(ok.err).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
