// Baselines per task on problems they can solve: ridge recovers a linear function, the multinomial model beats the
// prior on separable classes, the prior predicts the training shares/mean; models are JSON and deterministic.
import assert from 'node:assert/strict';
import type { Frame } from '../../src/data/frame';
import { BaselineModel, fitLinearBaseline, fitPrior, predictBaseline } from '../../src/model/baselines';
import { evaluateMulticlass } from '../../src/model/metrics-multiclass';
import { evaluateRegression } from '../../src/model/metrics-regression';
import { fitMultinomial } from '../../src/model/multinomial';
import { fitRidge } from '../../src/model/ridge';
import { mulberry32 } from '../../src/model/prng';

function normalSource(seed: number): () => number {
  const rand = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** y = 3 + 2x - 0.5z + effect[c] (+ noise), x missing 10% of rows (then it contributes 1.0). */
function regressionFrame(rows: number, seed: number, noise: number): Frame {
  const normal = normalSource(seed);
  const rand = mulberry32(seed + 1);
  const x = new Float32Array(rows);
  const z = new Float32Array(rows);
  const c = new Int32Array(rows);
  const target = new Float64Array(rows);
  const effect = [-4, 0, 2.5];
  for (let i = 0; i < rows; i++) {
    x[i] = rand() < 0.1 ? NaN : normal();
    z[i] = 100 + 20 * normal();
    c[i] = Math.floor(rand() * 3);
    target[i] = 3 + (Number.isNaN(x[i]) ? 1 : 2 * x[i]) - 0.5 * z[i] + effect[c[i]] + noise * normal();
  }
  return {
    rows,
    label: new Uint8Array(rows),
    target,
    features: [
      { name: 'x', kind: 'numeric', values: x },
      { name: 'z', kind: 'numeric', values: z },
      { name: 'c', kind: 'categorical', codes: c, dictionary: ['a', 'b', 'c'] },
    ],
  };
}

/** Three classes around three centres in (x, y), plus a categorical that shifts class 2 (label by the nearest centre). */
function multiclassFrame(rows: number, seed: number): Frame {
  const normal = normalSource(seed);
  const rand = mulberry32(seed + 1);
  const centres = [
    [-2, 0],
    [2, 0],
    [0, 3],
  ];
  const x = new Float32Array(rows);
  const y = new Float32Array(rows);
  const g = new Int32Array(rows);
  const label = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const k = Math.floor(rand() * 3);
    label[i] = k;
    x[i] = centres[k][0] + 0.6 * normal();
    y[i] = centres[k][1] + 0.6 * normal();
    g[i] = k === 2 ? (rand() < 0.8 ? 1 : 0) : rand() < 0.2 ? 1 : 0;
  }
  return {
    rows,
    label,
    features: [
      { name: 'x', kind: 'numeric', values: x },
      { name: 'y', kind: 'numeric', values: y },
      { name: 'g', kind: 'categorical', codes: g, dictionary: ['lo', 'hi'] },
    ],
  };
}

describe('model/baselines per task', function () {
  this.timeout(60_000);

  it('ridge recovers a noiseless linear function (weights per raw unit, missing slot, category effects) and predicts it', () => {
    const train = regressionFrame(2000, 1, 0);
    const model = fitRidge(train, { l2: 1e-9 });
    const [x, z] = model.numeric;
    // standardised weights back in raw units: w / std
    assert.ok(Math.abs(x.weight / x.std - 2) < 1e-4, `x ${x.weight / x.std}`);
    assert.ok(Math.abs(z.weight / z.std + 0.5) < 1e-4, `z ${z.weight / z.std}`);
    const cat = model.categorical[0];
    const [a, b, c] = ['a', 'b', 'c'].map((v) => cat.weights[cat.categories.indexOf(v)]);
    assert.ok(Math.abs(b - a - 4) < 1e-4 && Math.abs(c - b - 2.5) < 1e-4, `category effects ${[a, b, c].join(',')}`);
    const test = regressionFrame(500, 2, 0);
    const m = evaluateRegression(test.target!, predictBaseline(model, test));
    assert.ok(m.rmse < 1e-4, `rmse ${m.rmse}`);
    assert.ok(m.r2! > 0.999999);
  });

  it('ridge with noise: holdout RMSE near the noise level and far below the mean predictor; JSON round trip predicts the same', () => {
    const train = regressionFrame(5000, 3, 1.5);
    const test = regressionFrame(2000, 4, 1.5);
    const ridge = fitLinearBaseline(train, 'regression');
    const prior = fitPrior(train, 'regression');
    const r = evaluateRegression(test.target!, predictBaseline(ridge, test));
    const p = evaluateRegression(test.target!, predictBaseline(prior, test));
    assert.ok(r.rmse < 1.6, `ridge rmse ${r.rmse}`);
    assert.ok(p.rmse > 5, `mean rmse ${p.rmse}`);
    assert.ok(Math.abs(p.meanPrediction - prior.values[0]) < 1e-9);
    const again = BaselineModel.parse(JSON.parse(JSON.stringify(ridge)));
    assert.deepEqual(predictBaseline(again, test), predictBaseline(ridge, test));
    assert.deepEqual(fitLinearBaseline(train, 'regression'), ridge, 'deterministic');
  });

  it('multinomial logistic beats the prior on separable classes, its probabilities sum to 1, and it is deterministic', () => {
    const classes = ['adelie', 'chinstrap', 'gentoo'];
    const train = multiclassFrame(3000, 5);
    const test = multiclassFrame(1500, 6);
    const model = fitMultinomial(train, classes);
    const prior = fitPrior(train, 'multiclass', classes);
    const proba = predictBaseline(model, test);
    assert.equal(proba.length, test.rows * 3);
    for (let i = 0; i < test.rows; i++) {
      const s = proba[3 * i] + proba[3 * i + 1] + proba[3 * i + 2];
      assert.ok(Math.abs(s - 1) < 1e-12, `row ${i} sums to ${s}`);
    }
    const m = evaluateMulticlass(test.label, proba, classes);
    const p = evaluateMulticlass(test.label, predictBaseline(prior, test), classes);
    assert.ok(m.accuracy > 0.95, `accuracy ${m.accuracy}`);
    assert.ok(m.logLoss < 0.2 && p.logLoss > 1, `log loss ${m.logLoss} vs prior ${p.logLoss}`);
    assert.ok(m.macroAuc! > 0.99);
    // the prior is the training shares
    const shares = [0, 1, 2].map((k) => train.label.filter((v) => v === k).length / train.rows);
    assert.deepEqual(prior.values, shares);
    assert.deepEqual(fitMultinomial(train, classes), model, 'deterministic');
    const again = BaselineModel.parse(JSON.parse(JSON.stringify(model)));
    assert.deepEqual(predictBaseline(again, test), proba);
  });

  it('binary: the linear baseline is the logistic model and the prior its prevalence', () => {
    const frame = multiclassFrame(1000, 7);
    const binary: Frame = { ...frame, label: frame.label.map((v) => (v === 2 ? 1 : 0)) };
    const linear = fitLinearBaseline(binary, 'binary');
    assert.equal(linear.kind, 'logistic-binary');
    const prior = fitPrior(binary, 'binary');
    assert.deepEqual(prior.values, [binary.label.reduce((s, v) => s + v, 0) / binary.rows]);
    assert.equal(predictBaseline(linear, binary).length, binary.rows);
  });

  it('rejects frames that do not fit the task, with a clear message', () => {
    const frame = multiclassFrame(100, 8);
    assert.throws(() => fitRidge(frame), /needs a frame with a numeric target/);
    assert.throws(() => fitMultinomial(frame, ['a', 'b']), /class index 2, but there are 2 classes/);
    assert.throws(() => fitPrior(frame, 'multiclass', ['only']), /at least 2 classes/);
  });
});
