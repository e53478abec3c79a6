// The example app examples/cdk-lab: the classic VPC flow log lab, element by element with the lab's exact values
// (resources asserted, AwsSolutions pack passing, snapshot); each best-practice parameter changing the template and
// silencing its synth warning; and, with FLOWWATCH_CDK_CLI=1, `npx cdk synth` run as a user would, with no AWS
// account and no network (about 20 s: it compiles the example and starts the CLI).

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildLabApp, type LabAppOptions } from '../../../examples/cdk-lab/lib/lab-app.js';
import type { FlowLogLabStack } from '../../../examples/cdk-lab/lib/lab-stack.js';
import { runProcess } from '../../../test/support/run-cli.js';
import { type Scenario, synthApp } from './synth.js';

const LAB = fileURLToPath(new URL('../../../examples/cdk-lab/', import.meta.url));
const CONFIG = join(LAB, 'flowwatch.yaml');

function lab(
  options: Partial<LabAppOptions> = {},
  context: Record<string, string> = {},
): Scenario<FlowLogLabStack> {
  return synthApp((app) => {
    for (const [k, v] of Object.entries(context)) app.node.setContext(k, v);
    const stack = buildLabApp(app, { configFile: CONFIG, ...options });
    return { stack, built: stack };
  });
}

/** The lab's own synth warnings (acknowledgeable as flowwatch-lab:...), as text, from the scenario's synthesis. */
function warnings(s: Scenario<FlowLogLabStack>): string[] {
  return s.messages
    .filter((m) => m.level === 'warning' && /\[ack: flowwatch-lab:/.test(String(m.entry.data)))
    .map((m) => String(m.entry.data));
}

const SSH_WARNING = /SSH \(TCP 22\) is open to the whole internet.*sshCidr/;
const RETENTION_WARNING = /never expires.*logRetentionDays/;
const ACCESS_LOGS_WARNING = /no server access logs.*bucketAccessLogs/;

let s: Scenario<FlowLogLabStack>;

beforeAll(() => {
  s = lab();
});

describe('the lab stack, with the lab’s values', () => {
  it('synthesises and passes the cdk-nag AwsSolutions pack (the lab’s own findings acknowledged)', () => {
    expect(s.synthError).toBeUndefined();
    expect(s.nagViolations).toEqual([]);
  });

  it('warns at synth time about each lab value best practice would change, naming the parameter', () => {
    const w = warnings(s);
    expect(w).toHaveLength(3);
    expect(w.some((x) => SSH_WARNING.test(x))).toBe(true);
    expect(w.some((x) => RETENTION_WARNING.test(x))).toBe(true);
    expect(w.some((x) => ACCESS_LOGS_WARNING.test(x))).toBe(true);
  });

  it('is a /24 VPC with one public /26 subnet in us-east-1a, an internet gateway and a 0.0.0.0/0 route', () => {
    const t = s.template;
    expect(s.stack.region).toBe('us-east-1');
    t.resourceCountIs('AWS::EC2::VPC', 1);
    t.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/24' });
    t.resourceCountIs('AWS::EC2::Subnet', 1);
    t.hasResourceProperties('AWS::EC2::Subnet', {
      CidrBlock: '10.0.0.0/26',
      AvailabilityZone: 'us-east-1a',
      MapPublicIpOnLaunch: true,
    });
    t.resourceCountIs('AWS::EC2::InternetGateway', 1);
    t.resourceCountIs('AWS::EC2::VPCGatewayAttachment', 1);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.resourceCountIs('AWS::EC2::Route', 1);
    t.hasResourceProperties('AWS::EC2::Route', {
      DestinationCidrBlock: '0.0.0.0/0',
      GatewayId: { Ref: Match.stringLikeRegexp('IGW') },
    });
  });

  it('has a host whose security group allows SSH, and nothing else in', () => {
    const t = s.template;
    t.resourceCountIs('AWS::EC2::Instance', 1);
    t.hasResourceProperties('AWS::EC2::Instance', { InstanceType: 't3.micro' });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0', Description: 'SSH' },
      ],
    });
    t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  it('adds outbound rule 90 denying all ICMP to the subnet’s network ACL (the VPC’s default one)', () => {
    const t = s.template;
    t.resourceCountIs('AWS::EC2::NetworkAcl', 0);
    t.resourceCountIs('AWS::EC2::SubnetNetworkAclAssociation', 0);
    t.resourceCountIs('AWS::EC2::NetworkAclEntry', 1);
    t.hasResourceProperties('AWS::EC2::NetworkAclEntry', {
      NetworkAclId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Vpc'), 'DefaultNetworkAcl'] },
      RuleNumber: 90,
      Egress: true,
      Protocol: 1,
      Icmp: { Code: -1, Type: -1 },
      RuleAction: 'deny',
      CidrBlock: '0.0.0.0/0',
    });
  });

  it('sends flow logs at 1-minute aggregation to a log group that never expires and to an S3 bucket', () => {
    const t = s.template;
    t.resourceCountIs('AWS::Logs::LogGroup', 1);
    const group = Object.values(t.findResources('AWS::Logs::LogGroup'))[0] as {
      Properties?: Record<string, unknown>;
    };
    expect(group).toBeDefined();
    expect(group.Properties ?? {}).not.toHaveProperty('RetentionInDays');
    t.resourceCountIs('AWS::EC2::FlowLog', 2);
    t.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: { Ref: Match.stringLikeRegexp('LogGroup') },
      MaxAggregationInterval: 60,
    });
    t.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 's3',
      MaxAggregationInterval: 60,
    });
    // The flow log bucket and Athena's results bucket; no access-log bucket.
    t.resourceCountIs('AWS::S3::Bucket', 2);
  });

  it('counts denied pings with a metric filter, alarms on Sum >= 1 over 1 minute and emails a topic', () => {
    const t = s.template;
    // The flowwatch.yaml pattern is written for the default format; the lab records all 29 v2–v5 fields.
    t.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterName: 'denied-icmp',
      FilterPattern:
        '[version, account, eni, source, destination, srcport, destport, protocol = 1, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus, ' +
        'vpc_id, subnet_id, instance_id, tcp_flags, type, pkt_srcaddr, pkt_dstaddr, region, az_id, sublocation_type, sublocation_id, ' +
        'pkt_src_aws_service, pkt_dst_aws_service, flow_direction, traffic_path]',
      MetricTransformations: [
        Match.objectLike({ MetricNamespace: 'FlowLogs', MetricName: 'DeniedICMP', MetricValue: '1' }),
      ],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'denied-icmp',
      Namespace: 'FlowLogs',
      MetricName: 'DeniedICMP',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Topicnetops') }],
    });
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'netops@example.com' });
  });

  it('creates the Athena database and table over the bucket', () => {
    const t = s.template;
    t.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'vpc_flow_logs_lab' } });
    t.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: Match.anyValue(),
      TableInput: Match.objectLike({ Name: 'vpc_flow_logs', TableType: 'EXTERNAL_TABLE' }),
    });
  });

  it('matches the snapshot', () => {
    expect(s.template.toJSON()).toMatchSnapshot();
  });
});

describe('the best-practice parameters', () => {
  it('sshCidr limits SSH to one address and silences its warning only', () => {
    const p = lab({ sshCidr: '198.51.100.7/32' });
    expect(p.nagViolations).toEqual([]);
    p.template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [Match.objectLike({ FromPort: 22, ToPort: 22, CidrIp: '198.51.100.7/32' })],
    });
    const w = warnings(p);
    expect(w).toHaveLength(2);
    expect(w.some((x) => SSH_WARNING.test(x))).toBe(false);
  });

  it('logRetentionDays (here as cdk context, as `cdk synth -c` gives it) sets the retention', () => {
    const p = lab({}, { logRetentionDays: '30' });
    p.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const w = warnings(p);
    expect(w).toHaveLength(2);
    expect(w.some((x) => RETENTION_WARNING.test(x))).toBe(false);
  });

  it('bucketAccessLogs adds an access-log bucket that the flow log bucket logs to', () => {
    const p = lab({ bucketAccessLogs: true });
    expect(p.nagViolations).toEqual([]);
    p.template.resourceCountIs('AWS::S3::Bucket', 3);
    p.template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
    });
    const w = warnings(p);
    expect(w).toHaveLength(2);
    expect(w.some((x) => ACCESS_LOGS_WARNING.test(x))).toBe(false);
  });

  it('all three together: no warning, cdk-nag passes', () => {
    const p = lab({}, { sshCidr: '203.0.113.0/24', logRetentionDays: '14', bucketAccessLogs: 'true' });
    expect(p.nagViolations).toEqual([]);
    expect(warnings(p)).toEqual([]);
  });

  it('refuses a retention CloudWatch Logs does not offer, listing those it does', () => {
    expect(() => buildLabApp(new App(), { configFile: CONFIG, logRetentionDays: 31 })).toThrow(
      /logRetentionDays 31 .*1, 3, 5, 7, 14, 30/,
    );
  });
});

describe.runIf(process.env.FLOWWATCH_CDK_CLI === '1')('npx cdk synth in examples/cdk-lab', () => {
  it('synthesises the app offline, with no AWS account', { timeout: 120_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'flowwatch-lab-'));
    // No credentials and no instance metadata: synthesis must not need an account.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    for (const k of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
      delete env[k];
    const r = await runProcess(
      'npx',
      ['cdk', 'synth', '--quiet', '--no-notices', '--no-version-reporting', '-o', out],
      { cwd: LAB, env, timeoutMs: 110_000 },
    );
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    const file = join(out, 'FlowwatchLab.template.json');
    expect(existsSync(file)).toBe(true);
    const template = JSON.parse(readFileSync(file, 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::EC2::FlowLog')).toHaveLength(2);
    expect(types).toContain('AWS::CloudWatch::Alarm');
  });
});
