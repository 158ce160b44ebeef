// Dataset specs and data named by store key: resolution, relative paths beside the spec, globs over objects, typed errors.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDb } from '../../src/data/duckdb';
import { SpecError } from '../../src/spec/dataset';
import { localizeSource, resolveSpecInput } from '../../src/spec/dataset-input';
import { localStore } from '../../src/store';
import { s3TestStore } from '../support/minio';
import { projectRoot, tempVarDir } from '../support/temporal';

const broken = JSON.parse(readFileSync(path.join(projectRoot, 'datasets/flights-broken.json'), 'utf8')) as { source: Record<string, unknown> };
const csv = readFileSync(path.join(projectRoot, 'datasets/data/flights-broken.csv'), 'utf8');

for (const backend of ['local folder', 'S3 on MinIO'] as const) {
  describe(`dataset input from the store: ${backend}`, function () {
    this.timeout(120_000);
    const open = async () => (backend === 'S3 on MinIO' ? (await s3TestStore()).store : localStore(tempVarDir()));

    it('reads a spec by store key, its relative data from beside it, and inline specs', async () => {
      const store = await open();
      await store.putJson('datasets/broken/spec.json', broken);
      await store.put('datasets/broken/data/flights-broken.csv', csv);
      const fromStore = await resolveSpecInput('store:datasets/broken/spec.json', { projectRoot, store });
      assert.equal(fromStore.spec.source.path, 'store:datasets/broken/data/flights-broken.csv');
      assert.equal(fromStore.source, 'store:datasets/broken/spec.json');
      const local = await localizeSource(fromStore.spec, store, path.join(tempVarDir(), 'links'));
      assert.equal(readFileSync(local.source.path, 'utf8'), csv);

      const inline = await resolveSpecInput({ ...broken, source: { ...broken.source, path: 'store:datasets/broken/data/flights-broken.csv' } }, { projectRoot, store });
      assert.equal(inline.source, 'inline spec');
      const byPath = await resolveSpecInput('datasets/flights-broken.json', { projectRoot, store });
      assert.equal(byPath.spec.source.path, 'data/flights-broken.csv');
    });

    it('reads every object a store glob matches, as one source', async () => {
      const store = await open();
      const lines = csv.trimEnd().split('\n');
      const header = lines[0];
      await store.put('lake/flights/part-1.csv', `${[header, ...lines.slice(1, 101)].join('\n')}\n`);
      await store.put('lake/flights/part-2.csv', `${[header, ...lines.slice(101)].join('\n')}\n`);
      await store.put('lake/flights/notes.txt', 'not data');
      const spec = (await resolveSpecInput({ ...broken, source: { ...broken.source, path: 'store:lake/flights/part-*.csv' } }, { projectRoot, store })).spec;
      const links = path.join(tempVarDir(), 'links');
      const local = await localizeSource(spec, store, links);
      assert.equal(readdirSync(links).length, 2);
      const db = await DuckDb.open();
      try {
        const row = await db.one(`SELECT count(*) AS n FROM read_csv('${local.source.path}')`);
        assert.equal(Number(row.n), lines.length - 1);
      } finally {
        db.close();
      }
    });

    it('names the missing key or the bad one in a SpecError', async () => {
      const store = await open();
      await assert.rejects(
        resolveSpecInput('store:nope/spec.json', { projectRoot, store }),
        (e: unknown) => e instanceof SpecError && /spec store:nope\/spec\.json does not exist in the artifact store/.test(e.message),
      );
      await assert.rejects(resolveSpecInput('store:/etc/passwd', { projectRoot, store }), (e: unknown) => e instanceof SpecError && /must be relative/.test(e.message));
      await assert.rejects(resolveSpecInput(42, { projectRoot, store }), SpecError);
      const spec = (await resolveSpecInput(broken, { projectRoot, store })).spec;
      for (const p of ['store:none/x.csv', 'store:none/*.csv', 'store:../*.csv']) {
        await assert.rejects(localizeSource({ ...spec, source: { ...spec.source, path: p } }, store, path.join(tempVarDir(), 'l')), SpecError, p);
      }
    });
  });
}
