// Method choice, thresholds, overrides and dataset decisions on profile-shaped inputs; the counting helpers.

import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  binNumeric,
  chooseMethod,
  countCategories,
  countCategoryCodes,
  decideDatasetDrift,
  decideFeatureDrift,
  detectDrift,
  driftSettingsSchema,
  type CategoricalFeatureInput,
  type FeatureDriftResult,
  type NumericFeatureInput,
} from '../../src/drift/stats';
import { lcg } from './vectors';

const EDGES = Array.from({ length: 21 }, (_, i) => i / 20); // 20 bins on [0, 1]

function numericInput(refN: number, curN: number, shift: number, curNulls = 0): NumericFeatureInput {
  const ref = binNumeric(lcg(1, refN, 1, 0), EDGES);
  const cur = binNumeric(lcg(2, curN, 1, shift), EDGES);
  return {
    feature: 'x',
    kind: 'numeric',
    reference: { edges: EDGES, counts: ref.counts, nulls: 0 },
    current: { ...cur, nulls: cur.nulls + curNulls },
  };
}

function categoricalInput(ref: number[], refOther: number, cur: number[], curOther: number, nulls: [number, number] = [0, 0]): CategoricalFeatureInput {
  return {
    feature: 'c',
    kind: 'categorical',
    reference: { counts: ref, other: refOther, nulls: nulls[0] },
    current: { counts: cur, other: curOther, nulls: nulls[1] },
  };
}

describe('drift decisions', () => {
  it('chooses KS / chi-square up to 1000 reference values and normed Wasserstein / Jensen-Shannon above', () => {
    assert.equal(chooseMethod('numeric', 1000), 'ks');
    assert.equal(chooseMethod('numeric', 1001), 'wasserstein');
    assert.equal(chooseMethod('categorical', 1000), 'chisquare');
    assert.equal(chooseMethod('categorical', 1001), 'jensenshannon');
    assert.equal(decideFeatureDrift(numericInput(800, 800, 0)).method, 'ks');
    assert.equal(decideFeatureDrift(numericInput(5000, 800, 0)).method, 'wasserstein');
  });

  it('numeric: no drift for the same distribution, drift for a shift, with the p-value rule for KS', () => {
    const same = decideFeatureDrift(numericInput(800, 900, 0));
    assert.equal(same.drifted, false);
    assert.ok((same.pValue as number) >= 0.05);
    assert.equal(same.threshold, 0.05);
    const shifted = decideFeatureDrift(numericInput(800, 900, 0.2));
    assert.equal(shifted.drifted, true);
    assert.ok((shifted.pValue as number) < 0.05);
    assert.ok(shifted.psi > 0.1);

    const big = decideFeatureDrift(numericInput(50_000, 20_000, 0.2));
    assert.equal(big.method, 'wasserstein');
    assert.equal(big.pValue, undefined);
    assert.ok(big.statistic >= 0.1 && big.drifted);
    assert.equal(decideFeatureDrift(numericInput(50_000, 20_000, 0)).drifted, false);
  });

  it('live values outside the profile edges count (tails), so a move off the range is drift', () => {
    const r = decideFeatureDrift(numericInput(50_000, 10_000, 5));
    assert.equal(r.currentCount, 10_000);
    assert.ok(r.drifted);
    assert.ok(r.statistic > 10, `normed Wasserstein ${r.statistic} should see the whole 5-unit shift`);
  });

  it('categorical: chi-square for small references, unseen share and missing-rate change', () => {
    const r = decideFeatureDrift(categoricalInput([300, 200, 100], 0, [280, 210, 90], 20, [0, 60]));
    assert.equal(r.method, 'chisquare');
    assert.ok(r.drifted, 'a category the reference never had is drift');
    assert.equal(r.unseenShare, 20 / 600);
    assert.equal(r.missingRateDelta, 60 / 660);
    const same = decideFeatureDrift(categoricalInput([300, 200, 100], 0, [150, 100, 50], 0));
    assert.equal(same.drifted, false);
    assert.equal(same.pValue, 1);
    const large = decideFeatureDrift(categoricalInput([3000, 2000, 1000], 10, [900, 1500, 1600], 0));
    assert.equal(large.method, 'jensenshannon');
    assert.ok(large.drifted);
  });

  it('per-feature overrides change method and threshold; an unsuitable method is refused', () => {
    const input = numericInput(800, 900, 0.05);
    const psiResult = decideFeatureDrift(input, { method: 'psi', threshold: 0.001 });
    assert.equal(psiResult.method, 'psi');
    assert.equal(psiResult.statistic, psiResult.psi);
    assert.ok(psiResult.drifted);
    assert.equal(decideFeatureDrift(input, { threshold: 1e-12 }).drifted, false);
    assert.throws(() => decideFeatureDrift(input, { method: 'chisquare' }), /does not apply to numeric/);
    assert.throws(() => decideFeatureDrift(categoricalInput([1], 0, [1], 0), { method: 'ks' }), /does not apply to categorical/);
  });

  it('a side without values is reported, not tested', () => {
    const input = numericInput(800, 0, 0, 50);
    const r = decideFeatureDrift(input);
    assert.equal(r.drifted, false);
    assert.equal(r.currentCount, 0);
    assert.equal(r.missingRateDelta, 1);
    assert.match(r.note as string, /no non-null values in the live data/);
  });

  it('histograms on different edges are refused', () => {
    const input = numericInput(100, 100, 0);
    assert.throws(() => decideFeatureDrift({ ...input, current: { ...input.current, edges: EDGES.map((e) => e * 2) } }), /differ at edge/);
  });

  it('dataset drift when the drifted share reaches driftShare; detectDrift applies settings', () => {
    const mk = (drifted: boolean): FeatureDriftResult => ({
      feature: 'f',
      kind: 'numeric',
      method: 'ks',
      statistic: 0,
      threshold: 0.05,
      drifted,
      psi: 0,
      missingRateDelta: 0,
      referenceCount: 1,
      currentCount: 1,
    });
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 30 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (flags, share) => {
        const r = decideDatasetDrift(flags.map(mk), share);
        const k = flags.filter(Boolean).length;
        assert.equal(r.numberOfDriftedFeatures, k);
        assert.equal(r.datasetDrift, flags.length > 0 && k / flags.length >= share);
      }),
    );
    const inputs = [numericInput(800, 900, 0.2), { ...numericInput(800, 900, 0), feature: 'y' }];
    assert.equal(detectDrift(inputs).datasetDrift, true); // 1 of 2 >= 0.5
    assert.equal(detectDrift(inputs, { driftShare: 0.75 }).datasetDrift, false);
    const quiet = detectDrift(inputs, { features: { x: { threshold: 1e-30 } } });
    assert.equal(quiet.numberOfDriftedFeatures, 0);
  });

  it('identical reference and live distributions never drift, whatever the method (property)', () => {
    const countsArb = fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 3, maxLength: 10 }).filter((c) => c.some((x) => x > 0));
    fc.assert(
      fc.property(countsArb, fc.integer({ min: 1, max: 5 }), fc.constantFrom('ks', 'wasserstein', 'psi', 'jensenshannon' as const), (counts, m, method) => {
        const edges = counts.map((_, i) => i).concat([counts.length]);
        const input: NumericFeatureInput = {
          feature: 'x',
          kind: 'numeric',
          reference: { edges, counts, nulls: 0 },
          current: { edges, counts: counts.map((c) => c * m), nulls: 0 },
        };
        const r = decideFeatureDrift(input, { method });
        assert.equal(r.drifted, false);
        assert.ok(r.psi < 1e-12 && r.missingRateDelta === 0);
      }),
    );
  });

  it('settings schema applies defaults and rejects nonsense', () => {
    const s = driftSettingsSchema.parse({});
    assert.deepEqual(s, { smallReferenceLimit: 1000, driftShare: 0.5, ksMode: 'auto', epsilon: 1e-4, features: {} });
    assert.throws(() => driftSettingsSchema.parse({ driftShare: 0 }));
    assert.throws(() => driftSettingsSchema.parse({ features: { x: { method: 'magic' } } }));
  });
});

describe('live counting helpers', () => {
  it('countCategories and countCategoryCodes agree; nulls and unknown values are separated', () => {
    const categories = ['a', 'b', 'c'];
    const dictionary = ['b', 'z', 'a', 'y'];
    const codes = Int32Array.from([0, 1, 2, -1, 3, 0, 2, 2, -1]);
    const strings = Array.from(codes, (c) => (c < 0 ? null : dictionary[c]));
    const byCode = countCategoryCodes(codes, dictionary, categories);
    const byString = countCategories(strings, categories);
    assert.deepEqual(Array.from(byCode.counts), [3, 2, 0]);
    assert.equal(byCode.other, 2);
    assert.equal(byCode.nulls, 2);
    assert.deepEqual(byString, byCode);
  });

  it('binNumeric takes Float32Array and counts 1M values, every one exactly once', () => {
    // Its speed is a bench figure, not a test (a loaded machine must not fail the suite).
    const values = new Float32Array(lcg(3, 1_000_000, 2, -0.5));
    const r = binNumeric(values, EDGES);
    let total = r.below.count + r.above.count + r.nulls;
    for (const c of r.counts) total += c;
    assert.equal(total, 1_000_000);
    assert.ok(r.below.count > 0 && r.above.count > 0);
  });
});
