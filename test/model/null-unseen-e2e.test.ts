// NULL, '' and unseen categories (and missing numbers) end to end: trainer, exported ONNX graph, and the API's answer agree.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { FeatureColumn, Frame } from '../../src/data/frame';
import { predictProba, trainGbdt } from '../../src/model/gbdt';
import { exportOnnx } from '../../src/model/onnx-export';
import { frameToModelInput, OnnxModel } from '../../src/model/onnx-model';
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { buildApp } from '../../src/serving/app';
import { devKeyPath } from '../../src/serving/keys';
import { auth, eventually, TEST_CONFIG, tempVarDir } from '../serving/helpers';
import { syntheticFrame } from './synthetic';

type Value = number | string | null;

/** Request rows and the same rows as a frame (codes into a dictionary that holds the unseen values too). */
function probes(train: Frame): { records: Record<string, Value>[]; frame: Frame } {
  const base: Record<string, Value> = { x1: 0.5, x2: -0.3, x3: 7, noise: 0.1, c1: 'red', c2: 'k3' };
  const records: Record<string, Value>[] = [
    base,
    { ...base, x1: null, x2: null },
    { ...base, c1: null },
    { ...base, c1: '' },
    { ...base, c1: 'never-seen-colour', c2: 'k999' },
    { x1: null, x2: null, x3: null, noise: null, c1: null, c2: null },
  ];
  const features = train.features.map((col): FeatureColumn => {
    if (col.kind === 'numeric') return { ...col, values: Float32Array.from(records, (r) => (r[col.name] === null ? NaN : Number(r[col.name]))) };
    const dictionary = [...col.dictionary];
    const codes = Int32Array.from(records, (r) => {
      const v = r[col.name];
      if (v === null) return -1;
      let c = dictionary.indexOf(String(v));
      if (c < 0) c = dictionary.push(String(v)) - 1;
      return c;
    });
    return { ...col, codes, dictionary };
  });
  return { records, frame: { rows: records.length, label: new Uint8Array(records.length), features } };
}

describe('null and unseen categories, trainer to API', function () {
  this.timeout(60_000);

  it('the trainer, the ONNX graph and POST /v1/predict give the same probabilities for missing and unseen values', async () => {
    const train = syntheticFrame({ rows: 8000, seed: 41 });
    const model = trainGbdt(train, { rounds: 25, maxDepth: 4, minDataInLeaf: 20, learningRate: 0.2 });
    const bytes = exportOnnx(model, { modelName: 'nulls' });
    const { records, frame } = probes(train);
    const expected = predictProba(model, frame);
    // the trainer's own definitions: NULL and '' are one MISSING code; an unseen value is OTHER, not MISSING
    assert.equal(expected[2], expected[3]);

    const onnx = await OnnxModel.load(bytes, model.features);
    const viaOnnx = await onnx.predict(frameToModelInput(frame), frame.rows);
    await onnx.release();

    const varDir = await tempVarDir();
    const registry = new Registry(localStore(varDir));
    const meta = await registry.register({ name: 'nulls', runKey: 'e2e', files: { 'model.onnx': bytes }, metadata: { features: model.features, metrics: {}, extra: {} } });
    await registry.setAlias('nulls', meta.version, 'test');
    const app = await buildApp({ registry, varDir, modelName: 'nulls', config: TEST_CONFIG, defaultMetrics: false });
    try {
      await app.ready();
      const key = (await readFile(devKeyPath(varDir), 'utf8')).trim();
      await eventually(async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 10_000);
      const res = await app.inject({ method: 'POST', url: '/v1/predict', headers: auth(key), payload: { instances: records } });
      assert.equal(res.statusCode, 200, res.body);
      const viaApi = res.json<{ predictions: { probability: number }[] }>().predictions.map((p) => p.probability);
      for (let i = 0; i < records.length; i++) {
        assert.ok(Math.abs(viaOnnx[i] - expected[i]) <= 1e-5, `row ${i}: ONNX ${viaOnnx[i]} vs trainer ${expected[i]}`);
        assert.ok(Math.abs(viaApi[i] - expected[i]) <= 1e-5, `row ${i}: API ${viaApi[i]} vs trainer ${expected[i]}`);
      }
    } finally {
      await app.close();
    }
  });
});
