// 10,000 hostile requests over real HTTP to the real API process: no 5xx, no crash, every refusal a JSON error.
import assert from 'node:assert/strict';
import http from 'node:http';
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { registerSynthetic } from '../support/synthetic-model';
import { modelA, ROW, tempVarDir } from './helpers';
import { hostileCorpus, type HostileRequest } from './hostile-corpus';
import { spawnServer } from './server-process';

interface Answer {
  status: number;
  body: string;
  contentType: string;
}

function send(agent: http.Agent, base: URL, r: HostileRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: base.hostname, port: base.port, method: r.method, path: r.path, headers: { ...r.headers, ...(r.body ? { 'content-length': String(r.body.length) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: String(res.headers['content-type'] ?? '') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

describe('serving: hostile requests', function () {
  this.timeout(300_000);

  it('10,000 hostile requests: no 5xx, no crash, every 4xx is a JSON error naming what is wrong', async () => {
    const varDir = await tempVarDir();
    await registerSynthetic(new Registry(localStore(varDir)), 'flights', modelA(), { runKey: 'a' });
    // every request gets past the brute-force guard (tested on its own) so that parsing and validation are what is attacked
    const srv = await spawnServer(varDir, { SERVING_PROCESSES: '1', SERVING_AUTH_FAIL_MAX: '1000000000' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    try {
      const corpus = hostileCorpus(10_000, srv.key);
      const base = new URL(srv.url);
      const byKind = new Map<string, Map<number, number>>();
      const bad: string[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < corpus.length) {
            const r = corpus[next++];
            let a: Answer;
            try {
              a = await send(agent, base, r);
            } catch (err) {
              // the server may end a connection it refuses (e.g. a body over the limit); that is not a crash
              a = { status: -1, body: String(err), contentType: '' };
            }
            const counts = byKind.get(r.kind) ?? new Map<number, number>();
            counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
            byKind.set(r.kind, counts);
            if (a.status >= 500) bad.push(`${a.status} ${r.kind} ${r.method} ${r.path.slice(0, 120)}: ${a.body.slice(0, 200)}`);
            else if (a.status >= 400 && r.method !== 'HEAD') {
              let ok: boolean;
              try {
                const b = JSON.parse(a.body) as { error?: unknown; message?: unknown };
                ok = typeof b.error === 'string' && typeof b.message === 'string' && b.message.length > 0 && !/at .+\.js:\d+/.test(a.body);
              } catch {
                ok = false;
              }
              if (!ok) bad.push(`${a.status} not a JSON error: ${r.kind} ${r.method} ${r.path.slice(0, 120)}: ${a.body.slice(0, 200)}`);
            }
          }
        }),
      );
      const table = [...byKind].map(
        ([kind, counts]) =>
          `${kind}: ${[...counts]
            .sort((x, y) => x[0] - y[0])
            .map(([s, n]) => `${s}x${n}`)
            .join(' ')}`,
      );
      process.stderr.write(`      ${table.join('\n      ')}\n`);
      assert.deepEqual(bad.slice(0, 20), [], `${bad.length} bad answers`);
      const refused = [...byKind.values()].reduce((s, m) => s + (m.get(-1) ?? 0), 0);
      assert.ok(refused <= 200, `${refused} requests got no HTTP answer`);

      // still alive, still serving
      assert.equal(srv.child.exitCode, null, srv.output.slice(-20).join('\n'));
      assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
      const ok = await fetch(`${srv.url}/v1/predict`, {
        method: 'POST',
        headers: { authorization: `Bearer ${srv.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [ROW] }),
      });
      assert.equal(ok.status, 200);
    } finally {
      agent.destroy();
      await srv.kill('SIGTERM');
    }
  });
});
