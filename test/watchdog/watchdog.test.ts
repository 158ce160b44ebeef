// The workers' watchdog on a real dev server: runs waiting for a worker that is not there become one alert, resolved when one polls.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Alert } from '../../src/alerts/model';
import { defaultAlertSettings } from '../../src/alerts/settings';
import { localStore } from '../../src/store';
import { Watchdog } from '../../src/watchdog/watchdog';
import { tempVarDir, testEnv, uniqueTaskQueue, withWorker } from '../support/temporal';

const alertsIn = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => Alert.parse(JSON.parse(l)))
    : [];

describe('watchdog: alerts when the workers are down', function () {
  this.timeout(180_000);

  it('a run nobody picks up gives one alert naming it, repeated checks add none, and a worker that comes back resolves it', async () => {
    const env = await testEnv();
    const taskQueue = uniqueTaskQueue('watchdog');
    const varDir = tempVarDir('watchdog-');
    const alertsFile = path.join(varDir, 'alerts.jsonl');
    const watchdog = new Watchdog({
      client: env.client,
      namespace: env.namespace ?? 'default',
      taskQueue,
      limitMs: 1000,
      alerts: { ...defaultAlertSettings(), alertsFile },
      store: localStore(varDir),
      varDir,
      uiUrl: 'http://127.0.0.1:8233',
    });
    // No worker polls this queue: the run's first workflow task waits.
    const handle = await env.client.workflow.start('systemCheck', { taskQueue, workflowId: `watchdog-${Date.now()}`, args: [{}] });
    await new Promise((r) => setTimeout(r, 1500));
    // the run is found through visibility, which may trail the start by a moment
    let first = await watchdog.tick();
    for (let i = 0; i < 50 && !first.outage?.stuck.length; i++) {
      await new Promise((r) => setTimeout(r, 200));
      first = await watchdog.tick();
    }
    assert.equal(first.state, 'down');
    assert.ok(
      first.outage?.stuck.some((s) => s.workflowId === handle.workflowId && s.waiting === 'workflow task'),
      JSON.stringify(first.outage),
    );
    for (let i = 0; i < 3; i++) assert.equal((await watchdog.tick()).sent, undefined, 'one alert per outage');
    const firing = alertsIn(alertsFile);
    assert.equal(firing.length, 1);
    assert.equal(firing[0]?.kind, 'firing');
    assert.equal(firing[0]?.severity, 'critical');
    assert.match(firing[0]?.title ?? '', new RegExp(`Workers down: .*${taskQueue}`));
    assert.match(firing[0]?.source.message ?? '', /no worker polls|waiting for a worker/);

    // A worker comes back: the run completes, the queue is polled, the alert is resolved once.
    await withWorker(
      async () => {
        await handle.result();
        let t = await watchdog.tick();
        for (let i = 0; i < 50 && t.state !== 'ok'; i++) {
          await new Promise((r) => setTimeout(r, 200));
          t = await watchdog.tick();
        }
        assert.equal(t.sent, 'resolved');
        assert.equal((await watchdog.tick()).sent, undefined);
      },
      { taskQueue, varDir },
    );
    assert.deepEqual(
      alertsIn(alertsFile).map((a) => a.kind),
      ['firing', 'resolved'],
    );
  });
});
