// The PutLogEvents client of bench:cwapi run as a process of its own (`--client process`), as an SDK client runs
// in production: its JSON writer and SigV4 signing then use their own CPU instead of the server's event loop.
// Started by bench/cwapi.mjs with the endpoint and the batch count; waits for "go" on the IPC channel, sends the
// calls (4 in flight) and answers with its wall and CPU seconds.

import { CloudWatchLogsClient, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { batch, IN_FLIGHT, pool } from './cwapi-lines.mjs';

const [endpoint, callsText, nowText] = process.argv.slice(2);
const calls = Number(callsText);
const now = Number(nowText);
const client = new CloudWatchLogsClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIABENCH', secretAccessKey: 'bench-secret' },
  maxAttempts: 1,
});
const events = Array.from({ length: calls }, (_, b) =>
  batch(b, now).map((message, i) => ({
    timestamp: (now - 600 + Math.floor((i * 60) / 10_000)) * 1000,
    message,
  })),
);
process.on('message', async (m) => {
  if (m !== 'go') return;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    await pool(calls, IN_FLIGHT, (b) =>
      client.send(
        new PutLogEventsCommand({ logGroupName: '/bench', logStreamName: 's', logEvents: events[b] }),
      ),
    );
    const c = process.cpuUsage(c0);
    process.send({ seconds: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 }, () =>
      process.exit(0),
    );
  } catch (err) {
    process.send({ error: String(err) }, () => process.exit(1));
  }
});
process.send('ready');
