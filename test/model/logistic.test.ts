// Logistic baseline on a problem it can solve: recovers the true effects and nearly the oracle AUC.
import assert from 'node:assert/strict';
import type { Frame } from '../../src/data/frame';
import { LogisticModel, predictLogistic, trainLogistic } from '../../src/model/logistic';
import { rocAuc } from '../../src/model/metrics';
import { mulberry32 } from '../../src/model/prng';

/** y ~ Bernoulli(sigmoid(2x - z + effect[c])), x missing 10% of the time (then its term is 0). */
function linearFrame(rows: number, seed: number): { frame: Frame; oracle: Float64Array } {
  const rand = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const x = new Float32Array(rows);
  const z = new Float32Array(rows);
  const c = new Int32Array(rows);
  const label = new Uint8Array(rows);
  const oracle = new Float64Array(rows);
  const effect = [-1, 0, 1.5];
  for (let i = 0; i < rows; i++) {
    x[i] = rand() < 0.1 ? NaN : normal();
    z[i] = 10 + 5 * normal();
    c[i] = rand() < 0.05 ? -1 : Math.floor(rand() * 3);
    const logit = (Number.isNaN(x[i]) ? 0 : 2 * x[i]) - (z[i] - 10) / 5 + (c[i] < 0 ? 0 : effect[c[i]]);
    oracle[i] = logit;
    label[i] = rand() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return {
    oracle,
    frame: {
      rows,
      label,
      features: [
        { name: 'x', kind: 'numeric', values: x },
        { name: 'z', kind: 'numeric', values: z },
        { name: 'c', kind: 'categorical', codes: c, dictionary: ['a', 'b', 'c'] },
      ],
    },
  };
}

describe('model/logistic', function () {
  this.timeout(60_000);
  const train = linearFrame(5000, 1);
  const test = linearFrame(3000, 2);

  it('recovers the signs and order of the true effects and nearly the oracle AUC', () => {
    const model = trainLogistic(train.frame);
    const [x, z] = model.numeric;
    // Standardised weights: x has std 1 so ~2; z has std 5 and effect -1/5 per unit, so ~-1.
    assert.ok(Math.abs(x.weight - 2) < 0.3, `x weight ${x.weight}`);
    assert.ok(Math.abs(z.weight + 1) < 0.2, `z weight ${z.weight}`);
    const cat = model.categorical[0];
    const w = (v: string) => cat.weights[cat.categories.indexOf(v)];
    assert.ok(w('a') < w('b') && w('b') < w('c'), `category weights ${cat.categories.join(',')} ${cat.weights.join(',')}`);
    const auc = rocAuc(test.frame.label, predictLogistic(model, test.frame)) ?? 0;
    const oracleAuc =
      rocAuc(
        test.frame.label,
        test.oracle.map((s) => 1 / (1 + Math.exp(-s))),
      ) ?? 0;
    assert.ok(auc > oracleAuc - 0.01, `AUC ${auc} vs oracle ${oracleAuc}`);
    assert.deepEqual(LogisticModel.parse(JSON.parse(JSON.stringify(model))), model);
  });

  it('subsamples frames above maxRows deterministically', () => {
    const a = trainLogistic(train.frame, { maxRows: 800, seed: 3 });
    const b = trainLogistic(train.frame, { maxRows: 800, seed: 3 });
    const c = trainLogistic(train.frame, { maxRows: 800, seed: 4 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.ok((rocAuc(test.frame.label, predictLogistic(a, test.frame)) ?? 0) > 0.75);
  });
});
