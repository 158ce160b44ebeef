// Open Inference Protocol v2: health, metadata, readiness, infer shapes, version forms and bad tensors.
import assert from 'node:assert/strict';
import { registerSynthetic } from '../support/synthetic-model';
import { auth, harness, modelB, ROW, type Harness } from './helpers';

const tensors = (n: number, shape2 = true) => [
  { name: 'distance', datatype: 'FP32', shape: shape2 ? [n, 1] : [n], data: Array.from({ length: n }, () => ROW.distance) },
  { name: 'dep_hour', datatype: 'FP32', shape: shape2 ? [n, 1] : [n], data: Array.from({ length: n }, () => ROW.dep_hour) },
  { name: 'carrier', datatype: 'BYTES', shape: shape2 ? [n, 1] : [n], data: Array.from({ length: n }, () => ROW.carrier) },
  { name: 'origin', datatype: 'BYTES', shape: shape2 ? [n, 1] : [n], data: Array.from({ length: n }, () => ROW.origin) },
];

describe('serving: Open Inference Protocol v2', () => {
  let h: Harness;
  let v2: number;
  before(async () => {
    h = await harness();
    v2 = await registerSynthetic(h.registry, 'flights', modelB(), { promote: false, runKey: 'model-b' });
  });
  after(async () => h.close());

  const get = (url: string, key = h.userKey) => h.app.inject({ method: 'GET', url, headers: auth(key) });
  const infer = (url: string, payload: unknown) => h.app.inject({ method: 'POST', url, headers: auth(h.userKey), payload: payload as object });

  it('health live/ready and server metadata', async () => {
    assert.deepEqual((await h.app.inject({ method: 'GET', url: '/v2/health/live' })).json(), { live: true });
    assert.deepEqual((await h.app.inject({ method: 'GET', url: '/v2/health/ready' })).json(), { ready: true });
    const server = (await h.app.inject({ method: 'GET', url: '/v2' })).json();
    assert.deepEqual(Object.keys(server).sort(), ['extensions', 'name', 'version']);
  });

  it('model metadata lists one input per feature and the two outputs', async () => {
    const res = await get('/v2/models/flights');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      name: 'flights',
      versions: ['1', String(v2)],
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: 'distance', datatype: 'FP32', shape: [-1, 1] },
        { name: 'dep_hour', datatype: 'FP32', shape: [-1, 1] },
        { name: 'carrier', datatype: 'BYTES', shape: [-1, 1] },
        { name: 'origin', datatype: 'BYTES', shape: [-1, 1] },
      ],
      outputs: [
        { name: 'probability', datatype: 'FP32', shape: [-1] },
        { name: 'label', datatype: 'INT64', shape: [-1] },
      ],
    });
    assert.deepEqual((await get('/v2/models/flights/versions/1')).json().versions, ['1']);
    assert.equal((await get('/v2/models/flights/versions/99')).statusCode, 404);
    assert.equal((await get('/v2/models/other')).statusCode, 404);
    assert.equal((await h.app.inject({ method: 'GET', url: '/v2/models/flights' })).statusCode, 401);
  });

  it('model ready: champion yes, an unloaded version 503 with the reason, unknown model 404', async () => {
    assert.deepEqual((await h.app.inject({ method: 'GET', url: '/v2/models/flights/ready' })).json(), { name: 'flights', ready: true });
    assert.equal((await h.app.inject({ method: 'GET', url: '/v2/models/flights/versions/1/ready' })).statusCode, 200);
    const notLoaded = await h.app.inject({ method: 'GET', url: `/v2/models/flights/versions/${v2}/ready` });
    assert.equal(notLoaded.statusCode, 503);
    assert.deepEqual(notLoaded.json(), { name: 'flights', ready: false, error: 'Service Unavailable', message: `version ${v2} of "flights" is not loaded` });
    assert.equal((await h.app.inject({ method: 'GET', url: '/v2/models/nope/ready' })).statusCode, 404);
  });

  it('infer with [N,1] tensors answers probability and label per row, matching /v1/predict', async () => {
    const res = await infer('/v2/models/flights/infer', { id: 'req-1', inputs: tensors(3) });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.model_name, 'flights');
    assert.equal(body.model_version, '1');
    assert.equal(body.id, 'req-1');
    assert.deepEqual(
      body.outputs.map((o: { name: string; datatype: string; shape: number[] }) => [o.name, o.datatype, o.shape]),
      [
        ['probability', 'FP32', [3]],
        ['label', 'INT64', [3]],
      ],
    );
    const v1 = (await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW] } })).json();
    assert.deepEqual(
      body.outputs[0].data,
      [1, 2, 3].map(() => v1.predictions[0].probability),
    );
    assert.deepEqual(
      body.outputs[1].data,
      [1, 2, 3].map(() => v1.predictions[0].label),
    );
  });

  it('infer accepts [N] shapes, nested [[v]] data, nulls as missing, and an outputs filter', async () => {
    const flat = await infer('/v2/models/flights/infer', { inputs: tensors(2, false) });
    assert.equal(flat.statusCode, 200, flat.body);
    const nested = tensors(2).map((t) => ({ ...t, data: t.data.map((v) => [v]) }));
    const res = await infer('/v2/models/flights/infer', { inputs: nested, outputs: [{ name: 'probability' }] });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      res.json().outputs.map((o: { name: string }) => o.name),
      ['probability'],
    );
    assert.deepEqual(res.json().outputs[0].data, flat.json().outputs[0].data);
    const withNulls = tensors(1).map((t) => ({ ...t, data: [null] }));
    assert.equal((await infer('/v2/models/flights/infer', { inputs: withNulls })).statusCode, 200);
  });

  it('version forms: the champion version, another registry version loaded on demand, an unknown one 404', async () => {
    const champ = await infer('/v2/models/flights/versions/1/infer', { inputs: tensors(1) });
    assert.equal(champ.statusCode, 200);
    const other = await infer(`/v2/models/flights/versions/${v2}/infer`, { inputs: tensors(1) });
    assert.equal(other.statusCode, 200, other.body);
    assert.equal(other.json().model_version, String(v2));
    assert.notEqual(other.json().outputs[0].data[0], champ.json().outputs[0].data[0], 'a different model answered');
    assert.equal((await h.app.inject({ method: 'GET', url: `/v2/models/flights/versions/${v2}/ready` })).statusCode, 200);
    const missing = await infer('/v2/models/flights/versions/42/infer', { inputs: tensors(1) });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), { error: 'Not Found', message: 'model "flights" has no version 42' });
    // the champion did not change
    assert.equal((await get('/v1/models/current')).json().version, 1);
  });

  it('a registry version that cannot be loaded answers 503, and the champion keeps serving', async () => {
    const broken = await registerSynthetic(h.registry, 'flights', new Uint8Array([0, 1, 2]), { promote: false, runKey: 'broken' });
    const res = await infer(`/v2/models/flights/versions/${broken}/infer`, { inputs: tensors(1) });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { error: 'Service Unavailable', message: `version ${broken} of "flights" could not be loaded; see the service log` });
    assert.equal((await infer('/v2/models/flights/infer', { inputs: tensors(1) })).statusCode, 200);
  });

  it('400 names each bad tensor: unknown, missing, wrong datatype, shape, length, values, outputs', async () => {
    const t = tensors(2);
    const res = await infer('/v2/models/flights/infer', {
      inputs: [
        { ...t[0], datatype: 'BYTES' },
        { ...t[1], shape: [3, 1] },
        { ...t[2], data: ['AA', 7] },
        { name: 'tail', datatype: 'BYTES', shape: [2], data: ['a', 'b'] },
      ],
      outputs: [{ name: 'logits' }],
    });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.error, 'Bad Request');
    assert.deepEqual(body.issues, [
      { path: 'inputs.0.datatype', message: 'numeric input "distance" must be FP32 (or another numeric type), got BYTES' },
      { path: 'inputs.1.shape', message: "batch size 3 differs from the first input's 2" },
      { path: 'inputs.1.data', message: 'holds 2 values for shape [3, 1]' },
      { path: 'inputs.2.data.1', message: 'must be a string or null' },
      { path: 'inputs.3.name', message: 'unknown input "tail"; the model takes distance, dep_hour, carrier, origin' },
      { path: 'inputs', message: 'missing input "origin" (BYTES)' },
      { path: 'outputs.0.name', message: 'unknown output "logits"; the model gives probability, label' },
    ]);
  });

  it('400 on a request that is not an inference request, with zod paths', async () => {
    const res = await infer('/v2/models/flights/infer', { inputs: [{ name: 'distance', datatype: 'FP99', shape: [1], data: [1] }], extra: true });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(
      res
        .json()
        .issues.map((i: { path: string }) => i.path)
        .sort(),
      ['extra', 'inputs.0.datatype'],
    );
    const tooMany = await infer('/v2/models/flights/infer', { inputs: tensors(1).map((x) => ({ ...x, shape: [100_000, 1] })) });
    assert.equal(tooMany.statusCode, 400);
    assert.match(JSON.stringify(tooMany.json().issues), /batch size must be 1-1000/);
  });

  it('with SERVING_EXTRA_VERSIONS=0 only the champion version answers', async () => {
    const strict = await harness({ config: { SERVING_EXTRA_VERSIONS: 0 }, varDir: h.varDir });
    try {
      const res = await strict.app.inject({ method: 'POST', url: `/v2/models/flights/versions/${v2}/infer`, headers: auth(strict.userKey), payload: { inputs: tensors(1) } });
      assert.equal(res.statusCode, 404);
      assert.match(res.json().message, /not served/);
    } finally {
      await strict.app.close();
    }
  });
});
