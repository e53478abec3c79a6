// Runs the hand-worked conformance table (cases.ts) against the evaluator, with the describe-* fixtures.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/network/evaluate.js';
import { fixFor } from '../../src/network/fix.js';
import { buildModel, parseDocument } from '../../src/network/load.js';
import { CASES } from './cases.js';

const DIR = join(import.meta.dirname, '../fixtures/network');
const model = buildModel(
  readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => parseDocument(join(DIR, f), readFileSync(join(DIR, f), 'utf8'))),
);

describe('network evaluator conformance', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const v = evaluate(model, c.connection);
    expect(v.decision).toBe(c.decision);
    if (c.blocking) {
      const b = v.blocking!;
      expect(b.control).toBe(c.blocking.control);
      expect(b.ids).toContain(c.blocking.id);
      expect(b.packet).toBe(c.blocking.packet);
      expect(b.boundary).toBe(c.blocking.boundary);
      if (c.blocking.ruleNumber !== undefined) expect(b.ruleNumber).toBe(c.blocking.ruleNumber);
    } else {
      expect(v.blocking).toBeUndefined();
    }
    if (c.allowedBy)
      expect(v.steps.some((s) => s.decision === 'allow' && s.rule.includes(c.allowedBy!))).toBe(true);
    for (const acl of c.acls ?? []) expect(v.steps.some((s) => s.ids.includes(acl))).toBe(true);
    if (c.fix !== undefined) expect(fixFor(model, v.blocking!, c.connection)).toBe(c.fix);
    if (c.aclSteps !== undefined)
      expect(v.steps.filter((s) => s.control === 'network-acl')).toHaveLength(c.aclSteps);
  });
});
