// POST /v1/predict and GET /v1/models/current: shapes, parity with the model itself, nulls as missing.
import assert from 'node:assert/strict';
import { OnnxModel } from '../../src/model/onnx-model';
import { SYNTHETIC_FEATURES } from '../support/synthetic-model';
import { auth, harness, modelA, ROW, type Harness } from './helpers';

describe('serving: POST /v1/predict', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(async () => h.close());

  it('scores one row with the champion and names the model', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW] } });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /application\/json/);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['model', 'predictions']);
    assert.deepEqual(body.model, { name: 'flights', version: 1 });
    assert.equal(body.predictions.length, 1);
    const p = body.predictions[0];
    assert.deepEqual(Object.keys(p).sort(), ['id', 'label', 'probability']);
    assert.ok(p.probability >= 0 && p.probability <= 1);
    assert.equal(p.label, p.probability >= 0.5 ? 1 : 0);
  });

  it('returns exactly what the ONNX model gives for the same rows (nulls are missing values)', async () => {
    const rows = [
      ROW,
      { distance: null, dep_hour: 3, carrier: 'DL', origin: 'SFO' },
      { distance: 2500, dep_hour: 23, carrier: null, origin: 'never-seen' },
      { distance: 0, dep_hour: 0, carrier: '', origin: 'ATL' },
    ];
    const res = await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: rows } });
    assert.equal(res.statusCode, 200, res.body);
    const model = await OnnxModel.load(
      modelA(),
      SYNTHETIC_FEATURES.map((f) => ({ ...f })),
    );
    try {
      const want = await model.predictRecords(rows);
      const got = res.json().predictions.map((p: { probability: number }) => p.probability);
      assert.deepEqual(got, Array.from(want));
    } finally {
      await model.release();
    }
  });

  it('accepts x-api-key as well as Bearer', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'x-api-key': h.userKey }, payload: { instances: [ROW, ROW] } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().predictions.length, 2);
  });

  it('answers concurrent requests each with its own rows (batched underneath)', async () => {
    const hours = Array.from({ length: 40 }, (_, i) => i % 24);
    const results = await Promise.all(hours.map((hr) => h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [{ ...ROW, dep_hour: hr }] } })));
    const single = await Promise.all(
      [0, 5, 17].map(
        async (hr) => (await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [{ ...ROW, dep_hour: hr }] } })).json().predictions[0].probability,
      ),
    );
    for (const [i, hr] of [0, 5, 17].entries()) assert.equal(results[hours.indexOf(hr)].json().predictions[0].probability, single[i]);
    for (const r of results) assert.equal(r.statusCode, 200);
  });

  it('GET /v1/models/current describes the champion (features = the request schema)', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/models/current', headers: auth(h.userKey) });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.name, 'flights');
    assert.equal(body.version, 1);
    assert.equal(body.threshold, 0.5);
    assert.deepEqual(
      body.features,
      SYNTHETIC_FEATURES.map((f) => ({ ...f })),
    );
    assert.equal(typeof body.loadedAt, 'string');
    assert.deepEqual(body.metrics, { auc: 0.7 });
  });

  it('GET /v1/models/current needs a key', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/models/current' });
    assert.equal(res.statusCode, 401);
  });
});

describe('serving: no champion yet', () => {
  it('starts, answers 503 on predict and /readyz, and turns ready when a champion appears', async () => {
    const h = await harness({ registerModel: false });
    try {
      const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.equal(ready.json().ready, false);
      assert.equal(ready.json().error, 'Service Unavailable');
      assert.match(ready.json().message, /no champion/);
      const res = await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW] } });
      assert.equal(res.statusCode, 503);
      assert.deepEqual(Object.keys(res.json()).sort(), ['error', 'message']);
      assert.equal(res.headers['retry-after'], '5');
      const { registerSynthetic } = await import('../support/synthetic-model');
      await registerSynthetic(h.registry, 'flights', modelA());
      const start = Date.now();
      while (Date.now() - start < 5000 && (await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode !== 200) await new Promise((r) => setTimeout(r, 50));
      const after = await h.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(after.statusCode, 200);
      assert.deepEqual(after.json().model, { name: 'flights', version: 1 });
      const ok = await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW] } });
      assert.equal(ok.statusCode, 200);
    } finally {
      await h.close();
    }
  });
});
