// Regression and multiclass through the Python worker: each shipped spec is started with `temporal workflow start`,
// trains on the Python worker, is gated and promoted, and an API already listening on loopback picks it up and scores.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { EvaluationOutcome, TrainingResult } from '../../activities/training-types';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import { localStore } from '../../src/store';
import type { TaskEvaluation } from '../../src/training/types';
import { projectRoot } from '../support/temporal';
import { assertCardNamesTrainer, predictOnceServed, requirePython, startWithTemporalCli, withBothWorkers } from './helpers';

interface Case {
  spec: string;
  model: string;
  entry: string;
  estimator: RegExp;
  row: Record<string, string | number | null>;
  check: (result: TrainingResult<EvaluationOutcome>, prediction: Record<string, unknown>) => void;
}

const CASES: Case[] = [
  {
    spec: 'datasets/flights-delay-lightgbm.json',
    model: 'flights-delay-lightgbm',
    entry: 'examples.trainers.lightgbm_gbdt:fit',
    estimator: /LGBMRegressor/,
    row: { hour: 18, day_of_week: 5, distance: 700, origin: 'ORD', destination: 'LGA' },
    check: (result, prediction) => {
      assert.equal(result.task, 'regression');
      const m = (result as TrainingResult<TaskEvaluation<'regression'>>).metrics;
      assert.ok(m.candidate.rmse < m.baselines[0].metrics.rmse, `RMSE ${m.candidate.rmse} beats the mean's ${m.baselines[0].metrics.rmse}`);
      assert.equal(typeof prediction.prediction, 'number', JSON.stringify(prediction));
      assert.ok(Number.isFinite(prediction.prediction), `a finite delay: ${String(prediction.prediction)}`);
    },
  },
  {
    spec: 'datasets/penguins-species-sklearn.json',
    model: 'penguins-species-sklearn',
    entry: 'examples.trainers.sklearn_hgb:fit',
    estimator: /HistGradientBoostingClassifier/,
    row: { 'Beak Length (mm)': 46.5, 'Beak Depth (mm)': 14.8, 'Flipper Length (mm)': 217, 'Body Mass (g)': 5200, Island: 'Biscoe', Sex: 'FEMALE' },
    check: (result, prediction) => {
      assert.equal(result.task, 'multiclass');
      assert.deepEqual(result.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
      const m = (result as TrainingResult<TaskEvaluation<'multiclass'>>).metrics;
      assert.ok(m.candidate.accuracy >= 0.9, `accuracy ${m.candidate.accuracy}`);
      assert.equal(prediction.label, 'Gentoo', `a 5200 g Biscoe bird with a 217 mm flipper is a Gentoo (${JSON.stringify(prediction)})`);
      const probs = prediction.probabilities as Record<string, number>;
      assert.deepEqual(Object.keys(probs).sort(), ['Adelie', 'Chinstrap', 'Gentoo']);
      assert.ok(Math.abs(Object.values(probs).reduce((a, b) => a + b, 0) - 1) < 1e-4, JSON.stringify(probs));
      assert.ok(probs.Gentoo > 0.5, JSON.stringify(probs));
    },
  },
  {
    spec: 'datasets/seattle-weather-xgboost.json',
    model: 'seattle-weather-xgboost',
    entry: 'examples.trainers.xgboost_gbdt:fit',
    estimator: /XGBClassifier/,
    row: { precipitation: 12.5, temp_max: 9, temp_min: 4, wind: 5.5, month: 11 },
    check: (result, prediction) => {
      assert.equal(result.task, 'multiclass');
      assert.equal(result.classes?.length, 5);
      assert.ok(result.classes?.includes(prediction.label as string), `label ${String(prediction.label)}`);
      const probs = prediction.probabilities as Record<string, number>;
      assert.deepEqual(Object.keys(probs).sort(), [...(result.classes as string[])].sort());
      assert.ok(Math.abs(Object.values(probs).reduce((a, b) => a + b, 0) - 1) < 1e-4, JSON.stringify(probs));
    },
  },
];

describe('Python trainers: regression and multiclass, started with `temporal workflow start`', function () {
  this.timeout(600_000);
  let python: string;
  before(function () {
    python = requirePython(this);
  });

  for (const c of CASES) {
    it(`${c.spec}: ${c.entry} on the Python worker, gated, promoted, picked up by the running API and scored`, async () => {
      const spec = JSON.parse(await readFile(path.join(projectRoot, c.spec), 'utf8')) as { name: string; model: { trainer: { python: string } } };
      assert.equal(spec.name, c.model);
      assert.equal(spec.model.trainer.python, c.entry, 'the shipped spec names the example trainer');
      await withBothWorkers(python, async ({ env, taskQueue, pythonQueue, varDir }) => {
        const registry = new Registry(localStore(varDir));
        // the API listens before the model exists: it must pick up the champion without a restart
        const app = await buildApp({ registry, varDir, modelName: c.model, config: { MODEL_POLL_MS: 100 }, defaultMetrics: false });
        try {
          const base = await app.listen({ host: '127.0.0.1', port: 0 });
          const workflowId = `python-task-${c.model}-${Date.now()}`;
          await startWithTemporalCli(env, { taskQueue, workflowId, input: { spec: c.spec, pythonTaskQueue: pythonQueue } });
          const result = (await env.client.workflow.getHandle(workflowId).result()) as TrainingResult<EvaluationOutcome>;
          console.log(`      ${c.model}: ${result.rows} rows; ${result.gates.reasons.join('; ')}`);
          assert.equal(result.model, c.model);
          assert.equal(result.promoted, true, result.promotionReason);
          assert.equal(result.training.trainer?.kind, 'python');
          assert.ok(result.training.trainer?.kind === 'python' && result.training.trainer.entry === c.entry);
          assert.match(result.training.trainer.kind === 'python' ? result.training.trainer.estimator : '', c.estimator);
          assert.ok(result.parity.ok, `parity ${result.parity.maxAbsDiff}`);
          assert.equal(await registry.alias(c.model), 1);
          assert.equal((await registry.metadata(c.model, 1)).extra.task, result.task);

          const body = await predictOnceServed(base, varDir, c.model, [c.row]);
          assert.deepEqual(body.model, { name: c.model, version: 1 });
          c.check(result, body.predictions[0]);
          await assertCardNamesTrainer(base, c.model, 1, c.entry);
        } finally {
          await app.close();
        }
      });
    });
  }
});
