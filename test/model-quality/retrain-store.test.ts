// Retraining data on a remote store (MinIO): the combined data, the newest rows and the derived spec are store objects, named by store keys.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDb, quoteString } from '../../src/data/duckdb';
import { prepareQualityRetrain } from '../../src/model-quality';
import { Registry } from '../../src/registry/registry';
import { RetrainDataSpec } from '../../src/spec/dataset';
import { resolveSpecInput } from '../../src/spec/dataset-input';
import { syntheticModelBytes } from '../support/synthetic-model';
import { s3TestStore } from '../support/minio';
import { projectRoot, tempVarDir } from '../support/temporal';

const LIVE = 50;

describe('model quality: retraining data in a remote store', function () {
  this.timeout(300_000);

  it('writes combined.parquet, recent.parquet and spec.json as objects; the spec names its data by store key; no scratch file is left', async () => {
    const { store } = await s3TestStore();
    const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets/flights-small.json'), 'utf8')) as { features: { name: string; type: string }[] };
    const registry = new Registry(store);
    const meta = await registry.register({
      name: 'flights-small',
      runKey: 'run-1',
      files: { 'model.onnx': syntheticModelBytes({ rounds: 3 }) },
      metadata: { metrics: {}, spec, features: spec.features.map((f) => ({ name: f.name, type: f.type as 'numeric' | 'categorical' })), extra: {} },
    });
    await registry.setAlias('flights-small', meta.version, 'test');

    // what two replicas would have shipped: captures from one, labels from another
    const now = Date.now();
    const captures: string[] = [];
    const labels: string[] = [];
    for (let i = 0; i < LIVE; i++) {
      const ts = new Date(now - (LIVE - i) * 1000).toISOString();
      const features = { hour: i % 24, day_of_week: i % 7, distance: 100 + i, origin: 'SFO', destination: 'LAX' };
      captures.push(JSON.stringify({ ts, model: 'flights-small', version: meta.version, api: 'v1', request_id: 'r', key_id: 'k', row: i, id: `live-${i}`, probability: 0.3, label: 0, features }));
      labels.push(JSON.stringify({ ts, model: 'flights-small', key_id: 'k', n: i, id: `live-${i}`, label: i % 2 }));
    }
    await store.put('capture/flights-small/20260101T00-aaaaaa-000001.jsonl', `${captures.join('\n')}\n`);
    await store.put('labels/flights-small/20260101T00-bbbbbb-000001.jsonl', `${labels.join('\n')}\n`);

    const scratch = tempVarDir('qport-retrain-');
    const prepared = await prepareQualityRetrain({
      store,
      scratchDir: scratch,
      projectRoot,
      model: 'flights-small',
      version: meta.version,
      reportId: '20260101T000000Z-flights-small-qtest',
      retrainData: RetrainDataSpec.parse({ windowDays: 1 }),
      end: new Date(now + 1000).toISOString(),
    });
    const compare = Math.ceil(LIVE * 0.2);
    assert.deepEqual({ live: prepared.liveRows, train: prepared.trainRows, compare: prepared.compareRows }, { live: LIVE, train: LIVE - compare, compare }, prepared.note);
    const prefix = 'model-quality/flights-small/retrain/20260101T000000Z-flights-small-qtest/';
    assert.equal(prepared.spec, `store:${prefix}spec.json`);
    assert.equal(prepared.recentRowsKey, `${prefix}recent.parquet`);
    assert.deepEqual(await readdir(scratch), [], 'the scratch folder is cleaned up');

    // any worker resolves the spec from the store, and its data is a store object too
    const resolved = await resolveSpecInput(prepared.spec, { projectRoot, store });
    assert.equal(resolved.spec.source.path, `store:${prefix}combined.parquet`);
    const db = await DuckDb.open();
    try {
      const combined = await store.fetchFile(`${prefix}combined.parquet`);
      const recent = await store.fetchFile(`${prefix}recent.parquet`);
      assert.equal(Number((await db.one(`SELECT count(*) AS n FROM read_parquet(${quoteString(combined)})`)).n), 100_000 + LIVE - compare);
      assert.equal(Number((await db.one(`SELECT count(*) AS n FROM read_parquet(${quoteString(recent)})`)).n), compare);
      // the newest rows are the compared ones, never trained on
      assert.equal(Number((await db.one(`SELECT min(distance) AS d FROM read_parquet(${quoteString(recent)})`)).d), 100 + LIVE - compare);
    } finally {
      db.close();
    }
  });
});
