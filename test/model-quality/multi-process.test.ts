// Inference ids and feedback in multi-process mode: ids unique across processes, each process writes labels of its own, the join sees them all.
import assert from 'node:assert/strict';
import http from 'node:http';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { executeQualityCheck, planQualityCheck } from '../../src/model-quality';
import { Registry } from '../../src/registry/registry';
import { registerSynthetic } from '../../src/serving/synthetic';
import { localStore } from '../../src/store';
import { modelA, ROW } from '../serving/helpers';
import { tempVarDir } from '../support/temporal';
import { spawnServer, type ServerProcess } from '../serving/server-process';

/** A POST on a connection of its own, so the kernel picks a process for each. */
function post(srv: ServerProcess, url: string, body: unknown): Promise<{ status: number; body: string }> {
  const u = new URL(srv.url + url);
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent: false, host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { authorization: `Bearer ${srv.key}`, 'content-type': 'application/json', 'content-length': String(payload.length) } },
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

describe('model quality: multi-process mode (SERVING_PROCESSES=2)', function () {
  this.timeout(180_000);

  it('ids from both processes are unique, labels land in files of both processes, and the join matches every one', async () => {
    const varDir = tempVarDir('quality-mp-');
    await registerSynthetic(new Registry(localStore(varDir)), 'flights', modelA(), { runKey: 'a' });
    const srv = await spawnServer(varDir, { SERVING_PROCESSES: '2', LOG_LEVEL: 'info', CAPTURE_FLUSH_MS: '100' });
    let stopped = false;
    const ids: string[] = [];
    try {
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
      stopped = true;
      assert.deepEqual(exit, { code: 0, signal: null }, srv.output.slice(-10).join('\n'));
    } finally {
      if (!stopped) await srv.kill('SIGTERM');
    }
    const tags = new Set((await readdir(path.join(varDir, 'labels', 'flights'))).map((f) => /-[0-9a-f]{6}(p\d+)-/.exec(f)?.[1]));
    assert.deepEqual([...tags].sort(), ['p0', 'p1'], 'one label file series per process');

    const store = localStore(varDir);
    const planned = await planQualityCheck({ store, defaultModel: 'flights', input: { window: { lastMinutes: 30 }, lagSeconds: 0, settings: { minLabeledRows: 10 } }, now: Date.now() + 1000, runId: 'multi-process' });
    assert.equal(planned.kind, 'check');
    if (planned.kind !== 'check') return;
    const outcome = await executeQualityCheck({ store, plan: planned.plan, run: null, createdAt: new Date().toISOString() });
    assert.deepEqual({ predictions: outcome.predictions, labeled: outcome.labeled, unmatched: outcome.unmatchedLabels }, { predictions: ids.length, labeled: ids.length, unmatched: 0 });
  });
});
