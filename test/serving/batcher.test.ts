// Adaptive batcher: every caller gets exactly its own scores, batches respect their bounds, errors reach every caller.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Batcher } from '../../src/serving/batcher';
import type { FeatureRecord } from '../../src/serving/capture';

/** A stand-in scorer with a checkable answer (the row's id / 1000) and a real async gap like onnxruntime's. */
function fakeRun(batches: number[], delayMs = 0) {
  return async (records: readonly FeatureRecord[]): Promise<Float32Array> => {
    batches.push(records.length);
    await new Promise((r) => setTimeout(r, delayMs));
    return Float32Array.from(records, (r) => (r.id as number) / 1000);
  };
}

describe('serving: adaptive batcher', () => {
  it('returns each request its own scores, in order, for any mix of request sizes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 3 }),
        async (sizes, maxRows, maxInflight) => {
          const batches: number[] = [];
          const b = new Batcher(fakeRun(batches, 1), { maxRows, waitMs: 0, maxInflight });
          let id = 0;
          const requests = sizes.map((n) => Array.from({ length: n }, () => ({ id: id++ })));
          const results = await Promise.all(requests.map((rows) => b.score(rows)));
          results.forEach((probs, i) =>
            assert.deepEqual(
              Array.from(probs),
              requests[i].map((r) => Math.fround(r.id / 1000)),
            ),
          );
          // a batch never exceeds maxRows unless one request alone is larger
          for (const n of batches) assert.ok(n <= Math.max(maxRows, ...sizes));
          assert.equal(
            batches.reduce((a, n) => a + n, 0),
            id,
          );
          assert.equal(b.busy, 0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('coalesces concurrent single-row requests into few runs', async () => {
    const batches: number[] = [];
    const b = new Batcher(fakeRun(batches, 2), { maxRows: 256, waitMs: 0, maxInflight: 1 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => b.score([{ id: i }])));
    assert.ok(batches.length <= 3, `100 requests took ${batches.length} runs`);
  });

  it('rejects every request of a failed run and keeps serving afterwards', async () => {
    let fail = true;
    const b = new Batcher(
      // eslint-disable-next-line @typescript-eslint/require-await -- the callee expects a function returning a promise
      async (records) => {
        if (fail) throw new Error('boom');
        return new Float32Array(records.length).fill(0.5);
      },
      { maxRows: 16, waitMs: 0, maxInflight: 1 },
    );
    const outcomes = await Promise.allSettled([b.score([{ id: 1 }]), b.score([{ id: 2 }])]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected'],
    );
    fail = false;
    assert.deepEqual(Array.from(await b.score([{ id: 3 }])), [0.5]);
  });

  it('a waitMs bound delays a lone request by about that much, not more', async () => {
    const b = new Batcher(fakeRun([]), { maxRows: 16, waitMs: 5, maxInflight: 1 });
    const start = process.hrtime.bigint();
    await b.score([{ id: 1 }]);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(ms >= 4 && ms < 500, `${ms} ms`);
  });
});
