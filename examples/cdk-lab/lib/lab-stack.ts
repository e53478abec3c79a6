// The classic VPC flow log lab as code: a /24 VPC with one public /26 subnet, an internet gateway and route, an
// SSH host, outbound ICMP denied by rule 90 of the subnet's network ACL, flow logs to CloudWatch Logs and S3,
// the denied-ping alarm and the Athena table. Where AWS best practice differs from the lab, a parameter.

import { FlowLogMonitoring, FlowLogTarget } from '@flowwatch/cdk';
import { Annotations, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * The lab's choices that AWS best practice would make differently. Each is a prop or, for `cdk synth`, a
 * context value (`-c sshCidr=198.51.100.7/32`); the default is the lab's value, and synthesis warns about it
 * naming the risk and the parameter.
 */
export interface LabParameters {
  /** Who may SSH to the host. @default '0.0.0.0/0' (the lab: anyone) */
  readonly sshCidr?: string;
  /** Days the log group keeps flow log records. @default - never expire (the lab) */
  readonly logRetentionDays?: number;
  /** Server access logs for the flow log bucket (in a bucket of their own). @default false (the lab) */
  readonly bucketAccessLogs?: boolean;
}

/** Props of {@link FlowLogLabStack}. */
export interface FlowLogLabStackProps extends StackProps, LabParameters {
  /** The flowwatch.yaml whose metric filters, alarms and topics are deployed. */
  readonly configFile: string;
  /** The Availability Zone of the subnet (the stack's Region is taken from it). @default 'us-east-1a' */
  readonly availabilityZone?: string;
  /**
   * The flow logs' fields (`'default'` for the console's default format).
   * @default - every v2–v5 field (29): flow-direction and pkt-* let flowwatch count each flow once
   */
  readonly fields?: string;
}

/** The lab's values of {@link LabParameters}. */
export const LAB_DEFAULTS = { sshCidr: '0.0.0.0/0', bucketAccessLogs: false } as const;

/** `cdk.json`/`-c` context keys, read when the prop is not given. */
function fromContext(scope: Construct, key: string): string | undefined {
  const v: unknown = scope.node.tryGetContext(key);
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

/**
 * The lab. `npx cdk deploy`, SSH to the host and `ping` anything: the echo requests are denied on their way
 * out by rule 90 of the network ACL, the flow logs record REJECT for protocol 1, and the denied-icmp alarm
 * emails the netops topic.
 *
 * @example new FlowLogLabStack(app, 'FlowwatchLab', { configFile: 'flowwatch.yaml', sshCidr: '198.51.100.7/32' });
 */
export class FlowLogLabStack extends Stack {
  readonly monitoring: FlowLogMonitoring;
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: FlowLogLabStackProps) {
    super(scope, id, props);
    const az = props.availabilityZone ?? fromContext(this, 'availabilityZone') ?? 'us-east-1a';
    const sshCidr = props.sshCidr ?? fromContext(this, 'sshCidr') ?? LAB_DEFAULTS.sshCidr;
    const retentionText = props.logRetentionDays ?? fromContext(this, 'logRetentionDays');
    const retention = retentionText === undefined ? undefined : retentionDays(retentionText);
    const accessLogsText = props.bucketAccessLogs ?? fromContext(this, 'bucketAccessLogs');
    const bucketAccessLogs =
      accessLogsText === undefined
        ? LAB_DEFAULTS.bucketAccessLogs
        : accessLogsText === true || accessLogsText === 'true';

    // One public /26 subnet in one Availability Zone; the L2 adds the internet gateway and the 0.0.0.0/0 route.
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.0.0.0/24'),
      availabilityZones: [az],
      natGateways: 0,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 26 }],
    });

    const ssh = new ec2.SecurityGroup(this, 'SshSecurityGroup', {
      vpc: this.vpc,
      description: 'SSH to the lab host',
      allowAllOutbound: true,
    });
    ssh.addIngressRule(ec2.Peer.ipv4(sshCidr), ec2.Port.tcp(22), 'SSH');
    if (sshCidr === '0.0.0.0/0') {
      Annotations.of(this).addWarningV2(
        'flowwatch-lab:ssh-open',
        'SSH (TCP 22) is open to the whole internet, as in the classic lab: anyone can try to log in to the host. ' +
          'Limit it to your address with the sshCidr parameter (cdk synth -c sshCidr=<your IP>/32).',
      );
      // cdk-nag's rule and CloudFormation's own validation (W2508) both flag 0.0.0.0/0 on port 22.
      for (const id of ['AwsSolutions-EC23', 'CloudFormation-Validate::W2508']) {
        Validations.of(ssh).acknowledge({
          id,
          reason:
            'The classic lab opens SSH to 0.0.0.0/0; a synth warning says so and the sshCidr parameter closes it.',
        });
      }
    }

    const host = new ec2.Instance(this, 'Host', {
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      securityGroup: ssh,
      requireImdsv2: true,
      detailedMonitoring: true,
      blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true }) }],
    });
    Validations.of(host).acknowledge({
      id: 'AwsSolutions-EC29',
      reason: 'A disposable lab host: termination protection would stop `cdk destroy`.',
    });

    // The lab edits the network ACL the subnet already has (the VPC's default one: rule 100 allows all, both
    // ways) with an outbound rule 90 denying all ICMP, so it is evaluated first.
    const denyIcmp = new ec2.CfnNetworkAclEntry(this, 'DenyIcmpOut', {
      networkAclId: this.vpc.vpcDefaultNetworkAcl,
      ruleNumber: 90,
      egress: true,
      protocol: 1,
      icmp: { type: -1, code: -1 },
      ruleAction: 'deny',
      cidrBlock: '0.0.0.0/0',
    });
    Validations.of(denyIcmp).acknowledge({
      id: 'AwsSolutions-VPC3',
      reason:
        'The network ACL rule denying outbound ICMP is the subject of the lab: its REJECT records are what the alarm counts.',
    });

    if (retention === undefined) {
      Annotations.of(this).addWarningV2(
        'flowwatch-lab:log-retention',
        'The flow log group never expires, as in the classic lab: every record is stored and billed for ever. ' +
          'Set the logRetentionDays parameter (cdk synth -c logRetentionDays=30).',
      );
    }
    if (!bucketAccessLogs) {
      Annotations.of(this).addWarningV2(
        'flowwatch-lab:bucket-access-logs',
        'The flow log bucket has no server access logs, as in the classic lab: reads and deletions of the ' +
          'records leave no trace. Set the bucketAccessLogs parameter (cdk synth -c bucketAccessLogs=true).',
      );
    }

    // A flow log to CloudWatch Logs and one to S3, 1-minute windows, the denied-ping alarm from flowwatch.yaml,
    // and the Athena database and table over the bucket.
    this.monitoring = new FlowLogMonitoring(this, 'FlowLogs', {
      target: FlowLogTarget.vpc(this.vpc),
      aggregationInterval: 60,
      ...((props.fields ?? fromContext(this, 'fields')) !== undefined && {
        fields: props.fields ?? fromContext(this, 'fields'),
      }),
      cloudWatchLogs: { retention: retention ?? logs.RetentionDays.INFINITE },
      s3: { fileFormat: 'plain-text' },
      athena: { databaseName: 'vpc_flow_logs_lab', tableName: 'vpc_flow_logs' },
      ...(bucketAccessLogs ? {} : { accessLogsBucket: false as const }),
      configFile: props.configFile,
    });
    if (!bucketAccessLogs) {
      // The flow log bucket and the Athena results bucket.
      Validations.of(this.monitoring).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'The classic lab keeps no server access logs; a synth warning says so and bucketAccessLogs adds them.',
      });
    }
  }
}

/** A retention in days, refused unless CloudWatch Logs offers it (1, 3, 5, 7, 14, 30, ...). */
function retentionDays(value: number | string): logs.RetentionDays {
  const n = Number(value);
  const allowed = Object.values(logs.RetentionDays).filter(
    (v): v is logs.RetentionDays => typeof v === 'number' && v !== logs.RetentionDays.INFINITE,
  );
  if (!allowed.includes(n as logs.RetentionDays)) {
    throw new Error(
      `logRetentionDays ${JSON.stringify(value)} is not a retention CloudWatch Logs offers; use one of ${allowed.join(', ')}`,
    );
  }
  return n as logs.RetentionDays;
}
