// An alarm added while the runner's timer tick is under way (a reload landing during the tick's awaits: the API's
// PutMetricAlarm, an edited flowwatch.yaml) starts on its schedule like every other alarm: the first evaluation
// comes when its period closes, not at once. Before, the tick took an alarm it had no due time for as due at 0 and
// evaluated it in the middle of the period: with no datapoint yet, INSUFFICIENT_DATA became OK at a moment that
// depended on the timer (a whole-suite run saw it in test/api/cloudwatch.test.ts).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { AlarmsRunner } from '../../src/monitor/alarms-runner.js';
import { Store } from '../../src/storage/store.js';

const T = Date.UTC(2024, 4, 20, 10, 0, 0) / 1000; // 2024-05-20 10:00:00 UTC, a minute boundary

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-alarm-schedule-'));
  store = await Store.open(':memory:');
});

afterAll(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const config = (alarms: string) =>
  parseConfig(
    join(dir, 'flowwatch.yaml'),
    `
metricFilters:
  - { name: ping-deny, pattern: "[v, a, e, s, d, sp, dp, protocol = 1, p, b, ws, we, action = REJECT, st]", metricNamespace: FlowLogs, metricName: DeniedICMP, metricValue: "1" }
${alarms}
monitor: { stateDir: "${join(dir, 'state')}", account: "111122223333", region: eu-west-1 }
`,
  );

/** A 60 s, 1-period alarm on the ping metric, as a reloaded configuration's alarms section. */
const pingAlarm = (name: string) =>
  config(`alarms:
  - { name: ${name}, metric: { namespace: FlowLogs, metricName: DeniedICMP }, statistic: Sum, period: 60, evaluationPeriods: 1, threshold: 1, comparisonOperator: GreaterThanOrEqualToThreshold, treatMissingData: notBreaching }`);

/** A runner with no alarm yet on its own state folder, its clock read from `clock()`, and its timer tick. */
async function openRunner(state: string, clock: () => number) {
  const runner = await AlarmsRunner.open(config(''), store, undefined, {
    stateDir: join(dir, state),
    context: { account: '111122223333', region: 'eu-west-1' },
    delaySeconds: 0,
    now: clock,
  });
  const tick = () => (runner as unknown as { tick(): Promise<void> }).tick();
  return { runner, tick };
}

describe("the alarm runner's schedule", () => {
  it('an alarm added during a tick is first evaluated when its period closes, not at once', async () => {
    let clock = T + 5;
    const { runner, tick } = await openRunner('state', () => clock);
    // The reload sets the new configuration (and the alarm's schedule) before its first await, and a tick runs
    // before the reload has ended: the interleaving of a reload landing while a tick awaits.
    const reloaded = runner.reload(pingAlarm('ping'));
    await tick();
    await reloaded;
    expect(runner.machine.get('ping')?.state.value).toBe('INSUFFICIENT_DATA');
    expect(runner.evaluations).toBe(0);
    // 10:00:59: still inside the first period. 10:01:00: the period has closed, the first evaluation runs (no
    // datapoint, missing data not breaching: OK).
    clock = T + 59;
    await tick();
    expect(runner.evaluations).toBe(0);
    clock = T + 60;
    await tick();
    expect(runner.evaluations).toBe(1);
    expect(runner.machine.get('ping')?.state.value).toBe('OK');
  });

  it("an alarm put at 10:00:05 is evaluated at 10:01 even when the timer's first look at it comes only then", async () => {
    let clock = T + 5;
    const { runner, tick } = await openRunner('state2', () => clock);
    await runner.reload(pingAlarm('ping2'));
    clock = T + 60;
    await tick();
    expect(runner.evaluations).toBe(1);
  });
});
