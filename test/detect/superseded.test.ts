// supersededBy: an hour-long variant's finding is dropped when the 10-minute detection it names has a finding on
// the same entity overlapping it; kept when the entity differs, the times do not overlap, or the fast one did not run.

import { describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../src/detect/catalog.js';
import type { DetectedFinding } from '../../src/detect/episodes.js';
import { superseded } from '../../src/detect/run.js';

const f = (detection: string, entity: string, start: number, end: number): DetectedFinding =>
  ({ id: `${detection}-${entity}-${start}`, detection, entity, start, end }) as unknown as DetectedFinding;

describe('superseded', () => {
  const catalog = builtinCatalog();
  it('the slow variants name their 10-minute detection', () => {
    const by = Object.fromEntries(catalog.filter((d) => d.supersededBy).map((d) => [d.id, d.supersededBy]));
    expect(by).toEqual({
      'vertical-port-scan-slow': 'vertical-port-scan',
      'horizontal-sweep-slow': 'horizontal-sweep',
      'brute-force-login-slow': 'brute-force-login',
      // the daily bin repeats nothing the hourly one found on the same host that day
      'exfiltration-daily': 'exfiltration-baseline',
    });
  });
  it('drops a slow finding overlapping the fast one on the same entity, keeps the others', () => {
    const fast = f('vertical-port-scan', '10.0.1.10', 1000, 1190);
    const slowSame = f('vertical-port-scan-slow', '10.0.1.10', 900, 1500); // overlaps: dropped
    const slowLater = f('vertical-port-scan-slow', '10.0.1.10', 1191, 5000); // starts after fast ends: kept
    const slowOther = f('vertical-port-scan-slow', '10.0.1.11', 1000, 1190); // other entity: kept
    const sweep = f('horizontal-sweep-slow', '10.0.1.10', 1000, 1190); // names another detection: kept
    expect(superseded(catalog, [fast, slowSame, slowLater, slowOther, sweep])).toEqual([
      fast,
      slowLater,
      slowOther,
      sweep,
    ]);
  });
});
