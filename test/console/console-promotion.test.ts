// Console and CLI promote through one function (src/training/hand-promotion.ts): both make the model's monitoring schedules on a real dev server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { consolePlugin } from '../../src/console/plugin';
import type { PromotionMonitoring } from '../../src/training/hand-promotion';
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { projectRoot, tempVarDir, testEnv, uniqueTaskQueue } from '../support/temporal';

const run = promisify(execFile);
const cliMain = path.join(projectRoot, 'dist/src/cli/main.js');

async function registerTwo(varDir: string, model: string): Promise<Registry> {
  const reg = new Registry(localStore(varDir));
  for (const i of [0, 1]) await reg.register({ name: model, runKey: `run-${i}`, files: { 'model.onnx': 'x' }, metadata: { features: [{ name: 'x', type: 'numeric' }], metrics: {}, extra: {} } });
  return reg;
}

async function consoleApp(registry: Registry, monitoring: PromotionMonitoring | null) {
  const app = Fastify();
  // the admin guard is the service's (tested with the service); here the actions themselves
  await app.register(consolePlugin, { registry, store: registry.store, adminGuard: {}, monitoring });
  return app;
}

describe('console promotion = CLI promotion', function () {
  this.timeout(120_000);

  it('a console promote makes the drift and quality schedules as `mlp models promote` does; the CLI then finds them there', async () => {
    const env = await testEnv();
    const varDir = tempVarDir();
    const model = `console-${process.pid}`;
    const registry = await registerTwo(varDir, model);
    const taskQueue = uniqueTaskQueue('console');
    const app = await consoleApp(registry, { temporal: env.address, connectTimeoutMs: 10_000, namespace: env.namespace ?? 'default', taskQueue, driftMinutes: 30, qualityMinutes: 60 });
    try {
      const r = await app.inject({ method: 'POST', url: `/console/api/models/${model}/promote`, payload: { version: 1 } });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json(), {
        model,
        champion: 1,
        schedules: [
          { scheduleId: `drift-${model}`, created: true },
          { scheduleId: `quality-${model}`, created: true },
        ],
      });
      const drift = await env.client.schedule.getHandle(`drift-${model}`).describe();
      assert.equal(drift.action.type === 'startWorkflow' ? drift.action.workflowType : '', 'driftMonitor');
      assert.equal(drift.action.type === 'startWorkflow' ? drift.action.taskQueue : '', taskQueue);
      assert.deepEqual(
        drift.spec.intervals?.map((i) => i.every),
        [30 * 60_000],
      );
      const quality = await env.client.schedule.getHandle(`quality-${model}`).describe();
      assert.equal(quality.action.type === 'startWorkflow' ? quality.action.workflowType : '', 'modelQualityMonitor');

      // the CLI, on the same registry and server, promotes through the same function: same schedules, left as they are
      const cli = await run(process.execPath, [cliMain, 'models', 'promote', model, '2'], {
        env: { ...process.env, VAR_DIR: varDir, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: env.namespace ?? 'default', TASK_QUEUE: taskQueue },
      });
      assert.match(cli.stdout, new RegExp(`schedule drift-${model} already there, left as it is`));
      assert.match(cli.stdout, new RegExp(`schedule quality-${model} already there, left as it is`));
      assert.equal(await registry.alias(model), 2);

      const back = await app.inject({ method: 'POST', url: `/console/api/models/${model}/rollback` });
      assert.deepEqual(back.json(), { model, champion: 1 });
      assert.deepEqual(
        (await registry.aliasHistory(model)).map((e) => [e.version, e.reason]),
        [
          [1, 'promoted from the console by admin'],
          [2, 'promoted by hand'],
          [1, 'rollback from 2'],
        ],
      );
    } finally {
      await app.close();
      for (const id of [`drift-${model}`, `quality-${model}`])
        await env.client.schedule
          .getHandle(id)
          .delete()
          .catch(() => undefined);
    }
  });

  it('with Temporal unreachable the console promotion stands and says the schedules were not checked, as the CLI does', async () => {
    const varDir = tempVarDir();
    const registry = await registerTwo(varDir, 'offline');
    const app = await consoleApp(registry, { temporal: '127.0.0.1:9', connectTimeoutMs: 1000, namespace: 'default', taskQueue: 'q', driftMinutes: 30, qualityMinutes: 60 });
    try {
      const r = await app.inject({ method: 'POST', url: '/console/api/models/offline/promote', payload: { version: 2 } });
      assert.equal(r.statusCode, 200, r.body);
      const body = r.json<{ champion: number; schedules: unknown[]; schedulesNotChecked?: string }>();
      assert.equal(body.champion, 2);
      assert.deepEqual(body.schedules, []);
      assert.match(body.schedulesNotChecked ?? '', /offline: drift and quality schedules not checked: cannot reach the Temporal server at 127\.0\.0\.1:9 .* Promote again/);
      assert.equal(await registry.alias('offline'), 2);
    } finally {
      await app.close();
    }
  });
});
