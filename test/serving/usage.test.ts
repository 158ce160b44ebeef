// Usage per key: requests, rows, errors, last seen; saved on close and read back by the next process.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { UsageStore } from '../../src/serving/usage';
import { ArtifactStore, LocalFolderBackend, StoreUnavailable } from '../../src/store';
import { auth, harness, ROW, tempVarDir } from './helpers';

describe('serving: usage per key', () => {
  it('counts requests, rows and errors per key and keeps them across a restart', async () => {
    const varDir = await tempVarDir();
    const first = await harness({ varDir });
    const predict = (key: string, instances: unknown[]) => first.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(key), payload: { instances } });
    assert.equal((await predict(first.userKey, [ROW, ROW, ROW])).statusCode, 200);
    assert.equal((await predict(first.userKey, [ROW])).statusCode, 200);
    assert.equal((await predict(first.userKey, [{ ...ROW, distance: 'far' }])).statusCode, 400);
    const usage = await first.app.inject({ method: 'GET', url: '/v1/usage', headers: auth(first.adminKey) });
    assert.equal(usage.statusCode, 200);
    const alice = usage.json().keys[first.userKeyId];
    assert.deepEqual(
      { ...alice, lastSeen: typeof alice.lastSeen },
      {
        name: 'alice',
        requests: 3,
        rows: 4,
        errors: 1,
        lastSeen: 'string',
        models: { flights: { requests: 3, rows: 4, errors: 1 } },
      },
    );
    assert.ok(Date.now() - Date.parse(alice.lastSeen) < 10_000);
    await first.close();

    const second = await harness({ varDir });
    try {
      const again = await second.app.inject({ method: 'GET', url: '/v1/usage', headers: auth(second.adminKey) });
      const keys = again.json().keys;
      assert.deepEqual(keys[first.userKeyId], alice, 'counts survive the restart');
      // the admin's own usage call before the restart is counted too (this one is counted once answered)
      const admin = Object.values(keys as Record<string, { name: string; requests: number }>).find((k) => k.name === 'dev');
      assert.equal(admin?.requests, 1);
    } finally {
      await second.close();
    }
  });

  it('a replica that started while the store was down adds its counts to the stored history, never overwriting it from zero', async () => {
    const varDir = await tempVarDir();
    const history = {
      version: 1,
      keys: { k1: { name: 'alice', requests: 100, rows: 250, errors: 3, lastSeen: '2026-01-01T00:00:00.000Z', models: { flights: { requests: 100, rows: 250, errors: 3 } } } },
    };
    await writeFile(path.join(varDir, 'usage.json'), JSON.stringify(history));
    const backend = new LocalFolderBackend(varDir);
    let down = true;
    const flaky = Object.create(backend) as LocalFolderBackend;
    flaky.get = async (key: string) => {
      if (down) throw new StoreUnavailable('simulated: store unreachable');
      return backend.get(key);
    };
    flaky.put = async (key, data, opts) => {
      if (down) throw new StoreUnavailable('simulated: store unreachable');
      return backend.put(key, data, opts);
    };
    const usage = new UsageStore(new ArtifactStore(flaky), 'usage.json', 60_000, pino({ level: 'silent' }));
    await usage.start(); // the history cannot be read
    usage.record('k1', 'alice', 2, false, 'flights');
    usage.record('k2', 'bob', 1, true, 'flights');
    await usage.save(); // fails: kept for the next save
    usage.record('k1', 'alice', 1, false, 'flights');
    down = false;
    await usage.close();
    const saved = JSON.parse(await readFile(path.join(varDir, 'usage.json'), 'utf8')) as typeof history & { keys: Record<string, { requests: number; rows: number; errors: number }> };
    assert.deepEqual(Object.fromEntries(Object.entries(saved.keys).map(([k, c]) => [k, [c.requests, c.rows, c.errors]])), { k1: [102, 253, 3], k2: [1, 1, 1] });
    assert.deepEqual(usage.snapshot().k1.models, { flights: { requests: 102, rows: 253, errors: 3 } });
  });

  it('counts stay visible while a save is in progress', async () => {
    const varDir = await tempVarDir();
    const backend = new LocalFolderBackend(varDir);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const slow = Object.create(backend) as LocalFolderBackend;
    slow.put = async (key, data, opts) => {
      await held;
      return backend.put(key, data, opts);
    };
    const usage = new UsageStore(new ArtifactStore(slow), 'usage.json', 60_000, pino({ level: 'silent' }));
    await usage.start();
    usage.record('k', 'alice', 4, false);
    const saving = usage.save();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(usage.snapshot().k?.requests, 1, 'the save in progress still counts');
    release();
    await saving;
    assert.equal(usage.snapshot().k?.requests, 1, 'and is not counted twice after it');
    await usage.close();
  });

  it('two writers of one usage object both keep their counts (compare-and-swap)', async () => {
    const varDir = await tempVarDir();
    const store = new ArtifactStore(new LocalFolderBackend(varDir));
    const a = new UsageStore(store, 'usage.json', 60_000, pino({ level: 'silent' }));
    const b = new UsageStore(store, 'usage.json', 60_000, pino({ level: 'silent' }));
    await a.start();
    await b.start();
    for (let i = 0; i < 5; i++) a.record('k', 'alice', 1, false);
    for (let i = 0; i < 7; i++) b.record('k', 'alice', 1, false);
    await Promise.all([a.close(), b.close()]);
    const saved = JSON.parse(await readFile(path.join(varDir, 'usage.json'), 'utf8')) as { keys: Record<string, { requests: number }> };
    assert.equal(saved.keys.k.requests, 12);
  });
});
