// Serving per task with real ONNX models: regression and multiclass answers on v1, per-model routes and OIP, capture, feedback validation, /docs, batching and hot swap.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { OnnxModel } from '../../src/model/onnx-model';
import { joinPredictionsWithLabels, jsonlFiles } from '../../src/model-quality';
import { registerSynthetic, SYNTHETIC_CLASSES, SYNTHETIC_FEATURES, syntheticModelBytes } from '../support/synthetic-model';
import { checkOutput } from '../../src/serving/task-output';
import { auth, eventually, harness, ROW, type Harness } from './helpers';

const ROWS = [
  ROW,
  { distance: null, dep_hour: 3, carrier: 'DL', origin: 'SFO' },
  { distance: 2500, dep_hour: 23, carrier: null, origin: 'never-seen' },
  { distance: 150, dep_hour: 6, carrier: 'WN', origin: 'ATL' },
];
const TENSORS = [
  { name: 'distance', datatype: 'FP32', shape: [4, 1], data: [800, null, 2500, 150] },
  { name: 'dep_hour', datatype: 'FP32', shape: [4, 1], data: [17, 3, 23, 6] },
  { name: 'carrier', datatype: 'BYTES', shape: [4, 1], data: ['AA', 'DL', null, 'WN'] },
  { name: 'origin', datatype: 'BYTES', shape: [4, 1], data: ['ORD', 'SFO', 'never-seen', 'ATL'] },
];
const features = () => SYNTHETIC_FEATURES.map((f) => ({ ...f }));

let regressionBytes: Uint8Array | undefined;
let multiclassBytes: Uint8Array | undefined;
const regression = () => (regressionBytes ??= syntheticModelBytes({ task: 'regression', seed: 3, rounds: 20 }));
const multiclass = () => (multiclassBytes ??= syntheticModelBytes({ task: 'multiclass', seed: 5, rounds: 12 }));

/** What the ONNX model itself gives for ROWS: `rows * width` numbers. */
async function direct(bytes: Uint8Array): Promise<Float32Array> {
  const m = await OnnxModel.load(bytes, features());
  try {
    return await m.predictRecords(ROWS);
  } finally {
    await m.release();
  }
}

async function captured(h: Harness, model: string): Promise<Record<string, unknown>[]> {
  await h.app.serving.repository.current(model)?.capture.flush();
  const dir = path.join(h.varDir, 'capture', model);
  const out: Record<string, unknown>[] = [];
  for (const f of (await readdir(dir)).sort()) {
    for (const line of (await readFile(path.join(dir, f), 'utf8')).split('\n')) if (line) out.push(JSON.parse(line) as Record<string, unknown>);
  }
  return out;
}

describe('serving per task (regression, multiclass)', function () {
  this.timeout(120_000);
  let h: Harness;
  before(async () => {
    h = await harness();
    await registerSynthetic(h.registry, 'delay', regression(), { task: 'regression', runKey: 'delay-1' });
    await registerSynthetic(h.registry, 'band', multiclass(), { task: 'multiclass', runKey: 'band-1' });
    await eventually(async () => (await h.app.inject({ method: 'GET', url: '/v1/models', headers: auth(h.userKey) })).json().models.length === 3);
  });
  let closed = false;
  after(async () => {
    if (!closed) await h.close();
  });

  it('regression: /v1/models/{name}/predict answers {id, prediction} per row, exactly the ONNX model output', async () => {
    const want = await direct(regression());
    const res = await h.app.inject({ method: 'POST', url: '/v1/models/delay/predict', headers: auth(h.userKey), payload: { instances: ROWS, ids: ['a', 'b', 'c', 'd'] } });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<{ model: unknown; predictions: { id: string; prediction: number }[] }>();
    assert.deepEqual(body.model, { name: 'delay', version: 1 });
    assert.deepEqual(
      body.predictions.map((p) => Object.keys(p).sort()),
      ROWS.map(() => ['id', 'prediction']),
    );
    assert.deepEqual(
      body.predictions.map((p) => p.id),
      ['a', 'b', 'c', 'd'],
    );
    assert.deepEqual(
      body.predictions.map((p) => p.prediction),
      Array.from(want),
    );
    assert.ok(
      body.predictions.some((p) => p.prediction < 0 || p.prediction > 1),
      'values in minutes, not probabilities',
    );
  });

  it('multiclass: {id, label: the most probable class, probabilities: {<class>: p}} per row, exactly the ONNX model output', async () => {
    const want = await direct(multiclass());
    const res = await h.app.inject({ method: 'POST', url: '/v1/models/band/predict', headers: auth(h.userKey), payload: { instances: ROWS } });
    assert.equal(res.statusCode, 200, res.body);
    const preds = res.json<{ predictions: { id: string; label: string; probabilities: Record<string, number> }[] }>().predictions;
    assert.equal(preds.length, ROWS.length);
    preds.forEach((p, i) => {
      assert.deepEqual(Object.keys(p).sort(), ['id', 'label', 'probabilities']);
      assert.deepEqual(Object.keys(p.probabilities), [...SYNTHETIC_CLASSES]);
      const probs = SYNTHETIC_CLASSES.map((c) => p.probabilities[c]);
      assert.deepEqual(probs, Array.from(want.subarray(i * 3, i * 3 + 3)));
      assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      assert.equal(p.label, SYNTHETIC_CLASSES[probs.indexOf(Math.max(...probs))]);
    });
    assert.ok(new Set(preds.map((p) => p.label)).size > 1, 'the rows are of different classes');
  });

  it('OIP v2: regression output "prediction" FP32 [N]; multiclass "label" BYTES [N] and "probabilities" FP32 [N, K]; model metadata and output names per task', async () => {
    const reg = await h.app.inject({ method: 'POST', url: '/v2/models/delay/infer', headers: auth(h.userKey), payload: { id: 'r1', inputs: TENSORS } });
    assert.equal(reg.statusCode, 200, reg.body);
    assert.deepEqual(reg.json().outputs, [{ name: 'prediction', datatype: 'FP32', shape: [4], data: Array.from(await direct(regression())) }]);

    const want = await direct(multiclass());
    const mc = await h.app.inject({ method: 'POST', url: '/v2/models/band/infer', headers: auth(h.userKey), payload: { inputs: TENSORS } });
    assert.equal(mc.statusCode, 200, mc.body);
    const [label, probs] = mc.json().outputs as { name: string; datatype: string; shape: number[]; data: unknown[] }[];
    assert.deepEqual({ ...label, data: undefined }, { name: 'label', datatype: 'BYTES', shape: [4], data: undefined });
    assert.deepEqual({ ...probs, data: undefined }, { name: 'probabilities', datatype: 'FP32', shape: [4, 3], data: undefined });
    assert.deepEqual(probs.data, Array.from(want));
    label.data.forEach((l, i) => {
      const row = Array.from(want.subarray(i * 3, i * 3 + 3));
      assert.equal(l, SYNTHETIC_CLASSES[row.indexOf(Math.max(...row))]);
    });

    const only = await h.app.inject({ method: 'POST', url: '/v2/models/band/infer', headers: auth(h.userKey), payload: { inputs: TENSORS, outputs: [{ name: 'probabilities' }] } });
    assert.deepEqual(
      (only.json().outputs as { name: string }[]).map((o) => o.name),
      ['probabilities'],
    );
    const wrong = await h.app.inject({ method: 'POST', url: '/v2/models/delay/infer', headers: auth(h.userKey), payload: { inputs: TENSORS, outputs: [{ name: 'probability' }] } });
    assert.equal(wrong.statusCode, 400);
    assert.match(JSON.stringify(wrong.json().issues), /unknown output \\"probability\\"; the model gives prediction/);

    const meta = await h.app.inject({ method: 'GET', url: '/v2/models/band', headers: auth(h.userKey) });
    assert.deepEqual(meta.json().outputs, [
      { name: 'label', datatype: 'BYTES', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
    ]);
    assert.deepEqual((await h.app.inject({ method: 'GET', url: '/v2/models/delay', headers: auth(h.userKey) })).json().outputs, [{ name: 'prediction', datatype: 'FP32', shape: [-1] }]);
    // binary unchanged
    assert.deepEqual((await h.app.inject({ method: 'GET', url: '/v2/models/flights', headers: auth(h.userKey) })).json().outputs, [
      { name: 'probability', datatype: 'FP32', shape: [-1] },
      { name: 'label', datatype: 'INT64', shape: [-1] },
    ]);
  });

  it('batching: concurrent requests to a multiclass model each get their own rows (K numbers a row)', async () => {
    const want = await direct(multiclass());
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, r) => h.app.inject({ method: 'POST', url: '/v1/models/band/predict', headers: auth(h.userKey), payload: { instances: [ROWS[r % 4], ROWS[(r + 1) % 4]] } })),
    );
    results.forEach((res, r) => {
      const preds = res.json<{ predictions: { probabilities: Record<string, number> }[] }>().predictions;
      preds.forEach((p, j) => {
        const i = (r + j) % 4;
        assert.deepEqual(
          SYNTHETIC_CLASSES.map((c) => p.probabilities[c]),
          Array.from(want.subarray(i * 3, i * 3 + 3)),
          `request ${r} row ${j}`,
        );
      });
    });
  });

  it('capture keeps what the monitors need: regression "prediction"; multiclass "class" (index) and "probabilities"; binary lines unchanged', async () => {
    const reg = await captured(h, 'delay');
    const r = reg.find((l) => l.id === 'a');
    assert.ok(r, 'the client id is captured');
    assert.equal(r.prediction, (await direct(regression()))[0]);
    assert.equal(r.probability, undefined);
    assert.deepEqual(r.features, ROW);

    const mc = await captured(h, 'band');
    assert.ok(mc.length >= 4);
    const want = await direct(multiclass());
    const first = mc.find((l) => l.api === 'v1' && l.row === 0 && (l.features as { origin: string }).origin === 'ORD');
    assert.ok(first);
    assert.deepEqual(first.probabilities, Array.from(want.subarray(0, 3)));
    const row = Array.from(want.subarray(0, 3));
    assert.equal(first.class, row.indexOf(Math.max(...row)));
    assert.ok(mc.some((l) => l.api === 'v2' && Array.isArray(l.probabilities)));

    await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW] } });
    const bin = await captured(h, 'flights');
    assert.deepEqual(Object.keys(bin[bin.length - 1]), ['ts', 'model', 'version', 'api', 'request_id', 'key_id', 'row', 'id', 'probability', 'label', 'features']);
  });

  it('feedback: regression takes finite numbers; multiclass takes its classes (an unknown class: 400 naming it and listing the classes); binary 0/1 as before', async () => {
    const post = (model: string, labels: unknown[]) => h.app.inject({ method: 'POST', url: `/v1/models/${model}/feedback`, headers: auth(h.userKey), payload: { labels } });
    const okReg = await post('delay', [
      { id: 'a', label: 12.5 },
      { id: 'b', label: -3 },
    ]);
    assert.equal(okReg.statusCode, 200, okReg.body);
    assert.equal(okReg.json().accepted, 2);
    const badReg = await post('delay', [
      { id: 'a', label: 1 },
      { id: 'c', label: 'late' },
    ]);
    assert.equal(badReg.statusCode, 400);
    assert.deepEqual(badReg.json().issues, [{ path: 'labels.1.label', message: '"late" is not a finite number (this is a regression model)' }]);

    const okMc = await post('band', [
      { id: 'x1', label: 'late' },
      { id: 'x2', label: 'early' },
    ]);
    assert.equal(okMc.statusCode, 200, okMc.body);
    assert.equal(okMc.json().accepted, 2);
    const badMc = await post('band', [
      { id: 'x3', label: 'on-time' },
      { id: 'x4', label: 'very late' },
    ]);
    assert.equal(badMc.statusCode, 400);
    assert.match(badMc.json().message, /"very late" is not one of the model's classes: "early", "on-time", "late"; nothing was stored/);
    assert.deepEqual(
      badMc.json().issues.map((i: { path: string }) => i.path),
      ['labels.1.label'],
    );
    // the same label again is a duplicate; a different class relabels
    const again = await post('band', [
      { id: 'x1', label: 'late' },
      { id: 'x2', label: 'on-time' },
    ]);
    assert.deepEqual({ ...again.json<object>(), model: undefined }, { model: undefined, accepted: 1, duplicates: 1, relabeled: 1, malformed: [] });

    const bin = await post('flights', [{ id: 'q', label: 2 }]);
    assert.equal(bin.statusCode, 200);
    assert.deepEqual(bin.json().malformed, [{ index: 0, reason: 'label: must be 0 or 1' }]);
  });

  it("/v1/models/{name} names the task (and classes); /docs names each model's response fields", async () => {
    const band = (await h.app.inject({ method: 'GET', url: '/v1/models/band', headers: auth(h.userKey) })).json();
    assert.equal(band.task, 'multiclass');
    assert.deepEqual(band.classes, [...SYNTHETIC_CLASSES]);
    assert.equal((await h.app.inject({ method: 'GET', url: '/v1/models/delay', headers: auth(h.userKey) })).json().task, 'regression');

    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, { post?: { responses?: Record<string, { content?: Record<string, { schema: unknown }> }> } }>;
    }>();
    const ok = (p: string) => JSON.stringify(doc.paths[p]?.post?.responses?.['200']?.content?.['application/json']?.schema);
    assert.match(ok('/v1/models/delay/predict'), /"prediction"/);
    assert.doesNotMatch(ok('/v1/models/delay/predict'), /"probability"/);
    for (const c of SYNTHETIC_CLASSES) assert.ok(ok('/v1/models/band/predict').includes(`"${c}"`), c);
    assert.match(ok('/v1/models/flights/predict'), /"probability"/);
    assert.match(ok('/v1/predict'), /"probability"/);
  });

  it('hot swap: a new multiclass champion answers within the poll interval', async () => {
    const v2 = syntheticModelBytes({ task: 'multiclass', seed: 9, rounds: 6 });
    await registerSynthetic(h.registry, 'band', v2, { task: 'multiclass', runKey: 'band-2' });
    await eventually(async () => (await h.app.inject({ method: 'POST', url: '/v1/models/band/predict', headers: auth(h.userKey), payload: { instances: [ROW] } })).json().model.version === 2, 10_000);
    const res = await h.app.inject({ method: 'POST', url: '/v1/models/band/predict', headers: auth(h.userKey), payload: { instances: ROWS } });
    const m = await OnnxModel.load(v2, features());
    try {
      const want = await m.predictRecords(ROWS);
      const preds = res.json<{ predictions: { probabilities: Record<string, number> }[] }>().predictions;
      assert.deepEqual(preds.map((p) => SYNTHETIC_CLASSES.map((c) => p.probabilities[c])).flat(), Array.from(want));
    } finally {
      await m.release();
    }
  });

  it('the load-time check per task: probabilities for binary, K probabilities summing to 1 for multiclass, finite values for regression', () => {
    assert.equal(checkOutput({ task: 'binary', width: 1 }, Float32Array.from([0.2, 0.9]), 2), undefined);
    assert.match(checkOutput({ task: 'binary', width: 1 }, Float32Array.from([0.2, 1.5]), 2) ?? '', /sample row 1 scored 1.5, not a probability/);
    assert.equal(checkOutput({ task: 'regression', width: 1 }, Float32Array.from([-40, 1e4]), 2), undefined);
    assert.match(checkOutput({ task: 'regression', width: 1 }, Float32Array.from([1, NaN]), 2) ?? '', /sample row 1 scored NaN, not a finite number/);
    const mc = { task: 'multiclass' as const, width: 3, classes: [...SYNTHETIC_CLASSES] };
    assert.equal(checkOutput(mc, Float32Array.from([0.2, 0.3, 0.5, 1, 0, 0]), 2), undefined);
    assert.match(checkOutput(mc, Float32Array.from([0.2, 0.3, 0.4]), 1) ?? '', /class probabilities sum to 0.9/);
    assert.match(checkOutput(mc, Float32Array.from([0.2, 0.8]), 1) ?? '', /returned 2 numbers for 1 sample rows \(3 per row expected\)/);
  });

  it('predictions and feedback of both tasks join in the quality monitor: numeric labels for regression, class labels for multiclass', async () => {
    const ids = ['j1', 'j2', 'j3', 'j4'];
    const reg = await h.app.inject({ method: 'POST', url: '/v1/models/delay/predict', headers: auth(h.userKey), payload: { instances: ROWS, ids } });
    const mc = await h.app.inject({ method: 'POST', url: '/v1/models/band/predict', headers: auth(h.userKey), payload: { instances: ROWS, ids } });
    const values = [5, -12.25, 40, 0];
    const classes = ['late', 'early', 'late', 'on-time'];
    assert.equal(
      (await h.app.inject({ method: 'POST', url: '/v1/models/delay/feedback', headers: auth(h.userKey), payload: { labels: ids.map((id, i) => ({ id, label: values[i] })) } })).json().accepted,
      4,
    );
    assert.equal(
      (await h.app.inject({ method: 'POST', url: '/v1/models/band/feedback', headers: auth(h.userKey), payload: { labels: ids.map((id, i) => ({ id, label: classes[i] })) } })).json().accepted,
      4,
    );
    closed = true;
    await h.close(); // writes every buffered capture and label line
    const window = { start: '2000-01-01T00:00:00.000Z', end: '2100-01-01T00:00:00.000Z' };
    const files = async (kind: string, model: string) => jsonlFiles(path.join(h.varDir, kind, model));
    const delay = await joinPredictionsWithLabels({ captureFiles: await files('capture', 'delay'), labelFiles: await files('labels', 'delay'), window, version: 1, task: { task: 'regression' } });
    // j1..j4 are the only ids labeled with these values (ids a, b were labeled earlier)
    const served = reg.json<{ predictions: { prediction: number }[] }>().predictions.map((p) => p.prediction);
    const pairs = Array.from(delay.target ?? [], (t, i) => [t, delay.output?.[i]] as const);
    for (let i = 0; i < 4; i++)
      assert.ok(
        pairs.some(([t, o]) => t === values[i] && o === served[i]),
        `regression row ${i}`,
      );
    const band = await joinPredictionsWithLabels({
      captureFiles: await files('capture', 'band'),
      labelFiles: await files('labels', 'band'),
      window,
      version: 2,
      task: { task: 'multiclass', classes: [...SYNTHETIC_CLASSES] },
    });
    assert.equal(band.counts.labeled, 4, 'the version-2 predictions with labels: j1..j4');
    const probs = mc.json<{ predictions: { probabilities: Record<string, number> }[] }>().predictions;
    // ordered by id: j1..j4
    assert.deepEqual(
      Array.from(band.target ?? []),
      classes.map((c) => SYNTHETIC_CLASSES.indexOf(c as (typeof SYNTHETIC_CLASSES)[number])),
    );
    assert.deepEqual(
      Array.from(band.output ?? []),
      probs.flatMap((p) => SYNTHETIC_CLASSES.map((c) => p.probabilities[c])),
    );
  });
});
