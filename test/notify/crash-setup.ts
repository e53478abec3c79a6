// The topic and retry policy shared by the kill -9 test and its child process.

import { checkTopic, type RetryPolicy, type Topic } from '../../src/notify/index.js';

export const CRASH_RETRY: RetryPolicy = { baseDelaySeconds: 0.2, maxDelaySeconds: 0.2, maxAttempts: 5 };

export function crashTopic(url: string): Topic {
  const r = checkTopic({ name: 'netmon-alerts', subscriptions: [{ type: 'webhook', url, secret: 'k' }] });
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.value;
}
