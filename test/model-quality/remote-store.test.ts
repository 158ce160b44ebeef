// Ground truth on a remote artifact store (MinIO): two API replicas spool captures and labels and ship them; the monitor reads every replica's objects.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { executeQualityCheck, planQualityCheck, readQualityState, recordQualityRun } from '../../src/model-quality';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import { createKey } from '../../src/serving/keys';
import { registerSynthetic } from '../support/synthetic-model';
import type { ArtifactStore } from '../../src/store';
import { s3TestStore } from '../support/minio';
import { tempVarDir } from '../support/temporal';
import { auth, modelA, ROW } from '../serving/helpers';

const CONFIG = { MODEL_POLL_MS: 100, CAPTURE_FLUSH_MS: 50, CAPTURE_UPLOAD_MS: 100, SERVING_DEV_KEY: false };

async function replica(store: ArtifactStore, varDir: string): Promise<FastifyInstance> {
  const app = await buildApp({ registry: new Registry(store), store, varDir, modelName: 'flights', config: CONFIG, defaultMetrics: false });
  await app.ready();
  return app;
}

/** The spool file a segment object came from (`<file stem>.<offset>.jsonl`). */
const fileOf = (key: string) => path.posix.basename(key).split('.')[0];
const keysUnder = async (store: ArtifactStore, prefix: string) => (await store.list(prefix)).map((o) => o.key).filter((k) => k.endsWith('.jsonl'));

describe('model quality on a remote store', function () {
  this.timeout(120_000);

  it('labels sent to one replica join predictions made by another; shipped labels stay duplicates on a new host; report and state in the store', async () => {
    const { store } = await s3TestStore();
    await registerSynthetic(new Registry(store), 'flights', modelA(), { runKey: 'model-a' });
    const user = await createKey(store, 'alice', 'user');
    const [dirA, dirB] = [tempVarDir('qport-a-'), tempVarDir('qport-b-')];
    const a = await replica(store, dirA);
    let b = await replica(store, dirB);
    const ids: string[] = [];
    try {
      // predictions on replica A through the repository's per-model route, labels on replica B
      for (let i = 0; i < 3; i++) {
        const res = await a.inject({ method: 'POST', url: '/v1/models/flights/predict', headers: auth(user.key), payload: { instances: [ROW, ROW, ROW, ROW] } });
        assert.equal(res.statusCode, 200, res.body);
        ids.push(...res.json().predictions.map((p: { id: string }) => p.id));
      }
      const labels = ids.map((id, i) => ({ id, label: i % 3 === 0 ? 1 : 0 }));
      const sent = await b.inject({ method: 'POST', url: '/v1/models/flights/feedback', headers: auth(user.key), payload: { labels: [...labels, { id: 'never-predicted', label: 1 }] } });
      assert.equal(sent.statusCode, 200, sent.body);
      assert.equal(sent.json().accepted, ids.length + 1);
    } finally {
      await a.close();
      await b.close();
    }
    // closing flushed and shipped everything: the spools are empty, the store holds segments of one file per writer
    assert.deepEqual(await readdir(path.join(dirA, 'capture-spool', 'flights')), []);
    assert.deepEqual(await readdir(path.join(dirB, 'labels-spool', 'flights')), []);
    const labelObjects = await keysUnder(store, 'labels/flights/');
    assert.equal(new Set((await keysUnder(store, 'capture/flights/')).map(fileOf)).size, 1);
    assert.equal(new Set(labelObjects.map(fileOf)).size, 1);

    // a replica on a new host (empty folder) knows the shipped labels: repeats are duplicates, nothing is written
    b = await replica(store, tempVarDir('qport-c-'));
    try {
      const again = await b.inject({
        method: 'POST',
        url: '/v1/feedback',
        headers: auth(user.key),
        payload: {
          labels: [
            { id: ids[0], label: 1 },
            { id: ids[1], label: 0 },
          ],
        },
      });
      assert.equal(again.statusCode, 200, again.body);
      assert.deepEqual({ accepted: again.json().accepted, duplicates: again.json().duplicates }, { accepted: 0, duplicates: 2 });
    } finally {
      await b.close();
    }
    assert.deepEqual(await keysUnder(store, 'labels/flights/'), labelObjects, 'nothing written');

    // the monitor's steps on the store alone (any worker): every replica's captures joined with every replica's labels
    const planned = await planQualityCheck({
      store,
      defaultModel: 'flights',
      input: { window: { lastMinutes: 30 }, lagSeconds: 0, settings: { minLabeledRows: 5 } },
      now: Date.now() + 1000,
      runId: 'remote-store-run',
    });
    assert.equal(planned.kind, 'check');
    if (planned.kind !== 'check') return;
    const outcome = await executeQualityCheck({ store, plan: planned.plan, run: null, createdAt: new Date().toISOString() });
    assert.deepEqual({ predictions: outcome.predictions, labeled: outcome.labeled, unmatched: outcome.unmatchedLabels }, { predictions: ids.length, labeled: ids.length, unmatched: 1 });
    assert.ok(await store.exists(outcome.jsonKey), outcome.jsonKey);
    assert.ok(await store.exists(outcome.htmlKey), outcome.htmlKey);
    await recordQualityRun(store, { model: 'flights', verdict: outcome.verdict, reportId: outcome.reportId, alertOpen: false, workflowId: 'w', runId: 'r', at: new Date().toISOString() });
    assert.equal((await readQualityState(store, 'flights'))?.lastReportId, outcome.reportId);

    // any replica serves the report from the store
    const c = await replica(store, tempVarDir('qport-d-'));
    try {
      const list = await c.inject({ method: 'GET', url: '/v1/reports/quality' });
      assert.equal(list.statusCode, 200, list.body);
      assert.deepEqual(
        list.json().reports.map((r: { id: string }) => r.id),
        [outcome.reportId],
      );
      const page = await c.inject({ method: 'GET', url: `/v1/reports/quality/${outcome.reportId}.html` });
      assert.equal(page.statusCode, 200);
      assert.match(page.headers['content-type'] as string, /text\/html/);
    } finally {
      await c.close();
    }
  });
});
