// Regression and multiclass promotion gates on real metrics: primary metric against the baselines and the champion,
// absolute limits named by field, and per-task gate fields refused on the wrong task.
import assert from 'node:assert/strict';
import { evaluateMulticlass } from '../../src/model/metrics-multiclass';
import { evaluateRegression } from '../../src/model/metrics-regression';
import { parseSpec, SpecError } from '../../src/spec/dataset';
import { decideTaskGates, MULTICLASS_GATES, REGRESSION_GATES } from '../../src/training/task-gates';

const spec = (task: 'regression' | 'multiclass', gates: Record<string, unknown> = {}) =>
  parseSpec({ name: 'gates', source: { path: 'x.json' }, target: { column: 'y', task }, features: [{ name: 'x', type: 'numeric' }], gates });

describe('promotion gates per task', () => {
  const target = Float64Array.from({ length: 40 }, (_, i) => i);
  const near = (noise: number) => Float64Array.from(target, (y, i) => y + (i % 2 ? noise : -noise));
  const mean = new Float64Array(40).fill(19.5);
  const reg = (p: Float64Array) => evaluateRegression(target, p);

  it('regression: promotes a candidate that beats the mean and is not worse than ridge or the champion', () => {
    const gates = decideTaskGates(REGRESSION_GATES, {
      spec: spec('regression'),
      candidate: reg(near(1)),
      prior: { name: 'mean', metrics: reg(mean) },
      linear: { name: 'ridge', metrics: reg(near(2)) },
      champion: { version: 3, metrics: reg(near(1.5)) },
    });
    assert.equal(gates.passed, true, gates.reasons.join('; '));
    assert.ok(
      gates.reasons.some((r) => /no regression: RMSE 1\.0000 against champion v3's 1\.5000/.test(r)),
      gates.reasons.join('; '),
    );
  });

  it('regression: names maxRmse, the ridge baseline and the champion when the candidate is worse', () => {
    const gates = decideTaskGates(REGRESSION_GATES, {
      spec: spec('regression', { maxRmse: 1.5, maxRmseRiseVsChampion: 0.1 }),
      candidate: reg(near(2)),
      prior: { name: 'mean', metrics: reg(mean) },
      linear: { name: 'ridge', metrics: reg(near(1)) },
      champion: { version: 2, metrics: reg(near(1.5)) },
    });
    assert.equal(gates.passed, false);
    assert.deepEqual(gates.reasons, [
      'RMSE 2.0000 > gates.maxRmse 1.5',
      "holdout RMSE 2.0000 is 1.0000 above the ridge baseline's 1.0000; gates ask for not worse than it (failed)",
      "RMSE 2.0000 against champion v2's 1.5000 on the same holdout: gates.maxRmseRiseVsChampion allows 10% above it (failed)",
    ]);
  });

  it('regression: a candidate that does not beat the mean fails even when it ties ridge', () => {
    const gates = decideTaskGates(REGRESSION_GATES, { spec: spec('regression'), candidate: reg(mean), prior: { name: 'mean', metrics: reg(mean) }, linear: { name: 'ridge', metrics: reg(mean) } });
    assert.equal(gates.passed, false);
    assert.ok(
      gates.reasons.some((r) => /does not beat the mean baseline's/.test(r)),
      gates.reasons.join('; '),
    );
  });

  it('multiclass: log loss against the baselines with maxLogLossOverBaseline, absolute limits by name, and rare classes named', () => {
    const classes = ['a', 'b', 'c'];
    const label = Uint8Array.from({ length: 30 }, (_, i) => i % 3);
    const proba = (right: number) => Float64Array.from({ length: 90 }, (_, j) => (j % 3 === label[Math.floor(j / 3)] ? right : (1 - right) / 2));
    const m = (right: number) => evaluateMulticlass(label, proba(right), classes);
    const input = {
      candidate: m(0.8),
      prior: { name: 'class prior', metrics: m(1 / 3) },
      linear: { name: 'multinomial logistic', metrics: m(0.9) },
      notes: ['class "c" never occurs in the holdout rows'],
    };
    const worse = decideTaskGates(MULTICLASS_GATES, { spec: spec('multiclass'), ...input });
    assert.equal(worse.passed, false);
    assert.match(worse.reasons[0], /^holdout log loss 0\.2231 is 0\.1178 above the multinomial logistic baseline's 0\.1054; gates ask for not worse than it \(failed\)$/);
    assert.equal(worse.reasons.at(-1), 'class "c" never occurs in the holdout rows');
    const allowed = decideTaskGates(MULTICLASS_GATES, { spec: spec('multiclass', { maxLogLossOverBaseline: 0.2, minAccuracy: 0.9 }), ...input });
    assert.equal(allowed.passed, true, allowed.reasons.join('; '));
    const tooStrict = decideTaskGates(MULTICLASS_GATES, { spec: spec('multiclass', { maxLogLossOverBaseline: 0.2, maxLogLoss: 0.2 }), ...input });
    assert.equal(tooStrict.reasons[0], 'log loss 0.2231 > gates.maxLogLoss 0.2');
  });

  it('refuses a gate field meant for another task, naming it', () => {
    assert.throws(
      () => spec('regression', { minAccuracy: 0.9 }),
      (e: unknown) => e instanceof SpecError && /gates\.minAccuracy: is for multiclass targets, this target is regression/.test(e.message),
    );
    assert.throws(
      () => spec('multiclass', { maxRmse: 3 }),
      (e: unknown) => e instanceof SpecError && /gates\.maxRmse: is for regression targets/.test(e.message),
    );
    assert.throws(() => spec('multiclass', { minAuc: 0.7 }), /gates\.minAuc: is for binary targets/);
  });
});
