// What only one backend (or the cache) does: local lock recovery and layout, S3 prefixes and the download cache.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ArtifactStore, FileCache, LocalFolderBackend, parseStoreLocation, StoreUnavailable } from '../../src/store';
import { s3TestStore, startMinio } from '../support/minio';
import { tempVarDir } from '../support/temporal';
import { S3Backend } from '../../src/store/s3';

describe('artifact store backends', function () {
  this.timeout(15 * 60_000);

  it('local: keys are files under the root, so the laptop layout of var/ is unchanged', async () => {
    const root = tempVarDir();
    const store = new ArtifactStore(new LocalFolderBackend(root));
    await store.put('registry/flights/versions/3/model.onnx', 'onnx');
    assert.ok(existsSync(path.join(root, 'registry', 'flights', 'versions', '3', 'model.onnx')));
    assert.equal(await store.fetchFile('registry/flights/versions/3/model.onnx'), path.join(root, 'registry', 'flights', 'versions', '3', 'model.onnx'));
    // temp files and locks never show up as keys
    await store.put('x.json', '1', { ifMatch: (await store.getObject('x.json'))?.etag ?? 'none' }).catch(() => undefined);
    assert.deepEqual(
      (await store.list('')).map((o) => o.key),
      ['registry/flights/versions/3/model.onnx'],
    );
  });

  it('local: a lock left by a crashed writer is broken once it is stale, and a finished write leaves none', async () => {
    const root = tempVarDir();
    const store = new ArtifactStore(new LocalFolderBackend(root));
    const { etag } = await store.put('alias.json', 'a');
    const { etag: etag2 } = await store.put('alias.json', 'b', { ifMatch: etag });
    const lockDir = path.join(root, '.store-locks');
    assert.deepEqual(readdirSync(lockDir), [], 'a finished compare-and-swap releases its lock');
    // a writer that died holding the lock a minute ago
    const lock = path.join(lockDir, `${createHash('sha256').update('alias.json').digest('hex').slice(0, 40)}.lock`);
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    await store.put('alias.json', 'c', { ifMatch: etag2 });
    assert.equal((await store.get('alias.json'))?.toString(), 'c');
    assert.deepEqual(readdirSync(lockDir), []);
  });

  it('S3: a key prefix keeps two stores in one bucket apart', async () => {
    const { store: a, bucket, server } = await s3TestStore({ prefix: 'team-a' });
    const b = new ArtifactStore(new S3Backend({ bucket, prefix: 'team-b', endpoint: server.endpoint, region: server.region, credentials: server.credentials }, new FileCache(tempVarDir(), 1 << 20)));
    await a.put('registry/m/aliases.json', 'a');
    assert.equal(await b.get('registry/m/aliases.json'), undefined);
    assert.deepEqual(await b.list(''), []);
    assert.deepEqual(
      (await a.list('')).map((o) => o.key),
      ['registry/m/aliases.json'],
    );
    await Promise.all([a.close(), b.close()]);
  });

  it('S3: downloads are cached by content, reused, and the cache stays within its size', async () => {
    const cacheDir = tempVarDir('mlp-cache-');
    const { backend } = await s3TestStore({ cacheDir });
    const small = new S3Backend(backend.settings, new FileCache(cacheDir, 2500));
    const store = new ArtifactStore(small);
    await store.put('m/a.bin', Buffer.alloc(1000, 1));
    const first = await store.fetchFile('m/a.bin');
    assert.equal(await store.fetchFile('m/a.bin'), first, 'the second fetch is a cache hit');
    await store.put('m/b.bin', Buffer.alloc(1000, 2));
    await store.put('m/c.bin', Buffer.alloc(1000, 3));
    await store.fetchFile('m/b.bin');
    await store.fetchFile('m/c.bin');
    const names = readdirSync(cacheDir).filter((n) => !n.startsWith('.'));
    assert.equal(names.length, 2, `cache holds ${names.join(', ')}`);
    assert.ok(!existsSync(first), 'the least recently used file was evicted');
    await store.close();
  });

  it('S3: a worker store rides out a short outage (transient failures retried for retryForMs); without it the call fails typed', async () => {
    const dataDir = tempVarDir('mlp-minio-outage-');
    let server = await startMinio({ dataDir });
    const settings = { bucket: 'outage', prefix: 'p', endpoint: server.endpoint, region: server.region, credentials: server.credentials };
    const patient = new ArtifactStore(new S3Backend({ ...settings, retryForMs: 30_000 }, new FileCache(tempVarDir(), 1 << 20)));
    const impatient = new ArtifactStore(new S3Backend(settings, new FileCache(tempVarDir(), 1 << 20)));
    try {
      await (patient.backend as S3Backend).ensureBucket();
      await patient.put('state.json', 'before');
      await server.stop();
      await assert.rejects(impatient.get('state.json'), (e: unknown) => e instanceof StoreUnavailable && /GetObject state\.json on s3:\/\/outage\/p/.test(e.message));
      const writing = patient.put('state.json', 'during the outage');
      await new Promise((r) => setTimeout(r, 2000));
      server = await startMinio({ port: server.port, dataDir });
      await writing;
      assert.equal((await impatient.get('state.json'))?.toString(), 'during the outage');
    } finally {
      await Promise.all([patient.close(), impatient.close()]);
      await server.stop();
    }
  });

  it('parses store locations', () => {
    assert.deepEqual(parseStoreLocation('s3://ml-artifacts/prod/v1/', '/x'), { kind: 's3', bucket: 'ml-artifacts', prefix: 'prod/v1' });
    assert.deepEqual(parseStoreLocation('s3://ml-artifacts', '/x'), { kind: 's3', bucket: 'ml-artifacts', prefix: '' });
    assert.deepEqual(parseStoreLocation('var', '/x'), { kind: 'local', root: '/x/var' });
    assert.throws(() => parseStoreLocation('gs://b/p', '/x'), /unsupported store URL/);
  });
});
