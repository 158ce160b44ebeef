// Drift reports: the stored JSON and self-contained HTML, and the API plugin that lists and serves them without path tricks.
import * as assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { DuckDb } from '../../src/data/duckdb';
import { buildReport, checkCapture, listCaptureFiles, DriftReport } from '../../src/drift/monitor';
import { renderReportHtml } from '../../src/drift/report/html';
import { DRIFT_REPORTS_PREFIX, listDriftReports, readDriftReport, writeDriftReport } from '../../src/drift/report/store';
import { pruneReports } from '../../src/reports/stored';
import { ArtifactStore, LocalFolderBackend, localStore } from '../../src/store';
import { reportsPlugin } from '../../src/drift/reports-plugin';
import { writeCaptureFiles } from '../../src/traffic/capture-writer';
import { flightsSmallTraining, parquet, tempDir } from './monitor-helpers';

const WINDOW = { start: '2025-01-06T00:00:00.000Z', end: '2025-01-06T01:00:00.000Z' };

/** A real report: 2000 flights rows with distance shifted, checked against the flights-small profile. */
async function realReport(varDir: string, id: string, model = 'flights-small'): Promise<DriftReport> {
  const t = await flightsSmallTraining();
  const folder = path.join(varDir, 'capture', id);
  const db = await DuckDb.open({ threads: 2 });
  try {
    await writeCaptureFiles(
      { dir: folder, model, version: 1, rows: { parquet, from: 'training', rows: 2000, seed: 4, shifts: [{ feature: 'distance', delta: 400 }] }, startMs: Date.parse(WINDOW.start), spacingMs: 1000 },
      db,
    );
    const check = await checkCapture({ files: await listCaptureFiles(folder), window: WINDOW, model, reference: t.profile, features: t.features, settings: t.settings, db });
    return buildReport(
      {
        id,
        createdAt: new Date().toISOString(),
        model,
        modelVersion: 1,
        window: WINDOW,
        settings: t.settings,
        reference: t.profile,
        run: { workflowId: 'drift-x', runId: 'r', url: 'http://ui/namespaces/default/workflows/drift-x/r' },
      },
      check,
    );
  } finally {
    db.close();
  }
}

describe('drift reports', function () {
  this.timeout(120_000);
  let varDir: string;
  let dir: ArtifactStore;
  let reportsDir: string;
  let report: DriftReport;

  before(async () => {
    varDir = await tempDir('drift-reports-');
    dir = localStore(varDir);
    reportsDir = path.join(varDir, 'reports', 'drift');
    report = await realReport(varDir, '20250106T010000Z-flights-small-aaaa1111');
    await writeDriftReport(dir, report);
    await writeDriftReport(dir, { ...(await realReport(varDir, '20250106T020000Z-other-bbbb2222', 'other')), model: 'other' });
  });

  it('stores JSON that reads back as the same validated report, and an HTML page with a verdict table and one SVG per feature', async () => {
    assert.deepEqual(await readDriftReport(dir, report.id), report);
    assert.equal(report.verdict, 'feature drift');
    assert.deepEqual(
      report.drifted.map((d) => d.feature),
      ['distance'],
    );
    const html = await readFile(path.join(reportsDir, `${report.id}.html`), 'utf8');
    assert.match(html, /<table>/);
    assert.equal((html.match(/<svg /g) ?? []).length, report.features.length + 1, 'one chart per feature plus the prediction');
    assert.match(html, /feature drift/);
    assert.match(html, /distance/);
    assert.doesNotMatch(html, /<script|src=|href="http(?!:\/\/ui)/, 'no script and no external asset');
  });

  it('escapes every value that comes from data', () => {
    const evil = '<script>alert(1)</script>';
    const f = report.features.find((x) => x.plot.kind === 'categorical');
    assert.ok(f && f.plot.kind === 'categorical');
    const tampered: DriftReport = {
      ...report,
      model: `m"><img src=x onerror=alert(1)>`,
      features: report.features.map((x) => (x === f && x.plot.kind === 'categorical' ? { ...x, feature: evil, plot: { ...x.plot, categories: [evil, ...x.plot.categories.slice(1)] } } : x)),
    };
    const html = renderReportHtml(tampered);
    assert.ok(!html.includes(evil) && !html.includes('<img'), 'raw markup from data must not reach the page');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  it('lists newest first, filters by model, skips files that are not reports', async () => {
    await writeFile(path.join(reportsDir, 'junk.json'), '{"not":"a report"}');
    const all = await listDriftReports(dir);
    assert.deepEqual(
      all.map((r) => r.id),
      ['20250106T020000Z-other-bbbb2222', report.id],
    );
    assert.deepEqual(
      (await listDriftReports(dir, { model: 'flights-small' })).map((r) => r.drifted),
      [['distance']],
    );
    assert.deepEqual(await listDriftReports(localStore(path.join(varDir, 'none'))), []);
  });

  describe('the API plugin', () => {
    let app: FastifyInstance;
    before(async () => {
      app = Fastify();
      await app.register(reportsPlugin, { store: dir });
      await app.ready();
    });
    after(() => app.close());

    it('GET /v1/reports lists summaries with links; limit and model are validated', async () => {
      const res = await app.inject({ method: 'GET', url: '/v1/reports?model=flights-small' });
      assert.equal(res.statusCode, 200);
      const body = res.json<{ reports: { id: string; verdict: string; links: { html: string } }[] }>();
      assert.deepEqual(
        body.reports.map((r) => [r.id, r.verdict, r.links.html]),
        [[report.id, 'feature drift', `/v1/reports/${report.id}.html`]],
      );
      const bad = await app.inject({ method: 'GET', url: '/v1/reports?limit=0&color=red' });
      assert.equal(bad.statusCode, 400);
      const issues = bad
        .json<{ issues: { path: string }[] }>()
        .issues.map((i) => i.path)
        .sort();
      assert.deepEqual(issues, ['querystring.color', 'querystring.limit']);
    });

    it('GET /v1/reports/:id is the JSON, :id.html the page with a strict content policy', async () => {
      const json = await app.inject({ method: 'GET', url: `/v1/reports/${report.id}` });
      assert.equal(json.statusCode, 200);
      assert.equal(json.json<DriftReport>().id, report.id);
      const page = await app.inject({ method: 'GET', url: `/v1/reports/${report.id}.html` });
      assert.equal(page.statusCode, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
      assert.match(page.body, /^<!doctype html>/);
      assert.equal((await app.inject({ method: 'GET', url: '/v1/reports/20250101T000000Z-nope-00000000.html' })).statusCode, 404);
    });

    it('refuses ids that could leave the reports folder', async () => {
      await writeFile(path.join(varDir, 'secret.json'), JSON.stringify(report));
      for (const url of ['/v1/reports/..%2Fsecret', '/v1/reports/%2e%2e%2f%2e%2e%2fsecret.html', '/v1/reports/..%5Csecret', '/v1/reports/.json', '/v1/reports/a.b.html']) {
        const res = await app.inject({ method: 'GET', url });
        assert.ok(res.statusCode === 400 || res.statusCode === 404, `${url} -> ${res.statusCode}`);
        assert.doesNotMatch(res.body, /flights-small/);
      }
    });

    it('applies a guard to every route when one is given', async () => {
      const guarded = Fastify();
      await guarded.register(reportsPlugin, {
        store: dir,
        guard: { onRequest: [(request, reply, done) => (request.headers.authorization === 'Bearer ok' ? done() : void reply.code(401).send({ error: 'Unauthorized', message: 'no key' }))] },
      });
      for (const url of ['/v1/reports', `/v1/reports/${report.id}`, `/v1/reports/${report.id}.html`]) {
        assert.equal((await guarded.inject({ method: 'GET', url })).statusCode, 401, url);
        assert.equal((await guarded.inject({ method: 'GET', url, headers: { authorization: 'Bearer ok' } })).statusCode, 200, url);
      }
      await guarded.close();
    });
  });
});

describe('drift reports: bounded lists and retention', function () {
  this.timeout(120_000);

  it('a list costs O(limit) reads whatever the model filter matches; retention keeps the newest per model', async () => {
    const varDir = await tempDir('drift-reports-bounded-');
    const base = await realReport(varDir, '20250106T010000Z-flights-small-aaaa1111');
    const backend = new LocalFolderBackend(varDir);
    let reads = 0;
    const counting = Object.create(backend) as LocalFolderBackend;
    counting.get = async (key: string) => {
      if (key.startsWith('reports/')) reads++;
      return backend.get(key);
    };
    const store = new ArtifactStore(counting);
    for (let i = 0; i < 20; i++) {
      const hh = String(i).padStart(2, '0');
      await writeDriftReport(store, { ...base, id: `20250107T${hh}0000Z-flights-small-run${hh}` });
      await writeDriftReport(store, { ...base, model: 'other', id: `20250107T${hh}0000Z-other-run${hh}` });
    }
    reads = 0;
    assert.deepEqual(await listDriftReports(store, { model: 'nothing-matches', limit: 500 }), []);
    assert.equal(reads, 0, 'a filter that matches nothing reads no report');
    const three = await listDriftReports(store, { model: 'other', limit: 3 });
    assert.deepEqual(
      three.map((r) => r.id),
      ['20250107T190000Z-other-run19', '20250107T180000Z-other-run18', '20250107T170000Z-other-run17'],
    );
    assert.equal(reads, 3);
    // a model whose name is a prefix of another's is told apart by the id
    reads = 0;
    assert.equal((await listDriftReports(store, { model: 'flights', limit: 500 })).length, 0);
    assert.equal(reads, 0);

    assert.equal(await pruneReports(store, DRIFT_REPORTS_PREFIX, 'other', 5), 15);
    assert.deepEqual((await listDriftReports(store, { model: 'other', limit: 500 })).map((r) => r.id).slice(-1), ['20250107T150000Z-other-run15']);
    assert.equal((await listDriftReports(store, { model: 'other', limit: 500 })).length, 5);
    assert.equal((await listDriftReports(store, { model: 'flights-small', limit: 500 })).length, 20, 'other models keep theirs');
    const left = (await store.list(DRIFT_REPORTS_PREFIX)).map((o) => o.key).filter((k) => k.includes('-other-'));
    assert.equal(left.length, 10, 'JSON and page of the five kept, nothing of the pruned');
  });
});
