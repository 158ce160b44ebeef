// The sample rows a new version is checked on: all missing, plain values, and the training profile's typical values.
import assert from 'node:assert/strict';
import { sampleRows } from '../../src/serving/sample-rows';
import { SYNTHETIC_FEATURES } from '../support/synthetic-model';

const profile = {
  version: 1,
  rows: 100,
  label: null,
  passes: 1,
  createdAt: '2025-01-01T00:00:00Z',
  features: [
    {
      name: 'distance',
      kind: 'numeric',
      count: 100,
      nulls: 0,
      min: 1,
      max: 9,
      mean: 5,
      stddev: 1,
      quantiles: { p01: 1, p05: 1, p25: 3, p50: 4.5, p75: 6, p95: 8, p99: 9 },
      quantilesExact: true,
      histogram: null,
    },
    {
      name: 'carrier',
      kind: 'categorical',
      count: 100,
      nulls: 0,
      distinct: 2,
      distinctExact: true,
      topK: 10,
      top: [
        { value: 'WN', count: 60 },
        { value: 'AA', count: 40 },
      ],
      otherCount: 0,
    },
  ],
};

describe('serving: model check sample rows', () => {
  const features = SYNTHETIC_FEATURES.map((f) => ({ ...f }));

  it('uses the profile median and most frequent category, and falls back where the profile is silent', () => {
    const [missing, plain, typical] = sampleRows(features, profile);
    assert.deepEqual(missing, { distance: null, dep_hour: null, carrier: null, origin: null });
    assert.deepEqual(plain, { distance: 0, dep_hour: 0, carrier: '__serving_check_unseen__', origin: '__serving_check_unseen__' });
    assert.deepEqual(typical, { distance: 4.5, dep_hour: 0, carrier: 'WN', origin: '__serving_check_unseen__' });
  });

  it('ignores a profile that is not a dataset profile', () => {
    const rows = sampleRows(features, { features: 'nope' });
    assert.deepEqual(rows[2], rows[1]);
    assert.equal(sampleRows(features).length, 3);
  });
});
