// The classic VPC flow log lab as code: a /24 VPC with one public subnet, an internet gateway and route, an SSH
// host, a network ACL denying outbound ICMP, flow logs to CloudWatch Logs and S3, and the denied-ping alarm.

import { FlowLogMonitoring, FlowLogTarget } from '@flowwatch/cdk';
import { CfnParameter, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** Props of {@link FlowLogLabStack}. */
export interface FlowLogLabStackProps extends StackProps {
  /** The flowwatch.yaml whose metric filters, alarms and topics are deployed. */
  readonly configFile: string;
}

/**
 * The lab. Deploy with `npx cdk deploy --parameters AllowedSshCidr=<your address>/32`, ping the host's public
 * address (the reply is denied on its way out), and the denied-icmp alarm emails the netops topic.
 *
 * @example new FlowLogLabStack(app, 'FlowwatchLab', { configFile: 'flowwatch.yaml' });
 */
export class FlowLogLabStack extends Stack {
  readonly monitoring: FlowLogMonitoring;

  constructor(scope: Construct, id: string, props: FlowLogLabStackProps) {
    super(scope, id, props);
    const sshCidr = new CfnParameter(this, 'AllowedSshCidr', {
      type: 'String',
      description: 'IPv4 CIDR allowed to SSH to the lab host, e.g. 198.51.100.7/32',
      allowedPattern: '^(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}$',
    });

    // One public subnet taking the whole /24; the L2 adds the internet gateway and the default route.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.0.0.0/24'),
      maxAzs: 1,
      natGateways: 0,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
    });

    const ssh = new ec2.SecurityGroup(this, 'SshSecurityGroup', {
      vpc,
      description: 'SSH from the operator address; ICMP echo from anywhere (the lab pings the host)',
      allowAllOutbound: true,
    });
    ssh.addIngressRule(ec2.Peer.ipv4(sshCidr.valueAsString), ec2.Port.tcp(22), 'SSH from the operator');
    ssh.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.icmpPing(),
      'ping, to be denied on the way back by the NACL',
    );
    Validations.of(ssh).acknowledge({
      id: 'AwsSolutions-EC23',
      reason:
        'The lab is about denied pings: echo requests from anywhere must reach the host; SSH is limited to AllowedSshCidr.',
    });

    const host = new ec2.Instance(this, 'Host', {
      vpc,
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

    // The network ACL of the classic lab: everything in, everything out except ICMP.
    const acl = new ec2.NetworkAcl(this, 'Acl', {
      vpc,
      subnetSelection: { subnetType: ec2.SubnetType.PUBLIC },
    });
    acl.addEntry('DenyIcmpOut', {
      ruleNumber: 100,
      cidr: ec2.AclCidr.anyIpv4(),
      traffic: ec2.AclTraffic.icmp({ type: -1, code: -1 }),
      direction: ec2.TrafficDirection.EGRESS,
      ruleAction: ec2.Action.DENY,
    });
    acl.addEntry('AllowAllOut', {
      ruleNumber: 200,
      cidr: ec2.AclCidr.anyIpv4(),
      traffic: ec2.AclTraffic.allTraffic(),
      direction: ec2.TrafficDirection.EGRESS,
      ruleAction: ec2.Action.ALLOW,
    });
    acl.addEntry('AllowAllIn', {
      ruleNumber: 100,
      cidr: ec2.AclCidr.anyIpv4(),
      traffic: ec2.AclTraffic.allTraffic(),
      direction: ec2.TrafficDirection.INGRESS,
      ruleAction: ec2.Action.ALLOW,
    });
    Validations.of(acl).acknowledge({
      id: 'AwsSolutions-VPC3',
      reason:
        'The network ACL denying outbound ICMP is the subject of the lab: its REJECT records are what the alarm counts.',
    });

    // A flow log to CloudWatch Logs and one to S3, 1-minute windows, the denied-ping alarm from flowwatch.yaml.
    this.monitoring = new FlowLogMonitoring(this, 'FlowLogs', {
      target: FlowLogTarget.vpc(vpc),
      aggregationInterval: 60,
      cloudWatchLogs: { retention: logs.RetentionDays.ONE_WEEK },
      s3: { fileFormat: 'plain-text' },
      configFile: props.configFile,
    });
  }
}
