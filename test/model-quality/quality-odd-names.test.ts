// Names with quotes, spaces and other scripts through every generated SQL statement: ingest, train, serve, label, retrain, ingest again.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDb, quoteIdent, quoteString } from '../../src/data/duckdb';
import { ingestSnapshot } from '../../src/data/ingest';
import { loadFrame } from '../../src/data/load-frame';
import { trainGbdt } from '../../src/model/gbdt';
import { exportOnnx } from '../../src/model/onnx-export';
import { prepareQualityRetrain } from '../../src/model-quality';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import { devKeyPath } from '../../src/serving/keys';
import { parseSpec, RetrainDataSpec } from '../../src/spec/dataset';
import { localStore } from '../../src/store';
import { localizeSource, resolveSpecInput } from '../../src/spec/dataset-input';
import { auth, tempVarDir } from '../serving/helpers';

const NUM = "it's late (min)";
const CAT = 'carrier "code"';
const UNI = 'Überflug 名前 ✈';
const TARGET = "délai d'arrivée";

describe('model quality: odd column names end to end', function () {
  this.timeout(120_000);

  it('trains, serves, labels and prepares a retrain for a spec whose names hold quotes, spaces and unicode', async () => {
    const varDir = await tempVarDir();
    const csv = path.join(varDir, 'odd.csv');
    const lines = [[NUM, CAT, UNI, TARGET].map((n) => `"${n.replace(/"/g, '""')}"`).join(',')];
    for (let i = 0; i < 400; i++) lines.push(`${i % 50},${['A', "O'Hare", 'Zürich'][i % 3]},${(i * 7) % 13},${(i % 50) + ((i * 7) % 13) > 30 ? 40 : 5}`);
    await writeFile(csv, `${lines.join('\n')}\n`);
    const spec = parseSpec({
      name: 'odd-names',
      source: { path: csv },
      target: { column: TARGET, positive: { op: '>', value: 15 } },
      features: [
        { name: NUM, type: 'numeric' },
        { name: CAT, type: 'categorical' },
        { name: UNI, type: 'numeric' },
      ],
      split: { kind: 'random', holdout: 0.2, seed: 3 },
      model: { rounds: 5 },
    });
    const store = localStore(varDir);
    const registry = new Registry(store);

    // ingest and train
    const manifest = await ingestSnapshot({ spec, specFile: path.join(varDir, 'spec.json'), outDir: path.join(varDir, 'scratch'), runKey: 'odd' });
    assert.equal(manifest.rows, 400);
    const { frame } = await loadFrame(manifest.path, spec.features);
    const model = trainGbdt(frame, { rounds: 5, maxDepth: 3, minDataInLeaf: 5 });
    const meta = await registry.register({
      name: 'odd-names',
      runKey: 'odd-1',
      files: { 'model.onnx': exportOnnx(model, { modelName: 'odd-names' }) },
      metadata: { metrics: {}, spec, features: spec.features.map((f) => ({ name: f.name, type: f.type })), extra: {} },
    });
    await registry.setAlias('odd-names', meta.version, 'test');

    // serve and label through the API
    const app = await buildApp({ registry, varDir, modelName: 'odd-names', config: { MODEL_POLL_MS: 100, CAPTURE_FLUSH_MS: 50 }, defaultMetrics: false });
    const ids: string[] = [];
    try {
      await app.ready();
      const key = (await readFile(devKeyPath(varDir), 'utf8')).trim();
      const instances = Array.from({ length: 60 }, (_, i) => ({ [NUM]: i % 50, [CAT]: i % 2 ? "O'Hare" : 'Zürich', [UNI]: i % 13 }));
      const res = await app.inject({ method: 'POST', url: '/v1/predict', headers: auth(key), payload: { instances } });
      assert.equal(res.statusCode, 200, res.body);
      for (const p of res.json().predictions as { id: string }[]) ids.push(p.id);
      const fb = await app.inject({ method: 'POST', url: '/v1/feedback', headers: auth(key), payload: { labels: ids.map((id, i) => ({ id, label: i % 2 })) } });
      assert.equal(fb.json().accepted, 60, fb.body);
    } finally {
      await app.close();
    }

    // retrain data from the captured rows (their features keyed by the odd names) and the labels
    const prepared = await prepareQualityRetrain({
      store,
      scratchDir: varDir,
      projectRoot: varDir,
      model: 'odd-names',
      version: meta.version,
      reportId: '20260101T000000Z-odd-names-q',
      retrainData: RetrainDataSpec.parse({ windowDays: 1 }),
      end: new Date(Date.now() + 60_000).toISOString(),
    });
    assert.equal(prepared.liveRows, 60, prepared.note);
    assert.ok(prepared.spec, prepared.note);
    const derived = await resolveSpecInput(prepared.spec, { projectRoot: varDir, store });
    const db = await DuckDb.open();
    try {
      const combined = await store.fetchFile(`model-quality/odd-names/retrain/20260101T000000Z-odd-names-q/combined.parquet`);
      const cols = (await db.describe(`SELECT * FROM read_parquet(${quoteString(combined)})`)).map((c) => c.name);
      for (const n of [NUM, CAT, UNI, TARGET]) assert.ok(cols.includes(n), `${n} in ${cols.join(', ')}`);
      const live = await db.one(`SELECT count(*) AS n FROM read_parquet(${quoteString(combined)}) WHERE ${quoteIdent(CAT)} = 'O''Hare'`);
      assert.ok(Number(live.n) > 0);
    } finally {
      db.close();
    }
    // and the derived spec ingests and trains again
    const again = await ingestSnapshot({
      spec: await localizeSource(derived.spec, store, path.join(varDir, 'links')),
      specFile: derived.specFile,
      outDir: path.join(varDir, 'scratch'),
      runKey: 'odd-2',
    });
    assert.equal(again.rows, 400 + prepared.trainRows);
    const retrained = trainGbdt((await loadFrame(again.path, derived.spec.features)).frame, { rounds: 3, maxDepth: 3, minDataInLeaf: 5 });
    assert.equal(retrained.features.length, 3);
  });
});
