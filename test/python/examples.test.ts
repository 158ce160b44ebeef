// #23's acceptance, one test per shipped binary example: started with `temporal workflow start`, trained on the dev
// server through the Python worker, gated and promoted, served by an API already running (no restart), scored, and its
// card names the trainer.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TrainingResult } from '../../activities/training-types';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import { devKeyPath } from '../../src/serving/keys';
import { localStore } from '../../src/store';
import { maybeRecord } from '../support/histories';
import { projectRoot } from '../support/temporal';
import { assertCardNamesTrainer, predictOnceServed, requirePython, startWithTemporalCli, withBothWorkers } from './helpers';

const EXAMPLES = [
  { spec: 'datasets/flights-sklearn.json', model: 'flights-sklearn', entry: 'examples.trainers.sklearn_hgb:fit', estimator: /HistGradientBoostingClassifier/ },
  { spec: 'datasets/flights-lightgbm.json', model: 'flights-lightgbm', entry: 'examples.trainers.lightgbm_gbdt:fit', estimator: /LGBMClassifier/ },
  { spec: 'datasets/flights-xgboost.json', model: 'flights-xgboost', entry: 'examples.trainers.xgboost_gbdt:fit', estimator: /XGBClassifier/ },
];

// a busy evening flight, and one with an airport the training rows never had and a missing destination
const ROWS = [
  { hour: 18, day_of_week: 5, distance: 700, origin: 'ORD', destination: 'LGA' },
  { hour: 7, day_of_week: 2, distance: 300, origin: 'ZZZ', destination: '' },
];

describe('Python trainers: the shipped binary examples, started with `temporal workflow start`', function () {
  this.timeout(600_000);
  let python: string;
  before(function () {
    python = requirePython(this);
  });

  for (const example of EXAMPLES) {
    it(`${example.spec}: trained by ${example.entry} on the Python worker, gated, promoted, picked up by the running API, scored, card names the trainer`, async () => {
      const spec = JSON.parse(await readFile(path.join(projectRoot, example.spec), 'utf8')) as { name: string; model: { trainer: { python: string } } };
      assert.equal(spec.name, example.model);
      assert.equal(spec.model.trainer.python, example.entry, 'the shipped spec names the example trainer');
      await withBothWorkers(python, async ({ env, taskQueue, pythonQueue, varDir }) => {
        const registry = new Registry(localStore(varDir));
        // the API listens before the model exists: it must pick up the champion without a restart
        const app = await buildApp({ registry, varDir, modelName: example.model, config: { MODEL_POLL_MS: 100 }, defaultMetrics: false });
        try {
          const base = await app.listen({ host: '127.0.0.1', port: 0 });
          const key = (await readFile(devKeyPath(varDir), 'utf8')).trim();
          const before = await fetch(`${base}/v1/models/${example.model}/predict`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ instances: ROWS }),
          });
          assert.equal(before.status, 503, 'no champion before the run');
          assert.match(await before.text(), /no champion/);

          const workflowId = `python-${example.model}-${Date.now()}`;
          await startWithTemporalCli(env, { taskQueue, workflowId, input: { spec: example.spec, pythonTaskQueue: pythonQueue } });
          const result = (await env.client.workflow.getHandle(workflowId).result()) as TrainingResult;
          if (example.model === 'flights-sklearn') await maybeRecord('trainingPipeline-python-trainer', env, { workflowId }, varDir);
          console.log(`      ${example.model}: ${result.rows} rows; ${result.gates.reasons.join('; ')}`);
          assert.equal(result.model, example.model);
          assert.equal(result.promoted, true, result.promotionReason);
          assert.equal(result.training.trainer?.kind, 'python');
          assert.ok(result.training.trainer?.kind === 'python' && result.training.trainer.entry === example.entry);
          assert.match(result.training.trainer.kind === 'python' ? result.training.trainer.estimator : '', example.estimator);
          assert.ok(result.parity.ok && result.parity.maxAbsDiff <= 1e-5, `parity ${result.parity.maxAbsDiff}`);
          const { candidate, logistic } = result.metrics;
          assert.ok(candidate.auc !== null && candidate.auc > 0.6, `AUC ${candidate.auc}`);
          assert.ok(logistic.auc !== null && candidate.auc >= logistic.auc, `AUC ${candidate.auc} vs logistic ${logistic.auc}`);
          assert.deepEqual(await registry.versions(example.model), [1]);
          assert.equal(await registry.alias(example.model), 1);

          const scored = await predictOnceServed(base, varDir, example.model, ROWS);
          assert.deepEqual(scored.model, { name: example.model, version: 1 });
          assert.equal(scored.predictions.length, 2);
          for (const p of scored.predictions) assert.ok(typeof p.probability === 'number' && p.probability > 0 && p.probability < 1, `probability ${String(p.probability)}`);
          await assertCardNamesTrainer(base, example.model, 1, example.entry);
        } finally {
          await app.close();
        }
      });
    });
  }
});
