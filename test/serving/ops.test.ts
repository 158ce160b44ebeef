// /healthz, /readyz, /metrics, /docs: open, shaped, and the docs' predict schema is the champion's zod schema.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { jsonSchema } from '../../src/serving/schemas';
import { auth, harness, ROW, type Harness } from './helpers';

describe('serving: ops endpoints and docs', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(async () => h.close());

  it('/healthz and /readyz', async () => {
    assert.deepEqual((await h.app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), {
      ready: true,
      model: { name: 'flights', version: 1 },
      capture: { ok: true, folder: path.join(h.varDir, 'capture', 'flights') },
      models: [{ name: 'flights', version: 1, state: 'loaded' }],
    });
  });

  it('/metrics has requests and latency by route and status, predictions, rows, model version, capture counters', async () => {
    await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW, ROW] } });
    await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [{}] } });
    await h.app.serving.capture.flush();
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    const m = res.body;
    assert.match(m, /http_requests_total\{route="\/v1\/predict",method="POST",status="200"\} 1/);
    assert.match(m, /http_requests_total\{route="\/v1\/predict",method="POST",status="400"\} 1/);
    assert.match(m, /http_request_duration_seconds_count\{route="\/v1\/predict",method="POST",status="200"\} 1/);
    assert.match(m, /prediction_requests_total\{api="v1",model="flights",version="1"\} 1/);
    assert.match(m, /prediction_rows_total\{api="v1",model="flights",version="1"\} 2/);
    assert.match(m, /model_version\{model="flights"\} 1/);
    assert.match(m, /model_loads_total\{model="flights",result="ok"\} 1/);
    assert.match(m, /capture_records_written_total\{model="flights"\} 2/);
    assert.match(m, /inference_batch_rows_count\{model="flights"\} \d+/);
    assert.match(m, /api_keys_active \d+/);
    await h.app.inject({ method: 'GET', url: '/nowhere' });
    assert.match((await h.app.inject({ method: 'GET', url: '/metrics' })).body, /route="unmatched",method="GET",status="404"/);
  });

  it('/docs serves swagger-ui and /docs/json an OpenAPI document whose predict body is the champion schema', async () => {
    const ui = await h.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(ui.statusCode, 200);
    assert.match(String(ui.headers['content-type']), /text\/html/);
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    const predict = doc.paths['/v1/predict'].post;
    const schema = predict.requestBody.content['application/json'].schema as { properties: { instances: { items: { properties: object; additionalProperties: boolean } } } };
    assert.deepEqual(schema, jsonSchema(h.app.serving.models.current!.predictRequest));
    assert.deepEqual(Object.keys(schema.properties.instances.items.properties), ['distance', 'dep_hour', 'carrier', 'origin']);
    assert.equal(schema.properties.instances.items.additionalProperties, false);
    assert.deepEqual(predict.security, [{ bearer: [] }, { apiKey: [] }]);
    for (const p of ['/v2/models/{name}/infer', '/v2/models/{name}/versions/{version}/infer', '/v2/health/live', '/healthz', '/readyz', '/metrics', '/v1/usage', '/v1/models/current']) {
      assert.ok(doc.paths[p], `${p} documented`);
    }
    assert.ok(doc.paths['/v1/predict'].post.responses['400'], 'error responses documented');
  });

  it('/readyz turns 503 when the capture writer stops working, and back when it works again', async () => {
    // every flush opens a new file (6 rows > 1 KiB), so replacing the folder by a plain file breaks the next write
    const c = await harness({ config: { CAPTURE_MAX_FILE_BYTES: 1024, CAPTURE_FLUSH_MS: 60_000 } });
    const send = () => c.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(c.userKey), payload: { instances: Array.from({ length: 6 }, () => ROW) } });
    try {
      const folder = c.app.serving.capture.folder;
      await send();
      await c.app.serving.capture.flush();
      await rename(folder, `${folder}.away`);
      await writeFile(folder, 'not a folder');
      assert.equal((await send()).statusCode, 200, 'predictions never wait for or fail on capture');
      await c.app.serving.capture.flush();
      const down = await c.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(down.statusCode, 503);
      assert.equal(down.json().message, 'not ready: capture writer is not working');
      assert.match((await c.app.inject({ method: 'GET', url: '/metrics' })).body, /capture_records_dropped_total\{model="flights",reason="write_error"\} 6/);
      await rm(folder);
      await rename(`${folder}.away`, folder);
      await send();
      await c.app.serving.capture.flush();
      assert.equal((await c.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    } finally {
      await c.close();
    }
  });

  it('also answers over real HTTP on a loopback port', async () => {
    const h2 = await harness();
    const app = h2.app;
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: 'ok' });
    } finally {
      await h2.close();
    }
  });
});
