// flowwatch.yaml: validation errors point at file, line and column; put/delete keep the user's comments.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  deleteFilter,
  loadConfig,
  parseConfig,
  putFilter,
  saveConfig,
} from '../../src/config/config.js';

const GOOD = `# flowwatch settings
metricFilters:
  # count rejected SSH
  - name: rejected-ssh
    pattern: "[v, a, eni, src, dst, sp, dport = 22, proto = 6, pkts, bytes, st, en, action = REJECT, status]"
    metricNamespace: Local/VPC
    metricName: RejectedSSH
    metricValue: "1"
    defaultValue: 0 # alarms see zero
    unit: Count
`;

function where(text: string): [string, number, number] | undefined {
  try {
    parseConfig('fw.yaml', text);
    return undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return [err.code, err.line, err.column];
  }
}

const item = (extra: string) => `metricFilters:
  - name: f
    pattern: "[a, b, c]"
    metricNamespace: N
    metricName: M
    metricValue: "1"
${extra}`;

describe('config validation', () => {
  it('accepts a valid file, an empty file and an empty list', () => {
    expect(parseConfig('fw.yaml', GOOD).filters.map((f) => f.filter)).toEqual([
      {
        name: 'rejected-ssh',
        pattern:
          '[v, a, eni, src, dst, sp, dport = 22, proto = 6, pkts, bytes, st, en, action = REJECT, status]',
        metricNamespace: 'Local/VPC',
        metricName: 'RejectedSSH',
        metricValue: '1',
        defaultValue: 0,
        unit: 'Count',
      },
    ]);
    expect(parseConfig('fw.yaml', '').filters).toEqual([]);
    expect(parseConfig('fw.yaml', 'metricFilters: []\n').filters).toEqual([]);
  });

  it.each<[string, string, [string, number, number]]>([
    ['YAML syntax', 'metricFilters:\n  - name: a\n   pattern: x\n', ['CONFIG_YAML', 3, 1]],
    ['unknown top-level key', 'metricFilter:\n  - name: a\n', ['CONFIG_UNKNOWN_KEY', 1, 1]],
    ['list expected', 'metricFilters:\n  name: a\n', ['CONFIG_TYPE', 2, 3]],
    ['unknown key in a filter', item('    metricname: X\n'), ['CONFIG_UNKNOWN_KEY', 7, 5]],
    ['missing key', 'metricFilters:\n  - name: f\n    pattern: x\n', ['CONFIG_MISSING_KEY', 2, 5]],
    ['defaultValue not a number', item('    defaultValue: zero\n'), ['CONFIG_TYPE', 7, 19]],
    ['unknown unit', item('    unit: Cnt\n'), ['METRIC_BAD_UNIT', 7, 11]],
    ['value field not in pattern', item('').replace('"1"', '$bytes'), ['METRIC_UNKNOWN_FIELD', 6, 18]],
    [
      'too many dimensions',
      item('    dimensions:\n      A: $a\n      B: $b\n      C: $c\n      D: $a\n'),
      ['METRIC_TOO_MANY_DIMENSIONS', 8, 7],
    ],
    ['dimension naming no field', item('    dimensions:\n      A: $z\n'), ['METRIC_UNKNOWN_FIELD', 8, 10]],
    // The pattern error points into the pattern: `"` is column 14, `[` column 15, and the error is at
    // offset 5 of `[a, b` (its end), so column 20.
    ['bad pattern', item('').replace('"[a, b, c]"', '"[a, b"'), ['EXPECTED_COMMA_OR_BRACKET', 3, 20]],
    // issue 19 item 11: `{[` hung `monitor` at start; now refused at the `[`: `"` column 14, `{` 15, `[` 16
    ['JSON pattern with [', item('').replace('"[a, b, c]"', '"{["'), ['UNEXPECTED_CHARACTER', 3, 16]],
    // issue 12 item 3: curly quotes pasted into the YAML value (single-quoted YAML): `'` column 14, `“` 15
    ['pasted curly quote', item('').replace('"[a, b, c]"', "'“REJECT”'"), ['PASTED_CHARACTER', 3, 15]],
    [
      'duplicate name',
      `${item('')}  - name: f\n    pattern: ""\n    metricNamespace: N\n    metricName: M\n    metricValue: 1\n`,
      ['CONFIG_DUPLICATE_NAME', 7, 11],
    ],
  ])('%s', (_, text, expected) => {
    expect(where(text)).toEqual(expected);
  });

  it('names the file, line and column in the message and shows the line', () => {
    try {
      parseConfig('conf/fw.yaml', item('    unit: Cnt\n'));
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/^conf\/fw\.yaml:7:11: /);
      expect((err as ConfigError).detail).toBe('      unit: Cnt\n            ^');
    }
  });
});

describe('put / list / delete', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fw-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips through the file and keeps the comments', () => {
    const path = join(dir, 'flowwatch.yaml');
    writeFileSync(path, GOOD);
    saveConfig(
      path,
      putFilter(loadConfig(path), {
        name: 'bytes',
        pattern: '[..., bytes, st, en, action, status]',
        metricNamespace: 'Local/VPC',
        metricName: 'Bytes',
        metricValue: '$bytes',
        dimensions: { Action: '$action' },
        unit: 'Bytes',
      }),
    );
    expect(loadConfig(path).filters.map((f) => f.filter.name)).toEqual(['rejected-ssh', 'bytes']);
    // Replacing keeps the comments around unchanged keys.
    const ssh = loadConfig(path).filters[0]!.filter;
    saveConfig(path, putFilter(loadConfig(path), { ...ssh, metricName: 'SSH' }));
    let text = readFileSync(path, 'utf8');
    expect(text).toContain('# flowwatch settings');
    expect(text).toContain('# count rejected SSH');
    expect(text).toContain('defaultValue: 0 # alarms see zero');
    expect(loadConfig(path).filters.map((f) => f.filter.metricName)).toEqual(['SSH', 'Bytes']);
    const text2 = deleteFilter(loadConfig(path), 'bytes');
    expect(text2).toBeDefined();
    saveConfig(path, text2!);
    text = readFileSync(path, 'utf8');
    expect(text).toContain('# flowwatch settings');
    expect(text).toContain('# count rejected SSH');
    expect(loadConfig(path).filters.map((f) => f.filter.name)).toEqual(['rejected-ssh']);
    expect(deleteFilter(loadConfig(path), 'nope')).toBeUndefined();
  });

  it('creates a missing file', () => {
    const path = join(dir, 'new.yaml');
    const c = loadConfig(path);
    expect(c.exists).toBe(false);
    saveConfig(
      path,
      putFilter(c, { name: 'r', pattern: 'REJECT', metricNamespace: 'N', metricName: 'M', metricValue: '1' }),
    );
    expect(loadConfig(path).filters.map((f) => f.filter.pattern)).toEqual(['REJECT']);
  });
});
