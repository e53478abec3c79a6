// The alarm message, its SNS envelope and subject, the evidence summary and the mail text; expected values by hand.

import { createVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  alarmMessage,
  alarmMessageId,
  buildEvidence,
  cloudWatchTime,
  MAX_MESSAGE_BYTES,
  mailTime,
  regionDisplayName,
  regionOfArn,
  renderAlarmEmail,
  slackPayload,
  snsEnvelope,
  snsStringToSign,
  snsSubject,
  topicArnFor,
  verifySnsSignature,
} from '../../src/notify/index.js';
import { EVIDENCE, notification, PUBLIC_KEY_PEM, REASON, RECORDS, SIGNER, TOPIC_ARN } from './helpers.js';

describe('evidence', () => {
  it('summarises records by source, destination port and interface (counted by hand in helpers.ts)', () => {
    expect(buildEvidence(RECORDS, { top: 5, samples: 2 })).toEqual(EVIDENCE);
  });

  it('keeps bigints exact, counts NODATA records and limits the lists', () => {
    const e = buildEvidence(
      [
        {
          srcaddr: '10.0.0.1',
          dstport: 443,
          protocol: 6,
          interface_id: 'eni-1',
          packets: 2n,
          bytes: 2n ** 60n,
        },
        { srcaddr: '-', dstport: null, protocol: null, interface_id: 'eni-1', packets: null, bytes: null },
        {
          srcaddr: '10.0.0.2',
          dstport: '53',
          protocol: '17',
          interface_id: 'eni-2',
          packets: '1',
          bytes: '70',
        },
      ],
      { top: 1, samples: 1 },
    );
    expect(e.records).toBe(3);
    // 10.0.0.1 and 10.0.0.2 have one flow each; 10.0.0.1 has more bytes.
    expect(e.topSources).toEqual([{ addr: '10.0.0.1', flows: 1, packets: 2, bytes: 2 ** 60 }]);
    expect(e.topInterfaces).toEqual([{ interfaceId: 'eni-1', flows: 2, packets: 2, bytes: 2 ** 60 }]);
    expect(e.sampleRecords[0]!['bytes']).toBe('1152921504606846976');
    expect(e.sampleRecords).toHaveLength(1);
  });
});

describe('SNS message and envelope', () => {
  const n = notification();

  it('writes CloudWatch times and region names', () => {
    expect(cloudWatchTime(Date.UTC(2024, 4, 20, 10, 31, 2, 54))).toBe('2024-05-20T10:31:02.054+0000');
    expect(regionDisplayName('us-east-1')).toBe('US East (N. Virginia)');
    expect(regionOfArn(n.AlarmArn)).toBe('eu-west-1');
    expect(mailTime(n.StateChangeTime)).toBe('Monday 20 May, 2024 10:31:02 UTC');
  });

  it('subject as CloudWatch writes it, cut below 100 characters for SNS', () => {
    expect(snsSubject(n)).toBe('ALARM: "vpc-rejects-high" in Europe (Ireland)');
    const long = notification({ AlarmName: 'x'.repeat(120) });
    const s = snsSubject(long);
    expect(s).toHaveLength(99);
    expect(s.startsWith('ALARM: "xxx')).toBe(true);
    expect(s.endsWith('...')).toBe(true);
  });

  it('message keys in spec §8 order, evidence last', () => {
    const keys = Object.keys(JSON.parse(alarmMessage(n)));
    expect(keys).toEqual([
      'AlarmName',
      'AlarmDescription',
      'AWSAccountId',
      'AlarmConfigurationUpdatedTimestamp',
      'NewStateValue',
      'NewStateReason',
      'StateChangeTime',
      'Region',
      'AlarmArn',
      'OldStateValue',
      'OKActions',
      'AlarmActions',
      'InsufficientDataActions',
      'Trigger',
      'evidence',
    ]);
    expect(JSON.parse(alarmMessage(n))).toEqual(n);
  });

  it('drops sample records to stay under 256 KB', () => {
    const big = notification({
      evidence: {
        ...EVIDENCE,
        sampleRecords: Array.from({ length: 400 }, () => ({ pad: 'p'.repeat(1000) })),
      },
    });
    const text = alarmMessage(big);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const parsed = JSON.parse(text);
    expect(parsed.evidence.truncated).toBe(true);
    expect(parsed.evidence.sampleRecords.length).toBeGreaterThan(200);
    expect(parsed.evidence.sampleRecords.length).toBeLessThan(400);
    expect(parsed.evidence.topSources).toEqual(EVIDENCE.topSources);
  });

  it('topic ARN from the alarm actions; message id stable per transition', () => {
    expect(topicArnFor(n, 'netmon-alerts')).toBe(TOPIC_ARN);
    expect(topicArnFor(n, 'other')).toBe('arn:aws:sns:eu-west-1:111122223333:other');
    const id = alarmMessageId(TOPIC_ARN, n);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(alarmMessageId(TOPIC_ARN, notification())).toBe(id);
    expect(
      alarmMessageId(TOPIC_ARN, notification({ StateChangeTime: '2024-05-20T10:36:02.054+0000' })),
    ).not.toBe(id);
  });

  it('string to sign as spec §7.4 spells it, signature verifiable with the public key', () => {
    const env = snsEnvelope(n, {
      topicArn: TOPIC_ARN,
      messageId: '5b0c2d3e-0000-4000-8000-00000000a1b2',
      timestamp: '2024-05-20T10:31:02.118Z',
      signer: SIGNER,
    });
    expect(Object.keys(env)).toEqual([
      'Type',
      'MessageId',
      'TopicArn',
      'Subject',
      'Message',
      'Timestamp',
      'SignatureVersion',
      'Signature',
      'SigningCertURL',
      'UnsubscribeURL',
    ]);
    const expected =
      `Message\n${env.Message}\nMessageId\n5b0c2d3e-0000-4000-8000-00000000a1b2\n` +
      `Subject\nALARM: "vpc-rejects-high" in Europe (Ireland)\nTimestamp\n2024-05-20T10:31:02.118Z\n` +
      `TopicArn\n${TOPIC_ARN}\nType\nNotification\n`;
    expect(snsStringToSign(env)).toBe(expected);
    const v = createVerify('RSA-SHA256');
    v.update(expected);
    expect(v.verify(PUBLIC_KEY_PEM, env.Signature, 'base64')).toBe(true);
    expect(verifySnsSignature(env, PUBLIC_KEY_PEM)).toBe(true);
    expect(verifySnsSignature({ ...env, Message: env.Message.replace('22.0', '23.0') }, PUBLIC_KEY_PEM)).toBe(
      false,
    );
    expect(env.SignatureVersion).toBe('2');
    expect(env.SigningCertURL).toBe('https://flowwatch.test/key.pem');
  });
});

describe('mail text', () => {
  const mail = renderAlarmEmail(notification(), { topic: 'netmon-alerts' });
  const lines = mail.text.split('\n');

  it('follows CloudWatch layout', () => {
    expect(mail.subject).toBe('ALARM: "vpc-rejects-high" in Europe (Ireland)');
    expect(lines[0]).toBe(
      'You are receiving this email because your Amazon CloudWatch Alarm "vpc-rejects-high" in the Europe (Ireland) ' +
        `region has entered the ALARM state, because "${REASON}" at "Monday 20 May, 2024 10:31:02 UTC".`,
    );
    for (const line of [
      'Alarm Details:',
      // Labels padded so that values start at column 30 (details) and 39 (metric), as in CloudWatch's mail.
      '- Name:                       vpc-rejects-high',
      '- Description:                Rejected SSH >= 10 in 2 of 3 5-min periods',
      '- State Change:               OK -> ALARM',
      `- Reason for State Change:    ${REASON}`,
      '- Timestamp:                  Monday 20 May, 2024 10:31:02 UTC',
      '- AWS Account:                111122223333',
      '- Alarm Arn:                  arn:aws:cloudwatch:eu-west-1:111122223333:alarm:vpc-rejects-high',
      'Threshold:',
      '- The alarm is in the ALARM state when the metric is GreaterThanOrEqualToThreshold 10.0 for at least 2 of the last 3 period(s) of 300 seconds.',
      'Monitored Metric:',
      '- MetricNamespace:                     Local/VPC',
      '- MetricName:                          RejectedSSH',
      '- Dimensions:',
      '- Period:                              300 seconds',
      '- Statistic:                           Sum',
      '- Unit:                                not specified',
      '- TreatMissingData:                    notBreaching',
      'State Change Actions:',
      '- OK:',
      `- ALARM: [${TOPIC_ARN}]`,
      '- INSUFFICIENT_DATA:',
      'Evidence: 5 flow records behind this state change',
    ]) {
      expect(lines).toContain(line);
    }
  });

  it('evidence tables: columns separated by two spaces, numbers right-aligned', () => {
    const at = lines.indexOf('Top sources:');
    expect(lines.slice(at, at + 4)).toEqual([
      'Top sources:',
      '  Source        Flows  Packets  Bytes',
      '  203.0.113.7       3        6    340',
      '  198.51.100.9      2        5    300',
    ]);
    const ports = lines.indexOf('Top destination ports:');
    expect(lines.slice(ports, ports + 4)).toEqual([
      'Top destination ports:',
      '  Port  Protocol  Flows  Packets  Bytes',
      '    22  TCP           4       10    600',
      '  3389  TCP           1        1     40',
    ]);
    const samples = lines.indexOf('Sample records:');
    expect(lines.slice(samples, samples + 3)).toEqual([
      'Sample records:',
      '  version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
      '  2 111122223333 eni-0a1 203.0.113.7 10.0.1.5 51000 22 6 3 180 1716200700 1716200760 REJECT OK',
    ]);
  });

  it('HTML escapes and tabulates the same content', () => {
    expect(mail.html).toContain('Rejected SSH &gt;= 10 in 2 of 3 5-min periods');
    expect(mail.html).toContain(
      '<tr><td>203.0.113.7</td><td align="right">3</td><td align="right">6</td><td align="right">340</td></tr>',
    );
    expect(mail.html).not.toContain('>= 10');
  });

  it('Slack payload: header, reason, evidence in a code block', () => {
    const p = slackPayload(notification(), { topic: 'netmon-alerts' });
    expect(p.text).toBe(`ALARM: "vpc-rejects-high" in Europe (Ireland): ${REASON}`);
    expect(p.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'ALARM: "vpc-rejects-high" in Europe (Ireland)' },
    });
    const all = JSON.stringify(p.blocks);
    expect(all).toContain('OK → ALARM');
    expect(all).toContain('```Top sources:');
    expect(all).toContain('greater than or equal to the threshold (10.0)');
  });
});
