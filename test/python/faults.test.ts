// Python trainer faults on the real dev server: a SIGKILLed worker's step finishes on another; user code raising, an
// unconvertible estimator, a missing module and ONNX that disagrees each fail the run typed, with one alert, no version.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TrainingResult } from '../../activities/training-types';
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { FakeSlack } from '../support/fake-slack';
import { projectRoot, tempVarDir } from '../support/temporal';
import { idle, randomToken, stopRouter, testAlertSettings, uniqueId, waitForRouter } from '../alerts/helpers';
import { failureOf, requirePython, withBothWorkers } from './helpers';

/** penguins.json (344 rows, missing values in both kinds of feature) trained by `entry`, as a spec file in `dir`. */
async function penguinsSpec(dir: string, name: string, entry: string, params: Record<string, unknown> = {}): Promise<string> {
  const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets/penguins.json'), 'utf8')) as Record<string, unknown>;
  spec.name = name;
  spec.model = { trainer: { python: entry, params } };
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(spec));
  return file;
}

describe('Python trainers: faults', function () {
  this.timeout(600_000);
  let python: string;
  before(function () {
    python = requirePython(this);
  });

  it('a Python worker SIGKILLed mid-training: another worker retries the step, the run finishes, one version', async () => {
    const varDir = tempVarDir('mlp-python-kill-');
    const spec = await penguinsSpec(varDir, 'penguins-slow', 'trainers.faults:slow', { seconds: 6, max_iter: 30 });
    await withBothWorkers(
      python,
      async ({ env, taskQueue, pythonQueue, python: first, startAnother }) => {
        const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: uniqueId('python-kill'), args: [{ spec, pythonTaskQueue: pythonQueue }] });
        // wait until the first worker has started the train step, then kill it without warning
        for (;;) {
          const pending = (await handle.describe()).raw.pendingActivities ?? [];
          if (pending.some((a) => a.activityType?.name === 'trainPython' && String(a.state) !== '1' && a.lastStartedTime)) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        await first.stop('SIGKILL');
        await startAnother();
        const result = (await handle.result()) as TrainingResult;
        assert.equal(result.training.attempt, 2, 'the second attempt, on the other worker, finished the step');
        assert.equal(result.training.trainer?.kind, 'python');
        assert.deepEqual(await new Registry(localStore(varDir)).versions('penguins-slow'), [1]);
      },
      { varDir },
    );
  });

  it('user code raising, an unconvertible estimator, a missing module, disagreeing ONNX: typed failures, one alert each, nothing registered', async () => {
    const token = randomToken();
    const fake = await FakeSlack.start({ validToken: token });
    const alerts = testAlertSettings({ fake, token });
    const varDir = tempVarDir('mlp-python-faults-');
    const cases = [
      { entry: 'trainers.faults:raising', type: 'PythonTrainerFailed', message: /raised ValueError: the user's code failed on purpose/ },
      { entry: 'trainers.faults:unconvertible', type: 'OnnxConversionFailed', message: /no ONNX converter for Pipeline > step 'model' \(NearestMean\)/ },
      { entry: 'trainers.nothere:fit', type: 'PythonTrainerNotFound', message: /module 'trainers.nothere' not found/ },
      { entry: 'trainers.faults:disagreeing', type: 'OnnxParityFailed', message: /disagrees with the estimator .* step 'shift' \(Shift\)/ },
    ];
    try {
      await withBothWorkers(
        python,
        async ({ env, taskQueue, pythonQueue }) => {
          try {
            for (const [i, c] of cases.entries()) {
              const spec = await penguinsSpec(varDir, `penguins-fault-${i}`, c.entry);
              const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: uniqueId('python-fault'), args: [{ spec, pythonTaskQueue: pythonQueue }] });
              const err = await handle.result().then(() => assert.fail(`${c.entry} cannot succeed`), (e: unknown) => e);
              const failure = failureOf(err);
              assert.equal(failure.type, c.type, failure.message);
              assert.match(failure.message, c.message);
              assert.equal(failure.nonRetryable, true);
              const history = await handle.fetchHistory();
              const attempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes && JSON.stringify(e).includes('trainPython'));
              assert.ok(attempts.length <= 1, 'not retried');
              await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.received === i + 1);
              assert.deepEqual(await new Registry(localStore(varDir)).versions(`penguins-fault-${i}`), [], 'nothing registered');
            }
            const state = await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s));
            assert.equal(state.counters.received, cases.length, 'one alert per failed run');
            const texts = fake.messages.map((m) => FakeSlack.readableText(m)).join('\n');
            assert.match(texts, /trainPython/);
          } finally {
            await stopRouter(env, alerts.routerWorkflowId);
          }
        },
        { alerts, varDir },
      );
    } finally {
      await fake.close();
    }
  });
});
