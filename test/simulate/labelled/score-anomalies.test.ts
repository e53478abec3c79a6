// scoreAnomalies: kind-less findings (the Random Cut Forest's) hit an attack of any kind by entity and window;
// the rest are false, and those on a benign look-alike are counted apart.

import { describe, expect, it } from 'vitest';
import { scoreAnomalies } from '../../../src/simulate/labelled/score.js';
import type { Attack, Benign } from '../../../src/simulate/labelled/truth.js';

const base = { also: [], description: '', records: 1 } as const;
const flood: Attack = {
  ...base,
  id: 'j1',
  kind: 'flood',
  entity: '10.0.0.5',
  alt: ['eni-a'],
  start: 1000,
  end: 2000,
  direction: 'inbound',
  family: 4,
  intensity: '',
  details: {},
};
const backup: Benign = {
  ...base,
  id: 'b1',
  kind: 'exfiltration',
  entity: '10.0.0.9',
  alt: ['eni-b'],
  start: 5000,
  end: 6000,
  why: '',
};
const f = (entity: string, start: number, end: number) => ({
  id: entity,
  detection: 'rcf-interface-anomaly',
  severity: 'low',
  entity,
  start,
  end,
  evidence_count: 0,
});

describe('scoreAnomalies', () => {
  it('counts a hit by interface id and overlap, false findings, and those on look-alikes', () => {
    const s = scoreAnomalies({ attacks: [flood], benign: [backup] }, [
      f('eni-a', 2200, 2799), // 200 s after the flood ends: within the 300 s slack
      f('eni-a', 2400, 2999), // 400 s after: false, on no look-alike
      f('eni-b', 5400, 5999), // on the backup
    ]);
    expect(s.rows.find((r) => r.kind === 'flood')).toMatchObject({
      attacks: 1,
      found: 1,
      recall: 1,
      missed: [],
    });
    expect(s.rows.find((r) => r.kind === 'exfiltration')?.recall).toBeNull();
    expect([s.findings, s.onAttacks, s.falseFindings, s.falseOnBenign]).toEqual([3, 1, 2, 1]);
    expect(s.benignHit).toEqual({ b1: 1 });
  });
});
