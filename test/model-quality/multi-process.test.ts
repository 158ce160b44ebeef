// Inference ids and feedback in multi-process mode: ids unique across processes, each process writes labels of its own, the join sees them all.
import assert from 'node:assert/strict';
import http from 'node:http';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { executeQualityCheck, planQualityCheck } from '../../src/model-quality';
import { Registry } from '../../src/registry/registry';
import { registerSynthetic } from '../support/synthetic-model';
import { localStore, type ArtifactStore } from '../../src/store';
import { s3TestStore } from '../support/minio';
import { modelA, ROW } from '../serving/helpers';
import { tempVarDir } from '../support/temporal';
import { spawnServer, type ServerProcess } from '../serving/server-process';

/** A POST on a connection of its own, so the kernel picks a process for each. */
function post(srv: ServerProcess, url: string, body: unknown): Promise<{ status: number; body: string }> {
  const u = new URL(srv.url + url);
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent: false,
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { authorization: `Bearer ${srv.key}`, 'content-type': 'application/json', 'content-length': String(payload.length) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const pidsOf = (srv: ServerProcess) => new Set(srv.output.flatMap((l) => (l.includes('"msg":"serving"') ? [(JSON.parse(l) as { pid: number }).pid] : [])));

/** Two server processes: predictions on the per-model route, one label per call on fresh connections; returns the ids. */
async function predictAndLabel(srv: ServerProcess): Promise<string[]> {
  const ids: string[] = [];
  const deadline = Date.now() + 30_000;
  while (pidsOf(srv).size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(pidsOf(srv).size, 2, srv.output.join('\n'));
  for (let i = 0; i < 30; i++) {
    const res = await post(srv, '/v1/models/flights/predict', { instances: [{ ...ROW, distance: i + 1 }, ROW] });
    assert.equal(res.status, 200, res.body);
    ids.push(...(JSON.parse(res.body) as { predictions: { id: string }[] }).predictions.map((p) => p.id));
  }
  assert.equal(new Set(ids).size, ids.length, 'ids are unique across processes');
  // one label per call, each on a fresh connection: both processes take some
  let accepted = 0;
  for (const [i, id] of ids.entries()) {
    const res = await post(srv, '/v1/models/flights/feedback', { labels: [{ id, label: i % 2 }] });
    assert.equal(res.status, 200, res.body);
    accepted += (JSON.parse(res.body) as { accepted: number }).accepted;
  }
  assert.equal(accepted, ids.length);
  const exit = await srv.kill('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null }, srv.output.slice(-10).join('\n'));
  return ids;
}

/** The monitor's join over the store: every prediction matched by its label. */
async function assertJoined(store: ArtifactStore, ids: string[]): Promise<void> {
  const planned = await planQualityCheck({
    store,
    defaultModel: 'flights',
    input: { window: { lastMinutes: 30 }, lagSeconds: 0, settings: { minLabeledRows: 10 } },
    now: Date.now() + 1000,
    runId: 'multi-process',
  });
  assert.equal(planned.kind, 'check');
  if (planned.kind !== 'check') return;
  const outcome = await executeQualityCheck({ store, plan: planned.plan, run: null, createdAt: new Date().toISOString() });
  assert.deepEqual({ predictions: outcome.predictions, labeled: outcome.labeled, unmatched: outcome.unmatchedLabels }, { predictions: ids.length, labeled: ids.length, unmatched: 0 });
}

const tagsOf = (names: string[]) => [...new Set(names.map((f) => /-[0-9a-f]{6}(p\d+)-/.exec(f)?.[1]))].sort();

describe('model quality: multi-process mode (SERVING_PROCESSES=2)', function () {
  this.timeout(180_000);

  it('ids from both processes are unique, labels land in files of both processes, and the join matches every one', async () => {
    const varDir = tempVarDir('quality-mp-');
    await registerSynthetic(new Registry(localStore(varDir)), 'flights', modelA(), { runKey: 'a' });
    const srv = await spawnServer(varDir, { SERVING_PROCESSES: '2', LOG_LEVEL: 'info', CAPTURE_FLUSH_MS: '100' });
    let ids: string[];
    try {
      ids = await predictAndLabel(srv);
    } finally {
      if (srv.child.exitCode === null) await srv.kill('SIGTERM');
    }
    assert.deepEqual(tagsOf(await readdir(path.join(varDir, 'labels', 'flights'))), ['p0', 'p1'], 'one label file series per process');
    await assertJoined(localStore(varDir), ids);
  });

  it('on a remote store (MinIO): each process spools its own labels and ships them; nothing is left behind or lost', async () => {
    const { store, bucket, server } = await s3TestStore();
    await registerSynthetic(new Registry(store), 'flights', modelA(), { runKey: 'a' });
    const varDir = tempVarDir('quality-mp-s3-');
    const srv = await spawnServer(varDir, {
      SERVING_PROCESSES: '2',
      LOG_LEVEL: 'info',
      CAPTURE_FLUSH_MS: '100',
      CAPTURE_UPLOAD_MS: '200',
      ARTIFACT_STORE: `s3://${bucket}/pipeline`,
      S3_ENDPOINT: server.endpoint,
      AWS_REGION: server.region,
      AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
    });
    let ids: string[];
    try {
      ids = await predictAndLabel(srv);
    } finally {
      if (srv.child.exitCode === null) await srv.kill('SIGTERM');
    }
    for (const p of ['p0', 'p1']) assert.deepEqual(await readdir(path.join(varDir, 'labels-spool', p, 'flights')).catch(() => []), [], `spool ${p} shipped`);
    const names = (await store.list('labels/flights/')).map((o) => path.posix.basename(o.key));
    assert.deepEqual(tagsOf(names), ['p0', 'p1'], 'label objects of both processes');
    await assertJoined(store, ids);
  });
});
