// API keys: hashed storage, the CLI functions, the dev key, missing/wrong/revoked keys, roles, env keys, rate limit.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { authenticate } from '../../src/serving/auth';
import { parseServingConfig } from '../../src/config/serving';
import { WindowCounter } from '../../src/serving/window-counter';
import { createKey, devKeyPath, ensureDevKey, hashKey, KeyRing, KEYS_KEY, listKeys, revokeKey } from '../../src/serving/keys';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import { registerSynthetic } from '../support/synthetic-model';
import { ArtifactStore, LocalFolderBackend, localStore, StoreUnavailable } from '../../src/store';
import { auth, eventually, harness, MODEL, modelA, ROW, sleep, TEST_CONFIG, tempVarDir, type Harness } from './helpers';

describe('serving: key store (CLI functions)', () => {
  it('stores only hashes, returns the raw key once, lists without hashes, revokes by id or name', async () => {
    const varDir = await tempVarDir();
    const file = localStore(varDir);
    const a = await createKey(file, 'alice', 'user');
    const b = await createKey(file, 'ops', 'admin');
    assert.match(a.key, /^mlk_[a-f0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const keysPath = path.join(varDir, KEYS_KEY);
    const text = await readFile(keysPath, 'utf8');
    assert.ok(!text.includes(a.key) && !text.includes(b.key), 'raw keys are never stored');
    assert.ok(text.includes(hashKey(a.key)));
    assert.equal((await stat(keysPath)).mode & 0o777, 0o600);
    const listed = await listKeys(file);
    assert.deepEqual(
      listed.map((k) => [k.name, k.role]),
      [
        ['alice', 'user'],
        ['ops', 'admin'],
      ],
    );
    for (const k of listed) assert.ok(!('hash' in k));
    const revoked = await revokeKey(file, 'alice');
    assert.equal(revoked.id, a.info.id);
    assert.ok(revoked.revokedAt);
    await revokeKey(file, b.info.id);
    assert.ok((await listKeys(file)).every((k) => k.revokedAt));
    await assert.rejects(revokeKey(file, 'nobody'), /no key/);
    await assert.rejects(createKey(file, 'bad/name', 'user'), /key name/);
  });

  it('ensureDevKey creates one admin key on first start, writes it 0600, and never again', async () => {
    const varDir = await tempVarDir();
    const store = localStore(varDir);
    const first = await ensureDevKey(store, varDir);
    assert.equal(first.created, true);
    const raw = (await readFile(devKeyPath(varDir), 'utf8')).trim();
    assert.equal((await stat(devKeyPath(varDir))).mode & 0o777, 0o600);
    const keys = await listKeys(store);
    assert.deepEqual(
      keys.map((k) => [k.name, k.role]),
      [['dev', 'admin']],
    );
    assert.ok(!(await readFile(path.join(varDir, KEYS_KEY), 'utf8')).includes(raw));
    assert.equal((await ensureDevKey(store, varDir)).created, false);
    await revokeKey(store, 'dev');
    assert.equal((await ensureDevKey(store, varDir)).created, false, 'a revoked dev key stays revoked');
    assert.equal((await listKeys(store)).length, 1);
  });
});

describe('serving: authentication', () => {
  let h: Harness;
  const envUser = 'env-user-key-0123456789';
  const envAdminRaw = 'env-admin-key-abcdef';
  before(async () => {
    h = await harness({ config: { API_KEYS: envUser, API_ADMIN_KEYS: hashKey(envAdminRaw), SERVING_RATE_LIMIT_MAX: 1000 } });
  });
  after(async () => h.close());

  const predict = (headers: Record<string, string>) => h.app.inject({ method: 'POST', url: '/v1/predict', headers, payload: { instances: [ROW] } });

  it('401 without a key, with the error shape and a challenge', async () => {
    const res = await predict({});
    assert.equal(res.statusCode, 401);
    assert.deepEqual(res.json(), { error: 'Unauthorized', message: 'missing API key: send "Authorization: Bearer <key>" or "x-api-key: <key>"' });
    assert.match(String(res.headers['www-authenticate']), /^Bearer/);
  });

  it('401 with a wrong, malformed or over-long key', async () => {
    for (const headers of [
      auth(`${h.userKey.slice(0, -1)}x`),
      auth('mlk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer' },
      { 'x-api-key': 'nope' },
      { 'x-api-key': 'k'.repeat(5000) },
    ]) {
      const res = await predict(headers);
      assert.equal(res.statusCode, 401, JSON.stringify(headers).slice(0, 80));
      assert.deepEqual(res.json(), { error: 'Unauthorized', message: 'invalid or revoked API key' });
    }
  });

  it('accepts keys from API_KEYS (raw) and API_ADMIN_KEYS (sha256 digest)', async () => {
    assert.equal((await predict(auth(envUser))).statusCode, 200);
    assert.equal((await predict({ 'x-api-key': envAdminRaw })).statusCode, 200);
    assert.equal((await h.app.inject({ method: 'GET', url: '/v1/usage', headers: auth(envAdminRaw) })).statusCode, 200);
    assert.equal((await h.app.inject({ method: 'GET', url: '/v1/usage', headers: auth(envUser) })).statusCode, 403);
  });

  it('403 for a user key on the admin-only usage endpoint', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/usage', headers: auth(h.userKey) });
    assert.equal(res.statusCode, 403);
    assert.deepEqual(res.json(), { error: 'Forbidden', message: 'this endpoint needs an admin key' });
  });

  it('a key revoked with the CLI function stops working within a few seconds, while running', async () => {
    const { key, info } = await createKey(localStore(h.varDir), 'temp', 'user');
    await eventually(async () => (await predict(auth(key))).statusCode === 200, 5000);
    await revokeKey(localStore(h.varDir), info.id);
    const start = Date.now();
    await eventually(async () => (await predict(auth(key))).statusCode === 401, 5000);
    assert.ok(Date.now() - start < 3000);
    assert.equal((await predict(auth(h.userKey))).statusCode, 200, 'other keys keep working');
  });

  it('a key revoked while the key file cannot be read (transient store errors) stops working once it can, without another change', async () => {
    const varDir = await tempVarDir();
    const local = localStore(varDir);
    await registerSynthetic(new Registry(local), MODEL, modelA(), { runKey: 'a' });
    // the folder backend, with reads of the key file failing while `down` is set (an S3 endpoint answering 503)
    const backend = new LocalFolderBackend(varDir);
    let down = false;
    const flaky = Object.create(backend) as LocalFolderBackend;
    flaky.get = async (key: string) => {
      if (down && key === KEYS_KEY) throw new StoreUnavailable('simulated: 503 Slow Down');
      return backend.get(key);
    };
    const app = await buildApp({ registry: new Registry(local), varDir, modelName: MODEL, store: new ArtifactStore(flaky), config: { ...TEST_CONFIG, API_KEYS_POLL_MS: 50 }, defaultMetrics: false });
    try {
      const { key, info } = await createKey(local, 'soon-revoked', 'user');
      const call = async () => (await app.inject({ method: 'GET', url: '/v1/models', headers: auth(key) })).statusCode;
      await eventually(async () => (await call()) === 200, 5000);
      down = true;
      await revokeKey(local, info.id);
      await sleep(400); // several polls see the new version and fail to read it
      assert.equal(await call(), 200, 'the keys loaded before stay in force while the file cannot be read');
      down = false;
      // no further change to the file: the version seen while failing must be read again
      await eventually(async () => (await call()) === 401, 3000);
    } finally {
      await app.close();
    }
  });

  it('health, readiness, metrics and docs are open', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/docs', '/docs/json', '/v2/health/live', '/v2/health/ready', '/v2/models/flights/ready']) {
      const res = await h.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
    }
  });

  it('never writes a key into capture or usage files', async () => {
    await h.app.serving.capture.flush();
    await h.app.serving.usage.save();
    const capDir = path.join(h.varDir, 'capture', 'flights');
    const { readdir } = await import('node:fs/promises');
    const files = await readdir(capDir);
    assert.ok(files.length > 0);
    const all = (await Promise.all(files.map((f) => readFile(path.join(capDir, f), 'utf8')))).join('') + (await readFile(path.join(h.varDir, 'usage.json'), 'utf8'));
    for (const k of [h.userKey, h.adminKey, envUser, envAdminRaw]) assert.ok(!all.includes(k));
    assert.ok(all.includes(h.userKeyId));
  });
});

describe('serving: KeyRing remembers verified keys', () => {
  const raw = `mlk_${'a'.repeat(12)}_${'B'.repeat(43)}`;
  const record = (revokedAt?: string) => ({ id: 'a'.repeat(12), name: 'k', role: 'user' as const, hash: hashKey(raw), createdAt: '2026-01-01T00:00:00Z', ...(revokedAt ? { revokedAt } : {}) });

  it('answers a key presented again without hashing it again, and forgets it as soon as the keys change', () => {
    const ring = new KeyRing();
    ring.setFileKeys([record()]);
    const first = ring.verify(raw);
    assert.equal(first?.id, 'a'.repeat(12));
    assert.equal(ring.verify(raw), first, 'the second answer is the remembered principal');
    assert.equal(ring.verify(`${raw.slice(0, -1)}C`), undefined);
    ring.setFileKeys([record('2026-01-02T00:00:00Z')]);
    assert.equal(ring.verify(raw), undefined, 'a revocation takes effect on the next request');
    ring.setFileKeys([record()]);
    assert.equal(ring.verify(raw)?.id, 'a'.repeat(12));
  });
});

describe('serving: secrets stay out of logs', () => {
  it('with request logging on at trace level, no log line holds a key', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (l: string) => lines.push(l) });
    const h = await harness({ logger, config: { SERVING_LOG_REQUESTS: true } });
    try {
      await h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(h.userKey), payload: { instances: [ROW] } });
      await h.app.inject({ method: 'POST', url: '/v1/predict', headers: { 'x-api-key': h.adminKey }, payload: { instances: [{}] } });
      await h.app.inject({ method: 'GET', url: '/v1/usage', headers: auth(`${h.userKey}x`) });
      assert.ok(
        lines.some((l) => l.includes('request completed')),
        'request logging was on',
      );
      for (const k of [h.userKey, h.adminKey]) assert.ok(!lines.join('\n').includes(k.slice(4)), 'a key reached the log');
    } finally {
      await h.close();
    }
  });
});

describe('serving: rate limit per key', () => {
  it('answers 429 with Retry-After once a key exceeds its limit; other keys are unaffected', async () => {
    const h = await harness({ config: { SERVING_RATE_LIMIT_MAX: 3, SERVING_RATE_LIMIT_WINDOW_MS: 60_000 } });
    try {
      const predict = (key: string) => h.app.inject({ method: 'POST', url: '/v1/predict', headers: auth(key), payload: { instances: [ROW] } });
      for (let i = 0; i < 3; i++) {
        const ok = await predict(h.userKey);
        assert.equal(ok.statusCode, 200);
        // the limit and what is left of it travel on every answer
        assert.equal(ok.headers['x-ratelimit-limit'], '3');
        assert.equal(ok.headers['x-ratelimit-remaining'], String(2 - i));
        assert.ok(Number(ok.headers['x-ratelimit-reset']) > 0);
      }
      const res = await predict(h.userKey);
      assert.equal(res.statusCode, 429);
      assert.equal(res.headers['x-ratelimit-remaining'], '0');
      const retry = Number(res.headers['retry-after']);
      assert.ok(retry > 0 && retry <= 60, `retry-after ${res.headers['retry-after']}`);
      const body = res.json();
      assert.equal(body.error, 'Too Many Requests');
      assert.match(body.message, /rate limit exceeded: at most 3 requests per 60000 ms per key; retry in/);
      assert.deepEqual(Object.keys(body).sort(), ['error', 'message']);
      assert.equal((await predict(h.adminKey)).statusCode, 200, 'the limit is per key, not per IP');
      // unauthenticated requests are refused before they count against anyone
      assert.equal((await h.app.inject({ method: 'POST', url: '/v1/predict', payload: { instances: [ROW] } })).statusCode, 401);
    } finally {
      await h.close();
    }
  });
});

describe('serving: failed authentication is rate limited per client address (brute force)', () => {
  it('after SERVING_AUTH_FAIL_MAX wrong keys an address gets 429 for further wrong keys, while a right key from it is still served', async () => {
    const h = await harness({ config: { SERVING_AUTH_FAIL_MAX: 5, SERVING_AUTH_FAIL_WINDOW_MS: 60_000 } });
    try {
      const from = (remoteAddress: string, key: string) => h.app.inject({ method: 'POST', url: '/v1/predict', remoteAddress, headers: auth(key), payload: { instances: [ROW] } });
      const guesses = Array.from({ length: 5 }, (_, i) => `mlk_${'0'.repeat(12)}_${String(i).padStart(43, 'x')}`);
      for (const g of guesses) assert.equal((await from('10.0.0.7', g)).statusCode, 401);
      const blocked = await from('10.0.0.7', 'another-guess');
      assert.equal(blocked.statusCode, 429);
      assert.match(blocked.json().message, /too many failed authentications from this address; retry in \d+ s/);
      const retry = Number(blocked.headers['retry-after']);
      assert.ok(retry >= 1 && retry <= 60, `retry-after ${blocked.headers['retry-after']}`);
      // a client sharing the guesser's address (one NAT, one proxy) is not locked out: a valid key is always served
      assert.equal((await from('10.0.0.7', h.userKey)).statusCode, 200);
      assert.equal((await from('10.0.0.7', h.adminKey)).statusCode, 200);
      assert.equal((await from('10.0.0.7', 'yet-another-guess')).statusCode, 429);
      // another address with wrong keys below the limit is not affected
      assert.equal((await from('10.0.0.9', 'wrong')).statusCode, 401);
      // requests without any key are not guesses: they neither count nor get blocked
      for (let i = 0; i < 10; i++) assert.equal((await h.app.inject({ method: 'GET', url: '/v1/models', remoteAddress: '10.0.0.10' })).statusCode, 401);
      assert.equal((await from('10.0.0.10', 'wrong')).statusCode, 401);
      const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /auth_failures_total 7/);
      assert.match(metrics, /auth_blocked_total 2/);
    } finally {
      await h.close();
    }
  });

  it('past the address table cap, new addresses share an overflow bucket that never blocks a valid key', async () => {
    const h = await harness({ config: { SERVING_AUTH_FAIL_MAX: 2 } });
    try {
      // a counter with room for one address, as a flood of distinct addresses leaves the real one
      const small = new WindowCounter(60_000, 1);
      const hook = authenticate(h.app.serving.keys, { failures: small, max: 2 });
      const run = (ip: string, key: string) =>
        new Promise<number>((resolve) => {
          const request = { ip, headers: { 'x-api-key': key } } as unknown as Parameters<typeof hook>[0];
          hook(request, {} as Parameters<typeof hook>[1], (err?: Error) => resolve(err ? (err as unknown as { statusCode: number }).statusCode : 200));
        });
      assert.equal(await run('192.0.2.1', 'bad'), 401); // takes the only slot
      for (let i = 2; i < 6; i++) await run(`192.0.2.${i}`, 'bad'); // all in the overflow bucket
      assert.equal(await run('192.0.2.99', 'bad'), 429, 'the overflow bucket is full of failures');
      assert.equal(await run('192.0.2.99', h.userKey), 200, 'a valid key from an overflowed address is served');
    } finally {
      await h.close();
    }
  });

  it('TRUST_PROXY (hops) counts failures per forwarded client, not per proxy', async () => {
    const h = await harness({ config: { SERVING_AUTH_FAIL_MAX: 2, TRUST_PROXY: '1' } });
    try {
      const via = (client: string, key: string) => h.app.inject({ method: 'GET', url: '/v1/models', remoteAddress: '10.9.9.9', headers: { ...auth(key), 'x-forwarded-for': client } });
      assert.equal((await via('203.0.113.1', 'bad-1')).statusCode, 401);
      assert.equal((await via('203.0.113.1', 'bad-2')).statusCode, 401);
      assert.equal((await via('203.0.113.1', 'bad-3')).statusCode, 429);
      // another client behind the same proxy: its own count
      assert.equal((await via('203.0.113.2', 'bad-1')).statusCode, 401);
    } finally {
      await h.close();
    }
  });

  it('TRUST_PROXY (addresses or CIDRs) believes only the listed proxies; bad values are refused naming the setting', async () => {
    const h = await harness({ config: { SERVING_AUTH_FAIL_MAX: 1, TRUST_PROXY: '10.9.0.0/16, 127.0.0.1' } });
    try {
      const via = (proxy: string, client: string, key: string) => h.app.inject({ method: 'GET', url: '/v1/models', remoteAddress: proxy, headers: { ...auth(key), 'x-forwarded-for': client } });
      assert.equal((await via('10.9.1.1', '203.0.113.5', 'bad')).statusCode, 401);
      assert.equal((await via('10.9.1.1', '203.0.113.6', 'bad')).statusCode, 401, 'a trusted proxy: each client counts alone');
      // an untrusted peer cannot pick its address by sending the header
      assert.equal((await via('198.51.100.1', '203.0.113.7', 'bad')).statusCode, 401);
      assert.equal((await via('198.51.100.1', '203.0.113.8', 'bad')).statusCode, 429);
    } finally {
      await h.close();
    }
    assert.deepEqual(parseServingConfig({ TRUST_PROXY: '2' }).TRUST_PROXY, 2);
    assert.deepEqual(parseServingConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY, false);
    assert.deepEqual(parseServingConfig({}).TRUST_PROXY, false);
    assert.deepEqual(parseServingConfig({ TRUST_PROXY: '::1,fd00::/8' }).TRUST_PROXY, ['::1', 'fd00::/8']);
    assert.throws(() => parseServingConfig({ TRUST_PROXY: '10.0.0.0/33' }), /TRUST_PROXY: must be true, false, a hop count/);
    assert.throws(() => parseServingConfig({ TRUST_PROXY: 'proxy.example' }), /TRUST_PROXY/);
  });

  it('the window ends: the address may try again', async () => {
    const h = await harness({ config: { SERVING_AUTH_FAIL_MAX: 2, SERVING_AUTH_FAIL_WINDOW_MS: 2000 } });
    try {
      const from = (key: string) => h.app.inject({ method: 'GET', url: '/v1/models', remoteAddress: '10.1.0.1', headers: auth(key) });
      // start right after a window boundary so both failures land in one window
      await new Promise((r) => setTimeout(r, h.app.serving.counters.authFailures.msLeft() + 5));
      assert.equal((await from('bad-1')).statusCode, 401);
      assert.equal((await from('bad-2')).statusCode, 401);
      assert.equal((await from('bad-3')).statusCode, 429);
      await new Promise((r) => setTimeout(r, h.app.serving.counters.authFailures.msLeft() + 5));
      assert.equal((await from('bad-4')).statusCode, 401);
    } finally {
      await h.close();
    }
  });
});
