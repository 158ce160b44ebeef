// The promotion gates on real holdout metrics: a tie with the logistic baseline passes at margin 0, a positive margin is strict.
import assert from 'node:assert/strict';
import { baselineGate, decideGates } from '../../src/training/gates';
import { evaluateBinary, majorityBaseline } from '../../src/model/metrics';
import { parseSpec } from '../../src/spec/dataset';

const spec = (gates: Record<string, unknown> = {}) =>
  parseSpec({
    name: 'gates',
    source: { path: 'x.json' },
    target: { column: 'y', positive: { op: '=', value: 1 } },
    features: [{ name: 'Body Mass (g)', type: 'numeric' }],
    gates,
  });

describe('promotion gates', () => {
  // Separable holdout: every positive scores above every negative, for both models.
  const label = Uint8Array.from([0, 0, 0, 1, 1, 1, 0, 1]);
  const perfect = (lo: number, hi: number) => Float64Array.from(label, (y, i) => (y ? hi + i / 100 : lo + i / 100));
  const candidate = evaluateBinary(label, perfect(0.1, 0.8));
  const logistic = evaluateBinary(label, perfect(0.2, 0.6));
  const majority = majorityBaseline(label);

  it('promotes a candidate that ties the baseline at AUC 1.0 when there is no champion (margin 0 = not worse)', () => {
    assert.equal(candidate.auc, 1);
    assert.equal(logistic.auc, 1);
    const gates = decideGates(spec(), candidate, logistic, majority, undefined);
    assert.equal(gates.passed, true, gates.reasons.join('; '));
    assert.ok(gates.reasons.includes("holdout AUC 1.0000 ties the logistic baseline's 1.0000; gates.minAucOverBaseline 0 asks for not worse than it"), gates.reasons.join('; '));
    assert.ok(gates.reasons.includes('no champion yet'));
  });

  it('with a positive margin a tie fails, and the message says what was compared with what', () => {
    const gates = decideGates(spec({ minAucOverBaseline: 0.01 }), candidate, logistic, majority, undefined);
    assert.equal(gates.passed, false);
    assert.deepEqual(gates.reasons, ["holdout AUC 1.0000 ties the logistic baseline's 1.0000; gates.minAucOverBaseline 0.01 asks for at least that much above it (failed)"]);
  });

  it('compares with >= at the margin, tolerating float noise, and fails below it', () => {
    assert.equal(baselineGate(0.85, 0.8, 0.05).passed, true, '0.85 - 0.8 is 0.04999... in binary floating point');
    assert.equal(baselineGate(0.849, 0.8, 0.05).passed, false);
    assert.equal(baselineGate(0.7, 0.75, 0).passed, false);
    assert.equal(baselineGate(0.7, 0.75, 0).reason, "holdout AUC 0.7000 is 0.0500 below the logistic baseline's 0.7500; gates.minAucOverBaseline 0 asks for not worse than it (failed)");
    assert.equal(baselineGate(0.74, 0.75, -0.02).passed, true, 'a negative margin allows that much below');
  });

  it('still refuses a candidate no better than the majority class, even when it ties a poor baseline', () => {
    const flat = evaluateBinary(label, new Float64Array(label.length).fill(0.5));
    assert.equal(flat.auc, 0.5);
    const gates = decideGates(spec(), flat, flat, majority, undefined);
    assert.equal(gates.passed, false);
    assert.ok(
      gates.reasons.some((r) => /does not beat the majority-class baseline's 0\.5000/.test(r)),
      gates.reasons.join('; '),
    );
  });
});
