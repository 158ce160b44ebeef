// Regression and multiclass GBDT: accuracy, resume, threads, early stopping, ONNX parity and runtime; old binary JSON still loads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import type { Frame } from '../../src/data/frame';
import {
  createTrainer,
  GbdtCheckpoint,
  GbdtCheckpointMismatch,
  GbdtModel,
  GbdtTrainer,
  ModelInputError,
  modelTask,
  modelWidth,
  predictModel,
  predictProba,
  trainGbdt,
  type GbdtTask,
} from '../../src/model/gbdt';
import { exportOnnx, METADATA_KEYS, readOnnxMetadata } from '../../src/model/onnx-export';
import { frameToModelInput, maxAbsDiff, OnnxModel, OnnxModelError } from '../../src/model/onnx-model';
import { checkParity } from '../../src/model/parity';
import { mulberry32 } from '../../src/model/prng';
import { projectRoot } from '../support/temporal';
import { syntheticFrame } from './synthetic';

const params = { rounds: 30, maxDepth: 4, minDataInLeaf: 20, learningRate: 0.2, maxBins: 32 };
const REGRESSION: GbdtTask = { task: 'regression' };
const CLASSES = ['low', 'mid', 'high'];
const MULTICLASS: GbdtTask = { task: 'multiclass', classes: CLASSES };

/** Category c2's effect: every third code high, the rest low (no single threshold on codes separates them). */
const c2Effect = (code: number) => (code % 3 === 0 ? 4 : -2);

/** The synthetic features with a numeric target: nonlinear in x1, a many-vs-many effect of c2, a step in x3, noise. */
function regressionFrame(rows: number, seed: number, noiseScale = 1): Frame {
  const f = syntheticFrame({ rows, seed });
  const [x1, , x3] = f.features.map((c) => (c.kind === 'numeric' ? c.values : new Float32Array(0)));
  const c2 = f.features[5].kind === 'categorical' ? f.features[5].codes : new Int32Array(0);
  const rand = mulberry32(seed + 100);
  const target = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const noise = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    target[i] = 20 + (Number.isNaN(x1[i]) ? 6 : 8 * Math.sin(1.5 * x1[i])) + c2Effect(c2[i]) + (x3[i] > 5 ? 3 : 0) + noiseScale * noise;
  }
  return { ...f, label: new Uint8Array(rows), target };
}

/** Three classes cut from the regression frame's target, so the class depends on the same features. */
function multiclassFrame(rows: number, seed: number): Frame {
  const f = regressionFrame(rows, seed, 2);
  const target = f.target as Float64Array;
  const label = Uint8Array.from(target, (y) => (y < 17 ? 0 : y < 24 ? 1 : 2));
  return { rows, features: f.features, label };
}

const rmse = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
};

function trainInSteps(frame: Frame, p: object, task: GbdtTask, first: number): GbdtModel {
  const a = createTrainer(frame, p, { task });
  for (let i = 0; i < first; i++) a.round();
  const saved = GbdtCheckpoint.parse(JSON.parse(JSON.stringify(a.checkpoint())));
  a.close();
  const b = GbdtTrainer.resume(frame, p, saved, { task });
  while (!b.done) b.round();
  const model = b.model();
  b.close();
  return model;
}

describe('model/gbdt tasks', function () {
  this.timeout(120_000);

  describe('regression', () => {
    const train = regressionFrame(6000, 21);
    const holdout = regressionFrame(3000, 22);
    let model: GbdtModel;
    before(() => {
      model = trainGbdt(train, params, undefined, { task: REGRESSION });
    });

    it('learns the target far better than the mean, starting from the training mean (float32)', () => {
      assert.equal(model.kind, 'gbdt-regression');
      assert.equal(modelTask(model), 'regression');
      assert.equal(modelWidth(model), 1);
      const y = train.target as Float64Array;
      const mean = y.reduce((a, b) => a + b, 0) / y.length;
      assert.ok(model.kind === 'gbdt-regression' && model.baseScore === Math.fround(mean) && model.loss === 'l2');
      const pred = predictModel(model, holdout);
      const hy = holdout.target as Float64Array;
      const meanRmse = rmse(new Float64Array(hy.length).fill(mean), hy);
      const ours = rmse(pred, hy);
      // The noise's own RMSE is 1: the trees get close to it, the mean is far off.
      assert.ok(ours < 1.6 && ours < meanRmse / 3, `holdout RMSE ${ours}, the mean's ${meanRmse}`);
      assert.equal(model.trees.length, params.rounds);
      assert.deepEqual(GbdtModel.parse(JSON.parse(JSON.stringify(model))), model);
    });

    it('splits a categorical feature by sets of categories', () => {
      const sets = model.trees.flatMap((t) => (t.categories ?? []).filter((s, node) => t.feature[node] === 5 && s.length > 1));
      assert.ok(sets.length > 0, 'some tree sends a set of c2 categories left');
      // A depth-1 stump on c2 alone separates its many-vs-many effect completely.
      const frame: Frame = { rows: train.rows, label: train.label, target: train.target, features: [train.features[5]] };
      const stump = trainGbdt(frame, { rounds: 1, maxDepth: 1, minDataInLeaf: 20, learningRate: 1 }, undefined, { task: REGRESSION });
      // Split sets hold model codes: positions in the model's category list.
      const categories = stump.encoders[0].categories;
      const left = new Set((stump.trees[0].categories?.[0] ?? []).map((code) => categories[code]));
      const col = train.features[5];
      assert.ok(col.kind === 'categorical');
      // Rare categories are smoothed towards the rest (cat_smooth, min_data_per_group): count rows, not categories.
      let highLeft = 0;
      for (const c of col.codes) if (left.has(col.dictionary[c]) === c2Effect(c) > 0) highLeft++;
      const sameSide = Math.max(highLeft, col.codes.length - highLeft) / col.codes.length;
      assert.ok(sameSide > 0.97, `one split puts ${sameSide} of the rows on their effect's side: ${[...left].join(',')}`);
    });

    it('l1 and huber start from the median and fit too', () => {
      const y = Float64Array.from(train.target as Float64Array).sort();
      const median = Math.fround((y[y.length / 2 - 1] + y[y.length / 2]) / 2);
      const mean = y.reduce((a, b) => a + b, 0) / y.length;
      const hy = holdout.target as Float64Array;
      for (const loss of ['l1', 'huber'] as const) {
        const m = trainGbdt(train, { ...params, rounds: 60, loss, ...(loss === 'huber' ? { huberDelta: 2 } : {}) }, undefined, { task: REGRESSION });
        assert.ok(m.kind === 'gbdt-regression' && m.loss === loss && m.baseScore === median, `${loss} base ${m.kind === 'gbdt-regression' ? m.baseScore : ''}`);
        const err = rmse(predictModel(m, holdout), hy);
        assert.ok(err < rmse(new Float64Array(hy.length).fill(mean), hy) / 2, `${loss} holdout RMSE ${err}`);
      }
    });

    it('l1 leaves are the median residual of their rows (LightGBM renews them), not a sign-gradient step', () => {
      const frame: Frame = {
        rows: 10,
        label: new Uint8Array(10),
        target: Float64Array.from([0, 1, 2, 3, 1000, 10, 11, 12, 13, -1000]),
        features: [{ name: 'x', kind: 'numeric', values: Float32Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]) }],
      };
      const m = trainGbdt(frame, { rounds: 1, maxDepth: 1, minDataInLeaf: 1, learningRate: 1, maxBins: 4, loss: 'l1' }, undefined, { task: REGRESSION });
      assert.ok(m.kind === 'gbdt-regression');
      assert.equal(m.baseScore, 6.5);
      const t = m.trees[0];
      // Residuals left: -6.5 -5.5 -4.5 -3.5 993.5; LightGBM's percentile at 0.5 of five values blends the 2nd and 3rd largest.
      assert.deepEqual([t.value[t.left[0]], t.value[t.right[0]]], [-4, 5]);
      assert.deepEqual(Array.from(predictModel(m, frame)), [2.5, 2.5, 2.5, 2.5, 2.5, 11.5, 11.5, 11.5, 11.5, 11.5]);
    });

    for (const subsample of [1, 0.6]) {
      it(`resumed from a JSON checkpoint gives the identical model (subsample ${subsample})`, () => {
        const p = { ...params, rounds: 12, subsample };
        const whole = trainGbdt(train, p, undefined, { task: REGRESSION });
        assert.equal(JSON.stringify(trainInSteps(train, p, REGRESSION, 5)), JSON.stringify(whole));
        const l1 = { ...p, loss: 'l1' as const };
        assert.equal(JSON.stringify(trainInSteps(train, l1, REGRESSION, 5)), JSON.stringify(trainGbdt(train, l1, undefined, { task: REGRESSION })));
      });
    }

    it('refuses a checkpoint of another task or other targets', () => {
      const t = createTrainer(train, { ...params, rounds: 2 }, { task: REGRESSION });
      t.round();
      const cp = t.checkpoint();
      t.close();
      assert.equal(cp.task, 'regression');
      assert.throws(() => GbdtTrainer.resume(train, params, cp), GbdtCheckpointMismatch);
      const shifted = { ...train, target: (train.target as Float64Array).map((v) => v + 1) };
      assert.throws(() => GbdtTrainer.resume(shifted, params, cp, { task: REGRESSION }), /target sum/);
    });

    it('rejects a frame without finite targets', () => {
      assert.throws(() => createTrainer({ ...train, target: undefined }, params, { task: REGRESSION }), ModelInputError);
      const bad = Float64Array.from(train.target as Float64Array);
      bad[7] = NaN;
      assert.throws(() => createTrainer({ ...train, target: bad }, params, { task: REGRESSION }), /row 7/);
    });
  });

  describe('multiclass', () => {
    const train = multiclassFrame(6000, 31);
    const holdout = multiclassFrame(3000, 32);
    let model: GbdtModel;
    before(() => {
      model = trainGbdt(train, params, undefined, { task: MULTICLASS });
    });

    it('grows one tree per class per round from the log class priors, and beats the prior clearly', () => {
      assert.ok(model.kind === 'gbdt-multiclass');
      assert.deepEqual(model.classes, CLASSES);
      assert.equal(model.trees.length, params.rounds * 3);
      const counts = [0, 0, 0];
      for (const l of train.label) counts[l]++;
      assert.deepEqual(
        model.baseScores,
        counts.map((c) => Math.fround(Math.log(c / train.rows))),
      );
      const p = predictModel(model, holdout);
      assert.equal(p.length, holdout.rows * 3);
      let loss = 0;
      let priorLoss = 0;
      let correct = 0;
      for (let i = 0; i < holdout.rows; i++) {
        const row = [p[3 * i], p[3 * i + 1], p[3 * i + 2]];
        assert.ok(Math.abs(row[0] + row[1] + row[2] - 1) < 1e-12);
        loss -= Math.log(row[holdout.label[i]]);
        priorLoss -= Math.log(counts[holdout.label[i]] / train.rows);
        if (row.indexOf(Math.max(...row)) === holdout.label[i]) correct++;
      }
      assert.ok(loss / holdout.rows < 0.6 * (priorLoss / holdout.rows), `log loss ${loss / holdout.rows}, prior's ${priorLoss / holdout.rows}`);
      assert.ok(correct / holdout.rows > 0.75, `accuracy ${correct / holdout.rows}`);
      assert.ok(
        model.trees.some((t) => (t.categories ?? []).some((s, node) => t.feature[node] === 5 && s.length > 1)),
        'some tree splits c2 by a set of categories',
      );
    });

    for (const subsample of [1, 0.6]) {
      it(`resumed from a JSON checkpoint gives the identical model (subsample ${subsample})`, () => {
        const p = { ...params, rounds: 10, subsample };
        const whole = trainGbdt(train, p, undefined, { task: MULTICLASS });
        assert.equal(JSON.stringify(trainInSteps(train, p, MULTICLASS, 4)), JSON.stringify(whole));
      });
    }

    it('refuses a checkpoint with other classes, and labels past the classes', () => {
      const t = createTrainer(train, { ...params, rounds: 2 }, { task: MULTICLASS });
      t.round();
      const cp = t.checkpoint();
      t.close();
      assert.deepEqual(cp.classes, CLASSES);
      assert.equal(cp.trees.length, 3);
      assert.throws(() => GbdtTrainer.resume(train, params, cp, { task: { task: 'multiclass', classes: ['a', 'b', 'c'] } }), GbdtCheckpointMismatch);
      assert.throws(() => createTrainer(train, params, { task: { task: 'multiclass', classes: ['low', 'mid'] } }), /class index below 2/);
    });
  });

  describe('on one thread or two (ranges big enough to be split)', () => {
    const p = { ...params, rounds: 4, subsample: 0.8 };
    for (const loss of ['l2', 'l1', 'huber'] as const) {
      it(`regression (${loss}) makes the same model to the last bit`, () => {
        const big = regressionFrame(60_000, 3);
        const one = trainGbdt(big, { ...p, loss }, undefined, { threads: 1, task: REGRESSION });
        const two = trainGbdt(big, { ...p, loss }, undefined, { threads: 2, task: REGRESSION });
        assert.equal(JSON.stringify(two), JSON.stringify(one));
      });
    }
    it('multiclass makes the same model to the last bit', () => {
      const big = multiclassFrame(60_000, 4);
      const one = trainGbdt(big, p, undefined, { threads: 1, task: MULTICLASS });
      const two = trainGbdt(big, p, undefined, { threads: 2, task: MULTICLASS });
      assert.equal(JSON.stringify(two), JSON.stringify(one));
    });
  });

  describe('early stopping on the task loss', () => {
    const p = { rounds: 200, maxDepth: 5, minDataInLeaf: 5, learningRate: 0.3, earlyStoppingRounds: 5 };
    // Targets that are pure noise: the validation loss stops improving after a few rounds.
    const n = 4000;
    const rand = mulberry32(9);
    const features = [
      { name: 'a', kind: 'numeric' as const, values: Float32Array.from({ length: n }, () => rand()) },
      { name: 'b', kind: 'numeric' as const, values: Float32Array.from({ length: n }, () => rand()) },
    ];
    const regression: Frame = { rows: n, features, label: new Uint8Array(n), target: Float64Array.from({ length: n }, () => rand() * 10) };
    const multiclass: Frame = { rows: n, features, label: Uint8Array.from({ length: n }, () => Math.floor(rand() * 3)) };

    for (const [name, frame, task, metric, perRound] of [
      ['regression', regression, REGRESSION, 'l2', 1],
      ['multiclass', multiclass, MULTICLASS, 'multi_logloss', 3],
    ] as const) {
      it(`${name}: stops after the patience, keeps the trees up to the best round, and resumes to the same model`, () => {
        const t = createTrainer(frame, p, { task });
        const losses: number[] = [];
        while (!t.done) losses.push(t.round().validationLoss ?? NaN);
        const model = t.model();
        t.close();
        const es = model.earlyStopping;
        assert.ok(es && 'metric' in es, 'the model reports early stopping with its metric');
        assert.equal(es.metric, metric);
        assert.ok(es.roundsRun < 200, `stopped after ${es.roundsRun} rounds`);
        assert.equal(es.roundsRun - es.bestRound, 5);
        assert.equal(model.trees.length, es.bestRound * perRound);
        if (es.bestRound > 0) assert.equal(es.bestValidationLoss, Math.min(...losses));
        assert.equal(JSON.stringify(trainInSteps(frame, p, task, 3)), JSON.stringify(model));
      });
    }
  });

  describe('ONNX', () => {
    const regTrain = regressionFrame(4000, 41);
    const regHoldout = regressionFrame(1500, 42);
    const mcTrain = multiclassFrame(4000, 43);
    const mcHoldout = multiclassFrame(1500, 44);
    let reg: GbdtModel;
    let mc: GbdtModel;
    before(() => {
      reg = trainGbdt(regTrain, params, undefined, { task: REGRESSION });
      mc = trainGbdt(mcTrain, params, undefined, { task: MULTICLASS });
    });

    it('regression: a `variable` [N,1] output matching the trainer (checkParity), model_task metadata, width 1', async () => {
      const bytes = exportOnnx(reg);
      const meta = readOnnxMetadata(bytes);
      assert.equal(meta[METADATA_KEYS.task], 'regression');
      const decoded = onnx.ModelProto.decode(bytes);
      assert.deepEqual(
        decoded.graph?.output?.map((o) => o.name),
        ['variable'],
      );
      const parity = await checkParity(reg, bytes, regHoldout);
      assert.ok(parity.ok && parity.maxScaledDiff !== undefined && parity.maxScaledDiff <= 1e-5, `parity ${JSON.stringify(parity)}`);
      const m = await OnnxModel.load(bytes, reg.features);
      try {
        assert.equal(m.task, 'regression');
        assert.equal(m.width, 1);
        const out = await m.predict(frameToModelInput(regHoldout), regHoldout.rows);
        assert.equal(out.length, regHoldout.rows);
        assert.ok(maxAbsDiff(predictModel(reg, regHoldout), out) < 1e-4);
      } finally {
        await m.release();
      }
    });

    it('multiclass: `probabilities` [N,K] softmax and an int64 `label` (the argmax), classes in the metadata', async () => {
      const bytes = exportOnnx(mc);
      const meta = readOnnxMetadata(bytes);
      assert.equal(meta[METADATA_KEYS.task], 'multiclass');
      assert.deepEqual(JSON.parse(meta[METADATA_KEYS.classes]), CLASSES);
      const parity = await checkParity(mc, bytes, mcHoldout);
      assert.ok(parity.ok, `parity ${JSON.stringify(parity)}`);
      const m = await OnnxModel.load(bytes, mc.features);
      try {
        assert.equal(m.task, 'multiclass');
        assert.deepEqual(m.classes, CLASSES);
        assert.equal(m.width, 3);
        const out = await m.predict(frameToModelInput(mcHoldout), mcHoldout.rows);
        assert.equal(out.length, mcHoldout.rows * 3);
        const records = [
          { x1: 0.5, x2: null, x3: 7, noise: 0, c1: 'red', c2: 'k3' },
          { x1: null, x2: 1, x3: 1, noise: 0, c1: null, c2: 'never' },
        ];
        const two = await m.predictRecords(records);
        assert.equal(two.length, 6);
      } finally {
        await m.release();
      }
      // The label output through the public onnxruntime API: the class index of the largest probability.
      const session = await ort.InferenceSession.create(bytes);
      const input = frameToModelInput(mcHoldout);
      const feeds: Record<string, ort.Tensor> = {};
      for (const f of mc.features) {
        const col = input[f.name];
        feeds[f.name] = col instanceof Float32Array ? new ort.Tensor('float32', col, [mcHoldout.rows, 1]) : new ort.Tensor('string', col, [mcHoldout.rows, 1]);
      }
      const result = await session.run(feeds);
      const probs = result.probabilities.data as Float32Array;
      const labels = result.label.data as BigInt64Array;
      assert.deepEqual(result.probabilities.dims, [mcHoldout.rows, 3]);
      for (let i = 0; i < mcHoldout.rows; i++) {
        const row = [probs[3 * i], probs[3 * i + 1], probs[3 * i + 2]];
        assert.equal(Number(labels[i]), row.indexOf(Math.max(...row)));
      }
      await session.release();
    });

    it('graphs without task metadata (old versions, skl2onnx/onnxmltools with zipmap=False) load by the given task', async () => {
      const strip = (bytes: Uint8Array) => {
        const decoded = onnx.ModelProto.decode(bytes);
        decoded.metadataProps = decoded.metadataProps.filter((p) => p.key !== METADATA_KEYS.task && p.key !== METADATA_KEYS.classes);
        return onnx.ModelProto.encode(decoded).finish();
      };
      const regBytes = strip(exportOnnx(reg));
      const mcBytes = strip(exportOnnx(mc));
      // No metadata means binary: a regression graph has no probabilities, a 3-class one the wrong width.
      await assert.rejects(OnnxModel.load(regBytes, reg.features), (e: unknown) => e instanceof OnnxModelError && e.code === 'task_mismatch' && /no probabilities output/.test(e.message));
      await assert.rejects(OnnxModel.load(mcBytes, mc.features), (e: unknown) => e instanceof OnnxModelError && e.code === 'task_mismatch' && /3 columns, expected 2/.test(e.message));
      await assert.rejects(OnnxModel.load(mcBytes, mc.features, { task: 'multiclass' }), /needs its classes/);
      await assert.rejects(OnnxModel.load(mcBytes, mc.features, { task: 'multiclass', classes: ['a', 'b'] }), /3 columns, expected 2/);
      const r = await OnnxModel.load(regBytes, reg.features, { task: 'regression' });
      const c = await OnnxModel.load(mcBytes, mc.features, { task: 'multiclass', classes: [0, 1, 2] });
      try {
        assert.equal(r.width, 1);
        assert.deepEqual(c.classes, [0, 1, 2]);
        const out = await c.predict(frameToModelInput(mcHoldout), mcHoldout.rows);
        assert.ok(maxAbsDiff(predictModel(mc, mcHoldout), out) <= 1e-5);
      } finally {
        await r.release();
        await c.release();
      }
    });
  });

  describe('binary models registered before other tasks', () => {
    for (const file of ['gbdt-binary-format1.json', 'gbdt-binary-format2.json']) {
      it(`${file} still parses, predicts, exports and loads as binary (also without model_task metadata)`, async () => {
        const raw: unknown = JSON.parse(readFileSync(path.join(projectRoot, 'test', 'model', 'fixtures', file), 'utf8'));
        const model = GbdtModel.parse(raw);
        assert.equal(modelTask(model), 'binary');
        assert.deepEqual(model, raw, 'parsing adds nothing: the JSON shape is unchanged');
        const frame = syntheticFrame({ rows: 500, seed: 77 });
        // The synthetic columns of the same kind, under the model's names.
        const features = model.features.map((f, i) => ({ ...(frame.features[i].kind === f.type ? frame.features[i] : frame.features[4]), name: f.name }));
        const input: Frame = { rows: frame.rows, label: frame.label, features };
        assert.deepEqual(predictModel(model, input), predictProba(model, input));
        const bytes = exportOnnx(model);
        const decoded = onnx.ModelProto.decode(bytes);
        decoded.metadataProps = decoded.metadataProps.filter((p) => p.key !== METADATA_KEYS.task);
        const old = await OnnxModel.load(onnx.ModelProto.encode(decoded).finish(), model.features);
        try {
          assert.equal(old.task, 'binary');
          assert.equal(old.width, 1);
          const out = await old.predict(frameToModelInput(input), input.rows);
          assert.ok(maxAbsDiff(predictProba(model, input), out) <= 1e-5);
        } finally {
          await old.release();
        }
        assert.ok((await checkParity(model, bytes, input)).ok);
      });
    }
  });
});
