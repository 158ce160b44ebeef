// Each shipped Python example trains through the Python worker on the real dev server, is promoted, served and scored.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { TrainingResult } from '../../activities/training-types';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import { devKeyPath } from '../../src/serving/keys';
import { localStore } from '../../src/store';
import { maybeRecord } from '../support/histories';
import { requirePython, withBothWorkers } from './helpers';

const EXAMPLES = [
  { spec: 'datasets/flights-sklearn.json', model: 'flights-sklearn', entry: 'examples.trainers.sklearn_hgb:fit', estimator: /HistGradientBoostingClassifier/ },
  { spec: 'datasets/flights-lightgbm.json', model: 'flights-lightgbm', entry: 'examples.trainers.lightgbm_gbdt:fit', estimator: /LGBMClassifier/ },
  { spec: 'datasets/flights-xgboost.json', model: 'flights-xgboost', entry: 'examples.trainers.xgboost_gbdt:fit', estimator: /XGBClassifier/ },
];

describe('Python trainers: the shipped examples', function () {
  this.timeout(600_000);
  let python: string;
  before(function () {
    python = requirePython(this);
  });

  for (const example of EXAMPLES) {
    it(`${example.spec}: trained by ${example.entry} on the Python worker, gated, promoted, served, card names the trainer`, async () => {
      await withBothWorkers(python, async ({ env, taskQueue, pythonQueue, varDir }) => {
        const handle = await env.client.workflow.start('trainingPipeline', {
          taskQueue,
          workflowId: `python-${example.model}-${Date.now()}`,
          args: [{ spec: example.spec, pythonTaskQueue: pythonQueue }],
        });
        const result = (await handle.result()) as TrainingResult;
        if (example.model === 'flights-sklearn') await maybeRecord('trainingPipeline-python-trainer', env, { workflowId: handle.workflowId }, varDir);
        assert.equal(result.model, example.model);
        assert.equal(result.promoted, true, result.promotionReason);
        assert.equal(result.training.trainer?.kind, 'python');
        assert.ok(result.training.trainer?.kind === 'python' && result.training.trainer.entry === example.entry);
        assert.match(result.training.trainer.kind === 'python' ? result.training.trainer.estimator : '', example.estimator);
        assert.ok(result.parity.ok && result.parity.maxAbsDiff <= 1e-5, `parity ${result.parity.maxAbsDiff}`);
        const { candidate, logistic } = result.metrics;
        assert.ok(candidate.auc !== null && candidate.auc > 0.6, `AUC ${candidate.auc}`);
        assert.ok(logistic.auc !== null && candidate.auc >= logistic.auc, `AUC ${candidate.auc} vs logistic ${logistic.auc}`);

        const registry = new Registry(localStore(varDir));
        assert.deepEqual(await registry.versions(example.model), [1]);
        assert.equal(await registry.alias(example.model), 1);
        const app = await buildApp({ registry, varDir, modelName: example.model, config: { MODEL_POLL_MS: 100 }, defaultMetrics: false });
        try {
          await app.ready();
          const key = (await readFile(devKeyPath(varDir), 'utf8')).trim();
          const scored = await app.inject({
            method: 'POST',
            headers: { authorization: `Bearer ${key}` },
            url: `/v1/models/${example.model}/predict`,
            payload: { instances: [{ hour: 18, day_of_week: 5, distance: 700, origin: 'ORD', destination: 'LGA' }, { hour: 7, day_of_week: 2, distance: 300, origin: 'ZZZ', destination: '' }] },
          });
          assert.equal(scored.statusCode, 200, scored.body);
          const body = scored.json<{ predictions: { probability: number }[] }>();
          assert.equal(body.predictions.length, 2);
          for (const p of body.predictions) assert.ok(p.probability > 0 && p.probability < 1, `probability ${p.probability}`);
          const card = await app.inject({ method: 'GET', url: `/v1/models/${example.model}/versions/1/card.html` });
          assert.equal(card.statusCode, 200);
          assert.ok(card.body.includes(example.entry), 'the card names the trainer');
        } finally {
          await app.close();
        }
      });
    });
  }
});
