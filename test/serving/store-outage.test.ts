// The API on an S3 store that goes away: it keeps serving its model, keeps capturing into its spool, and ships it all later.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { listCaptureKeys } from '../../src/drift/monitor/capture-files';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import { createKey } from '../../src/serving/keys';
import { registerSynthetic } from '../support/synthetic-model';
import { ArtifactStore, FileCache, S3Backend } from '../../src/store';
import { startMinio } from '../support/minio';
import { auth, eventually, MODEL, modelA, ROW, TEST_CONFIG, tempVarDir } from './helpers';

describe('serving: the artifact store goes down and comes back', function () {
  this.timeout(120_000);

  it('answers every request from the loaded model and loses no captured row', async () => {
    const dataDir = await tempVarDir();
    let server = await startMinio({ dataDir });
    const varDir = await tempVarDir();
    const store = new ArtifactStore(
      new S3Backend({ bucket: 'outage-api', prefix: '', endpoint: server.endpoint, region: server.region, credentials: server.credentials }, new FileCache(`${varDir}/cache`, 64 << 20)),
    );
    let app: FastifyInstance | undefined;
    try {
      await (store.backend as S3Backend).ensureBucket();
      await registerSynthetic(new Registry(store), MODEL, modelA(), { runKey: 'a' });
      const { key } = await createKey(store, 'alice', 'user');
      app = await buildApp({ registry: new Registry(store), store, varDir, modelName: MODEL, config: { ...TEST_CONFIG, SERVING_DEV_KEY: false, CAPTURE_UPLOAD_MS: 100 }, defaultMetrics: false });
      await app.ready();
      let scored = 0;
      const predict = async () => {
        const res = await app!.inject({ method: 'POST', url: '/v1/predict', headers: auth(key), payload: { instances: [ROW, ROW, ROW] } });
        assert.equal(res.statusCode, 200, res.body);
        scored += 3;
      };
      const storedRows = async () => {
        let n = 0;
        for (const k of await listCaptureKeys(store, MODEL)) n += (await store.get(k))!.toString('utf8').trim().split('\n').length;
        return n;
      };
      for (let i = 0; i < 5; i++) await predict();
      await eventually(async () => (await storedRows()) === scored, 10_000);

      await server.stop();
      for (let i = 0; i < 5; i++) await predict(); // served from memory; captured into the local spool
      assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'readiness does not depend on the store');
      await new Promise((r) => setTimeout(r, 1000)); // several failed upload ticks
      server = await startMinio({ port: server.port, dataDir });
      await eventually(async () => (await storedRows().catch(() => -1)) === scored, 15_000);
      assert.equal(scored, 30);
    } finally {
      await app?.close();
      await store.close();
      await server.stop();
    }
  });
});
