// The console pages over a real app (inject): content from registry and stored reports, escaping, admin actions, O(page) reads.
import * as assert from 'node:assert/strict';
import { registerSynthetic } from '../support/synthetic-model';
import { localStore, type ArtifactStore } from '../../src/store';
import Fastify, { type FastifyInstance } from 'fastify';
import { reportPage } from '../../src/console/data';
import { consolePlugin } from '../../src/console/plugin';
import { Registry } from '../../src/registry/registry';
import { writeDriftReport } from '../../src/drift/report/store';
import { reportsPlugin } from '../../src/drift/reports-plugin';
import { CARD_FILES } from '../../src/model-card/card';
import { qualityReportsPlugin } from '../../src/model-quality/reports-plugin';
import { auth, eventually, harness, MODEL, modelB, tempVarDir, type Harness } from '../serving/helpers';
import { driftReport, qualityReport, storeReports } from './fixtures';

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
    assert.ok(!r.body.includes('card.html'), 'the champion (synthetic) has no card: no link');
    assert.match(r.body, /<span class="no-card">no card<\/span>/);
  });

  it('links only the cards that exist: every card link opens, versions without one say "no card"', async () => {
    const cardLinks = async (url: string) => [...(await h.app.inject({ url })).body.matchAll(/href="([^"]+\/card\.html)"/g)].map((m) => m[1]);
    assert.deepEqual(await cardLinks(`/console/models/${MODEL}`), [], 'neither synthetic version has a card');
    const page = (await h.app.inject({ url: `/console/models/${MODEL}` })).body;
    assert.equal(page.match(/class="no-card"/g)?.length, 2);
    await h.registry.attach(MODEL, 1, CARD_FILES.html, '<!doctype html><title>card</title>');
    const links = [...(await cardLinks('/console')), ...(await cardLinks(`/console/models/${MODEL}`))];
    assert.deepEqual(links, [`/v1/models/${MODEL}/versions/1/card.html`, `/v1/models/${MODEL}/versions/1/card.html`]);
    for (const href of links) assert.equal((await h.app.inject({ url: href })).statusCode, 200, href);
    assert.match((await h.app.inject({ url: `/console/models/${MODEL}` })).body, /data-version="2">[\s\S]*?no card/);
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

describe('reports time filter (API and console)', function () {
  const at = (h: number) => new Date(Date.UTC(2025, 0, 6, h)).toISOString();
  let varDir: string;
  let counted: ReturnType<typeof countingStore>;
  let app: FastifyInstance;

  before(async () => {
    varDir = await tempVarDir();
    // report i's window ends at hour i+1 of 2025-01-06 (and on): 1,000 drift reports, 10 quality reports
    await storeReports(
      localStore(varDir),
      'many',
      Array.from({ length: 1000 }, (_, i) => (i % 7) / 50),
      Array.from({ length: 10 }, () => 0.8),
    );
    counted = countingStore(localStore(varDir));
    app = Fastify();
    await app.register(reportsPlugin, { store: counted.store });
    await app.register(qualityReportsPlugin, { store: counted.store });
    await app.register(consolePlugin, { registry: new Registry(counted.store), store: counted.store, adminGuard: {} });
  });
  after(() => app.close());

  it('GET /v1/reports?since&until lists the window ends in [since, until), newest first, reading only those', async () => {
    const before = counted.gets();
    const r = await app.inject({ url: `/v1/reports?since=${at(501)}&until=${at(511)}` });
    assert.equal(r.statusCode, 200, r.body);
    const ids = r.json<{ reports: { id: string; window: { end: string } }[] }>().reports.map((x) => x.id);
    assert.deepEqual(
      ids,
      Array.from({ length: 10 }, (_, k) => driftReport('many', 509 - k, 0).id),
    );
    assert.equal(counted.gets() - before, 10, 'one read per listed report: ids outside the range are skipped unread');
    // a zone-less time is UTC; a date is its midnight; quality reports take the same filter
    const q = await app.inject({ url: '/v1/reports/quality?since=2025-01-06T08:00&until=2025-01-07' });
    assert.deepEqual(
      q.json<{ reports: { id: string }[] }>().reports.map((x) => x.id),
      [qualityReport('many', 9, 0.8).id, qualityReport('many', 8, 0.8).id, qualityReport('many', 7, 0.8).id],
    );
    const since = await app.inject({ url: `/v1/reports?since=${at(999)}&limit=500` });
    assert.equal(since.json<{ reports: unknown[] }>().reports.length, 2, 'window ends at hours 999 and 1000');
  });

  it('judges a report within a second of a bound on its window end, not its id stamp', async () => {
    const r0 = driftReport('edge', 0, 0.01);
    const end = '2025-03-01T00:00:00.500Z';
    await writeDriftReport(localStore(varDir), { ...r0, id: '20250301T000000Z-edge-d0', window: { start: '2025-02-28T23:00:00.000Z', end } });
    const list = async (since: string) => (await app.inject({ url: `/v1/reports?model=edge&since=${since}` })).json<{ reports: { id: string }[] }>().reports.length;
    assert.equal(await list('2025-03-01T00:00:00.400Z'), 1);
    assert.equal(await list('2025-03-01T00:00:00.700Z'), 0, 'the id says 00:00:00 but the window ended at .500');
    const until = await app.inject({ url: '/v1/reports?model=edge&until=2025-03-01T00:00:00.500Z' });
    assert.equal(until.json<{ reports: unknown[] }>().reports.length, 0, 'until is exclusive');
  });

  it('rejects a bad time with 400 naming the field', async () => {
    for (const [url, field] of [
      ['/v1/reports?since=yesterday', 'since'],
      ['/v1/reports/quality?until=2025-13-01', 'until'],
      [`/v1/reports?since=${at(5)}&until=${at(4)}`, 'until'],
      ['/console/reports?since=noon', 'since'],
      [`/console/reports?since=${at(5)}&until=${at(5)}`, 'until'],
    ]) {
      const r = await app.inject({ url });
      assert.equal(r.statusCode, 400, url);
      const issues = r.json<{ issues?: { path: string; message: string }[] }>().issues ?? [];
      assert.deepEqual(
        issues.map((i) => i.path),
        [`querystring.${field}`],
        `${url}: ${r.body}`,
      );
    }
  });

  it('the console filter form keeps since/until across pages and reads O(page) reports', async () => {
    const before = counted.gets();
    const r = await app.inject({ url: `/console/reports?kind=drift&since=2025-01-27T05:00&until=${encodeURIComponent(at(600))}` });
    assert.equal(r.statusCode, 200, r.body);
    const ids = [...r.body.matchAll(/<tr data-report="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(
      ids,
      Array.from({ length: 25 }, (_, k) => driftReport('many', 598 - k, 0).id),
    );
    assert.ok(counted.gets() - before <= 25, `the page read ${counted.gets() - before} objects`);
    assert.match(r.body, /id="f-since" name="since" type="datetime-local" step="1" value="2025-01-27T05:00:00"/);
    assert.match(r.body, /id="f-until" name="until" type="datetime-local" step="1" value="2025-01-31T00:00:00"/);
    const next = /href="([^"]+)" rel="next"/.exec(r.body)?.[1].replace(/&amp;/g, '&');
    assert.ok(next, 'a next page');
    const two = await app.inject({ url: next });
    const ids2 = [...two.body.matchAll(/<tr data-report="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(ids2[0], driftReport('many', 573, 0).id);
    // 2025-01-27T05:00 is hour 509 after 2025-01-06T00:00: report 508 is the oldest in range
    const last = await app.inject({ url: next.replace('page=2', 'page=4') });
    const ids4 = [...last.body.matchAll(/<tr data-report="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(ids4[ids4.length - 1], driftReport('many', 508, 0).id);
    assert.doesNotMatch(last.body, /rel="next"/);
  });
});
