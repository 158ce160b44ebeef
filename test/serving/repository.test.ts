// Model repository serving: every registry model with a champion, per-model capture/usage/metrics, LRU budget, failures isolated.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { registerSynthetic } from '../support/synthetic-model';
import { auth, eventually, harness, modelA, modelB, ROW, type Harness } from './helpers';

const tensors = [
  { name: 'distance', datatype: 'FP32', shape: [1, 1], data: [ROW.distance] },
  { name: 'dep_hour', datatype: 'FP32', shape: [1, 1], data: [ROW.dep_hour] },
  { name: 'carrier', datatype: 'BYTES', shape: [1, 1], data: [ROW.carrier] },
  { name: 'origin', datatype: 'BYTES', shape: [1, 1], data: [ROW.origin] },
];

async function captured(varDir: string, model: string): Promise<Record<string, unknown>[]> {
  const dir = path.join(varDir, 'capture', model);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl'));
  const lines: Record<string, unknown>[] = [];
  for (const f of files) for (const l of (await readFile(path.join(dir, f), 'utf8')).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
  return lines;
}

describe('serving: model repository', () => {
  let h: Harness;
  const post = (url: string, payload: unknown, key = h.userKey) => h.app.inject({ method: 'POST', url, headers: auth(key), payload: payload as object });
  const get = (url: string, key = h.userKey) => h.app.inject({ method: 'GET', url, headers: auth(key) });

  before(async () => {
    h = await harness();
  });
  after(async () => h.close());

  it('serves a model promoted after start on /v1/models/{name}/predict and /v2/models/{name}/infer, without a restart', async () => {
    assert.equal((await post('/v1/models/delays/predict', { instances: [ROW] })).statusCode, 404);
    await registerSynthetic(h.registry, 'delays', modelB(), { runKey: 'delays-1' });
    await eventually(async () => (await post('/v1/models/delays/predict', { instances: [ROW] })).statusCode === 200, 5000);
    const v1 = await post('/v1/models/delays/predict', { instances: [ROW, ROW] });
    assert.deepEqual(v1.json().model, { name: 'delays', version: 1 });
    assert.equal(v1.json().predictions.length, 2);
    const v2 = await post('/v2/models/delays/infer', { inputs: tensors });
    assert.equal(v2.statusCode, 200, v2.body);
    assert.equal(v2.json().model_name, 'delays');
    // a different model answers differently from the default one on the same row
    const main = await post('/v1/predict', { instances: [ROW] });
    assert.equal(main.json().model.name, 'flights');
    assert.notEqual(main.json().predictions[0].probability, v1.json().predictions[0].probability);
  });

  it('lists every model with its state and request schema; details per model; 404 names the models that exist', async () => {
    const list = await get('/v1/models');
    assert.equal(list.statusCode, 200);
    assert.equal(list.json().default, 'flights');
    const byName = Object.fromEntries((list.json().models as { name: string }[]).map((m) => [m.name, m]));
    assert.deepEqual(Object.keys(byName).sort(), ['delays', 'flights']);
    assert.deepEqual(byName.delays, {
      name: 'delays',
      champion: 1,
      version: 1,
      state: 'loaded',
      default: false,
      features: [
        { name: 'distance', type: 'numeric' },
        { name: 'dep_hour', type: 'numeric' },
        { name: 'carrier', type: 'categorical' },
        { name: 'origin', type: 'categorical' },
      ],
    });
    const one = await get('/v1/models/delays');
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().threshold, 0.5);
    assert.equal(typeof one.json().loadedAt, 'string');
    for (const url of ['/v1/models/nope', '/v1/models/nope/predict', '/v2/models/nope/infer', '/v2/models/nope']) {
      const res = url.endsWith('predict') || url.endsWith('infer') ? await post(url, { instances: [ROW] }) : await get(url);
      assert.equal(res.statusCode, 404, url);
      assert.match(res.json().message, /unknown model "nope"; this service serves "delays", "flights"/, url);
    }
    const ready = (await h.app.inject({ method: 'GET', url: '/readyz' })).json();
    assert.deepEqual(ready.models, [
      { name: 'delays', version: 1, state: 'loaded' },
      { name: 'flights', version: 1, state: 'loaded' },
    ]);
  });

  it('captures, counts usage and labels metrics per model', async () => {
    await post('/v1/models/delays/predict', { instances: [ROW] });
    await Promise.all(h.app.serving.repository.captures().map((c) => c.flush()));
    const delays = await captured(h.varDir, 'delays');
    assert.ok(delays.length >= 1);
    assert.ok(delays.every((l) => l.model === 'delays'));
    assert.ok((await captured(h.varDir, 'flights')).every((l) => l.model === 'flights'));
    const usage = (await get('/v1/usage', h.adminKey)).json().keys[h.userKeyId];
    assert.ok(usage.models.delays.requests >= 3, JSON.stringify(usage));
    assert.ok(usage.models.flights.requests >= 1);
    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /prediction_requests_total\{api="v1",model="delays",version="1"\} \d+/);
    assert.match(metrics, /prediction_requests_total\{api="v2",model="delays",version="1"\} 1/);
    assert.match(metrics, /model_version\{model="delays"\} 1/);
    assert.match(metrics, /capture_records_written_total\{model="delays"\} \d+/);
  });

  it('hot-swaps one model without touching the others', async () => {
    const v2 = await registerSynthetic(h.registry, 'delays', modelA(), { runKey: 'delays-2' });
    await eventually(async () => (await post('/v1/models/delays/predict', { instances: [ROW] })).json().model.version === v2, 5000);
    assert.equal((await post('/v1/predict', { instances: [ROW] })).json().model.version, 1);
  });

  it('OIP repository extension: index, ready filter, unload and load (admin)', async () => {
    const index = await post('/v2/repository/index', {});
    assert.equal(index.statusCode, 200, index.body);
    assert.deepEqual(
      index.json<{ name: string; state: string }[]>().map((m) => [m.name, m.state]),
      [
        ['delays', 'READY'],
        ['flights', 'READY'],
      ],
    );
    assert.equal((await post('/v2/repository/models/delays/unload', {})).statusCode, 403);
    const unloaded = await post('/v2/repository/models/delays/unload', {}, h.adminKey);
    assert.equal(unloaded.statusCode, 200, unloaded.body);
    const after = (await post('/v2/repository/index', { ready: true })).json<{ name: string }[]>();
    assert.deepEqual(
      after.map((m) => m.name),
      ['flights'],
    );
    assert.equal((await h.app.inject({ method: 'GET', url: '/v2/models/delays/ready' })).statusCode, 503);
    assert.equal((await post('/v2/repository/models/flights/unload', {}, h.adminKey)).statusCode, 409);
    // the next request loads it again
    assert.equal((await post('/v1/models/delays/predict', { instances: [ROW] })).statusCode, 200);
    assert.equal((await h.app.inject({ method: 'GET', url: '/v2/models/delays/ready' })).statusCode, 200);
    assert.equal((await post('/v2/repository/models/delays/load', {}, h.adminKey)).json().state, 'loaded');
  });

  it('/docs lists each model with its own request schema', async () => {
    const spec = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const op = spec.paths['/v1/models/delays/predict']?.post;
    assert.ok(op, Object.keys(spec.paths).join(', '));
    const schema = op.requestBody.content['application/json'].schema;
    assert.deepEqual(Object.keys(schema.properties.instances.items.properties), ['distance', 'dep_hour', 'carrier', 'origin']);
    assert.ok(spec.paths['/v1/models/flights/predict']);
  });
});

describe('serving: model repository limits and failures', () => {
  it('keeps at most SERVING_MAX_LOADED_MODELS loaded: least recently used unloaded, loaded again on demand, default never', async () => {
    const h = await harness({ config: { SERVING_MAX_LOADED_MODELS: 2 } });
    try {
      const post = (name: string) => h.app.inject({ method: 'POST', url: `/v1/models/${name}/predict`, headers: auth(h.userKey), payload: { instances: [ROW] } });
      const states = async () =>
        Object.fromEntries(((await h.app.inject({ method: 'GET', url: '/v1/models', headers: auth(h.userKey) })).json().models as { name: string; state: string }[]).map((m) => [m.name, m.state]));
      await registerSynthetic(h.registry, 'alpha', modelA(), { runKey: 'alpha' });
      await eventually(async () => (await states()).alpha === 'loaded', 5000);
      await registerSynthetic(h.registry, 'beta', modelB(), { runKey: 'beta' });
      // the budget is full: beta is known but waits for its first request
      await eventually(async () => (await states()).beta === 'unloaded', 5000);
      assert.equal((await post('beta')).statusCode, 200);
      assert.deepEqual(await states(), { alpha: 'unloaded', beta: 'loaded', flights: 'loaded' });
      assert.equal((await post('alpha')).statusCode, 200);
      assert.deepEqual(await states(), { alpha: 'loaded', beta: 'unloaded', flights: 'loaded' });
      assert.equal((await post('flights')).statusCode, 200);
      assert.match((await h.app.inject({ method: 'GET', url: '/metrics' })).body, /models_loaded 2/);
    } finally {
      await h.close();
    }
  });

  it('readiness probes answer from state: an unloaded model (or version) is not ready, and asking never loads it or evicts another', async () => {
    const h = await harness({ config: { SERVING_MAX_LOADED_MODELS: 2 } });
    try {
      const states = async () =>
        Object.fromEntries(((await h.app.inject({ method: 'GET', url: '/v1/models', headers: auth(h.userKey) })).json().models as { name: string; state: string }[]).map((m) => [m.name, m.state]));
      await registerSynthetic(h.registry, 'alpha', modelA(), { runKey: 'alpha' });
      await eventually(async () => (await states()).alpha === 'loaded', 5000);
      await registerSynthetic(h.registry, 'beta', modelB(), { runKey: 'beta' });
      await eventually(async () => (await states()).beta === 'unloaded', 5000);
      // no key needed for probes: each of these would load beta (evicting alpha) if readiness loaded models
      for (let i = 0; i < 3; i++) {
        const versioned = await h.app.inject({ method: 'GET', url: '/v2/models/beta/versions/1/ready' });
        assert.equal(versioned.statusCode, 503, versioned.body);
        assert.deepEqual(versioned.json(), { name: 'beta', ready: false, error: 'Service Unavailable', message: 'version 1 of "beta" is not loaded' });
        assert.equal((await h.app.inject({ method: 'GET', url: '/v2/models/beta/ready' })).statusCode, 503);
        assert.equal((await h.app.inject({ method: 'GET', url: '/v2/models/beta/versions/99/ready' })).statusCode, 503);
      }
      assert.deepEqual(await states(), { alpha: 'loaded', beta: 'unloaded', flights: 'loaded' });
      assert.equal((await h.app.inject({ method: 'GET', url: '/v2/models/alpha/versions/1/ready' })).statusCode, 200);
      assert.equal((await h.app.inject({ method: 'GET', url: '/v2/models/flights/ready' })).statusCode, 200);
    } finally {
      await h.close();
    }
  });

  it('a model that fails to load answers 503 with the reason; every other model keeps serving', async () => {
    const h = await harness();
    try {
      await h.registry.register({
        name: 'broken',
        runKey: 'broken',
        files: { 'model.onnx': Buffer.from('not an onnx model') },
        metadata: { features: [{ name: 'x', type: 'numeric' }], metrics: {}, extra: {} },
      });
      await h.registry.setAlias('broken', 1, 'test');
      const list = async () =>
        ((await h.app.inject({ method: 'GET', url: '/v1/models', headers: auth(h.userKey) })).json().models as { name: string; state: string; reason?: string }[]).find((m) => m.name === 'broken');
      await eventually(async () => (await list())?.state === 'failed', 5000);
      assert.match((await list())!.reason!, /failed to load/);
      const res = await h.app.inject({ method: 'POST', url: '/v1/models/broken/predict', headers: auth(h.userKey), payload: { instances: [{ x: 1 }] } });
      assert.equal(res.statusCode, 503);
      assert.match(res.json().message, /model "broken" cannot serve: version 1 failed to load/);
      assert.equal((await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW] } })).statusCode, 200);
      assert.equal((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    } finally {
      await h.close();
    }
  });
});
