// The allocation-free predict check agrees with the zod schema, and pooled input tensors give the same scores as fresh ones.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OnnxModel } from '../../src/model/onnx-model';
import { fastPredictCheck, MAX_CATEGORY_LENGTH, predictRequestSchema } from '../../src/serving/schemas';
import { SYNTHETIC_FEATURES, syntheticModelBytes } from '../support/synthetic-model';

const features = SYNTHETIC_FEATURES;
const names = features.map((f) => f.name);

/** Rows near the valid shape: right, wrong and missing values, extra keys, other key orders. */
const value = fc.oneof(
  fc.constant(null),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 4 }),
  fc.constant('x'.repeat(MAX_CATEGORY_LENGTH + 1)),
  fc.constant(true),
  fc.constant([]),
  fc.constant({}),
);
const row = fc.oneof(
  fc.record({
    distance: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)),
    dep_hour: fc.integer(),
    carrier: fc.oneof(fc.string(), fc.constant(null)),
    origin: fc.string(),
  }),
  fc.record({ distance: value, dep_hour: value, carrier: value, origin: value }, { requiredKeys: [] }),
  fc.dictionary(fc.constantFrom(...names, 'extra', '0', 'Distance'), value),
  fc.shuffledSubarray(names, { minLength: 4, maxLength: 4 }).map((ks) => Object.fromEntries(ks.map((k) => [k, k.includes('a') && k !== 'carrier' ? 1 : 'v']))),
  value,
);
const body = fc.oneof(
  fc.record({ instances: fc.array(row, { maxLength: 5 }) }),
  fc.record({ instances: fc.array(row, { maxLength: 3 }), ids: fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }) }, { requiredKeys: ['instances'] }),
  fc.record({ instances: fc.array(row, { maxLength: 2 }), other: value }),
  value,
);

describe('serving: fast predict check', () => {
  const maxRows = 4;
  const fast = fastPredictCheck(features, maxRows);
  const schema = predictRequestSchema(features, maxRows);

  it('accepts only what zod accepts, and returns what zod returns (property)', () => {
    fc.assert(
      fc.property(body, (b) => {
        const json = JSON.parse(JSON.stringify(b)) as unknown; // bodies come from JSON.parse
        const got = fast(json);
        if (got === undefined) return;
        const z = schema.safeParse(json);
        assert.ok(z.success, `fast check accepted what zod rejects: ${JSON.stringify(json)}`);
        // same content and the same key order (capture lines serialize rows as given)
        assert.equal(JSON.stringify(got), JSON.stringify(z.data));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the common valid body, and leaves ids, reordered keys and row limits to zod', () => {
    const r = { distance: 800, dep_hour: null, carrier: 'AA', origin: 'ORD' };
    assert.ok(fast({ instances: [r, r] }));
    assert.equal(fast({ instances: [r], ids: ['a'] }), undefined);
    assert.equal(fast({ instances: [{ origin: 'ORD', distance: 800, dep_hour: 1, carrier: 'AA' }] }), undefined);
    assert.equal(fast({ instances: [] }), undefined);
    assert.equal(fast({ instances: [r, r, r, r, r] }), undefined);
    assert.equal(fast({ instances: [{ ...r, distance: '800' }] }), undefined);
    assert.equal(fast({ instances: [{ ...r, extra: 1 }] }), undefined);
  });
});

describe('serving: pooled model input', () => {
  it('scores concurrent batches of mixed sizes exactly like freshly built tensors, also after a bad row', async () => {
    const model = await OnnxModel.load(
      syntheticModelBytes(),
      features.map((f) => ({ ...f })),
    );
    try {
      const rowsOf = (n: number, seed: number) =>
        Array.from({ length: n }, (_, i) => ({
          distance: (seed * 37 + i * 101) % 2000,
          dep_hour: (seed + i) % 24,
          carrier: ['AA', 'DL', 'zz', ''][(seed + i) % 4],
          origin: i % 3 === 0 ? null : 'ORD',
        }));
      const batches = [1, 3, 1, 2, 3, 1, 300].map((n, k) => rowsOf(n, k));
      const expected = await Promise.all(
        batches.map((b) =>
          model.predict(
            Object.fromEntries(features.map((f) => [f.name, f.type === 'numeric' ? Float32Array.from(b, (r) => r[f.name as 'distance'] ?? NaN) : b.map((r) => r[f.name as 'carrier'] ?? '')])),
            b.length,
          ),
        ),
      );
      for (let round = 0; round < 3; round++) {
        const got = await Promise.all(batches.map((b) => model.predictRecords(b)));
        got.forEach((g, k) => assert.deepEqual(Array.from(g), Array.from(expected[k]), `batch ${k} round ${round}`));
        await assert.rejects(model.predictRecords([{ ...batches[0][0], distance: 'far' }]), /distance row 0/);
      }
    } finally {
      await model.release();
    }
  });
});
