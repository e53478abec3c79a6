// The OCSF 1.1.0 Detection Finding of a stored finding: classification, times, severity and status ids, the
// finding info and ATT&CK tag, evidences from the sample. Expected values from the spec digest
// (../shared/spec/detections.md §5): class_uid 2004, category 2, type_uid = 2004·100 + activity.

import { describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../src/detect/catalog.js';
import { toOcsfFinding } from '../../src/export/ocsf-finding.js';
import type { StoredFinding } from '../../src/storage/findings.js';

const T = 1716199200;
const finding: StoredFinding = {
  id: 'vertical-port-scan-0123456789ab',
  detection: 'vertical-port-scan',
  title: 'Vertical port scan (many ports on one host)',
  severity: 'medium',
  key: ['10.0.1.10', '203.0.113.9'],
  entity: '10.0.1.10',
  peers: ['203.0.113.9'],
  morePeers: false,
  start: T,
  end: T + 190,
  firstWindow: T,
  lastWindow: T,
  windows: [{ w: T, value: 60, records: 60, firstSeen: T, lastSeen: T + 190, severity: 'medium' }],
  evidenceCount: 60,
  peak: 60,
  evidenceSql: 'SELECT 1',
  evidenceEngine: 'duckdb',
  sample: [
    {
      account_id: '111122223333',
      srcaddr: '203.0.113.9',
      dstaddr: '10.0.1.10',
      srcport: 40000,
      dstport: 1,
      protocol: 6,
    },
  ],
  closed: false,
  state: 'acknowledged',
  stateReason: 'looking',
  stateUntil: undefined,
  stateAt: T + 500,
  createdAt: T + 300,
  updatedAt: T + 300,
};

describe('OCSF Detection Finding', () => {
  const d = builtinCatalog().find((x) => x.id === 'vertical-port-scan');
  it('maps a new, acknowledged, medium finding', () => {
    const o = toOcsfFinding(finding, d, '0.1.0', T + 1000);
    expect(o).toMatchObject({
      class_uid: 2004,
      category_uid: 2,
      activity_id: 1,
      type_uid: 200401,
      time: (T + 190) * 1000,
      severity_id: 3,
      status_id: 2,
      count: 60,
      metadata: {
        version: '1.1.0',
        product: { name: 'flowwatch', vendor_name: 'flowwatch', version: '0.1.0' },
      },
      finding_info: {
        uid: 'vertical-port-scan-0123456789ab',
        analytic: { type_id: 1, uid: 'vertical-port-scan' },
        first_seen_time: T * 1000,
        last_seen_time: (T + 190) * 1000,
        attacks: [
          { tactic: { uid: 'TA0007' }, technique: { uid: 'T1046', name: 'Network Service Discovery' } },
        ],
      },
      evidences: [
        {
          src_endpoint: { ip: '203.0.113.9', port: 40000 },
          dst_endpoint: { ip: '10.0.1.10', port: 1 },
          connection_info: { protocol_num: 6 },
        },
      ],
      cloud: { provider: 'AWS', account: { uid: '111122223333' } },
    });
    expect(o).not.toHaveProperty('action_id');
  });
  it('an ended episode is a Close; an expired suppression is New again', () => {
    const o = toOcsfFinding(
      { ...finding, closed: true, updatedAt: T + 400, state: 'suppressed', stateUntil: T + 900 },
      d,
      '0.1.0',
      T + 1000,
    );
    expect([o['activity_id'], o['type_uid'], o['status_id']]).toEqual([3, 200403, 1]);
  });
});
