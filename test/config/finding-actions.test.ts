// findingActions: in flowwatch.yaml: validated with the position of the mistake, and the topics a finding goes to.

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { topicsForFinding } from '../../src/config/finding-actions-config.js';

const TOPICS = `topics:
  - name: oncall
    subscriptions: [{ type: stdout }]
  - name: digest
    subscriptions: [{ type: stdout }]
`;

const err = (text: string) => {
  try {
    parseConfig('flowwatch.yaml', text);
  } catch (e) {
    return e as Error & { code: string };
  }
  throw new Error('expected an error');
};

describe('findingActions', () => {
  it('routes by severity (this one and above) and by detection', () => {
    const c = parseConfig(
      'flowwatch.yaml',
      `${TOPICS}findingActions:
  - { minSeverity: high, topics: [oncall] }
  - { minSeverity: low, topics: [digest, oncall], detections: [vertical-port-scan] }
`,
    );
    expect(c.findingActions).toHaveLength(2);
    // high reaches the first rule; the second adds digest (oncall only once).
    expect(topicsForFinding(c.findingActions, 'vertical-port-scan', 'high')).toEqual(['oncall', 'digest']);
    expect(topicsForFinding(c.findingActions, 'vertical-port-scan', 'low')).toEqual(['digest', 'oncall']);
    expect(topicsForFinding(c.findingActions, 'horizontal-sweep', 'medium')).toEqual([]);
    expect(topicsForFinding(c.findingActions, 'horizontal-sweep', 'critical')).toEqual(['oncall']);
  });

  it('refuses an unknown topic, severity or detection at its line and column', () => {
    const t = err(`${TOPICS}findingActions:\n  - { minSeverity: high, topics: [pager] }\n`);
    expect(t.code).toBe('CONFIG_UNKNOWN_TOPIC');
    expect(t.message).toMatch(
      /^flowwatch\.yaml:7:\d+: findingActions\[0\]\.topics\[0\]: there is no topic "pager"/,
    );
    const s = err(`${TOPICS}findingActions:\n  - { minSeverity: urgent, topics: [oncall] }\n`);
    expect(s.message).toContain('findingActions[0].minSeverity: "urgent" is not a severity');
    const d = err(`${TOPICS}findingActions:\n  - { topics: [oncall], detections: [vertical-portscan] }\n`);
    expect(d.message).toContain('there is no detection "vertical-portscan"');
    expect((d as Error & { hint?: string }).hint).toContain('vertical-port-scan');
  });
});
