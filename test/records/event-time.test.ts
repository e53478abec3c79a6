// The event-time rule: which time a record gets, and the export prefix read as a time (values worked out by hand).

import { describe, expect, it } from 'vitest';
import { eventTime, isoPrefixSeconds } from '../../src/records/event-time.js';

// 2024-05-20T10:15:05Z is 1716200105 (the spec's GetLogEvents example: timestamp 1716200105000 = start × 1000).
const T = 1716200105;

describe('isoPrefixSeconds', () => {
  it('reads the forms CloudWatch Logs exports and their cousins write', () => {
    expect(isoPrefixSeconds('2024-05-20T10:15:05.000Z')).toBe(T);
    expect(isoPrefixSeconds('2024-05-20T10:15:05.999Z')).toBe(T); // fraction dropped
    expect(isoPrefixSeconds('2024-05-20T10:15:05')).toBe(T); // no zone: UTC
    expect(isoPrefixSeconds('2024-05-20T12:15:05+02:00')).toBe(T);
    expect(isoPrefixSeconds('2024-05-20T05:15:05-0500')).toBe(T);
    expect(isoPrefixSeconds('2024-05-20T10:15Z')).toBe(T - 5);
  });
  it('gives no time for dates that do not exist', () => {
    expect(isoPrefixSeconds('2024-02-30T00:00:00Z')).toBeUndefined();
    expect(isoPrefixSeconds('2023-02-29T00:00:00Z')).toBeUndefined();
    expect(isoPrefixSeconds('2024-02-29T00:00:00Z')).toBe(1709164800);
    expect(isoPrefixSeconds('2024-05-20T24:00:00Z')).toBeUndefined();
    expect(isoPrefixSeconds('2024-05-20T10:15:60Z')).toBeUndefined();
    expect(isoPrefixSeconds('1969-12-31T23:59:59Z')).toBeUndefined();
    expect(isoPrefixSeconds('not a time')).toBeUndefined();
  });
});

describe('eventTime', () => {
  it('takes the CloudWatch Logs event timestamp over start, as CloudWatch does', () => {
    expect(eventTime({ 'cwl-event': T + 2, start: T, ingest: T + 600 })).toEqual({
      time: T + 2,
      source: 'cwl-event',
    });
  });
  it('takes start over delivery times, key times and the ingest time', () => {
    expect(eventTime({ start: T, firehose: T + 400, 's3-key': T - 5, ingest: T + 600 })).toEqual({
      time: T,
      source: 'start',
    });
  });
  it('falls back in order: Firehose request, S3 key, ingest', () => {
    expect(eventTime({ start: null, firehose: T + 400, 's3-key': T - 5, ingest: T + 600 })?.source).toBe(
      'firehose',
    );
    expect(eventTime({ 's3-key': T - 5, ingest: T + 600 })?.source).toBe('s3-key');
    expect(eventTime({ ingest: T + 600 })).toEqual({ time: T + 600, source: 'ingest' });
  });
});
