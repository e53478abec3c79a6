// S3 key layouts (spec §6.5) and file names (spec §6.6): what a path says, and pruning by time.

import { describe, expect, it } from 'vitest';
import { type KeyInfo, parseKey, prunedByKey } from '../../src/records/s3-key.js';

// Unix seconds worked out by hand: 2024-01-01T00:00Z = 1704067200; 2024-05-20 is day 140 of 2024
// (31 + 29 + 31 + 30 + 19 days before it) → 1704067200 + 140 × 86400 = 1716163200.
const MAY_20 = 1_716_163_200;
const DAY = 86_400;
const HOUR = 3_600;
const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
/** Spec §6.6 example file name. */
const FILE = '111122223333_vpcflowlogs_eu-west-1_fl-0abc1234def567890_20240520T1015Z_3f9a8c21.log.gz';
/** 2024-05-20T10:15Z. */
const FILE_TIME = MAY_20 + 10 * HOUR + 15 * 60;
const FLOW_LOG = 'fl-0abc1234def567890';

const PLAIN_DAILY = `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2024/05/20/`;
const PLAIN_HOURLY = `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2024/05/20/10/`;
const HIVE_DAILY = `AWSLogs/aws-account-id=${ACCOUNT}/aws-service=vpcflowlogs/aws-region=${REGION}/year=2024/month=05/day=20/`;
const HIVE_HOURLY = `${HIVE_DAILY}hour=10/`;

const day: KeyInfo = { account: ACCOUNT, region: REGION, from: MAY_20, to: MAY_20 + DAY };
const hour: KeyInfo = { account: ACCOUNT, region: REGION, from: MAY_20 + 10 * HOUR, to: MAY_20 + 11 * HOUR };
const file: KeyInfo = { flowLogId: FLOW_LOG, fileTime: FILE_TIME };

describe('parseKey: the four layouts of spec §6.5', () => {
  const cases: [name: string, path: string, want: KeyInfo][] = [
    ['plain, daily (directory)', PLAIN_DAILY, day],
    ['plain, hourly (directory)', PLAIN_HOURLY, hour],
    ['hive, daily (directory)', HIVE_DAILY, day],
    ['hive, hourly (directory)', HIVE_HOURLY, hour],
    ['plain, daily (file)', PLAIN_DAILY + FILE, { ...day, ...file }],
    ['plain, hourly (file)', PLAIN_HOURLY + FILE, { ...hour, ...file }],
    ['hive, daily (file)', HIVE_DAILY + FILE, { ...day, ...file }],
    ['hive, hourly (file)', HIVE_HOURLY + FILE, { ...hour, ...file }],
    ['prefix before AWSLogs', `my-bucket/flow/logs/${PLAIN_DAILY}${FILE}`, { ...day, ...file }],
    ['s3:// URL with a prefix', `s3://my-bucket/team-a/${HIVE_HOURLY}${FILE}`, { ...hour, ...file }],
    [
      'optional AWS Organizations id after AWSLogs',
      `AWSLogs/o-a1b2c3d4e5/${ACCOUNT}/vpcflowlogs/${REGION}/2024/05/20/${FILE}`,
      { ...day, ...file },
    ],
    [
      'leap day (2024-02-29 = day 59 → 1709164800)',
      `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2024/02/29/`,
      { account: ACCOUNT, region: REGION, from: 1_709_164_800, to: 1_709_251_200 },
    ],
    [
      'last hour of the year (2025-01-01 = 1735689600)',
      `AWSLogs/aws-account-id=${ACCOUNT}/aws-service=vpcflowlogs/aws-region=us-east-1/year=2024/month=12/day=31/hour=23/`,
      { account: ACCOUNT, region: 'us-east-1', from: 1_735_689_600 - HOUR, to: 1_735_689_600 },
    ],
    [
      'month directory (2024-05-01 = 1714521600, 2024-06-01 = 1717200000)',
      `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2024/05/`,
      { account: ACCOUNT, region: REGION, from: 1_714_521_600, to: 1_717_200_000 },
    ],
    [
      'region directory: no time',
      `AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/`,
      { account: ACCOUNT, region: REGION },
    ],
  ];
  it.each(cases)('%s', (_n, path, want) => {
    expect(parseKey(path)).toEqual(want);
  });
});

describe('parseKey: the file name of spec §6.6', () => {
  it('alone: account, region, flow log id and the 5-minute slot 20240520T1015Z', () => {
    expect(parseKey(FILE)).toEqual({
      account: ACCOUNT,
      region: REGION,
      flowLogId: FLOW_LOG,
      fileTime: 1_716_200_100,
    });
  });
  it('the Parquet variant (.log.parquet) has the same slot', () => {
    expect(parseKey(FILE.replace('.log.gz', '.log.parquet')).fileTime).toBe(1_716_200_100);
  });
  it('a path that is not in an AWS layout says nothing', () => {
    expect(parseKey('exports/2024-05-20/flows.log.gz')).toEqual({});
  });
});

describe('prunedByKey', () => {
  const path = PLAIN_DAILY + FILE;
  it('a file far before `since` is pruned', () => {
    expect(prunedByKey(path, FILE_TIME + 2 * DAY, undefined)).toBe(true);
  });
  it('a file far after `until` is pruned', () => {
    expect(prunedByKey(path, undefined, FILE_TIME - 2 * DAY)).toBe(true);
  });
  it('a file inside the range is kept', () => {
    expect(prunedByKey(path, FILE_TIME, undefined)).toBe(false);
    expect(prunedByKey(path, FILE_TIME - HOUR, FILE_TIME + HOUR)).toBe(false);
    expect(prunedByKey(path, undefined, undefined)).toBe(false);
  });
  it('a whole day directory before `since` is pruned; one overlapping it is not', () => {
    expect(prunedByKey(HIVE_DAILY, MAY_20 + 2 * DAY, undefined)).toBe(true);
    expect(prunedByKey(HIVE_DAILY, MAY_20 + 12 * HOUR, undefined)).toBe(false);
    expect(prunedByKey(PLAIN_HOURLY, MAY_20, MAY_20 + DAY)).toBe(false);
  });
  it.each([['some/prefix/flows.log.gz'], [`AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/`], ['flows.txt']])(
    'a path with no time information is never pruned: %s',
    (p) => {
      expect(prunedByKey(p, 4_000_000_000, undefined)).toBe(false);
      expect(prunedByKey(p, undefined, 1)).toBe(false);
      expect(prunedByKey(p, 4_000_000_000, 4_000_000_001)).toBe(false);
    },
  );
});
