// Test helper: a stack in its own app with cdk-nag's AwsSolutions pack registered, synthesised once per scenario.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { SynthesisMessage } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';

/** A synthesised scenario: the stack, its template, and the outcome of the AwsSolutions checks. */
export interface Scenario<T> {
  readonly stack: Stack;
  readonly built: T;
  readonly template: Template;
  /** The rule IDs cdk-nag reported (empty when the pack passes). */
  readonly nagViolations: readonly string[];
  /** Why synthesis failed, when it did. */
  readonly synthError: string | undefined;
  /**
   * The stack's messages (annotations) of that synthesis. Annotations.fromStack synthesises the whole app again
   * (`force: true`, with the cdk-nag pack), about 0.3 to 1.5 CPU-s a scenario: read these instead.
   */
  readonly messages: readonly SynthesisMessage[];
}

/** Builds a stack with `build`, registers AwsSolutionsChecks on the app, synthesises once. */
export function synthScenario<T>(build: (stack: Stack) => T): Scenario<T> {
  return synthApp((app) => {
    const stack = new Stack(app, 'Test');
    return { stack, built: build(stack) };
  });
}

/** Like {@link synthScenario}, for a scenario that is a Stack subclass of its own. */
export function synthApp<T>(make: (app: App) => { stack: Stack; built: T }): Scenario<T> {
  const outdir = mkdtempSync(join(tmpdir(), 'flowwatch-cdk-'));
  const app = new App({ outdir });
  const { stack, built } = make(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let synthError: string | undefined;
  let messages: readonly SynthesisMessage[] = [];
  try {
    messages = app.synth().getStackArtifact(stack.artifactId).messages;
  } catch (err) {
    synthError = (err as Error).message;
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { violations: { ruleName: string }[] }[];
  };
  const nagViolations = report.pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName));
  // The assembly is cached: this reads the template synthesised above.
  const template = synthError === undefined ? Template.fromStack(stack) : Template.fromJSON({});
  return { stack, built, template, nagViolations, synthError, messages };
}

/** The logical ID of a construct's CloudFormation resource. */
export function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } } | unknown): string {
  const c = construct as { node: { defaultChild?: unknown } };
  const resource = (c.node.defaultChild ?? construct) as Parameters<Stack['getLogicalId']>[0];
  return stack.getLogicalId(resource);
}
