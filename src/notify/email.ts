// Email channel: sends the rendered alarm mail through an SMTP server with nodemailer.

import nodemailer, { type Transporter } from 'nodemailer';
import { renderAlarmEmail, renderMessageEmail } from './email-body.js';
import { DeliveryError } from './http-post.js';
import { isPlainMessage, type Notification } from './message.js';
import { type EmailSubscription, NotifyConfigError, type SmtpSettings } from './topic.js';

/** An SMTP connection factory bound to one server (nodemailer's Transporter). */
export type EmailTransport = Transporter;

/**
 * Creates the SMTP transport. Credentials are read from the environment variables the settings name; a missing
 * variable throws NotifyConfigError `NOTIFY_ENV_MISSING`.
 *
 * @example const transport = createEmailTransport(smtp, process.env);
 */
export function createEmailTransport(
  smtp: SmtpSettings,
  env: Readonly<Record<string, string | undefined>> = process.env,
): EmailTransport {
  let auth: { user: string; pass: string } | undefined;
  if (smtp.auth) {
    const user = env[smtp.auth.userEnv];
    const pass = env[smtp.auth.passEnv];
    for (const [key, name, value] of [
      ['userEnv', smtp.auth.userEnv, user],
      ['passEnv', smtp.auth.passEnv, pass],
    ] as const) {
      if (value === undefined) {
        throw new NotifyConfigError(
          'NOTIFY_ENV_MISSING',
          ['auth', key],
          `environment variable ${name} is not set`,
          'the variable to hold the SMTP credential',
        );
      }
    }
    auth = { user: user!, pass: pass! };
  }
  const ms = smtp.timeoutSeconds * 1000;
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth,
    connectionTimeout: ms,
    greetingTimeout: ms,
    socketTimeout: ms,
  });
}

/** Identifies one delivery of a mail, for headers that let clients spot a retried duplicate. */
export interface EmailDelivery {
  readonly messageId: string;
  readonly deliveryId: string;
  readonly topic: string;
  readonly alarmUrl?: string | undefined;
}

/**
 * Sends one mail to all of the subscription's addresses. The `Message-ID` header is derived from the delivery
 * id, so a retry after an unconfirmed send carries the same id (clients and servers may drop the duplicate).
 * Any SMTP or connection failure throws DeliveryError.
 *
 * @example await sendAlarmEmail(transport, smtp.from, sub, n, { messageId, deliveryId, topic: 'netmon-alerts' });
 */
export async function sendAlarmEmail(
  transport: EmailTransport,
  from: string,
  sub: EmailSubscription,
  n: Notification,
  d: EmailDelivery,
): Promise<void> {
  const mail = isPlainMessage(n)
    ? renderMessageEmail(n, { topic: d.topic })
    : renderAlarmEmail(n, { topic: d.topic, alarmUrl: d.alarmUrl });
  try {
    await transport.sendMail({
      from,
      to: [...sub.to],
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: `<${d.deliveryId}@flowwatch>`,
      headers: { 'X-Flowwatch-Message-Id': d.messageId, 'X-Flowwatch-Delivery-Id': d.deliveryId },
    });
  } catch (err) {
    const e = err as Error & { responseCode?: number; code?: string };
    const code = e.responseCode ? `SMTP ${e.responseCode}` : (e.code ?? 'SMTP');
    throw new DeliveryError(`${code}: ${e.message}`, { cause: err });
  }
}
