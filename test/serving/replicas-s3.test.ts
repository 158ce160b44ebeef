// Two API replicas on one S3 store (real MinIO): the champion, keys and usage come from the store, captures go back to it.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { listCaptureKeys } from '../../src/drift/monitor/capture-files';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import { createKey, revokeKey } from '../../src/serving/keys';
import { registerSynthetic } from '../support/synthetic-model';
import { ArtifactStore, FileCache, S3Backend } from '../../src/store';
import { s3TestStore } from '../support/minio';
import { auth, eventually, MODEL, modelA, modelB, ROW, TEST_CONFIG, tempVarDir } from './helpers';

describe('serving: replicas on an S3 artifact store', function () {
  this.timeout(120_000);

  it('serve the store champion, follow its promotion, honour keys made by the CLI, and ship captures per replica', async () => {
    const { store, backend } = await s3TestStore();
    const registry = new Registry(store);
    await registerSynthetic(registry, MODEL, modelA(), { runKey: 'a' });
    const replicas: FastifyInstance[] = [];
    try {
      for (const id of ['api-1', 'api-2']) {
        const varDir = await tempVarDir();
        // each replica: its own folder and download cache, the same bucket
        const own = new ArtifactStore(new S3Backend(backend.settings, new FileCache(`${varDir}/cache`, 64 << 20)));
        const app = await buildApp({
          registry: new Registry(own),
          store: own,
          usageKey: `usage/${id}.json`,
          varDir,
          modelName: MODEL,
          config: { ...TEST_CONFIG, SERVING_DEV_KEY: false, CAPTURE_UPLOAD_MS: 100 },
          defaultMetrics: false,
        });
        await app.ready();
        replicas.push(app);
      }
      const { key, info } = await createKey(store, 'alice', 'user');
      let scoredRows = 0;
      const predict = async (app: FastifyInstance, k = key) => {
        const res = await app.inject({ method: 'POST', url: '/v1/predict', headers: auth(k), payload: { instances: [ROW, ROW] } });
        if (res.statusCode === 200) scoredRows += 2;
        return res;
      };
      for (const app of replicas) {
        await app.serving.reloadKeys();
        const res = await predict(app);
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().model.version, 1);
      }

      // a promotion written to the store by anyone reaches both replicas within the poll interval
      const v2 = await registerSynthetic(registry, MODEL, modelB(), { runKey: 'b', promote: false });
      await registry.setAlias(MODEL, v2, 'test promotion', 'champion', 1);
      for (const app of replicas) await eventually(async () => (await predict(app)).json().model.version === 2, 10_000);

      // captures: each replica's own objects under capture/<model>/, all listed together for the drift check
      await Promise.all(replicas.map((app) => app.serving.capture.flush()));
      await eventually(async () => new Set((await listCaptureKeys(store, MODEL)).map((k) => k.split('-')[1])).size === 2, 10_000);

      // a key revoked in the store stops working on both
      await revokeKey(store, info.id);
      for (const app of replicas) await eventually(async () => (await predict(app)).statusCode === 401, 10_000);

      await Promise.all(replicas.map((app) => app.serving.usage.save()));
      assert.deepEqual(
        (await store.list('usage/')).map((o) => o.key),
        ['usage/api-1.json', 'usage/api-2.json'],
      );

      // after a graceful stop every scored row is in the store, and the local spools are empty
      await Promise.all(replicas.splice(0).map((app) => app.close()));
      let lines = 0;
      for (const k of await listCaptureKeys(store, MODEL)) lines += (await store.get(k))!.toString('utf8').trim().split('\n').length;
      assert.equal(lines, scoredRows);
    } finally {
      await Promise.all(replicas.map((app) => app.close()));
    }
  });
});
