// The OCSF 1.1.0 Detection Finding of a stored finding: classification, times, severity and status ids, the
// finding info and ATT&CK tag, evidences from the sample. Expected values from the spec digest
// (../shared/spec/detections.md §5): class_uid 2004, category 2, type_uid = 2004·100 + activity.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../src/detect/catalog.js';
import { toOcsfFinding } from '../../src/export/ocsf-finding.js';
import { buildModel, parseDocument } from '../../src/network/load.js';
import { namesOfModel } from '../../src/network/resource-names.js';
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
  it("names the affected resource from a network snapshot: the instance's Name tag, the label and ids under unmapped", () => {
    // test/fixtures/network plus an instance file: 10.0.1.10 is eni-0web's, attached to i-0web ("web-1") in
    // subnet-0pub ("public") of vpc-0lab, with sg-0web (web)
    const dir = join(import.meta.dirname, '../fixtures/network');
    const docs = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => parseDocument(join(dir, f), readFileSync(join(dir, f), 'utf8')));
    const instances = parseDocument(
      'instances.json',
      JSON.stringify({
        Reservations: [{ Instances: [{ InstanceId: 'i-0web', Tags: [{ Key: 'Name', Value: 'web-1' }] }] }],
      }),
    );
    const names = namesOfModel(buildModel([...docs, instances]), T);
    // the entity `host:port` (a brute force's) is looked up by its host
    const o = toOcsfFinding({ ...finding, entity: '10.0.1.10:22' }, d, '0.1.0', T + 1000, names);
    expect(o['resources']).toEqual([{ uid: '10.0.1.10:22', type: 'IP Address', name: 'web-1' }]);
    expect(o['unmapped']).toMatchObject({
      entity_name: 'web-1 · public · web',
      entity_interface_id: 'eni-0web',
      entity_instance_id: 'i-0web',
      entity_subnet_id: 'subnet-0pub',
      entity_vpc_id: 'vpc-0lab',
      entity_security_groups: 'sg-0web (web)',
    });
    // an address no interface holds: nothing added, nothing guessed
    const far = toOcsfFinding({ ...finding, entity: '203.0.113.9' }, d, '0.1.0', T + 1000, names);
    expect(far['resources']).toEqual([{ uid: '203.0.113.9', type: 'IP Address' }]);
    expect(Object.keys(far['unmapped'] as object).filter((k) => k.startsWith('entity_'))).toEqual([]);
  });
});
