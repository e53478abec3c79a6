// FlowLogTarget: what a flow log watches (a VPC, subnets, network interfaces, a transit gateway or attachment).

import type * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * The kind of flow log a target produces: VPC (ENI) flow logs or transit gateway flow logs.
 *
 * @example FlowLogTarget.transitGateway('tgw-0123456789abcdef0').kind // 'tgw'
 */
export type TargetKind = 'vpc' | 'tgw';

/**
 * CloudFormation `ResourceType` values of AWS::EC2::FlowLog.
 *
 * @example FlowLogTarget.vpc(vpc).resourceType // 'VPC'
 */
export type FlowLogResourceKind =
  | 'VPC'
  | 'Subnet'
  | 'NetworkInterface'
  | 'TransitGateway'
  | 'TransitGatewayAttachment';

/**
 * The resources a FlowLogMonitoring records: one flow log is created per resource and destination.
 *
 * @example
 * FlowLogTarget.vpc(vpc);
 * FlowLogTarget.subnets(vpc.publicSubnets);
 * FlowLogTarget.networkInterfaces(['eni-0123456789abcdef0']);
 * FlowLogTarget.transitGateway(tgw.ref);
 */
export class FlowLogTarget {
  /** Every network interface of a VPC. */
  static vpc(vpc: ec2.IVpc): FlowLogTarget {
    return new FlowLogTarget('VPC', [vpc.vpcId], 'vpc', 'a VPC');
  }

  /** Every network interface of these subnets. */
  static subnets(subnets: readonly ec2.ISubnet[]): FlowLogTarget {
    return new FlowLogTarget(
      'Subnet',
      subnets.map((s) => s.subnetId),
      'vpc',
      'subnets',
    );
  }

  /** These network interfaces (ENI IDs). */
  static networkInterfaces(ids: readonly string[]): FlowLogTarget {
    return new FlowLogTarget('NetworkInterface', ids, 'vpc', 'network interfaces');
  }

  /** A transit gateway (ID, e.g. `tgw.ref` of a CfnTransitGateway). */
  static transitGateway(id: string): FlowLogTarget {
    return new FlowLogTarget('TransitGateway', [id], 'tgw', 'a transit gateway');
  }

  /** A transit gateway attachment (ID). */
  static transitGatewayAttachment(id: string): FlowLogTarget {
    return new FlowLogTarget('TransitGatewayAttachment', [id], 'tgw', 'a transit gateway attachment');
  }

  private constructor(
    /** The AWS::EC2::FlowLog ResourceType. */
    readonly resourceType: FlowLogResourceKind,
    /** One ResourceId per flow log. */
    readonly resourceIds: readonly string[],
    /** Which fields apply: VPC (ENI) fields or transit gateway fields. */
    readonly kind: TargetKind,
    /** How error messages name the target. */
    readonly description: string,
  ) {}
}
