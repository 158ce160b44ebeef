// Metrics against hand-computed values and brute-force definitions.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { averagePrecision, BinaryMetrics, calibration, evaluateBinary, logLoss, majorityBaseline, rocAuc, thresholdMetrics } from '../../src/model/metrics';

const close = (actual: number | null, expected: number, eps = 1e-12) => {
  assert.ok(actual !== null, 'expected a number, got null');
  assert.ok(Math.abs(actual - expected) <= eps, `${actual} != ${expected}`);
};

/** AUC straight from its definition: P(score+ > score-) + 0.5 P(tie), over every pair. */
function bruteAuc(label: number[], proba: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < label.length; i++) {
    for (let j = 0; j < label.length; j++) {
      if (label[i] !== 1 || label[j] !== 0) continue;
      pairs++;
      wins += proba[i] > proba[j] ? 1 : proba[i] === proba[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('model/metrics', () => {
  it('ROC AUC of the classic 4-row example is 0.75', () => {
    close(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  });

  it('ROC AUC counts a tied positive/negative pair as one half', () => {
    // Pairs (pos, neg): (0.5, 0.5) tie, (0.5, 0.2) win, (0.9, 0.5) win, (0.9, 0.2) win -> 3.5 / 4.
    close(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]), 0.875);
    close(rocAuc([0, 1, 0, 1, 1], [0.3, 0.3, 0.3, 0.3, 0.3]), 0.5);
  });

  it('ROC AUC is null for a single class', () => {
    assert.equal(rocAuc([1, 1, 1], [0.2, 0.5, 0.9]), null);
    assert.equal(rocAuc([0, 0], [0.2, 0.5]), null);
  });

  it('ROC AUC equals the pairwise definition on random data with many ties (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 8 })), { minLength: 2, maxLength: 60 }), (rows) => {
        const label = rows.map((r) => r[0]);
        const proba = rows.map((r) => r[1] / 8);
        const auc = rocAuc(label, proba);
        if (!label.includes(0) || !label.includes(1)) return auc === null;
        const flipped = rocAuc(
          label,
          proba.map((p) => 1 - p),
        );
        return Math.abs((auc ?? NaN) - bruteAuc(label, proba)) < 1e-12 && Math.abs((auc ?? NaN) + (flipped ?? NaN) - 1) < 1e-12;
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('average precision matches sklearn on the classic example and groups ties into one threshold', () => {
    // sklearn.metrics.average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) == 0.8333...
    close(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 5 / 6);
    // Threshold 0.5: tp 1, fp 1 (recall .5, precision .5); threshold 0.1: tp 2, fp 1 (recall 1, precision 2/3).
    close(averagePrecision([1, 0, 1], [0.5, 0.5, 0.1]), 0.5 * 0.5 + 0.5 * (2 / 3));
    close(averagePrecision([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8]), 1);
    assert.equal(averagePrecision([0, 0], [0.1, 0.9]), null);
  });

  it('log loss is the mean negative log-likelihood, clipped at 1e-15', () => {
    close(logLoss([1, 0], [0.8, 0.3]), -(Math.log(0.8) + Math.log(0.7)) / 2);
    // A confident miss costs -ln(1e-15) ~= 34.54 instead of Infinity.
    close(logLoss([1, 0], [0, 0]), -Math.log(1e-15) / 2, 1e-9);
    close(logLoss([0], [1]), -Math.log(1 - (1 - 1e-15)), 1e-6);
    assert.ok(Number.isFinite(logLoss([0], [1])));
  });

  it('accuracy, precision, recall and F1 use p >= 0.5 as positive', () => {
    // Predictions [1,0,1,0,1] against [1,1,0,0,1]: tp 2, fn 1, fp 1, tn 1.
    const m = thresholdMetrics([1, 1, 0, 0, 1], [0.9, 0.4, 0.5, 0.1, 0.6]);
    close(m.accuracy, 3 / 5);
    close(m.precision, 2 / 3);
    close(m.recall, 2 / 3);
    close(m.f1, 2 / 3);
    const none = thresholdMetrics([1, 0], [0.1, 0.2]);
    assert.deepEqual(none, { accuracy: 0.5, precision: 0, recall: 0, f1: 0 });
  });

  it('calibration bins and ECE by hand', () => {
    // Bin [0.1,0.2): p .1,.1 y 0,1 -> mean .1, frac .5 ; bin [0.9,1]: p .9, 1 y 1,1 -> mean .95, frac 1.
    const { bins, ece } = calibration([0, 1, 1, 1], [0.1, 0.1, 0.9, 1]);
    assert.equal(bins.length, 2);
    assert.deepEqual(
      bins.map((b) => [b.lower, b.count]),
      [
        [0.1, 2],
        [0.9, 2],
      ],
    );
    close(bins[0].fractionPositive, 0.5);
    close(bins[1].meanPredicted, 0.95);
    close(ece, 0.5 * 0.4 + 0.5 * 0.05);
  });

  it('evaluateBinary returns a schema-valid, JSON-round-trippable result', () => {
    const label = [0, 1, 1, 0, 1, 0, 0, 1];
    const proba = [0.2, 0.7, 0.6, 0.4, 0.9, 0.1, 0.55, 0.3];
    const m = evaluateBinary(Uint8Array.from(label), Float32Array.from(proba));
    assert.deepEqual(BinaryMetrics.parse(JSON.parse(JSON.stringify(m))), m);
    assert.equal(m.rows, 8);
    assert.equal(m.positives, 4);
    close(m.auc, bruteAuc(label, Array.from(Float32Array.from(proba))));
  });

  it('majority baseline: AUC 0.5, log loss = label entropy, accuracy = majority share', () => {
    const label = Uint8Array.from([1, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
    const m = majorityBaseline(label);
    close(m.auc, 0.5);
    close(m.logLoss, -(0.2 * Math.log(0.2) + 0.8 * Math.log(0.8)));
    close(m.accuracy, 0.8);
    close(m.prAuc, 0.2);
  });

  it('rejects mismatched lengths and non-probabilities', () => {
    assert.throws(() => rocAuc([0, 1], [0.5]), RangeError);
    assert.throws(() => evaluateBinary([0, 1], [0.5, NaN]), RangeError);
    assert.throws(() => logLoss([0, 2], [0.5, 0.5]), RangeError);
  });
});
