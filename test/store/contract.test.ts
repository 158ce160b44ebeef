// The artifact store contract, run unchanged against the local-folder backend and S3 on a real MinIO.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ArtifactStore, CorruptObject, LocalFolderBackend, ObjectMissing, PreconditionFailed, StoreKeyError } from '../../src/store';
import { s3TestStore } from '../support/minio';
import { tempVarDir } from '../support/temporal';

const backends: { name: string; open: () => Promise<ArtifactStore> }[] = [
  // eslint-disable-next-line @typescript-eslint/require-await -- the callee expects a function returning a promise
  { name: 'local folder', open: async () => new ArtifactStore(new LocalFolderBackend(tempVarDir('mlp-store-'))) },
  { name: 'S3 on MinIO', open: async () => (await s3TestStore()).store },
];

const Counter = z.object({ n: z.number().int(), writers: z.array(z.string()) });

for (const backend of backends) {
  describe(`artifact store contract: ${backend.name}`, function () {
    // the first S3 case may build MinIO with go install (minutes, once per machine)
    this.timeout(15 * 60_000);
    let store: ArtifactStore;
    beforeEach(async () => {
      store = await backend.open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('stores bytes by key, reports size and an etag that follows the content', async () => {
      assert.equal(await store.get('a/b/c.bin'), undefined);
      assert.equal(await store.head('a/b/c.bin'), undefined);
      const bytes = Buffer.from([0, 1, 2, 255, 254]);
      const first = await store.put('a/b/c.bin', bytes);
      assert.deepEqual(await store.get('a/b/c.bin'), bytes);
      const head = await store.head('a/b/c.bin');
      assert.equal(head?.size, 5);
      assert.equal(head?.etag, first.etag);
      const second = await store.put('a/b/c.bin', 'other');
      assert.notEqual(second.etag, first.etag);
      assert.equal((await store.get('a/b/c.bin'))?.toString(), 'other');
      assert.equal((await store.getObject('a/b/c.bin'))?.etag, second.etag);
    });

    it('reads JSON through a schema and names the key of a bad object', async () => {
      await store.putJson('state/x.json', { n: 3, writers: ['a'] });
      assert.deepEqual(await store.getJson('state/x.json', Counter), { n: 3, writers: ['a'] });
      assert.equal(await store.getJson('state/none.json', Counter), undefined);
      await assert.rejects(store.getJsonRequired('state/none.json', Counter), (e: unknown) => e instanceof ObjectMissing && e.key === 'state/none.json');
      await store.put('state/bad.json', '{"n": "three"');
      await assert.rejects(store.getJson('state/bad.json', Counter), (e: unknown) => e instanceof CorruptObject && /state\/bad\.json.*not JSON/.test(e.message));
      await store.putJson('state/wrong.json', { n: 'three', writers: [] });
      await assert.rejects(store.getJson('state/wrong.json', Counter), (e: unknown) => e instanceof CorruptObject && /n: /.test(e.message));
    });

    it('lists by prefix in key order, including partial last segments, and deletes', async () => {
      for (const key of ['cap/m/r2/0002.jsonl', 'cap/m/r1/0001.jsonl', 'cap/m/r1/0000.jsonl', 'cap/n/r1/0000.jsonl', 'capx/y']) await store.put(key, key);
      assert.deepEqual(
        (await store.list('cap/m/')).map((o) => o.key),
        ['cap/m/r1/0000.jsonl', 'cap/m/r1/0001.jsonl', 'cap/m/r2/0002.jsonl'],
      );
      assert.deepEqual(
        (await store.list('cap/m/r1/000')).map((o) => o.key),
        ['cap/m/r1/0000.jsonl', 'cap/m/r1/0001.jsonl'],
      );
      assert.deepEqual(
        (await store.list('cap')).map((o) => o.key),
        ['cap/m/r1/0000.jsonl', 'cap/m/r1/0001.jsonl', 'cap/m/r2/0002.jsonl', 'cap/n/r1/0000.jsonl', 'capx/y'],
      );
      assert.equal((await store.list('cap/m/r1/0000.jsonl'))[0].size, 'cap/m/r1/0000.jsonl'.length);
      assert.deepEqual(await store.list('nothing/'), []);
      await store.delete('cap/m/r1/0000.jsonl');
      await store.delete('cap/m/r1/0000.jsonl'); // deleting a missing object is fine
      assert.deepEqual(
        (await store.list('cap/m/r1/')).map((o) => o.key),
        ['cap/m/r1/0001.jsonl'],
      );
      assert.equal(await store.get('cap/m/r1/0000.jsonl'), undefined);
    });

    it('creates only when absent and swaps only on an unchanged etag', async () => {
      assert.equal(await store.create('alias.json', 'one'), true);
      assert.equal(await store.create('alias.json', 'two'), false);
      assert.equal((await store.get('alias.json'))?.toString(), 'one');
      const read = await store.getObject('alias.json');
      await store.put('alias.json', 'three', { ifMatch: read!.etag });
      await assert.rejects(store.put('alias.json', 'four', { ifMatch: read!.etag }), (e: unknown) => e instanceof PreconditionFailed && e.condition === 'changed');
      await assert.rejects(store.put('missing.json', 'x', { ifMatch: read!.etag }), PreconditionFailed);
      await assert.rejects(store.put('alias.json', 'x', { ifNoneMatch: '*' }), (e: unknown) => e instanceof PreconditionFailed && e.condition === 'exists');
      assert.equal((await store.get('alias.json'))?.toString(), 'three');
    });

    it('lets exactly one of many concurrent creates win', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.create('once.json', `writer-${i}`)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await store.get('once.json'))?.toString(), `writer-${results.indexOf(true)}`);
    });

    it('lets exactly one of many compare-and-swaps on the same etag win', async () => {
      const { etag } = await store.put('champion.json', 'v1');
      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => store.put('champion.json', `v${i + 2}`, { ifMatch: etag })));
      const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
      assert.equal(won.length, 1);
      for (const o of outcomes) if (o.status === 'rejected') assert.ok(o.reason instanceof PreconditionFailed, String(o.reason));
      assert.equal((await store.get('champion.json'))?.toString(), `v${won[0] + 2}`);
    });

    it('loses no update when many writers read-modify-write one object at once', async () => {
      const writers = Array.from({ length: 8 }, (_, i) => `w${i}`);
      await Promise.all(writers.map((w) => store.update('keys.json', Counter, (cur) => ({ n: (cur?.n ?? 0) + 1, writers: [...(cur?.writers ?? []), w] }))));
      const final = await store.getJson('keys.json', Counter);
      assert.equal(final?.n, 8);
      assert.deepEqual([...final.writers].sort(), writers);
      const untouched = await store.update('keys.json', Counter, () => undefined);
      assert.equal(untouched.changed, false);
    });

    it('puts a local file and hands back a local file with the same bytes, following overwrites', async () => {
      const dir = tempVarDir('mlp-store-files-');
      const src = path.join(dir, 'snapshot.parquet');
      const big = Buffer.alloc(9 * 1024 * 1024 + 17, 7); // past the backends' in-memory threshold: streamed
      big.write('head', 0);
      writeFileSync(src, big);
      await store.putFile('runs/r1/snapshot.parquet', src);
      const local = await store.fetchFile('runs/r1/snapshot.parquet');
      assert.ok(local.endsWith('snapshot.parquet'), local);
      assert.ok(readFileSync(local).equals(big));
      await store.put('runs/r1/snapshot.parquet', 'replaced');
      assert.equal(readFileSync(await store.fetchFile('runs/r1/snapshot.parquet'), 'utf8'), 'replaced');
      await assert.rejects(store.fetchFile('runs/r1/none.parquet'), ObjectMissing);
    });

    it('refuses keys that could escape the store', async () => {
      for (const key of ['../x', 'a/../../x', '/etc/passwd', 'a//b', 'a/./b', '.hidden', 'a/b/', '', 'C:/x', 'a\\b']) {
        await assert.rejects(store.put(key, 'x'), StoreKeyError, key);
        await assert.rejects(store.get(key), StoreKeyError, key);
      }
      await assert.rejects(store.list('../'), StoreKeyError);
    });
  });
}
