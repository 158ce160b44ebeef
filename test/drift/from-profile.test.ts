// The adapters accept src/profile's stored shapes as they are (checked at compile time) and align the buckets.

import * as assert from 'node:assert/strict';
import type { CategoricalProfile, NumericProfile } from '../../src/profile/schema';
import { binNumeric, categoricalFeatureInput, countCategories, decideFeatureDrift, numericFeatureInput, profileCategories } from '../../src/drift/stats';

const quantiles = { p01: null, p05: null, p25: null, p50: null, p75: null, p95: null, p99: null };

function numericProfile(edges: number[], counts: number[], extra: Partial<NumericProfile> = {}): NumericProfile {
  const n = counts.reduce((a, b) => a + b, 0);
  return {
    name: 'x',
    kind: 'numeric',
    count: n + 5,
    nulls: 5,
    min: edges[0],
    max: edges[edges.length - 1],
    mean: null,
    stddev: 2,
    quantiles,
    quantilesExact: true,
    histogram: { edges, counts, underflow: 0, overflow: 0 },
    ...extra,
  };
}

describe('drift inputs from profiles', () => {
  it('numeric: profile histogram + live values binned on its edges', () => {
    const ref = numericProfile([0, 1, 2, 3], [10, 20, 10]);
    const live = binNumeric(Float64Array.from([0.5, 1.5, 1.5, 2.5, 7, Number.NaN]), [0, 1, 2, 3]);
    const input = numericFeatureInput('x', ref, live);
    assert.ok(input);
    assert.equal(input.reference.nulls, 5);
    assert.ok(Math.abs((input.reference.std as number) - 2 * Math.sqrt(39 / 40)) < 1e-15); // sample -> population std
    const r = decideFeatureDrift(input);
    assert.equal(r.referenceCount, 40);
    assert.equal(r.currentCount, 5);
    assert.equal(r.method, 'ks');
  });

  it('numeric: a live profile on the reference edges; its tails sit at the middle of [min, e0) and (eB, max]', () => {
    const ref = numericProfile([0, 1, 2], [50, 50]);
    const live = numericProfile([0, 1, 2], [40, 40], { min: -4, max: 10, histogram: { edges: [0, 1, 2], counts: [40, 40], underflow: 10, overflow: 10 } });
    const input = numericFeatureInput('x', ref, live);
    assert.ok(input);
    assert.deepEqual(input.current.below, { count: 10, sum: -20 });
    assert.deepEqual(input.current.above, { count: 10, sum: 60 });
    assert.equal(numericFeatureInput('x', { ...ref, histogram: null }, live), null);
  });

  it('a constant training column (edges [v, v]) works end to end', () => {
    const ref = numericProfile([3, 3], [100]);
    const live = binNumeric(Float32Array.from([3, 3, 3, 4]), [3, 3]);
    assert.deepEqual(Array.from(live.counts), [3]);
    const input = numericFeatureInput('x', ref, live);
    assert.ok(input);
    const r = decideFeatureDrift(input);
    assert.ok(r.statistic > 0);
  });

  it('categorical: live counts or a live profile line up with the reference categories', () => {
    const ref: CategoricalProfile = {
      name: 'c',
      kind: 'categorical',
      count: 110,
      nulls: 10,
      distinct: 4,
      distinctExact: true,
      topK: 3,
      top: [
        { value: 'a', count: 50 },
        { value: 'b', count: 30 },
        { value: 'c', count: 15 },
      ],
      otherCount: 5,
    };
    const cats = profileCategories(ref);
    const live = countCategories(['b', 'a', 'zz', null, 'a'], cats);
    const fromCounts = categoricalFeatureInput('c', ref, live);
    assert.deepEqual(Array.from(fromCounts.current.counts), [2, 1, 0]);
    assert.equal(fromCounts.current.other, 1);
    const liveProfile: CategoricalProfile = {
      ...ref,
      top: [
        { value: 'b', count: 1 },
        { value: 'a', count: 2 },
        { value: 'zz', count: 1 },
      ],
      otherCount: 0,
      nulls: 1,
    };
    const fromProfile = categoricalFeatureInput('c', ref, liveProfile);
    assert.deepEqual(fromProfile.current, { counts: [2, 1, 0], other: 1, nulls: 1 });
    const r = decideFeatureDrift(fromProfile);
    assert.equal(r.unseenShare, 0.25);
  });
});
