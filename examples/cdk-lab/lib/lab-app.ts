// The lab app's content: its one stack, in the Region of its Availability Zone (bin/cdk-lab.ts runs it; the tests
// synthesise it too).

import type { App } from 'aws-cdk-lib';
import { FlowLogLabStack, type LabParameters } from './lab-stack.js';

/** Options of {@link buildLabApp}: the flowwatch.yaml to deploy and any lab parameter given as a prop. */
export interface LabAppOptions extends LabParameters {
  /** The flowwatch.yaml to deploy. */
  readonly configFile: string;
  /** @default - the `availabilityZone` context value, else 'us-east-1a' */
  readonly availabilityZone?: string;
}

/**
 * Adds the lab stack to an app. No account is pinned and nothing is looked up, so synthesis needs neither AWS
 * credentials nor the network; the Region is the Availability Zone's (us-east-1 for the lab's us-east-1a).
 *
 * @example buildLabApp(new App(), { configFile: 'flowwatch.yaml' });
 */
export function buildLabApp(app: App, options: LabAppOptions): FlowLogLabStack {
  const contextAz: unknown = app.node.tryGetContext('availabilityZone');
  const az =
    options.availabilityZone ??
    (typeof contextAz === 'string' && contextAz !== '' ? contextAz : 'us-east-1a');
  return new FlowLogLabStack(app, 'FlowwatchLab', {
    description:
      'flowwatch lab: the classic VPC flow log lab (a /24 VPC, an SSH host, outbound ICMP denied by NACL rule 90)',
    env: { region: az.replace(/[a-z]$/, '') },
    ...options,
    availabilityZone: az,
  });
}
