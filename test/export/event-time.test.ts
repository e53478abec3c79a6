// OCSF `time` and ECS `@timestamp` are the record's event time, so records of a format without ${start} still
// carry a time (values worked out by hand: 1716200100 = 2024-05-20T10:15:00Z).

import { describe, expect, it } from 'vitest';
import { toEcs } from '../../src/export/ecs.js';
import { toOcsf } from '../../src/export/ocsf.js';

const ROW = {
  action: 'REJECT',
  srcaddr: '203.0.113.9',
  dstaddr: '10.0.1.10',
  dstport: 22,
  event_time: 1716200100,
  file_id: 1,
  line: 2,
};

describe('exports of records without start', () => {
  it('OCSF: time is the event time; start_time stays absent', () => {
    const e = toOcsf(ROW);
    expect(e['time']).toBe(1716200100000);
    expect(e['time_dt']).toBe('2024-05-20T10:15:00.000Z');
    expect(e['start_time']).toBeUndefined();
    expect(JSON.stringify(e)).not.toContain('event_time');
  });
  it('ECS: @timestamp is the event time; event.start stays absent', () => {
    const d = toEcs(ROW);
    expect(d['@timestamp']).toBe('2024-05-20T10:15:00.000Z');
    expect((d['event'] as Record<string, unknown>)['start']).toBeUndefined();
  });
  it('with start, both are start', () => {
    expect(toOcsf({ ...ROW, start: 1716200105, event_time: 1716200105 })['time']).toBe(1716200105000);
  });
});
