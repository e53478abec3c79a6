// How alarm texts write numbers (Java's Double.toString) and times (reason, reasonData, events, composite reasons).

import { describe, expect, it } from 'vitest';
import { eventTime, isoTime, javaDouble, longTime, reasonTime } from '../../../src/metrics/alarms/index.js';

describe('javaDouble', () => {
  it.each<[number, string]>([
    [0, '0.0'],
    [5, '5.0'],
    [-3, '-3.0'],
    [100, '100.0'],
    [0.25, '0.25'],
    [0.001, '0.001'],
    [0.0001, '1.0E-4'],
    [1.5e-10, '1.5E-10'],
    [9_999_999, '9999999.0'],
    [10_000_000, '1.0E7'],
    [12_345_678, '1.2345678E7'],
    [0.0666851903306472, '0.0666851903306472'],
    [99.50160229693434, '99.50160229693434'],
  ])('%d ⇒ %s', (x, text) => {
    expect(javaDouble(x)).toBe(text);
  });
});

describe('times', () => {
  const at = Date.parse('2024-05-20T10:31:02.054Z') / 1000;
  it('reason datapoint time is dd/MM/yy HH:mm:ss UTC', () => {
    expect(reasonTime(Date.parse('2022-09-25T18:49:00Z') / 1000)).toBe('25/09/22 18:49:00');
  });
  it('reasonData and state timestamps have milliseconds and +0000', () => {
    expect(isoTime(at)).toBe('2024-05-20T10:31:02.054+0000');
  });
  it('event time has whole seconds and Z', () => {
    expect(eventTime(at)).toBe('2024-05-20T10:31:02Z');
  });
  it('composite reasons write the day and month in words', () => {
    expect(longTime(Date.parse('2022-07-22T15:57:45Z') / 1000)).toBe('Friday 22 July, 2022 15:57:45 UTC');
  });
});
