// SNS over AWS Query (Version 2010-03-31): topics and their email / http(s) subscriptions are flowwatch.yaml's
// `topics` (the same validation as the file and `flowwatch topics put|subscribe`), so alarms created through the
// CloudWatch API notify them. Subscriptions are confirmed at once (see docs/decisions/22-cloudwatch-api.md).

import { type Config, ConfigError } from '../config/config.js';
import { UserError } from '../core/errors.js';
import { MAX_MESSAGE_BYTES, MAX_SUBJECT_CHARS } from '../notify/envelope.js';
import { checkTopic } from '../notify/index.js';
import type { PlainMessage } from '../notify/message.js';
import { fromQuery } from './cloudwatch.js';
import { decodeToken, encodeToken } from './input.js';
import { AwsError, type XmlValue } from './protocol.js';
import type { QueryService } from './server.js';

export interface SnsContext {
  readonly account: string;
  readonly region: string;
  config(): Config;
  editConfig(edit: (config: Config) => string | undefined): Promise<void>;
  /** Queues a message to every subscription of a topic (the monitor's dispatcher); resolves to its MessageId. */
  publish?(topic: string, message: PlainMessage): Promise<string>;
}

const invalid = (message: string) =>
  new AwsError('InvalidParameterException', message, 400, 'InvalidParameter');
const notFound = (message: string) => new AwsError('NotFoundException', message, 404, 'NotFound');
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;

/** The SNS service (AWS Query only, as every SNS client speaks it). */
export class SnsService implements QueryService {
  readonly namespace = 'http://sns.amazonaws.com/doc/2010-03-31/';
  constructor(private readonly ctx: SnsContext) {}

  private topicArn(name: string): string {
    return `arn:aws:sns:${this.ctx.region}:${this.ctx.account}:${name}`;
  }

  /** The topic name of an ARN of this account and Region (or of a bare name). */
  private topicOf(arn: string): string {
    const m = /^arn:aws[^:]*:sns:[^:]*:[^:]*:([A-Za-z0-9_-]+)$/.exec(arn);
    const name = m ? m[1]! : arn;
    if (!this.ctx.config().topics.some((t) => t.name === name)) throw notFound('Topic does not exist');
    return name;
  }

  private async edit(fn: (c: Config) => string | undefined): Promise<void> {
    try {
      await this.ctx.editConfig(fn);
    } catch (err) {
      if (err instanceof ConfigError)
        throw invalid(err.message.replace(/^.*?:\d+:\d+: /s, '') + (err.hint ? ` (${err.hint})` : ''));
      if (err instanceof UserError) throw invalid(err.message);
      throw err;
    }
  }

  async call(
    action: string,
    params: ReadonlyMap<string, string>,
  ): Promise<{ [k: string]: XmlValue } | undefined> {
    const p = fromQuery(params);
    const str = (k: string) => (typeof p[k] === 'string' && p[k] !== '' ? (p[k] as string) : undefined);
    const need = (k: string) => {
      const v = str(k);
      if (v === undefined) throw invalid(`Invalid parameter: ${k} is required`);
      return v;
    };
    switch (action) {
      case 'CreateTopic': {
        const name = need('Name');
        if (!TOPIC_NAME.test(name))
          throw invalid(
            'Invalid parameter: Topic Name must be 1 to 256 letters, digits, hyphens or underscores',
          );
        // Idempotent: an existing topic of that name answers its ARN.
        if (!this.ctx.config().topics.some((t) => t.name === name)) {
          const { putNamed } = await import('../config/config.js');
          await this.edit((c) => putNamed(c, 'topics', { name, subscriptions: [] }).text);
        }
        return { TopicArn: this.topicArn(name) };
      }
      case 'ListTopics': {
        const all = this.ctx.config().topics.map((t) => ({ TopicArn: this.topicArn(t.name) }));
        return this.page(str('NextToken'), all, 'Topics');
      }
      case 'Subscribe': {
        const topic = this.topicOf(need('TopicArn'));
        const protocol = need('Protocol');
        const endpoint = need('Endpoint');
        let sub: Record<string, unknown>;
        if (protocol === 'email') sub = { type: 'email', to: [endpoint] };
        else if (protocol === 'http' || protocol === 'https') {
          if (!endpoint.startsWith(`${protocol}://`))
            throw invalid(
              `Invalid parameter: Endpoint must be an ${protocol}:// URL for protocol ${protocol}`,
            );
          sub = { type: 'webhook', url: endpoint };
        } else
          throw invalid(
            `Invalid parameter: flowwatch delivers to the protocols email, http and https, not ${protocol}`,
          );
        const checked = checkTopic({ name: topic, subscriptions: [sub] });
        if (!checked.ok) throw invalid(checked.errors[0]!.message);
        const id = checked.value.subscriptions[0]!.id;
        const existing = this.ctx.config().topics.find((t) => t.name === topic)!;
        if (!existing.subscriptions.some((s) => s.id === id)) {
          const { addSubscription } = await import('../config/config.js');
          await this.edit((c) => addSubscription(c, topic, sub));
        }
        return { SubscriptionArn: `${this.topicArn(topic)}:${id}` };
      }
      case 'Unsubscribe': {
        const arn = need('SubscriptionArn');
        const i = arn.lastIndexOf(':');
        const topic = this.topicOf(arn.slice(0, i));
        const id = arn.slice(i + 1);
        const index = this.ctx
          .config()
          .topics.find((t) => t.name === topic)!
          .subscriptions.findIndex((s) => s.id === id);
        if (index < 0) throw notFound('Subscription does not exist');
        const { removeSubscription } = await import('../config/config.js');
        await this.edit((c) => removeSubscription(c, topic, index));
        return undefined;
      }
      case 'ListSubscriptionsByTopic': {
        const topic = this.topicOf(need('TopicArn'));
        const t = this.ctx.config().topics.find((x) => x.name === topic)!;
        const all = t.subscriptions.map((s) => ({
          SubscriptionArn: `${this.topicArn(topic)}:${s.id}`,
          Owner: this.ctx.account,
          Protocol: s.type === 'webhook' ? (s.url.startsWith('https:') ? 'https' : 'http') : s.type,
          Endpoint:
            s.type === 'email' ? s.to.join(',') : s.type === 'webhook' || s.type === 'slack' ? s.url : s.type,
          TopicArn: this.topicArn(topic),
        }));
        return this.page(str('NextToken'), all, 'Subscriptions');
      }
      case 'Publish': {
        if (str('PhoneNumber') !== undefined)
          throw invalid('Invalid parameter: flowwatch publishes to topics, not to phone numbers (SMS)');
        const arn = str('TopicArn') ?? str('TargetArn');
        if (arn === undefined) throw invalid('Invalid parameter: TopicArn or TargetArn is required');
        const topic = this.topicOf(arn);
        const message = p['Message'];
        if (typeof message !== 'string' || message === '')
          throw invalid('Invalid parameter: Message is required and must not be empty');
        if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES)
          throw invalid(`Invalid parameter: Message too long (the limit is ${MAX_MESSAGE_BYTES} bytes)`);
        const subject = str('Subject');
        if (subject !== undefined && ([...subject].length > MAX_SUBJECT_CHARS || /[\r\n]/.test(subject)))
          throw invalid(
            `Invalid parameter: Subject must be fewer than 100 characters without line breaks (got ${[...subject].length})`,
          );
        let body = message;
        if (str('MessageStructure') !== undefined) {
          if (str('MessageStructure') !== 'json')
            throw invalid('Invalid parameter: MessageStructure must be json');
          // Per-protocol bodies: flowwatch sends the `default` body (which SNS makes mandatory) to every channel;
          // the per-protocol keys are accepted and not used (docs/decisions/22-cloudwatch-api.md).
          let parsed: unknown;
          try {
            parsed = JSON.parse(message);
          } catch {
            throw invalid('Invalid parameter: Message Structure - JSON message body failed to parse');
          }
          const o = parsed as Record<string, unknown> | null;
          if (o === null || typeof o !== 'object' || typeof o['default'] !== 'string')
            throw invalid('Invalid parameter: Message Structure - No default entry in JSON message body');
          body = o['default'] as string;
        }
        if (this.ctx.publish === undefined)
          throw new AwsError('InternalError', 'this flowwatch server has no notification dispatcher', 500);
        const messageId = await this.ctx.publish(topic, {
          kind: 'message',
          Subject: subject ?? null,
          Message: body,
          AWSAccountId: this.ctx.account,
          region: this.ctx.region,
          source: 'sns:Publish',
        });
        return { MessageId: messageId };
      }
      default:
        throw new AwsError(
          'InvalidAction',
          `flowwatch does not implement the SNS operation ${action} (CreateTopic, Subscribe, Unsubscribe, ListTopics, ListSubscriptionsByTopic, Publish)`,
          400,
        );
    }
  }

  private page(
    token: string | undefined,
    all: { [k: string]: XmlValue }[],
    key: string,
  ): { [k: string]: XmlValue } {
    const start =
      token === undefined
        ? 0
        : decodeToken(
            token,
            (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0,
            () => invalid('Invalid parameter: NextToken'),
          );
    const items = all.slice(start, start + 100);
    return { [key]: items, ...(start + 100 < all.length ? { NextToken: encodeToken(start + 100) } : {}) };
  }
}
