// SNS topics for alarm actions, one per flowwatch topic: email subscriptions become SNS email subscriptions,
// webhooks HTTP(S) subscriptions; topics are encrypted with a key CloudWatch alarms may use, TLS only.

import { Annotations, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { MonitoringConfig } from './monitoring-config.js';

/** Props of {@link AlarmTopics}. */
export interface AlarmTopicsProps {
  readonly topics: MonitoringConfig['topics'];
  /** Key of the topics; a new one (with rotation) when undefined. */
  readonly encryptionKey: kms.IKey | undefined;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * One SNS topic per flowwatch topic, by name. Slack and stdout subscriptions exist only in the local monitor:
 * they are skipped with a warning. A webhook's HMAC secret and headers are flowwatch features SNS does not have
 * (SNS signs its own messages), so only the URL is subscribed.
 *
 * @example new AlarmTopics(this, 'Topics', { topics: config.topics, encryptionKey: undefined, removalPolicy });
 */
export class AlarmTopics extends Construct {
  /** Topic by flowwatch name. */
  readonly topics: ReadonlyMap<string, sns.Topic>;
  readonly encryptionKey: kms.IKey | undefined;

  constructor(scope: Construct, id: string, props: AlarmTopicsProps) {
    super(scope, id);
    const topics = new Map<string, sns.Topic>();
    this.topics = topics;
    if (props.topics.length === 0) {
      this.encryptionKey = undefined;
      return;
    }
    const key =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: 'Encrypts the flow log alarm topics',
        enableKeyRotation: true,
        removalPolicy: props.removalPolicy,
      });
    // CloudWatch alarms publish with their service principal; SNS needs the key on their behalf.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
      true,
    );
    this.encryptionKey = key;
    for (const t of props.topics) {
      const topic = new sns.Topic(this, `Topic-${t.name}`, {
        displayName: `flowwatch ${t.name}`.slice(0, 100),
        masterKey: key,
        enforceSSL: true,
      });
      for (const s of t.subscriptions) {
        switch (s.type) {
          case 'email':
            for (const address of s.to) topic.addSubscription(new subscriptions.EmailSubscription(address));
            break;
          case 'webhook':
            topic.addSubscription(new subscriptions.UrlSubscription(s.url));
            break;
          case 'slack':
          case 'stdout':
            Annotations.of(topic).addWarningV2(
              `@flowwatch/cdk:${s.type}Subscription`,
              `topic "${t.name}": the ${s.type} subscription is delivered by the local flowwatch monitor only; SNS has no ${s.type} protocol`,
            );
            break;
          default: {
            const never: never = s;
            throw new Error(`unhandled subscription ${JSON.stringify(never)}`);
          }
        }
      }
      topics.set(t.name, topic);
    }
  }
}
