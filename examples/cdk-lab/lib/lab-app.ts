// The lab app's content: its one environment-agnostic stack (bin/cdk-lab.ts runs it; the tests synthesise it too).

import type { App } from 'aws-cdk-lib';
import { FlowLogLabStack } from './lab-stack.js';

/** Options of {@link buildLabApp}. */
export interface LabAppOptions {
  /** The flowwatch.yaml to deploy. */
  readonly configFile: string;
}

/**
 * Adds the lab stack to an app. No account or Region is pinned and nothing is looked up, so synthesis needs
 * neither AWS credentials nor the network.
 *
 * @example buildLabApp(new App(), { configFile: 'flowwatch.yaml' });
 */
export function buildLabApp(app: App, options: LabAppOptions): FlowLogLabStack {
  return new FlowLogLabStack(app, 'FlowwatchLab', {
    description: 'flowwatch lab: a small VPC, an SSH host, a NACL denying outbound ICMP, monitored flow logs',
    configFile: options.configFile,
  });
}
