// ONNX parity of tree models whose thresholds are doubles (LightGBM, HistGradientBoosting): skl2onnx/onnxmltools store
// float32 thresholds, rounded to nearest, which sent some float32 inputs down the other branch (penguins with LightGBM:
// 0.0049 in probability, OnnxParityFailed). The worker now converts a copy whose thresholds are rounded down.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EvaluationOutcome, TrainingResult } from '../../activities/training-types';
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { projectRoot, tempVarDir } from '../support/temporal';
import { uniqueId } from '../alerts/helpers';
import { requirePython, withBothWorkers } from './helpers';

type Spec = Record<string, unknown> & { name: string; source: Record<string, unknown>; features: { name: string }[] };

/** penguins.json (344 rows, missing numbers in the training and the holdout rows) as a spec file trained by `entry`. */
async function penguins(dir: string, name: string, entry: string, change: (s: Spec) => void = () => undefined): Promise<string> {
  const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets/penguins.json'), 'utf8')) as Spec;
  spec.name = name;
  spec.model = { trainer: { python: entry, params: {} } };
  change(spec);
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(spec));
  return file;
}

describe('Python trainers: ONNX parity of trees with double thresholds', function () {
  this.timeout(600_000);
  let python: string;
  before(function () {
    python = requirePython(this);
  });

  it('LightGBM on penguins (missing values) and HistGradientBoosting regression on penguins body mass convert within 1e-5 and are promoted', async () => {
    const varDir = tempVarDir('mlp-python-parity-');
    const cases = [
      { file: await penguins(varDir, 'penguins-lightgbm', 'examples.trainers.lightgbm_gbdt:fit'), model: 'penguins-lightgbm' },
      {
        file: await penguins(varDir, 'penguins-mass-hgb', 'examples.trainers.sklearn_hgb:fit', (s) => {
          s.target = { column: 'Body Mass (g)', task: 'regression' };
          s.features = s.features.filter((f) => f.name !== 'Body Mass (g)');
          s.source.where = '"Body Mass (g)" IS NOT NULL';
          s.expectations = [{ type: 'row_count_between', min: 300 }];
          delete s.gates;
        }),
        model: 'penguins-mass-hgb',
      },
    ];
    await withBothWorkers(
      python,
      async ({ env, taskQueue, pythonQueue }) => {
        for (const c of cases) {
          const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: uniqueId(`python-parity-${c.model}`), args: [{ spec: c.file, pythonTaskQueue: pythonQueue }] });
          const result = (await handle.result()) as TrainingResult<EvaluationOutcome>;
          console.log(`      ${c.model}: parity ${result.parity.maxAbsDiff.toExponential(2)} over ${result.parity.rows} rows; ${result.gates.reasons.join('; ')}`);
          assert.equal(result.training.trainer?.kind, 'python');
          assert.ok(result.parity.ok, `parity ${result.parity.maxAbsDiff}`);
          assert.equal(result.promoted, true, result.promotionReason);
          assert.deepEqual(await new Registry(localStore(varDir)).versions(c.model), [1]);
        }
      },
      { varDir },
    );
  });
});
