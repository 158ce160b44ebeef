// Monitors on object storage with a store cache smaller than their input: drift and quality scans still succeed, give
// the same results as with a large cache, and the quality monitor reads only the window's capture objects.
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { captureFileName } from '../../src/drift/monitor/capture-files';
import { DriftReport, executeDriftCheck, planDriftCheck, type DriftPlan } from '../../src/drift/monitor';
import { executeQualityCheck, planQualityCheck, type QualityPlan } from '../../src/model-quality';
import { ModelQualityReport } from '../../src/model-quality/report';
import { Registry } from '../../src/registry/registry';
import { ArtifactStore, FileCache, S3Backend } from '../../src/store';
import { s3TestStore } from '../support/minio';
import { flightsSmallTraining, ROW } from './monitor-helpers';

const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 2, 10, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const MODEL = 'flights-small';

/** A second client of the same bucket with its own cache of `maxBytes`, counting the objects it fetches. */
function storeWithCache(backend: S3Backend, maxBytes: number): { store: ArtifactStore; fetched: string[] } {
  const fetched: string[] = [];
  const own = new S3Backend(backend.settings, new FileCache(mkdtempSync(path.join(os.tmpdir(), 'mlp-small-cache-')), maxBytes));
  const counting = Object.create(own) as S3Backend;
  counting.localFile = async (key: string) => {
    fetched.push(key);
    return own.localFile(key);
  };
  return { store: new ArtifactStore(counting), fetched };
}

/** `n` capture lines stamped from `from`, one per second, each with its own inference id. */
function captureLines(from: number, n: number, tag: string): string {
  let text = '';
  for (let i = 0; i < n; i++) {
    const p = ((i * 37) % 100) / 100;
    text += `${JSON.stringify({ ts: iso(from + i * 1000), model: MODEL, version: 1, api: 'v1', request_id: 'r', key_id: 'key', row: i, id: `${tag}-${i}`, probability: p, label: p >= 0.5 ? 1 : 0, features: { ...ROW, distance: 100 + ((i * 13) % 900), hour: i % 24 } })}\n`;
  }
  return text;
}

describe('monitors with a store cache smaller than their input', function () {
  this.timeout(180_000);

  it('drift and quality scans succeed with a tiny cache, match a large cache, and the quality monitor reads only the window', async () => {
    const { store, backend } = await s3TestStore();
    const t = await flightsSmallTraining();
    const registry = new Registry(store);
    const metrics = { holdoutRows: 1000, candidate: { auc: 0.7, prAuc: 0.4, logLoss: 0.6, brier: 0.2, prevalence: 0.3, calibration: [] } };
    await registry.register({ name: MODEL, runKey: 'by-hand', files: { 'profile.json': JSON.stringify(t.profile) }, metadata: { spec: t.spec, features: t.features, metrics, extra: {} } });
    await registry.setAlias(MODEL, 1, 'test');

    // six capture objects in the last six hours (about 100 KB each), two from three days ago outside any window checked
    const window = { start: iso(NOW - 6 * HOUR), end: iso(NOW) };
    const inWindow: string[] = [];
    for (let h = 0; h < 6; h++) {
      const start = NOW - (6 - h) * HOUR + 60_000;
      const key = `capture/${MODEL}/${captureFileName(start, 'replica', h + 1)}`;
      await store.put(key, captureLines(start, 400, `w${h}`));
      inWindow.push(key);
    }
    const old: string[] = [];
    for (let h = 0; h < 2; h++) {
      const start = NOW - 72 * HOUR + h * HOUR;
      const key = `capture/${MODEL}/${captureFileName(start, 'replica', 100 + h)}`;
      await store.put(key, captureLines(start, 400, `old${h}`));
      old.push(key);
    }
    // labels for the window's predictions, sent an hour after the window; old labels for the old predictions
    const labelLines = (tag: string, n: number, ts: number) =>
      Array.from({ length: n }, (_, i) => `${JSON.stringify({ ts: iso(ts + i), model: MODEL, key_id: 'key', n: i, id: `${tag}-${i}`, label: (i * 37) % 100 >= 40 ? 1 : 0 })}\n`).join('');
    await store.put(`labels/${MODEL}/${captureFileName(NOW + HOUR, 'replica', 1)}`, ['w0', 'w1', 'w2', 'w3', 'w4', 'w5'].map((tag) => labelLines(tag, 300, NOW + HOUR)).join(''));
    await store.put(`labels/${MODEL}/${captureFileName(NOW - 70 * HOUR, 'replica', 1)}`, labelLines('old0', 400, NOW - 70 * HOUR));
    const sizes = await Promise.all(inWindow.map(async (k) => (await store.head(k))?.size ?? 0));
    const smallCache = 2 * Math.max(...sizes);
    assert.ok(sizes.reduce((a, b) => a + b, 0) > 2 * smallCache, 'the window is more than twice the small cache');

    const big = storeWithCache(backend, 64 * 1024 * 1024);
    const small = storeWithCache(backend, smallCache);

    // drift: one plan, run on both stores
    const planned = await planDriftCheck({ store, defaultModel: MODEL, input: { window, lagSeconds: 0 }, now: NOW, runId: 'drift-run' });
    assert.equal(planned.kind, 'check');
    const plan = (planned as { plan: DriftPlan }).plan;
    const drift = async (s: ArtifactStore) => {
      const outcome = await executeDriftCheck({ store: s, plan, run: null, createdAt: iso(NOW) });
      return store.getJsonRequired(outcome.jsonKey, DriftReport);
    };
    const driftBig = await drift(big.store);
    const driftSmall = await drift(small.store);
    assert.equal(driftBig.rows, 6 * 400);
    assert.deepEqual(driftSmall, driftBig, 'the same report whatever the cache size');
    assert.deepEqual([...small.fetched].sort(), [...inWindow].sort(), 'drift fetched each window object once, nothing older');

    // quality: the window's captures joined with the labels received since; never the old captures or old labels
    big.fetched.length = 0;
    small.fetched.length = 0;
    const q = await planQualityCheck({ store, defaultModel: MODEL, input: { window, lagSeconds: 0, settings: { minLabeledRows: 5 } }, now: NOW + 2 * HOUR, runId: 'quality-run' });
    assert.equal(q.kind, 'check');
    const qplan = (q as { plan: QualityPlan }).plan;
    const quality = async (s: ArtifactStore) => {
      const outcome = await executeQualityCheck({ store: s, plan: qplan, run: null, createdAt: iso(NOW) });
      return store.getJsonRequired(outcome.jsonKey, ModelQualityReport);
    };
    const qBig = await quality(big.store);
    const qSmall = await quality(small.store);
    assert.equal(qBig.counts.predictions, 6 * 400);
    assert.equal(qBig.counts.labeled, 6 * 300);
    assert.deepEqual(qSmall, qBig, 'the same quality report whatever the cache size');
    const captureReads = small.fetched.filter((k) => k.startsWith(`capture/`));
    assert.deepEqual([...captureReads].sort(), [...inWindow].sort(), 'the quality monitor read only the window capture objects');
    assert.ok(!small.fetched.some((k) => old.includes(k) || k.includes(captureFileName(NOW - 70 * HOUR, 'replica', 1))), `no object from before the window: ${small.fetched.join(', ')}`);
  });
});
