// The example app examples/cdk-lab: the app its bin builds, synthesised in-process (resources asserted,
// AwsSolutions pack passing, snapshot); and, with FLOWWATCH_CDK_CLI=1, `npx cdk synth` run as a user would,
// with no AWS account and no network (about 20 s: it compiles the example and starts the CLI).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildLabApp } from '../../../examples/cdk-lab/lib/lab-app.js';
import type { FlowLogLabStack } from '../../../examples/cdk-lab/lib/lab-stack.js';
import { type Scenario, synthApp } from './synth.js';

const LAB = fileURLToPath(new URL('../../../examples/cdk-lab/', import.meta.url));

let s: Scenario<FlowLogLabStack>;

beforeAll(() => {
  s = synthApp((app) => {
    const stack = buildLabApp(app, { configFile: join(LAB, 'flowwatch.yaml') });
    return { stack, built: stack };
  });
});

describe('the lab stack', () => {
  it('synthesises and passes the cdk-nag AwsSolutions pack', () => {
    expect(s.synthError).toBeUndefined();
    expect(s.nagViolations).toEqual([]);
  });

  it('builds the classic lab network: /24 VPC, one public subnet, internet gateway and default route', () => {
    const t = s.template;
    t.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/24' });
    t.resourceCountIs('AWS::EC2::Subnet', 1);
    t.hasResourceProperties('AWS::EC2::Subnet', { CidrBlock: '10.0.0.0/24', MapPublicIpOnLaunch: true });
    t.resourceCountIs('AWS::EC2::InternetGateway', 1);
    t.hasResourceProperties('AWS::EC2::Route', {
      DestinationCidrBlock: '0.0.0.0/0',
      GatewayId: { Ref: Match.stringLikeRegexp('IGW') },
    });
  });

  it('runs an SSH host whose security group admits SSH from the deploy-time CIDR only', () => {
    const t = s.template;
    t.hasResourceProperties('AWS::EC2::Instance', { InstanceType: 't3.micro' });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: Match.arrayWith([
        Match.objectLike({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: { Ref: 'AllowedSshCidr' } }),
      ]),
    });
    t.hasParameter('AllowedSshCidr', { Type: 'String' });
  });

  it('denies outbound ICMP in the network ACL and allows the rest', () => {
    const t = s.template;
    t.hasResourceProperties('AWS::EC2::NetworkAclEntry', {
      Egress: true,
      Protocol: 1,
      RuleAction: 'deny',
      RuleNumber: 100,
      CidrBlock: '0.0.0.0/0',
      Icmp: { Code: -1, Type: -1 },
    });
    t.hasResourceProperties('AWS::EC2::NetworkAclEntry', { Egress: true, Protocol: -1, RuleAction: 'allow' });
    t.hasResourceProperties('AWS::EC2::NetworkAclEntry', {
      Egress: false,
      Protocol: -1,
      RuleAction: 'allow',
    });
  });

  it('sends flow logs to CloudWatch Logs and to S3, and alarms on denied pings by email', () => {
    const t = s.template;
    t.resourceCountIs('AWS::EC2::FlowLog', 2);
    t.hasResourceProperties('AWS::EC2::FlowLog', {
      LogDestinationType: 'cloud-watch-logs',
      MaxAggregationInterval: 60,
    });
    t.hasResourceProperties('AWS::EC2::FlowLog', { LogDestinationType: 's3', MaxAggregationInterval: 60 });
    // The flowwatch.yaml pattern is written for the default format; the lab records all 29 v2–v5 fields.
    t.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterName: 'denied-icmp',
      FilterPattern:
        '[version, account, eni, source, destination, srcport, destport, protocol = 1, packets, bytes, windowstart, windowend, action = REJECT, flowlogstatus, ' +
        'vpc_id, subnet_id, instance_id, tcp_flags, type, pkt_srcaddr, pkt_dstaddr, region, az_id, sublocation_type, sublocation_id, ' +
        'pkt_src_aws_service, pkt_dst_aws_service, flow_direction, traffic_path]',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'denied-icmp',
      MetricName: 'DeniedICMP',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Topicnetops') }],
    });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'netops@example.com' });
  });

  it('matches the snapshot', () => {
    expect(s.template.toJSON()).toMatchSnapshot();
  });
});

describe.runIf(process.env.FLOWWATCH_CDK_CLI === '1')('npx cdk synth in examples/cdk-lab', () => {
  it('synthesises the app offline, with no AWS account', { timeout: 120_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), 'flowwatch-lab-'));
    // No credentials and no instance metadata: synthesis must not need an account.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    for (const k of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
      delete env[k];
    const r = spawnSync(
      'npx',
      ['cdk', 'synth', '--quiet', '--no-notices', '--no-version-reporting', '-o', out],
      {
        cwd: LAB,
        env,
        encoding: 'utf8',
        timeout: 110_000,
      },
    );
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
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
