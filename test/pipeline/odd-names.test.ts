// A JSON array dataset whose columns are named as people name them ("Body Mass (g)") trains, ties its baseline at
// AUC 1.0 and is promoted, is served, scores a request keyed by that name, and its capture feeds the drift query.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TrainingResult } from '../../activities/training-types';
import { DuckDb } from '../../src/data/duckdb';
import { captureFolder, listCaptureFiles } from '../../src/drift/monitor/capture-files';
import { profileCaptureWindow } from '../../src/drift/monitor/live';
import { DatasetProfile } from '../../src/profile/schema';
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { buildApp } from '../../src/serving/app';
import { createKey } from '../../src/serving/keys';
import { tempVarDir, withWorker } from '../support/temporal';

const MODEL = 'penguin-names';
const FEATURES = [
  { name: 'Body Mass (g)', type: 'numeric' },
  { name: 'Island', type: 'categorical' },
] as const;

/** Separable by mass (Adelie 3000-3500 g, others 4500-5500 g), so both the GBDT and the logistic baseline reach AUC 1.0. */
function rows(n: number): Record<string, string | number>[] {
  const islands = ['Torgersen', 'Biscoe', 'Dream'];
  return Array.from({ length: n }, (_, i) => {
    const adelie = i % 2 === 0;
    return {
      Species: adelie ? 'Adelie' : i % 4 === 1 ? 'Gentoo' : 'Chinstrap',
      Island: islands[(i * 7) % 3],
      'Beak Length (mm)': 35 + (i % 17),
      'Body Mass (g)': adelie ? 3000 + ((i * 37) % 500) : 4500 + ((i * 53) % 1000),
    };
  });
}

describe('trainingPipeline with column names as the data has them', function () {
  this.timeout(300_000);

  it('trains the shipped datasets/penguins.json (vega-datasets JSON array, names as the file has them) and promotes it', async () => {
    const varDir = tempVarDir();
    const result = await withWorker(
      async ({ env, taskQueue }) => {
        const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: `penguins-${Date.now()}`, args: [{ spec: 'datasets/penguins.json' }] });
        return (await handle.result()) as TrainingResult;
      },
      { varDir },
    );
    const { candidate, logistic } = result.metrics;
    console.log(`      penguins: ${result.rows} rows, holdout ${candidate.rows}, AUC ${candidate.auc} (logistic ${logistic.auc}); ${result.promotionReason}`);
    assert.equal(result.promoted, true, result.promotionReason);
    assert.ok((candidate.auc ?? 0) >= 0.95);
  });

  it('trains a JSON array file on "Body Mass (g)", promotes a tie with the baseline, serves and scores that key', async () => {
    const varDir = tempVarDir();
    await writeFile(path.join(varDir, 'penguins.json'), JSON.stringify(rows(400), null, 1));
    const specFile = path.join(varDir, 'spec.json');
    await writeFile(
      specFile,
      JSON.stringify({
        name: MODEL,
        source: { path: 'penguins.json' },
        target: { column: 'Species', positive: { op: '=', value: 'Adelie' } },
        features: FEATURES,
        split: { kind: 'random', holdout: 0.3, seed: 3 },
        expectations: [
          { type: 'not_null', column: 'Body Mass (g)' },
          { type: 'between', column: 'Body Mass (g)', min: 2000, max: 7000 },
          { type: 'in_set', column: 'Island', values: ['Torgersen', 'Biscoe', 'Dream'] },
        ],
        model: { rounds: 10, minDataInLeaf: 5, maxDepth: 3 },
      }),
    );

    const result = await withWorker(
      async ({ env, taskQueue }) => {
        const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: `odd-names-${Date.now()}`, args: [{ spec: specFile }] });
        return (await handle.result()) as TrainingResult;
      },
      { varDir },
    );
    assert.equal(result.metrics.candidate.auc, 1);
    assert.equal(result.metrics.logistic.auc, 1, 'the data is separable, so the baseline ties');
    assert.equal(result.promoted, true, result.promotionReason);
    assert.ok(
      result.gates.reasons.some((r) => /ties the logistic baseline's 1\.0000/.test(r)),
      result.gates.reasons.join('; '),
    );

    const registry = new Registry(localStore(varDir));
    assert.equal(await registry.alias(MODEL), result.version);
    const profile = DatasetProfile.parse(JSON.parse((await registry.readFile(MODEL, result.version, 'profile.json')).toString('utf8')));
    assert.deepEqual(
      profile.features.map((f) => f.name),
      ['Body Mass (g)', 'Island'],
    );

    const app = await buildApp({ registry, varDir, modelName: MODEL, config: { MODEL_POLL_MS: 100, CAPTURE_FLUSH_MS: 50 }, defaultMetrics: false });
    try {
      await app.ready();
      const key = (await createKey(localStore(varDir), 'tester', 'user')).key;
      await app.serving.reloadKeys();
      const headers = { authorization: `Bearer ${key}` };

      const current = await app.inject({ method: 'GET', url: '/v1/models/current', headers });
      assert.equal(current.statusCode, 200, current.body);
      assert.deepEqual(current.json().features, FEATURES);

      const instances = [
        { 'Body Mass (g)': 3200, Island: 'Dream' },
        { 'Body Mass (g)': 5100, Island: 'Biscoe' },
      ];
      const res = await app.inject({ method: 'POST', url: '/v1/predict', headers, payload: { instances } });
      assert.equal(res.statusCode, 200, res.body);
      const [light, heavy] = res.json().predictions as { probability: number; label: number }[];
      assert.equal(light.label, 1, `a 3200 g bird is an Adelie (p=${light.probability})`);
      assert.equal(heavy.label, 0, `a 5100 g bird is not (p=${heavy.probability})`);

      // The key is the column name; a near miss is named in the 400.
      const typo = await app.inject({ method: 'POST', url: '/v1/predict', headers, payload: { instances: [{ 'Body Mass': 3200, Island: 'Dream' }] } });
      assert.equal(typo.statusCode, 400);
      assert.match(typo.body, /Body Mass \(g\)|Body Mass/);
    } finally {
      await app.close();
    }

    // Capture records keep the name as the JSON key, and the drift query reads it back.
    const captured = await listCaptureFiles(captureFolder(varDir, MODEL));
    assert.ok(captured.length > 0, 'a capture file was written');
    const lines = (await Promise.all(captured.map((f) => readFile(f, 'utf8')))).join('').trim().split('\n');
    assert.deepEqual(JSON.parse(lines[0]).features, { 'Body Mass (g)': 3200, Island: 'Dream' });
    const db = await DuckDb.open({ threads: 1 });
    try {
      const live = await profileCaptureWindow(db, { files: captured, model: MODEL, reference: profile, features: FEATURES.map((f) => ({ ...f })) });
      assert.equal(live.rows, 2);
      const mass = live.features.find((f) => f.name === 'Body Mass (g)');
      assert.ok(mass && mass.kind === 'numeric', JSON.stringify(mass));
      assert.equal(mass.min, 3200);
      assert.equal(mass.max, 5100);
    } finally {
      db.close();
    }
  });
});
