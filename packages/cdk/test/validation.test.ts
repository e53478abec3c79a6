// Every configuration mistake FlowLogMonitoring refuses at synth time, by code (not wording), and the check
// that cdk-nag's AwsSolutions pack, registered as these tests register it, does catch a violation.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import {
  FlowLogMonitoring,
  FlowLogMonitoringError,
  type FlowLogMonitoringProps,
  FlowLogTarget,
  type MetricFilterSpec,
} from '../src/index.js';
import { synthScenario } from './synth.js';

const ENI = FlowLogTarget.networkInterfaces(['eni-0a1b2c3d4e5f60718']);
const TGW = FlowLogTarget.transitGateway('tgw-0123456789abcdef0');

/** Builds the construct in a fresh stack and returns the error it throws. */
function refuse(props: FlowLogMonitoringProps): FlowLogMonitoringError {
  const stack = new Stack(new App(), 'Test');
  try {
    new FlowLogMonitoring(stack, 'Flows', props);
  } catch (err) {
    expect(err).toBeInstanceOf(FlowLogMonitoringError);
    return err as FlowLogMonitoringError;
  }
  throw new Error('expected FlowLogMonitoring to refuse these props');
}

const filter = (pattern: string, extra: Partial<MetricFilterSpec> = {}): MetricFilterSpec => ({
  name: 'f',
  pattern,
  metricNamespace: 'FlowLogs',
  metricName: 'M',
  metricValue: '1',
  ...extra,
});

const SSH_DEFAULT =
  '[version, account, eni, source, destination, srcport, destport = 22, protocol = 6, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus]';

describe('fields', () => {
  it('refuses an unknown field with a did-you-mean', () => {
    const e = refuse({ target: ENI, fields: ['srcadr', 'dstaddr'] });
    expect(e.code).toBe('UNKNOWN_FIELD');
    expect(e.hint).toBe('did you mean "srcaddr"?');
  });

  it('refuses a transit gateway field for a VPC target, and a VPC field for a transit gateway', () => {
    expect(refuse({ target: ENI, fields: ['srcaddr', 'tgw-id'] }).code).toBe('FIELD_NOT_FOR_TARGET');
    expect(refuse({ target: TGW, fields: ['srcaddr', 'action'] }).code).toBe('FIELD_NOT_FOR_TARGET');
    expect(refuse({ target: TGW, fields: 'default' }).code).toBe('FIELD_NOT_FOR_TARGET');
  });

  it('accepts the version 9–11 fields (documented now) without allowUnconfirmedFields', () => {
    const stack = new Stack(new App(), 'Test');
    const m = new FlowLogMonitoring(stack, 'Flows', {
      target: ENI,
      fields: ['srcaddr', 'resource-id', 'encryption-status', 'next-hop-az-id'],
    });
    expect(m.logFormat).toBe('${srcaddr} ${resource-id} ${encryption-status} ${next-hop-az-id}');
  });

  it('refuses a field given twice and a broken format string', () => {
    expect(refuse({ target: ENI, fields: ['srcaddr', 'srcAddr'] }).code).toBe('FORMAT_DUPLICATE');
    expect(refuse({ target: ENI, fields: '${srcaddr} ${dstaddr' }).code).toBe('FORMAT_UNCLOSED');
  });

  it('refuses an unknown field in patternFormat', () => {
    const e = refuse({
      target: ENI,
      patternFormat: '${srcaddr} ${actoin}',
      metricFilters: [filter('[a, b = 1]')],
    });
    expect(e.code).toBe('UNKNOWN_FIELD');
    expect(e.message).toMatch(/^patternFormat: /);
    expect(e.hint).toBe('did you mean "action"?');
  });
});

describe('what is recorded and where', () => {
  it('refuses an aggregation interval other than 60 or 600, and 600 for a transit gateway', () => {
    expect(refuse({ target: ENI, aggregationInterval: 300 }).code).toBe('BAD_AGGREGATION_INTERVAL');
    expect(refuse({ target: TGW, aggregationInterval: 600 }).code).toBe('BAD_AGGREGATION_INTERVAL');
  });

  it('refuses a traffic type for a transit gateway', () => {
    expect(refuse({ target: TGW, trafficType: ec2.FlowLogTrafficType.REJECT }).code).toBe(
      'TRAFFIC_TYPE_NOT_FOR_TARGET',
    );
  });

  it('refuses a target without resources and a monitoring without destination', () => {
    expect(refuse({ target: FlowLogTarget.subnets([]) }).code).toBe('NO_TARGET_RESOURCES');
    expect(refuse({ target: ENI, cloudWatchLogs: false }).code).toBe('NO_DESTINATION');
  });

  it('refuses metric filters, saved queries or a dashboard without CloudWatch Logs, and Athena without S3', () => {
    expect(
      refuse({ target: ENI, cloudWatchLogs: false, s3: true, metricFilters: [filter('REJECT')] }).code,
    ).toBe('NEEDS_CLOUDWATCH_LOGS');
    expect(refuse({ target: ENI, cloudWatchLogs: false, s3: true, dashboard: true }).code).toBe(
      'NEEDS_CLOUDWATCH_LOGS',
    );
    expect(refuse({ target: ENI, athena: true }).code).toBe('NEEDS_S3');
  });

  it('refuses the reserved AWSLogs prefix and a too early infrequent-access transition', () => {
    expect(refuse({ target: ENI, s3: { keyPrefix: 'AWSLogs/x' } }).code).toBe('S3_PREFIX_RESERVED');
    const transitions = [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, after: Duration.days(7) }];
    expect(refuse({ target: ENI, s3: { transitions } }).code).toBe('S3_BAD_TRANSITION');
  });

  it('refuses a Firehose endpoint that is not HTTPS', () => {
    const stack = new Stack(new App(), 'Test');
    const accessKey = secretsmanager.Secret.fromSecretCompleteArn(
      stack,
      'Key',
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:k-AbCdEf',
    );
    expect(
      () =>
        new FlowLogMonitoring(stack, 'F', {
          target: ENI,
          firehose: { endpointUrl: 'http://h/firehose', accessKey },
        }),
    ).toThrow(expect.objectContaining({ code: 'FIREHOSE_URL' }));
  });

  it('refuses Athena names Glue and Athena would refuse', () => {
    expect(refuse({ target: ENI, s3: true, athena: { databaseName: 'Flow-Logs' } }).code).toBe(
      'ATHENA_BAD_NAME',
    );
    expect(refuse({ target: ENI, s3: true, athena: { workGroupName: 'a b' } }).code).toBe('ATHENA_BAD_NAME');
  });
});

describe('metric filter patterns against the format', () => {
  const fields = ['srcaddr', 'dstaddr', 'protocol', 'action', 'log-status'];

  it('refuses a pattern that tests a field the format lacks, naming slot, field and position', () => {
    const e = refuse({ target: ENI, fields, metricFilters: [filter(SSH_DEFAULT)] });
    expect(e.code).toBe('PATTERN_FIELD_MISSING');
    expect(e.message).toContain('"destport"');
    expect(e.message).toContain('"dstport"');
    expect(e.message).toContain('position 7 of its format');
  });

  it('refuses a metric value or dimension whose field the format lacks', () => {
    const e = refuse({
      target: ENI,
      fields,
      metricFilters: [filter('[..., bytes, start, end, action = REJECT, status]', { metricValue: '$bytes' })],
    });
    expect(e.code).toBe('PATTERN_FIELD_MISSING');
    expect(e.message).toContain('"bytes"');
  });

  it('refuses a pattern with positions its format does not have', () => {
    const fifteen = `[${Array.from({ length: 15 }, (_, i) => `f${i}`).join(', ')}]`;
    expect(refuse({ target: ENI, fields, metricFilters: [filter(fifteen)] }).code).toBe(
      'PATTERN_POSITION_MISSING',
    );
    expect(refuse({ target: ENI, fields, metricFilters: [filter('[a, b, c = 1]')] }).code).toBe(
      'PATTERN_POSITION_MISSING',
    );
  });

  it('refuses a pattern naming fields when one name is not a field', () => {
    const e = refuse({ target: ENI, fields, metricFilters: [filter('[srcaddr, dstprot = 22, ...]')] });
    expect(e.code).toBe('PATTERN_UNKNOWN_FIELD');
    expect(e.hint).toBe('did you mean "dstport"?');
  });

  it('refuses a JSON pattern', () => {
    expect(refuse({ target: ENI, metricFilters: [filter('{ $.action = "REJECT" }')] }).code).toBe(
      'PATTERN_JSON',
    );
  });

  it('refuses a built-in traffic filter name', () => {
    const taken = filter('REJECT', { name: 'flowwatch-rejected-records' });
    expect(refuse({ target: ENI, metricFilters: [taken] }).code).toBe('FILTER_NAME_TAKEN');
  });
});

describe('configuration checked by flowwatch', () => {
  it("keeps flowwatch's code for a pattern that does not parse", () => {
    expect(refuse({ target: ENI, metricFilters: [filter('[a, b')] }).code).toBe('EXPECTED_COMMA_OR_BRACKET');
  });

  it('refuses an alarm on a metric no filter publishes, and an action naming no topic', () => {
    const alarm = {
      name: 'a',
      metric: { namespace: 'FlowLogs', metricName: 'Other' },
      statistic: 'Sum' as const,
      period: 60,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanThreshold' as const,
    };
    expect(refuse({ target: ENI, metricFilters: [filter('REJECT')], alarms: [alarm] }).code).toBe(
      'CONFIG_UNKNOWN_METRIC',
    );
    const onM = { ...alarm, metric: { namespace: 'FlowLogs', metricName: 'M' }, alarmActions: ['nobody'] };
    expect(refuse({ target: ENI, metricFilters: [filter('REJECT')], alarms: [onM] }).code).toBe(
      'CONFIG_UNKNOWN_TOPIC',
    );
  });

  it('names file, line and column of a mistake in flowwatch.yaml, and refuses a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowwatch-cdk-config-'));
    const file = join(dir, 'flowwatch.yaml');
    writeFileSync(
      file,
      'metricFilters:\n  - name: x\n    pattern: "[a, b"\n    metricNamespace: N\n    metricName: M\n    metricValue: "1"\n',
    );
    const e = refuse({ target: ENI, configFile: file });
    expect(e.code).toBe('EXPECTED_COMMA_OR_BRACKET');
    expect(e.message).toContain(`${file}:3:`);
    expect(refuse({ target: ENI, configFile: join(dir, 'missing.yaml') }).code).toBe('CONFIG_MISSING');
  });
});

describe('cdk-nag harness', () => {
  it('reports a violation when there is one (a topic that accepts plain HTTP publishers)', () => {
    const s = synthScenario((stack) => new sns.Topic(stack, 'Plain'));
    expect(s.synthError).toContain('AwsSolutions-SNS3');
    expect(s.nagViolations).toContain('AwsSolutions-SNS3');
  });
});

describe('tag fields (version 11, TagFieldSpecifications)', () => {
  it('refuses a tag field without its tag key, and a second tag field with only one key', () => {
    const e = refuse({ target: ENI, fields: ['srcaddr', 'instance-tag'] });
    expect(e.code).toBe('TAG_KEYS_MISSING');
    expect(e.hint).toContain('tagKeys.instance');
    expect(refuse({ target: ENI, fields: ['srcaddr', 'asg-tag-2'] }).code).toBe('TAG_KEYS_MISSING');
    expect(
      refuse({
        target: ENI,
        fields: ['interface-tag', 'interface-tag-2'],
        tagKeys: { networkInterface: ['Team'] },
      }).code,
    ).toBe('BAD_TAG_KEY');
  });

  it('refuses tag keys for tag fields the format lacks, more than two keys, and keys of bad length', () => {
    expect(refuse({ target: ENI, fields: ['srcaddr'], tagKeys: { instance: ['Team'] } }).code).toBe(
      'TAG_KEYS_UNUSED',
    );
    expect(
      refuse({ target: ENI, fields: ['instance-tag'], tagKeys: { instance: ['a', 'b', 'c'] } }).code,
    ).toBe('BAD_TAG_KEY');
    expect(refuse({ target: ENI, fields: ['instance-tag'], tagKeys: { instance: [''] } }).code).toBe(
      'BAD_TAG_KEY',
    );
    expect(
      refuse({ target: ENI, fields: ['instance-tag'], tagKeys: { instance: ['k'.repeat(129)] } }).code,
    ).toBe('BAD_TAG_KEY');
  });

  it('writes TagFieldSpecifications on every flow log, one entry per resource type used', () => {
    const stack = new Stack(new App(), 'Test');
    new FlowLogMonitoring(stack, 'Flows', {
      target: ENI,
      fields: ['srcaddr', 'instance-tag', 'instance-tag-2', 'asg-tag'],
      tagKeys: { instance: ['Team', 'Env'], autoScalingGroup: ['aws:autoscaling:groupName'] },
      s3: true,
    });
    const logs = Template.fromStack(stack).findResources('AWS::EC2::FlowLog');
    const specs = Object.values(logs).map((r) => (r as { Properties: Record<string, unknown> }).Properties);
    expect(specs.length).toBeGreaterThan(0);
    for (const p of specs) {
      expect(p['LogFormat']).toBe('${srcaddr} ${instance-tag} ${instance-tag-2} ${asg-tag}');
      expect(p['TagFieldSpecifications']).toEqual([
        { ResourceType: 'instance', TagKeys: ['Team', 'Env'] },
        { ResourceType: 'auto-scaling-group', TagKeys: ['aws:autoscaling:groupName'] },
      ]);
    }
  });

  it('writes no TagFieldSpecifications for a format without tag fields', () => {
    const stack = new Stack(new App(), 'Test');
    new FlowLogMonitoring(stack, 'Flows', { target: ENI, fields: 'default', s3: true });
    const logs = Template.fromStack(stack).findResources('AWS::EC2::FlowLog');
    for (const r of Object.values(logs)) {
      expect((r as { Properties: Record<string, unknown> }).Properties).not.toHaveProperty(
        'TagFieldSpecifications',
      );
    }
  });
});
