// On a real dev server: a second model trained by trainingPipeline is served by the running API process without a restart, and gets a drift schedule.
import assert from 'node:assert/strict';
import type { TrainingResult } from '../../activities/training-types';
import { driftScheduleId } from '../../src/drift/schedule';
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { registerSynthetic } from '../support/synthetic-model';
import type { DriftMonitorResult } from '../../workflows/drift-monitor';
import { tempVarDir, withWorker } from '../support/temporal';
import { modelA, ROW } from './helpers';
import { spawnServer } from './server-process';

const SMALL_ROW = { hour: 17, day_of_week: 5, distance: 733, origin: 'ORD', destination: 'LGA' };
const SMALL_TENSORS = [
  { name: 'hour', datatype: 'FP32', shape: [1, 1], data: [17] },
  { name: 'day_of_week', datatype: 'FP32', shape: [1, 1], data: [5] },
  { name: 'distance', datatype: 'FP32', shape: [1, 1], data: [733] },
  { name: 'origin', datatype: 'BYTES', shape: [1, 1], data: ['ORD'] },
  { name: 'destination', datatype: 'BYTES', shape: [1, 1], data: ['LGA'] },
];

describe('serving: a second model trained while the API runs', function () {
  this.timeout(600_000);

  it('is served within MODEL_POLL_MS of its promotion on /v1/models/{name}/predict and /v2/models/{name}/infer, no restart; its drift schedule exists', async () => {
    const varDir = tempVarDir();
    const registry = new Registry(localStore(varDir));
    await registerSynthetic(registry, 'flights', modelA(), { runKey: 'default-model' });
    const pollMs = 500;
    const api = await spawnServer(varDir, { MODEL_POLL_MS: String(pollMs), SERVING_PROCESSES: '1' });
    const headers = { authorization: `Bearer ${api.key}`, 'content-type': 'application/json' };
    const post = async (url: string, body: unknown) => {
      const res = await fetch(api.url + url, { method: 'POST', headers, body: JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    try {
      await withWorker(
        async ({ env, taskQueue }) => {
          const before = await post('/v1/models/flights-small/predict', { instances: [SMALL_ROW] });
          assert.equal(before.status, 404);
          assert.match(String(before.json.message), /unknown model "flights-small"; this service serves "flights"/);

          // the test server is shared: another test's flights-small promotion may have made the schedule already
          await env.client.schedule
            .getHandle(driftScheduleId('flights-small'))
            .delete()
            .catch(() => undefined);
          const handle = await env.client.workflow.start('trainingPipeline', {
            taskQueue,
            workflowId: `train-second-model-${Date.now()}`,
            args: [{ spec: 'datasets/flights-small.json' }],
          });
          // poll both routes while the pipeline runs: the first 200 is timed against the promotion in the alias history
          let servedAt: number | undefined;
          let inferAt: number | undefined;
          const watching = (async () => {
            while (servedAt === undefined || inferAt === undefined) {
              if (servedAt === undefined && (await post('/v1/models/flights-small/predict', { instances: [SMALL_ROW] })).status === 200) servedAt = Date.now();
              if (inferAt === undefined && (await post('/v2/models/flights-small/infer', { inputs: SMALL_TENSORS })).status === 200) inferAt = Date.now();
              await new Promise((r) => setTimeout(r, 20));
            }
          })();
          const result = (await handle.result()) as TrainingResult;
          assert.equal(result.promoted, true, result.promotionReason);
          const promotedAt = Date.parse((await registry.aliasHistory('flights-small')).at(-1)!.at);
          await Promise.race([watching, new Promise((_, reject) => setTimeout(() => reject(new Error('not served within 30 s of promotion')), 30_000))]);
          const delay = Math.max(servedAt!, inferAt!) - promotedAt;
          process.stderr.write(`      second model served ${servedAt! - promotedAt} ms (v1) / ${inferAt! - promotedAt} ms (v2) after promotion; MODEL_POLL_MS ${pollMs}\n`);
          // the next scan finds it (<= MODEL_POLL_MS), then the ONNX file is loaded and checked on sample rows
          assert.ok(delay <= pollMs + 3000, `served ${delay} ms after promotion`);

          // its own request schema: the default model's row is rejected naming the fields, its own row is scored
          const wrong = await post('/v1/models/flights-small/predict', { instances: [ROW] });
          assert.equal(wrong.status, 400);
          assert.ok((wrong.json.issues as { path: string }[]).some((i) => i.path === 'instances.0.carrier'));
          const ok = await post('/v1/models/flights-small/predict', { instances: [SMALL_ROW] });
          assert.deepEqual(ok.json.model, { name: 'flights-small', version: 1 });
          assert.equal((await post('/v1/predict', { instances: [ROW] })).json.model && (await post('/v1/predict', { instances: [ROW] })).status, 200);

          // the default model kept serving and the API never restarted
          assert.equal(api.child.exitCode, null);
          const models = (await (await fetch(`${api.url}/v1/models`, { headers })).json()) as { models: { name: string; state: string }[] };
          assert.deepEqual(
            models.models.map((m) => [m.name, m.state]),
            [
              ['flights', 'loaded'],
              ['flights-small', 'loaded'],
            ],
          );

          // the promotion created the model's drift schedule; a run of it checks that model
          const schedule = env.client.schedule.getHandle(driftScheduleId('flights-small'));
          try {
            const d = await schedule.describe();
            assert.equal(d.action.type, 'startWorkflow');
            assert.equal(d.action.workflowType, 'driftMonitor');
            assert.deepEqual(d.action.args, [{ model: 'flights-small' }]);
            assert.equal(d.action.taskQueue, taskQueue);
            await schedule.trigger();
            let runId: string | undefined;
            for (let i = 0; i < 200 && !runId; i++) {
              runId = (await schedule.describe()).info.recentActions.at(-1)?.action.workflow.workflowId;
              if (!runId) await new Promise((r) => setTimeout(r, 100));
            }
            assert.ok(runId, 'the triggered schedule started no run');
            const drift = (await env.client.workflow.getHandle(runId).result()) as DriftMonitorResult;
            assert.equal(drift.model, 'flights-small');
            assert.equal(drift.version, 1);
          } finally {
            await schedule.delete();
          }
        },
        { varDir },
      );
    } finally {
      await api.kill('SIGTERM');
    }
  });
});
