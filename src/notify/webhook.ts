// Webhook channel: POSTs the SNS-shaped JSON body with SNS's headers plus an HMAC-SHA256 signature header.

import { httpPost } from './http-post.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from './signing.js';
import type { WebhookSubscription } from './topic.js';

/** The User-Agent of webhook and Slack requests. */
export const USER_AGENT = 'flowwatch-notify/1 (SNS-compatible)';

/** One webhook attempt: the body is the same bytes on every attempt of a delivery. */
export interface WebhookDelivery {
  /** The JSON of the SNS envelope. */
  readonly body: string;
  readonly messageId: string;
  readonly topicArn: string;
  readonly subscriptionArn: string;
  readonly deliveryId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

/**
 * The request headers of a webhook attempt:
 * - SNS's (spec §7.3): `content-type: text/plain; charset=UTF-8` (the body is JSON nonetheless),
 *   `x-amz-sns-message-type: Notification`, `x-amz-sns-message-id` (the same on every retry),
 *   `x-amz-sns-topic-arn`, `x-amz-sns-subscription-arn`;
 * - flowwatch's: `x-flowwatch-delivery-id`, `x-flowwatch-attempt` (1, 2, ...), and with a secret
 *   `x-flowwatch-timestamp` (unix seconds of this attempt) and
 *   `x-flowwatch-signature: sha256=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>`;
 * - the subscription's own `headers`.
 *
 * @example webhookHeaders(sub, delivery, 's3cret', 1716201062)['x-flowwatch-signature'] // 'sha256=…'
 */
export function webhookHeaders(
  sub: WebhookSubscription,
  d: WebhookDelivery,
  secret: string | undefined,
  nowSeconds: number,
): Record<string, string> {
  const headers: Record<string, string> = {
    ...sub.headers,
    'content-type': 'text/plain; charset=UTF-8',
    'user-agent': USER_AGENT,
    'x-amz-sns-message-type': 'Notification',
    'x-amz-sns-message-id': d.messageId,
    'x-amz-sns-topic-arn': d.topicArn,
    'x-amz-sns-subscription-arn': d.subscriptionArn,
    'x-flowwatch-delivery-id': d.deliveryId,
    'x-flowwatch-attempt': String(d.attempt),
  };
  if (secret !== undefined) {
    headers[TIMESTAMP_HEADER] = String(nowSeconds);
    headers[SIGNATURE_HEADER] = webhookSignature(secret, nowSeconds, d.body);
  }
  return headers;
}

/**
 * Delivers one webhook attempt: resolves on a 2xx answer, throws DeliveryError on any other status, a network
 * error or no answer within the subscription's timeout.
 *
 * @example await postWebhook(sub, delivery, { secret: 's3cret' });
 */
export async function postWebhook(
  sub: WebhookSubscription,
  d: WebhookDelivery,
  options: {
    readonly secret?: string | undefined;
    readonly nowSeconds?: number | undefined;
    readonly signal?: AbortSignal | undefined;
  } = {},
): Promise<void> {
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const headers = webhookHeaders(sub, d, options.secret, now);
  await httpPost(sub.url, d.body, headers, sub.timeoutSeconds * 1000, options.signal);
}
