// A dispatcher in its own process, for the kill -9 test: run with vite-node <state dir> <webhook url>; it publishes
// one notification, reports its events on stdout as JSON lines and runs until killed.

import { Dispatcher } from '../../src/notify/index.js';
import { CRASH_RETRY, crashTopic } from './crash-setup.js';
import { notification } from './helpers.js';

const [dir, url] = process.argv.slice(2);
const d = await Dispatcher.open({
  stateDir: dir!,
  topics: [crashTopic(url!)],
  retry: CRASH_RETRY,
  rescanSeconds: 0,
  onEvent: (e) => process.stdout.write(`${JSON.stringify(e)}\n`),
});
d.start();
await d.publish('netmon-alerts', notification());
process.stdout.write('published\n');
setInterval(() => undefined, 60_000);
