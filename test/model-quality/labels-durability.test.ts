// The real API process: an acknowledged label is on disk (SIGTERM and SIGKILL lose none).
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { registerSynthetic } from '../support/synthetic-model';
import { modelA, tempVarDir } from '../serving/helpers';
import { spawnServer, type ServerProcess } from '../serving/server-process';

/** Workers post one label per call, each with a unique id, and note when each was acknowledged. */
function labelTraffic(srv: ServerProcess, workers: number) {
  const acked = new Map<string, number>();
  const failures: string[] = [];
  let next = 1;
  let stopping = false;
  const loops = Array.from({ length: workers }, async () => {
    while (!stopping) {
      const id = `lbl-${next++}`;
      try {
        const res = await fetch(`${srv.url}/v1/feedback`, {
          method: 'POST',
          headers: { authorization: `Bearer ${srv.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ labels: [{ id, label: next % 2 }] }),
        });
        await res.arrayBuffer();
        if (res.status === 200) acked.set(id, Date.now());
        else if (!stopping) failures.push(`status ${res.status}`);
      } catch (err) {
        if (!stopping) failures.push(String(err));
      }
    }
  });
  return {
    acked,
    failures,
    end: async () => {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

async function storedIds(varDir: string): Promise<{ ids: Set<string>; cut: number }> {
  const dir = path.join(varDir, 'labels', 'flights');
  const ids = new Set<string>();
  let cut = 0;
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.jsonl'))) {
    for (const line of (await readFile(path.join(dir, name), 'utf8')).split('\n')) {
      if (!line) continue;
      try {
        ids.add((JSON.parse(line) as { id: string }).id);
      } catch {
        cut++;
      }
    }
  }
  return { ids, cut };
}

async function prepare(): Promise<string> {
  const varDir = await tempVarDir();
  await registerSynthetic(new Registry(localStore(varDir)), 'flights', modelA(), { runKey: 'a' });
  return varDir;
}

describe('model quality: label durability in the API process', function () {
  this.timeout(60_000);

  it('SIGTERM writes every acknowledged label', async () => {
    const varDir = await prepare();
    const srv = await spawnServer(varDir, { CAPTURE_FLUSH_MS: '30000' });
    const t = labelTraffic(srv, 6);
    while (t.acked.size < 200 && t.failures.length === 0) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(t.failures, []);
    const exit = srv.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    await t.end();
    assert.equal((await exit).code, 0, srv.output.join('\n'));
    const { ids, cut } = await storedIds(varDir);
    assert.equal(cut, 0);
    const missing = [...t.acked.keys()].filter((id) => !ids.has(id));
    assert.deepEqual(missing, [], `${missing.length} of ${t.acked.size} acknowledged labels missing after SIGTERM`);
  });

  it('SIGKILL: no acknowledged label is missing (a label is answered only once written and synced)', async () => {
    const varDir = await prepare();
    // a long flush interval: acknowledgement must not wait for, or depend on, the timer
    const srv = await spawnServer(varDir, { CAPTURE_FLUSH_MS: '30000' });
    const t = labelTraffic(srv, 6);
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(t.failures, []);
    const exit = srv.kill('SIGKILL');
    await t.end();
    assert.equal((await exit).signal, 'SIGKILL');
    const { ids, cut } = await storedIds(varDir);
    assert.ok(cut <= 1, 'at most the line being written can be cut');
    const missing = [...t.acked.keys()].filter((id) => !ids.has(id));
    assert.deepEqual(missing, [], `${missing.length} of ${t.acked.size} acknowledged labels missing after SIGKILL`);
    assert.ok(t.acked.size > 50, `enough traffic to mean something (${t.acked.size})`);
    process.stdout.write(`      SIGKILL: ${t.acked.size} labels acknowledged, none missing\n`);
  });
});
