// Regression and multiclass metrics against scikit-learn/NumPy on committed vectors (scripts/task-metric-vectors.py), to 1e-9.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { evaluateMulticlass, MulticlassMetrics } from '../../src/model/metrics-multiclass';
import { evaluateRegression, RegressionMetrics } from '../../src/model/metrics-regression';
import { evaluateTask, PRIMARY_METRIC, primaryGain, primaryValue, TaskMetrics } from '../../src/model/task-metrics';
import type { ClassValue } from '../../src/task/task';

interface Vectors {
  generator: string;
  regression: { name: string; target: number[]; prediction: number[]; expected: Omit<RegressionMetrics, 'task'> }[];
  multiclass: {
    name: string;
    classes: ClassValue[];
    label: number[];
    probability: number[];
    expected: Omit<MulticlassMetrics, 'task' | 'classes' | 'perClass'> & { perClass: Omit<MulticlassMetrics['perClass'][number], 'class'>[] };
  }[];
}

const vectors = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', '..', 'test', 'model', 'task-metric-vectors.json'), 'utf8')) as Vectors;

/** |a - b| <= 1e-9 * max(1, |b|); null only where scikit-learn says undefined. */
function close(actual: number | null, expected: number | null, what: string): void {
  if (expected === null) {
    assert.equal(actual, null, what);
    return;
  }
  assert.ok(actual !== null && Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: got ${actual}, scikit-learn says ${expected}`);
}

describe('model: regression and multiclass metrics vs scikit-learn', () => {
  it(`vectors come from ${vectors.generator}`, () => {
    assert.ok(vectors.regression.length >= 3 && vectors.multiclass.length >= 3);
  });

  for (const c of vectors.regression) {
    it(`regression "${c.name}" (${c.target.length} rows): RMSE, MAE, R^2, residual distribution, predicted-against-actual bins`, () => {
      const m = RegressionMetrics.parse(evaluateRegression(c.target, c.prediction));
      const e = c.expected;
      assert.equal(m.rows, e.rows);
      for (const k of ['rmse', 'mae', 'r2', 'meanTarget', 'meanPrediction'] as const) close(m[k], e[k], k);
      close(m.residuals.mean, e.residuals.mean, 'residual mean');
      close(m.residuals.std, e.residuals.std, 'residual std');
      for (const q of ['p5', 'p25', 'p50', 'p75', 'p95'] as const) close(m.residuals.quantiles[q], e.residuals.quantiles[q], `residual ${q}`);
      assert.equal(m.bins.length, e.bins.length);
      m.bins.forEach((b, i) => {
        assert.equal(b.count, e.bins[i].count, `bin ${i} count`);
        for (const k of ['minPredicted', 'maxPredicted', 'meanPredicted', 'meanActual'] as const) close(b[k], e.bins[i][k], `bin ${i} ${k}`);
      });
    });
  }

  for (const c of vectors.multiclass) {
    it(`multiclass "${c.name}" (${c.label.length} rows, ${c.classes.length} classes): log loss, accuracy, macro-F1, OvR macro AUC, confusion, per class`, () => {
      const m = MulticlassMetrics.parse(evaluateMulticlass(c.label, c.probability, c.classes));
      const e = c.expected;
      assert.equal(m.rows, e.rows);
      assert.deepEqual(m.classes, c.classes);
      for (const k of ['logLoss', 'accuracy', 'macroF1', 'macroAuc'] as const) close(m[k], e[k], k);
      assert.deepEqual(m.confusion, e.confusion);
      m.perClass.forEach((p, i) => {
        const x = e.perClass[i];
        assert.equal(p.class, c.classes[i]);
        assert.deepEqual([p.support, p.predicted], [x.support, x.predicted], `class ${i} support, predicted`);
        for (const k of ['precision', 'recall', 'f1', 'auc', 'meanProbability'] as const) close(p[k], x[k], `class ${i} ${k}`);
      });
    });
  }

  it('rejects inputs that cannot be scored, naming the problem', () => {
    assert.throws(() => evaluateMulticlass([0, 1], [0.5, 0.5, 0.5], ['a', 'b']), /2 labels need 4 probabilities/);
    assert.throws(() => evaluateMulticlass([0, 2], [0.5, 0.5, 0.5, 0.5], ['a', 'b']), /label 1 is 2, not a class index below 2/);
    assert.throws(() => evaluateMulticlass([0], [1.5, -0.5], ['a', 'b']), /not in \[0, 1\]/);
    assert.throws(() => evaluateRegression([1, 2], [1, NaN]), /prediction 1 is NaN/);
    assert.throws(() => evaluateRegression([], []), /at least one row/);
  });

  it('one row: R^2 is null (undefined), the rest defined', () => {
    const m = evaluateRegression([3], [2]);
    assert.equal(m.r2, null);
    assert.equal(m.rmse, 1);
    assert.deepEqual(m.bins, [{ count: 1, minPredicted: 2, maxPredicted: 2, meanPredicted: 2, meanActual: 3 }]);
  });
});

describe('model: metrics per task (one table)', () => {
  it('evaluateTask scores each task from the frame truth; the primary metric and its direction come from the task', () => {
    const label = Uint8Array.from([0, 1, 2, 1]);
    const proba = [0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7, 0.3, 0.4, 0.3];
    const mc = evaluateTask('multiclass', { label }, proba, ['a', 'b', 'c']);
    assert.equal(primaryValue('multiclass', mc), evaluateMulticlass(label, proba, ['a', 'b', 'c']).logLoss);
    const target = Float64Array.from([1, 2, 3, 4]);
    const good = evaluateTask('regression', { label: new Uint8Array(4), target }, [1, 2, 3, 5]);
    const bad = evaluateTask('regression', { label: new Uint8Array(4), target }, [2, 2, 2, 2]);
    assert.equal(primaryValue('regression', good), 0.5);
    assert.ok(primaryGain('regression', good, bad)! > 0, 'lower RMSE is better');
    const bin = evaluateTask('binary', { label: Uint8Array.from([0, 1, 1, 0]) }, [0.2, 0.9, 0.6, 0.7]);
    assert.equal(primaryValue('binary', bin), 0.75);
    assert.equal('task' in bin, false, 'binary metrics keep their JSON');
    assert.deepEqual(PRIMARY_METRIC.multiclass, { name: 'logLoss', higherIsBetter: false });
    assert.throws(() => evaluateTask('regression', { label }, [1, 2, 3, 4]), /numeric target/);
    assert.ok(TaskMetrics.safeParse(mc).success && TaskMetrics.safeParse(good).success && TaskMetrics.safeParse(bin).success);
  });
});
