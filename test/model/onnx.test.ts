// ONNX export and the OnnxModel runtime wrapper, checked against the trainer with real onnxruntime-node sessions.
import assert from 'node:assert/strict';
import { onnx } from 'onnx-proto';
import type { Frame } from '../../src/data/frame';
import { GbdtModel, predictProba, trainGbdt } from '../../src/model/gbdt';
import { exportOnnx, ONNX_ML_OPSET, ONNX_ML_OPSET_MEMBERSHIP, readOnnxMetadata } from '../../src/model/onnx-export';
import { frameToModelInput, maxAbsDiff, ModelInputError, OnnxModel, OnnxModelError } from '../../src/model/onnx-model';
import { checkParity } from '../../src/model/parity';
import { GbdtParams } from '../../src/spec/dataset';
import { syntheticFrame } from './synthetic';

const params = { rounds: 30, maxDepth: 5, minDataInLeaf: 10, learningRate: 0.2, maxBins: 64 };

/** A hand-built two-feature model, small enough to reason about. */
function tinyModel(values: [number, number, number, number, number], baseScore: number): GbdtModel {
  const f = Math.fround;
  return GbdtModel.parse({
    kind: 'gbdt-binary',
    formatVersion: 1,
    features: [
      { name: 'a', type: 'numeric' },
      { name: 'c', type: 'categorical' },
    ],
    baseScore: f(baseScore),
    params: GbdtParams.parse({}),
    encoders: [{ feature: 'c', categories: ['x', 'y', 'z'] }],
    trees: [
      {
        feature: [0, -1, -1],
        threshold: [f(1.5), 0, 0],
        missingLeft: [true, false, false],
        left: [1, -1, -1],
        right: [2, -1, -1],
        value: [0, f(values[0]), f(values[1])],
        gain: [1, 0, 0],
        count: [2, 1, 1],
      },
      {
        feature: [1, -1, -1],
        threshold: [f(0.5), 0, 0],
        missingLeft: [false, false, false],
        left: [1, -1, -1],
        right: [2, -1, -1],
        value: [0, f(values[2]), f(values[3])],
        gain: [1, 0, 0],
        count: [2, 1, 1],
      },
      // A tree that is a single leaf (what a round that finds no split produces).
      { feature: [-1], threshold: [0], missingLeft: [false], left: [-1], right: [-1], value: [f(values[4])], gain: [0], count: [2] },
    ],
  });
}

/** Rows around the edges: exactly at the threshold, one float32 step above, NaN, NULL, unseen and ''. */
const edgeFrame: Frame = {
  rows: 6,
  label: new Uint8Array(6),
  features: [
    { name: 'a', kind: 'numeric', values: Float32Array.from([0, 1.5, 2, NaN, NaN, 1.5000001]) },
    { name: 'c', kind: 'categorical', codes: Int32Array.from([0, 1, 2, -1, 3, 4]), dictionary: ['x', 'y', 'z', 'never-seen', ''] },
  ],
};

describe('model/onnx', function () {
  this.timeout(60_000);
  const train = syntheticFrame({ rows: 5000, seed: 31 });
  const holdout = syntheticFrame({ rows: 2000, seed: 32, emptyStringCategory: true });
  let model: GbdtModel;
  let bytes: Uint8Array;

  before(() => {
    model = trainGbdt(train, params);
    bytes = exportOnnx(model, { modelName: 'synthetic', modelVersion: '3' });
  });

  it('ONNX matches the trainer to 1e-5 on holdout rows, NaNs, NULLs, unseen and empty-string categories', async () => {
    const result = await checkParity(model, bytes, holdout, 2000);
    assert.equal(result.rows, 2002, 'sample plus the two probe rows');
    assert.ok(result.ok, `max abs diff ${result.maxAbsDiff}`);
    assert.ok(result.maxAbsDiff <= 1e-5);
  });

  it('routes edge values exactly as the trainer does, including a threshold hit and a float32 step above it', async () => {
    const m = tinyModel([-0.25, 0.5, 0.125, -0.75, 0.1], 0.3);
    const session = await OnnxModel.load(exportOnnx(m), m.features);
    try {
      const got = await session.predict(frameToModelInput(edgeFrame), edgeFrame.rows);
      const want = predictProba(m, edgeFrame);
      assert.ok(maxAbsDiff(got, want) <= 1e-6, `${Array.from(got).join(',')} vs ${Array.from(want).join(',')}`);
      // 1.5 <= 1.5 goes left and 1.5000001 goes right: the two rows must land in different leaves.
      assert.notEqual(want[1], want[5]);
      // NaN goes left (learned missing side) like a = 0; NULL, unseen and '' all encode as missing in tree 2.
      assert.equal(want[3], want[4]);
    } finally {
      await session.release();
    }
  });

  it('format-1 models (registered before categorical splits) still export TreeEnsembleClassifier on ai.onnx.ml 3 and load', async () => {
    const m = tinyModel([-0.25, 0.5, 0.125, -0.75, 0.1], 0.3);
    const b = exportOnnx(m);
    const decoded = onnx.ModelProto.decode(b);
    assert.deepEqual(
      (decoded.graph?.node ?? []).map((n) => n.opType),
      ['LabelEncoder', 'Concat', 'TreeEnsembleClassifier'],
    );
    assert.ok(decoded.opsetImport.some((o) => o.domain === 'ai.onnx.ml' && Number(o.version) === ONNX_ML_OPSET));
    const session = await OnnxModel.load(b, m.features);
    await session.release();
  });

  it('applies the sigmoid even when every leaf weight is positive', async () => {
    // Older onnxruntime builds skipped LOGISTIC in that case and returned the raw score; pin the behaviour.
    const m = tinyModel([0.05, 0.02, 0.03, 0.02, 0.01], 0.01);
    const session = await OnnxModel.load(exportOnnx(m), m.features);
    try {
      const got = await session.predict(frameToModelInput(edgeFrame), edgeFrame.rows);
      assert.ok(maxAbsDiff(got, predictProba(m, edgeFrame)) <= 1e-6);
      assert.ok(got.every((p) => p > 0.5 && p < 0.6));
    } finally {
      await session.release();
    }
  });

  it('builds the documented graph: [N,1] inputs named as features, LabelEncoder, Concat, TreeEnsemble-5 with BRANCH_MEMBER, metadata', () => {
    const decoded = onnx.ModelProto.decode(bytes);
    const graph = decoded.graph;
    assert.ok(graph);
    const inputs = (graph.input ?? []).map((i) => [i.name, i.type?.tensorType?.elemType, i.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue))]);
    const DT = onnx.TensorProto.DataType;
    assert.deepEqual(inputs, [
      ['x1', DT.FLOAT, ['N', 1]],
      ['x2', DT.FLOAT, ['N', 1]],
      ['x3', DT.FLOAT, ['N', 1]],
      ['noise', DT.FLOAT, ['N', 1]],
      ['c1', DT.STRING, ['N', 1]],
      ['c2', DT.STRING, ['N', 1]],
    ]);
    assert.deepEqual(
      (graph.node ?? []).map((n) => n.opType),
      ['LabelEncoder', 'LabelEncoder', 'Concat', 'Cast', 'TreeEnsemble', 'Sigmoid', 'Cast', 'Sub', 'Concat', 'Greater', 'Cast', 'Reshape'],
    );
    const ensemble = (graph.node ?? []).find((n) => n.opType === 'TreeEnsemble');
    const modes = ensemble?.attribute?.find((a) => a.name === 'nodes_modes')?.t?.rawData;
    assert.ok(modes && Array.from(modes).includes(6), 'categorical splits are BRANCH_MEMBER nodes');
    assert.ok(ensemble?.attribute?.some((a) => a.name === 'membership_values'));
    assert.deepEqual(
      (graph.output ?? []).map((o) => o.name),
      ['label', 'probabilities'],
    );
    assert.ok(decoded.opsetImport.some((o) => o.domain === 'ai.onnx.ml' && Number(o.version) === ONNX_ML_OPSET_MEMBERSHIP));
    const meta = readOnnxMetadata(bytes);
    assert.deepEqual(JSON.parse(meta.features), model.features);
    assert.equal(meta.model_name, 'synthetic');
    assert.equal(meta.model_version, '3');
  });

  it('a single-feature model needs no Concat and still runs', async () => {
    const frame: Frame = { rows: train.rows, label: train.label, features: [train.features[0]] };
    const m = trainGbdt(frame, { ...params, rounds: 5 });
    const b = exportOnnx(m);
    assert.deepEqual((onnx.ModelProto.decode(b).graph?.node ?? []).map((n) => n.opType).slice(0, 2), ['Cast', 'TreeEnsemble']);
    const result = await checkParity(m, b, frame, 500);
    assert.ok(result.ok, `max abs diff ${result.maxAbsDiff}`);
  });

  it('a categorical feature that was always NULL in training still exports and matches', async () => {
    const n = 600;
    const x = new Float32Array(n);
    const label = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = i % 17;
      label[i] = x[i] > 8 ? 1 : 0;
    }
    const frame: Frame = {
      rows: n,
      label,
      features: [
        { name: 'x', kind: 'numeric', values: x },
        { name: 'empty', kind: 'categorical', codes: new Int32Array(n).fill(-1), dictionary: [] },
      ],
    };
    const m = trainGbdt(frame, { rounds: 5, minDataInLeaf: 5 });
    assert.deepEqual(m.encoders, [{ feature: 'empty', categories: [] }]);
    const result = await checkParity(m, exportOnnx(m), frame);
    assert.ok(result.ok, `max abs diff ${result.maxAbsDiff}`);
  });

  it('checkParity fails when the graph and the model disagree', async () => {
    const tampered: GbdtModel = JSON.parse(JSON.stringify(model));
    const leaf = tampered.trees[0].feature.findIndex((f) => f < 0);
    tampered.trees[0].value[leaf] += 0.5;
    const result = await checkParity(tampered, bytes, holdout, 500);
    assert.equal(result.ok, false);
    assert.ok(result.maxAbsDiff > 1e-3);
  });

  describe('OnnxModel', () => {
    const features = () => model.features.map((f) => ({ ...f }));

    it('load rejects a feature list that does not match the graph', async () => {
      const cases = [
        features().slice(1),
        [...features(), { name: 'extra', type: 'numeric' as const }],
        features().map((f) => (f.name === 'c1' ? { ...f, type: 'numeric' as const } : f)),
        features().map((f) => (f.name === 'x2' ? { ...f, name: 'x2b' } : f)),
      ];
      for (const declared of cases) {
        await assert.rejects(OnnxModel.load(bytes, declared), (err: unknown) => {
          assert.ok(err instanceof OnnxModelError);
          assert.equal(err.code, 'feature_mismatch');
          return true;
        });
      }
      await assert.rejects(OnnxModel.load(new Uint8Array([1, 2, 3, 4]), features()), (err: unknown) => {
        assert.ok(err instanceof OnnxModelError);
        assert.equal(err.code, 'invalid_model');
        return true;
      });
    });

    it('predictRecords builds columns from records and matches predict', async () => {
      const session = await OnnxModel.load(bytes, features());
      try {
        const input = frameToModelInput(holdout);
        const rows = 50;
        const records = Array.from({ length: rows }, (_, i) => {
          const r: Record<string, string | number | null> = {};
          for (const f of model.features) {
            const col = input[f.name];
            if (col instanceof Float32Array) r[f.name] = Number.isNaN(col[i]) ? null : col[i];
            else r[f.name] = col[i] === '' ? null : col[i];
          }
          return r;
        });
        // Numbers may arrive as strings, and a missing key means missing.
        records[1].x3 = String(records[1].x3);
        delete records[2].x1;
        records[3].x2 = '';
        const fromRecords = await session.predictRecords(records);
        const sliced = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, v.slice(0, rows)])) as typeof input;
        (sliced.x1 as Float32Array)[2] = NaN;
        (sliced.x2 as Float32Array)[3] = NaN;
        const fromColumns = await session.predict(sliced, rows);
        assert.equal(fromRecords.length, rows);
        assert.deepEqual(Array.from(fromRecords), Array.from(fromColumns));
        await assert.rejects(session.predictRecords([{ ...records[0], x1: 'abc' }]), ModelInputError);
        assert.deepEqual(Array.from(await session.predictRecords([])), []);
      } finally {
        await session.release();
      }
    });

    it('predict rejects missing, mis-typed or wrongly sized columns, and a released model', async () => {
      const session = await OnnxModel.load(bytes, features());
      const input = frameToModelInput(holdout);
      const { x1: _dropped, ...withoutX1 } = input;
      await assert.rejects(session.predict(withoutX1, holdout.rows), ModelInputError);
      await assert.rejects(session.predict({ ...input, x1: ['1'] }, 1), ModelInputError);
      await assert.rejects(session.predict({ ...input, c1: new Float32Array(holdout.rows) }, holdout.rows), ModelInputError);
      await assert.rejects(session.predict(input, holdout.rows + 1), ModelInputError);
      await session.release();
      await assert.rejects(session.predict(input, holdout.rows), OnnxModelError);
    });
  });

  it('maxAbsDiff treats NaN on one side as infinitely different', () => {
    assert.equal(maxAbsDiff([1, 2, 3], [1, 2.5, 2]), 1);
    assert.equal(maxAbsDiff([NaN, 1], [NaN, 1]), 0);
    assert.equal(maxAbsDiff([NaN, 1], [0, 1]), Infinity);
    assert.throws(() => maxAbsDiff([1], [1, 2]), RangeError);
  });
});
