// Usage per key: requests, rows, errors, last seen; saved on close and read back by the next process.
import assert from 'node:assert/strict';
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
    assert.deepEqual({ ...alice, lastSeen: typeof alice.lastSeen }, {
      name: 'alice',
      requests: 3,
      rows: 4,
      errors: 1,
      lastSeen: 'string',
      models: { flights: { requests: 3, rows: 4, errors: 1 } },
    });
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
});
