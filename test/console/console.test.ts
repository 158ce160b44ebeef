// The console pages over a real app (inject): content from registry and stored reports, escaping, admin actions, O(page) reads.
import * as assert from 'node:assert/strict';
import { registerSynthetic } from '../support/synthetic-model';
import { localStore, type ArtifactStore } from '../../src/store';
import Fastify from 'fastify';
import { reportPage } from '../../src/console/data';
import { consolePlugin } from '../../src/console/plugin';
import { Registry } from '../../src/registry/registry';
import { writeDriftReport } from '../../src/drift/report/store';
import { auth, eventually, harness, MODEL, modelB, tempVarDir, type Harness } from '../serving/helpers';
import { driftReport, storeReports } from './fixtures';

describe('model console (inject)', function () {
  let h: Harness;
  const stats = [0.02, 0.05, 0.31];
  const aucs = [0.81, 0.79, 0.62];

  before(async () => {
    h = await harness();
    await registerSynthetic(h.registry, MODEL, modelB(), { promote: false, runKey: 'model-b' });
    await storeReports(localStore(h.varDir), MODEL, stats, aucs);
  });
  after(() => h.close());

  it('lists models with champion, task, key metric, badges from the latest reports and runs/card links', async () => {
    const r = await h.app.inject({ url: '/console' });
    assert.equal(r.statusCode, 200);
    assert.match(r.headers['content-type'] as string, /text\/html/);
    assert.match(r.headers['content-security-policy'] as string, /script-src 'nonce-/);
    assert.match(r.body, /<h1>Models<\/h1>/);
    assert.match(r.body, /data-kind="drift" data-verdict="feature drift"/, 'the latest drift report drifted');
    assert.match(r.body, /data-kind="quality" data-verdict="degraded"/);
    assert.match(r.body, /class="badge bad"/);
    assert.ok(r.body.includes(`workflows?query=${encodeURIComponent(`ModelName="${MODEL}"`)}`), 'runs link filtered by ModelName');
    assert.ok(r.body.includes(`/v1/models/${MODEL}/versions/1/card.html`));
  });

  it('shows one model: versions side by side, champion, history, a chart point per stored report carrying its number', async () => {
    const r = await h.app.inject({ url: `/console/models/${MODEL}` });
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /data-version="1" class="champion"/);
    assert.match(r.body, /data-version="2">/);
    const values = [...r.body.matchAll(/data-report="([^"]+-d\d+)" data-value="([^"]+)"/g)].map((m) => Number(m[2]));
    assert.deepEqual(values, stats, 'drift points oldest first, the stored statistics');
    const q = [...r.body.matchAll(/data-report="([^"]+-q\d+)" data-value="([^"]+)"/g)].map((m) => Number(m[2]));
    assert.deepEqual(q, [...aucs, 0.75, 0.75, 0.75], 'live AUC then coverage');
    assert.match(r.body, /<label for="admin-key">/);
    assert.equal((await h.app.inject({ url: '/console/models/nope' })).statusCode, 404);
    assert.equal((await h.app.inject({ url: '/console/models/..%2Fetc' })).statusCode, 400);
  });

  it('escapes values from the store (feature names, summaries)', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const store = localStore(h.varDir);
    const r0 = driftReport(MODEL, 50, 0.5, evil);
    await writeDriftReport(store, { ...r0, summary: `<script>alert(2)</script>` });
    const model = await h.app.inject({ url: `/console/models/${MODEL}` });
    const reports = await h.app.inject({ url: '/console/reports' });
    for (const body of [model.body, reports.body]) {
      assert.ok(!body.includes('<img src=x') && !body.includes('<script>alert'), 'no raw markup from data');
    }
    assert.ok(model.body.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(reports.body.includes('&lt;script&gt;alert(2)&lt;/script&gt;'));
  });

  it('filters reports by kind, verdict and model and rejects bad filters with 400', async () => {
    const drift = await h.app.inject({ url: '/console/reports?kind=drift' });
    assert.ok(!/data-report="[^"]+-q\d+"/.test(drift.body) && /-d0000"/.test(drift.body));
    const degraded = await h.app.inject({ url: '/console/reports?verdict=degraded' });
    assert.deepEqual(
      [...degraded.body.matchAll(/<tr data-report="([^"]+)"/g)].map((m) => m[1]),
      [`20250106T030000Z-${MODEL}-q0002`],
    );
    assert.equal((await h.app.inject({ url: '/console/reports?model=other' })).body.match(/<tr data-report=/g), null);
    const bad = await h.app.inject({ url: '/console/reports?page=0' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /page/);
  });

  it('promotes and rolls back with an admin key only, through the registry (seen in /v1/models)', async () => {
    const url = `/console/api/models/${MODEL}/promote`;
    assert.equal((await h.app.inject({ method: 'POST', url, payload: { version: 2 } })).statusCode, 401);
    assert.equal((await h.app.inject({ method: 'POST', url, payload: { version: 2 }, headers: auth(h.userKey) })).statusCode, 403);
    const badBody = await h.app.inject({ method: 'POST', url, payload: { version: 'two' }, headers: auth(h.adminKey) });
    assert.equal(badBody.statusCode, 400);
    assert.match(badBody.body, /version/);
    assert.equal((await h.app.inject({ method: 'POST', url, payload: { version: 9 }, headers: auth(h.adminKey) })).statusCode, 404);
    const ok = await h.app.inject({ method: 'POST', url, payload: { version: 2 }, headers: auth(h.adminKey) });
    assert.equal(ok.statusCode, 200);
    assert.equal(await h.registry.alias(MODEL), 2);
    const served = async () =>
      (await h.app.inject({ url: '/v1/models', headers: auth(h.userKey) }))
        .json<{ models: { name: string; champion: number | null; version: number | null }[] }>()
        .models.find((m) => m.name === MODEL);
    await eventually(async () => (await served())?.champion === 2 && (await served())?.version === 2);
    const back = await h.app.inject({ method: 'POST', url: `/console/api/models/${MODEL}/rollback`, headers: auth(h.adminKey) });
    assert.deepEqual(back.json(), { model: MODEL, champion: 1 });
    const history = await h.registry.aliasHistory(MODEL);
    assert.deepEqual(
      history.map((e) => e.version),
      [1, 2, 1],
    );
    const page = await h.app.inject({ url: `/console/models/${MODEL}` });
    assert.match(page.body, /rollback from 2/);
  });
});

/** Counts the store's object reads. */
function countingStore(store: ArtifactStore): { store: ArtifactStore; gets: () => number } {
  let n = 0;
  const get = store.get.bind(store);
  store.get = async (key: string) => {
    n++;
    return get(key);
  };
  return { store, gets: () => n };
}

describe('console reports page store reads', function () {
  it('reads O(page) reports with 1,000 stored, whichever page is asked', async () => {
    const varDir = await tempVarDir();
    const base = localStore(varDir);
    await storeReports(
      base,
      'many',
      Array.from({ length: 1000 }, (_, i) => (i % 7) / 50),
      [],
    );
    const counted = countingStore(localStore(varDir));
    const app = Fastify();
    await app.register(consolePlugin, { registry: new Registry(counted.store), store: counted.store, adminGuard: {} });
    const res = await app.inject({ url: '/console/reports' });
    await app.close();
    assert.equal(res.statusCode, 200);
    const ids = [...res.body.matchAll(/<tr data-report="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(ids.length, 25);
    assert.equal(ids[0], driftReport('many', 999, 0).id, 'newest first');
    assert.match(res.body, /rel="next"/);
    assert.ok(counted.gets() <= 25, `page 1 read ${counted.gets()} objects`);
    const before = counted.gets();
    const two = await reportPage(counted.store, { page: 2, size: 25 });
    assert.equal(two.rows[0].id, driftReport('many', 974, 0).id);
    assert.ok(counted.gets() - before <= 25, `page 2 read ${counted.gets() - before} objects`);
    const last = await reportPage(counted.store, { page: 40, size: 25 });
    assert.equal(last.rows[24].id, driftReport('many', 0, 0).id);
    assert.ok(!last.hasNext);
  });
});
