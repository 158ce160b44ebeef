// Multi-process mode on the real API: processes share the port, capture per process, limits and usage across processes, graceful stop of all.
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { readdir, readFile } from 'node:fs/promises';
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { registerSynthetic } from '../support/synthetic-model';
import { modelA, ROW, tempVarDir } from './helpers';
import { readCapture, spawnServer, type ServerProcess } from './server-process';

/** One request on a connection of its own, so the kernel picks a process for each. */
function request(srv: ServerProcess, method: string, url: string, key: string | undefined, body?: unknown): Promise<{ status: number; body: string }> {
  const u = new URL(srv.url + url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent: false,
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) },
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
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits until a fixed window of `windowMs` has at least `needMs` left, so a burst of requests stays in one window. */
async function roomInWindow(windowMs: number, needMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 20));
}

const ADMIN = 'cluster-test-admin-key-0123456789';

describe('serving: multi-process mode (SERVING_PROCESSES=2)', function () {
  this.timeout(180_000);

  it('serves from two processes on one port, captures per process, keeps the rate limit, the brute-force guard and usage across processes, and stops all gracefully', async () => {
    const varDir = await tempVarDir();
    await registerSynthetic(new Registry(localStore(varDir)), 'flights', modelA(), { runKey: 'a' });
    const limit = 120;
    const windowMs = 600_000;
    const srv = await spawnServer(varDir, {
      SERVING_PROCESSES: '2',
      SERVING_RATE_LIMIT_MAX: String(limit),
      SERVING_RATE_LIMIT_WINDOW_MS: String(windowMs),
      SERVING_AUTH_FAIL_MAX: '10',
      SERVING_AUTH_FAIL_WINDOW_MS: String(windowMs),
      CAPTURE_FLUSH_MS: '30000',
      LOG_LEVEL: 'info',
      API_ADMIN_KEYS: ADMIN,
    });
    let stopped = false;
    try {
      // both processes report "serving"
      const deadline = Date.now() + 30_000;
      while (pidsOf(srv).size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const pids = pidsOf(srv);
      assert.equal(pids.size, 2, srv.output.join('\n'));

      await roomInWindow(windowMs, 60_000);
      // more requests than the limit, on fresh connections spread over both processes
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++) statuses.push((await request(srv, 'POST', '/v1/predict', srv.key, { instances: [{ ...ROW, distance: i + 1 }] })).status);
      const ok = statuses.filter((s) => s === 200).length;
      const limited = statuses.filter((s) => s === 429).length;
      assert.equal(ok + limited, 200, `statuses ${[...new Set(statuses)].join(',')}`);
      // each process alone would let all 200 through (about 100 each): counts are shared, near the limit on every hit.
      // Sharing goes through the primary, so a process may admit a few more before the other's last hits reach it: how
      // many depends on the machine's load (5 on a quiet one, 11 once in CI), not on the design; 150 is far from 200.
      assert.ok(ok >= limit && ok <= limit * 1.25, `${ok} requests got through a limit of ${limit} across 2 processes`);

      // usage of every process through any process (the dev key was created once, by the primary)
      const keys = JSON.parse(await readFile(path.join(varDir, 'api-keys.json'), 'utf8')) as { keys: { id: string; name: string }[] };
      assert.equal(keys.keys.filter((k) => k.name === 'dev').length, 1);
      const devId = keys.keys.find((k) => k.name === 'dev')!.id;
      for (let i = 0; i < 4; i++) {
        const usage = await request(srv, 'GET', '/v1/usage', ADMIN);
        assert.equal(usage.status, 200, usage.body);
        const dev = (JSON.parse(usage.body) as { keys: Record<string, { requests: number; models?: Record<string, { requests: number }> }> }).keys[devId];
        assert.equal(dev.requests, 200, JSON.stringify(dev));
        assert.equal(dev.models?.flights.requests, ok);
      }

      // brute force: wrong keys on fresh connections are counted across processes
      const guesses: number[] = [];
      for (let i = 0; i < 30; i++) guesses.push((await request(srv, 'GET', '/v1/models', `mlk_000000000000_${String(i).padStart(43, 'g')}`)).status);
      const blockedAt = guesses.indexOf(429);
      process.stderr.write(`      2 processes: ${ok} of 200 requests admitted at a limit of ${limit}; first 429 after ${blockedAt} wrong keys at a limit of 10\n`);
      assert.ok(blockedAt >= 10 && blockedAt <= 11, `first 429 after ${blockedAt} wrong keys (limit 10): ${guesses.join(',')}`);

      const exit = await srv.kill('SIGTERM');
      stopped = true;
      assert.deepEqual(exit, { code: 0, signal: null }, srv.output.slice(-10).join('\n'));
      for (const pid of pids) assert.equal(alive(pid), false, `server process ${pid} still running`);
      const usage = JSON.parse(await readFile(path.join(varDir, 'usage.json'), 'utf8')) as { keys: Record<string, { requests: number }> };
      assert.equal(usage.keys[devId].requests, 200, JSON.stringify(usage.keys[devId]));

      // every acknowledged prediction was captured, in files of both processes
      const { lines } = await readCapture(varDir);
      assert.equal(new Set(lines.map((l) => (l.features as { distance: number }).distance)).size, ok);
      const tags = new Set((await readdir(path.join(varDir, 'capture', 'flights'))).map((f) => /-[0-9a-f]{6}(p\d+)-/.exec(f)?.[1]));
      assert.deepEqual([...tags].sort(), ['p0', 'p1'], 'one capture file series per process');
    } finally {
      if (!stopped) await srv.kill('SIGTERM');
    }
  });
});
