// Retraining data per task: labeled live rows of a multiclass and a regression model become training rows with the target in the data's type, and comparison rows with the snapshot's label per task.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDb, cellText, quoteString } from '../../src/data/duckdb';
import { prepareQualityRetrain } from '../../src/model-quality';
import { Registry } from '../../src/registry/registry';
import { syntheticModelBytes } from '../support/synthetic-model';
import { RetrainDataSpec } from '../../src/spec/dataset';
import { localStore } from '../../src/store';
import { projectRoot, tempVarDir } from '../support/temporal';

const LIVE = 40;
const CLASSES = ['Adelie', 'Chinstrap', 'Gentoo'];

async function prepare(task: 'multiclass' | 'regression') {
  const varDir = tempVarDir(`retrain-${task}-`);
  const store = localStore(varDir);
  const base = JSON.parse(await readFile(path.join(projectRoot, 'datasets/penguins.json'), 'utf8')) as Record<string, unknown> & { features: { name: string; type: string }[] };
  const target = task === 'multiclass' ? 'Species' : 'Body Mass (g)';
  const features = base.features.filter((f) => f.name !== target);
  // the binary spec's gates (minAuc) are binary-only
  const { gates: _gates, ...rest } = base;
  const spec = { ...rest, name: `p-${task}`, target: { column: target, task }, features };
  const registry = new Registry(store);
  const meta = await registry.register({
    name: spec.name,
    runKey: 'run-1',
    files: { 'model.onnx': syntheticModelBytes({ rounds: 2 }) },
    metadata: { metrics: {}, spec, features: features.map((f) => ({ name: f.name, type: f.type as 'numeric' | 'categorical' })), extra: task === 'multiclass' ? { task, classes: CLASSES } : { task } },
  });
  const now = Date.now();
  const captures: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < LIVE; i++) {
    const ts = new Date(now - (LIVE - i) * 1000).toISOString();
    const row = { 'Beak Length (mm)': 40 + i / 10, 'Beak Depth (mm)': 18, 'Flipper Length (mm)': 190 + i, 'Body Mass (g)': 4000, Island: 'Biscoe', Sex: 'FEMALE' };
    const f = Object.fromEntries(features.map((x) => [x.name, row[x.name as keyof typeof row]]));
    const output = task === 'multiclass' ? { class: i % 3, probabilities: [0.2, 0.3, 0.5] } : { prediction: 4100 };
    captures.push(JSON.stringify({ ts, model: spec.name, version: meta.version, api: 'v1', request_id: 'r', key_id: 'k', row: i, id: `live-${i}`, ...output, features: f }));
    labels.push(JSON.stringify({ ts, model: spec.name, key_id: 'k', n: i, id: `live-${i}`, label: task === 'multiclass' ? CLASSES[i % 3] : 3000 + i }));
  }
  // a label that is not a number / not a class: left out
  labels.push(JSON.stringify({ ts: new Date(now).toISOString(), model: spec.name, key_id: 'k', n: LIVE, id: 'live-0', label: task === 'multiclass' ? 'Emperor' : 'heavy' }));
  await store.put(`capture/${spec.name}/20260101T00-aaaaaa-000001.jsonl`, `${captures.join('\n')}\n`);
  await store.put(`labels/${spec.name}/20260101T00-bbbbbb-000001.jsonl`, `${labels.join('\n')}\n`);
  const prepared = await prepareQualityRetrain({
    store,
    scratchDir: tempVarDir('retrain-scratch-'),
    projectRoot,
    model: spec.name,
    version: meta.version,
    reportId: `20260101T000000Z-${spec.name}-qtest`,
    retrainData: RetrainDataSpec.parse({ windowDays: 1 }),
    end: new Date(now + 1000).toISOString(),
  });
  return { store, prepared, target };
}

describe('model quality: retraining data per task', function () {
  this.timeout(120_000);

  for (const task of ['multiclass', 'regression'] as const) {
    it(`${task}: live labels become the target (${task === 'multiclass' ? 'class values' : 'numbers'}); the comparison rows carry ${task === 'multiclass' ? 'the class index' : 'the value'} as __label`, async () => {
      const { store, prepared, target } = await prepare(task);
      const compare = Math.ceil(LIVE * 0.2);
      assert.deepEqual({ live: prepared.liveRows, compare: prepared.compareRows }, { live: LIVE, compare }, prepared.note);
      assert.ok(prepared.spec && prepared.recentRowsKey);
      const db = await DuckDb.open();
      try {
        const key = prepared.spec.slice('store:'.length).replace(/spec\.json$/, 'combined.parquet');
        const combined = quoteString(await store.fetchFile(key));
        const recent = quoteString(await store.fetchFile(prepared.recentRowsKey));
        // the live rows (Biscoe females with beak depth 18.0 exactly are live ones; the source has its own)
        const liveTargets = await db.rows(
          `SELECT "${target}" AS t FROM read_parquet(${combined}) WHERE "Flipper Length (mm)" >= 190 AND "Beak Depth (mm)" = 18 AND "Beak Length (mm)" < 44 AND Island = 'Biscoe' AND Sex = 'FEMALE' AND "Beak Length (mm)" * 10 % 1 = 0 ORDER BY "Flipper Length (mm)"`,
        );
        assert.ok(liveTargets.length >= LIVE - compare);
        const recentRows = await db.rows(`SELECT __label AS l, typeof(__label) AS t FROM read_parquet(${recent}) ORDER BY __row`);
        assert.equal(recentRows.length, compare);
        if (task === 'multiclass') {
          assert.ok(liveTargets.every((r) => CLASSES.includes(cellText(r.t))));
          assert.equal(recentRows[0].t, 'UTINYINT');
          // newest first: live-39 (Adelie, index 0), live-38 (Gentoo, 2), ...
          assert.deepEqual(
            recentRows.map((r) => Number(r.l)),
            Array.from({ length: compare }, (_, k) => (LIVE - 1 - k) % 3),
          );
        } else {
          assert.equal(recentRows[0].t, 'DOUBLE');
          assert.deepEqual(
            recentRows.map((r) => Number(r.l)),
            Array.from({ length: compare }, (_, k) => 3000 + LIVE - 1 - k),
          );
          assert.ok(liveTargets.some((r) => Number(r.t) === 3000 + LIVE - compare - 1));
        }
      } finally {
        db.close();
      }
    });
  }
});
