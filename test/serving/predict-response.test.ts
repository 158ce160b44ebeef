// The predict routes' hand-written 200 body: the bytes JSON.stringify gives for the same response object.
import assert from 'node:assert/strict';
import type { LoadedModel } from '../../src/serving/model-manager';
import { predictResponseJson } from '../../src/serving/routes/predict';
import { PredictResponse } from '../../src/serving/schemas';

/** Only the fields the body is written from. */
function model(name: string, version: number, threshold: number): LoadedModel {
  return { name, version, threshold, refJson: JSON.stringify({ name, version }) } as LoadedModel;
}

/** The response object as the route built it before, for fastify's serializer. */
function expected(m: LoadedModel, probs: Float32Array, ids: readonly string[] | { prefix: string }): PredictResponse {
  return {
    model: { name: m.name, version: m.version },
    predictions: Array.from(probs, (p, i) => ({ id: 'prefix' in ids ? `${ids.prefix}.${i}` : ids[i], label: p >= m.threshold ? 1 : 0, probability: p })),
  };
}

describe('serving: predict response body', () => {
  const m = model('flights', 7, 0.4);
  const probs = Float32Array.from([0, 0.39999, 0.4, 0.123456789, 1, 1e-9]);

  it('with default ids (<request id>.<row>) is byte for byte JSON.stringify of the response object', () => {
    for (const prefix of ['a1b2c3d4-1f', 'odd "quoted" \\ id\u2028']) {
      const got = predictResponseJson(m, probs, { prefix });
      assert.equal(got, JSON.stringify(expected(m, probs, { prefix })));
      PredictResponse.parse(JSON.parse(got));
    }
  });

  it("with the client's ids, escaped", () => {
    const ids = ['plain', 'with "quotes"', 'back\\slash', 'new\nline', 'ünïcødé ✈', '\u0000'];
    const got = predictResponseJson(m, probs, ids);
    assert.equal(got, JSON.stringify(expected(m, probs, ids)));
    assert.deepEqual(
      (JSON.parse(got) as PredictResponse).predictions.map((p) => p.id),
      ids,
    );
  });

  it('labels against the threshold and handles no rows', () => {
    const labels = (JSON.parse(predictResponseJson(m, probs, { prefix: 'r' })) as PredictResponse).predictions.map((p) => p.label);
    assert.deepEqual(labels, [0, 0, 1, 0, 1, 0]);
    assert.equal(predictResponseJson(m, new Float32Array(0), { prefix: 'r' }), '{"model":{"name":"flights","version":7},"predictions":[]}');
  });

  it('refuses a non-finite score instead of writing invalid JSON', () => {
    assert.throws(() => predictResponseJson(m, Float32Array.from([0.5, NaN]), { prefix: 'r' }), /non-finite probability/);
    assert.throws(() => predictResponseJson(m, Float32Array.from([Infinity]), { prefix: 'r' }), /non-finite probability/);
  });
});
