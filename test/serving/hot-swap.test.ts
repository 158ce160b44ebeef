// Hot swap under load over real HTTP: promoting a version switches responses with zero failures; a broken one never serves.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { onnx } from 'onnx-proto';
import { registerSynthetic, syntheticModelBytes } from '../support/synthetic-model';
import { auth, eventually, harness, modelA, modelB, ROW, sleep } from './helpers';

interface Seen {
  ok: number;
  failed: string[];
  versions: number[];
  firstAt: Map<number, number>;
}

/** `workers` loops of sequential requests until `stop()`; records statuses and the version that answered. */
function load(url: string, key: string, workers: number) {
  const seen: Seen = { ok: 0, failed: [], versions: [], firstAt: new Map() };
  let running = true;
  const perWorker: number[][] = Array.from({ length: workers }, () => []);
  const loops = perWorker.map(async (mine) => {
    while (running) {
      try {
        const res = await fetch(url, { method: 'POST', headers: { ...auth(key), 'content-type': 'application/json' }, body: JSON.stringify({ instances: [ROW] }) });
        const text = await res.text();
        if (res.status !== 200) {
          seen.failed.push(`${res.status} ${text}`);
          continue;
        }
        const v = (JSON.parse(text) as { model: { version: number } }).model.version;
        seen.ok++;
        mine.push(v);
        if (!seen.firstAt.has(v)) seen.firstAt.set(v, Date.now());
      } catch (err) {
        seen.failed.push(String(err));
      }
    }
  });
  return {
    seen,
    perWorker,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('serving: hot swap', () => {
  it('promoting a version while requests run: zero failures, responses switch within seconds, per-client monotonic', async () => {
    const h = await harness({ config: { MODEL_POLL_MS: 200 } });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}/v1/predict`;
    const run = load(url, h.userKey, 8);
    try {
      await eventually(() => run.seen.ok > 100, 10_000);
      const promotedAt = Date.now();
      const v2 = await registerSynthetic(h.registry, 'flights', modelB(), { runKey: 'model-b' });
      await eventually(() => run.seen.firstAt.has(v2), 5000);
      const switchMs = run.seen.firstAt.get(v2)! - promotedAt;
      const at = run.seen.ok;
      await eventually(() => run.seen.ok > at + 100, 10_000);
      await run.stop();
      assert.deepEqual(run.seen.failed, [], 'no request failed');
      // a generous bound: the swap must happen while requests run, without a restart; how fast is for the bench
      // (under a loaded CI machine the load, sample check and swap of a model took over 3 s)
      assert.ok(switchMs < 20_000, `switched after ${switchMs} ms`);
      for (const versions of run.perWorker) {
        const firstNew = versions.indexOf(v2);
        assert.ok(firstNew >= 0, 'every client saw the new version');
        assert.ok(
          versions.slice(firstNew).every((v) => v === v2),
          'no client went back to the old version',
        );
      }
      const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, new RegExp(`model_version\\{model="flights"\\} ${v2}`));
    } finally {
      await run.stop();
      await h.close();
    }
  });

  it('a version that fails to load never replaces the working one; a later good one does', async () => {
    const h = await harness({ config: { MODEL_POLL_MS: 100 } });
    try {
      const current = async () => (await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW] } })).json().model.version as number;
      const bad = await registerSynthetic(h.registry, 'flights', new Uint8Array([1, 2, 3, 4]), { runKey: 'garbage' });
      await eventually(async () => /model_loads_total\{model="flights",result="failed_load"\} 1/.test((await h.app.inject({ method: 'GET', url: '/metrics' })).body), 5000);
      await sleep(300);
      assert.equal(await current(), 1, 'still serving version 1');
      assert.equal((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
      // a model whose inputs do not match its declared features fails too
      const mismatched = await h.registry.register({
        name: 'flights',
        runKey: 'mismatch',
        files: { 'model.onnx': modelA() },
        metadata: { features: [{ name: 'distance', type: 'numeric' }], metrics: {}, extra: {} },
      });
      await h.registry.setAlias('flights', mismatched.version, 'test');
      await eventually(async () => /result="failed_load"\} 2/.test((await h.app.inject({ method: 'GET', url: '/metrics' })).body), 5000);
      assert.equal(await current(), 1);
      const good = await registerSynthetic(h.registry, 'flights', modelB(), { runKey: 'good' });
      await eventually(async () => (await current()) === good, 5000);
      assert.ok(good > bad);
      // rollback to version 1 is served from the warm cache of the previous champion
      await h.registry.setAlias('flights', 1, 'rollback');
      await eventually(async () => (await current()) === 1, 5000);
    } finally {
      await h.close();
    }
  });

  it('a version that loads but fails the sample check (scores outside [0, 1]) never replaces the working one', async () => {
    const h = await harness({ config: { MODEL_POLL_MS: 100 } });
    try {
      const current = async () => (await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW] } })).json().model.version as number;
      // A valid graph that answers raw scores instead of probabilities: onnxruntime loads it, the sample check must refuse it.
      const graph = onnx.ModelProto.decode(syntheticModelBytes({ rounds: 3 }));
      // (format-2 graph: Sigmoid becomes Identity, and the base-score leaf, the first weight, becomes 25)
      const sigmoid = graph.graph?.node?.find((n) => n.opType === 'Sigmoid');
      const weights = graph.graph?.node?.find((n) => n.opType === 'TreeEnsemble')?.attribute?.find((a) => a.name === 'leaf_weights')?.t;
      assert.ok(sigmoid && weights?.rawData);
      sigmoid.opType = 'Identity';
      const values = new Float64Array(Uint8Array.from(weights.rawData).buffer);
      values[0] = 25;
      weights.rawData = new Uint8Array(values.buffer);
      const bad = await registerSynthetic(h.registry, 'flights', onnx.ModelProto.encode(graph).finish(), { runKey: 'raw-scores' });
      await eventually(async () => /model_loads_total\{model="flights",result="failed_check"\} 1/.test((await h.app.inject({ method: 'GET', url: '/metrics' })).body), 5000);
      await sleep(300);
      assert.equal(await current(), 1, 'still serving version 1');
      assert.notEqual(await current(), bad);
      assert.equal((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    } finally {
      await h.close();
    }
  });
});
