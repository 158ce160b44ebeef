// importModel through the CLI: an ONNX file made with scikit-learn alone is checked, evaluated, gated, registered,
// promoted and served; one whose inputs do not match the spec fails typed, nothing registered.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Registry } from '../../src/registry/registry';
import { buildApp } from '../../src/serving/app';
import { devKeyPath } from '../../src/serving/keys';
import { localStore } from '../../src/store';
import { projectRoot, tempVarDir, withWorker } from '../support/temporal';
import { maybeRecord } from '../support/histories';
import { requirePython } from './helpers';

const run = promisify(execFile);
const cliMain = path.join(projectRoot, 'dist/src/cli/main.js');

describe('importModel: an ONNX model trained elsewhere', function () {
  this.timeout(300_000);
  let python: string;
  before(function () {
    python = requirePython(this);
  });

  it('imports a scikit-learn ONNX file with the CLI: inputs checked, evaluated on the holdout, gated, promoted, served', async () => {
    const varDir = tempVarDir('mlp-import-');
    const good = path.join(varDir, 'penguins-sklearn.onnx');
    const raw = path.join(varDir, 'penguins-raw-names.onnx');
    await run(python, [path.join(projectRoot, 'python/tests/make_penguins_onnx.py'), good]);
    await run(python, [path.join(projectRoot, 'python/tests/make_penguins_onnx.py'), raw, '--raw-names']);
    await withWorker(
      async ({ env, taskQueue }) => {
        const cliEnv = { ...process.env, TEMPORAL_ADDRESS: env.address, TASK_QUEUE: taskQueue, VAR_DIR: varDir, DRIFT_SCHEDULE_MINUTES: '60' };
        const out = await run(process.execPath, [cliMain, 'import-model', good, '--spec', 'datasets/penguins.json', '--promote'], { env: cliEnv, cwd: projectRoot });
        assert.match(out.stdout, /penguins version 1: promoted/);
        const workflowId = /started (\S+):/.exec(out.stderr)?.[1];
        assert.ok(workflowId, out.stderr);
        await maybeRecord('importModel-promoted', env, { workflowId }, varDir);
        assert.match(out.stdout, /holdout AUC (0\.9\d+|1\.0000)/);
        const registry = new Registry(localStore(varDir));
        assert.equal(await registry.alias('penguins'), 1);
        const meta = await registry.metadata('penguins', 1);
        assert.deepEqual((meta.extra as { trainer?: { kind: string } }).trainer?.kind, 'imported');

        const app = await buildApp({ registry, varDir, modelName: 'penguins', config: { MODEL_POLL_MS: 100 }, defaultMetrics: false });
        try {
          await app.ready();
          const key = (await readFile(devKeyPath(varDir), 'utf8')).trim();
          const scored = await app.inject({
            method: 'POST',
            url: '/v1/models/penguins/predict',
            headers: { authorization: `Bearer ${key}` },
            payload: { instances: [{ 'Beak Length (mm)': 38.1, 'Beak Depth (mm)': 18.6, 'Flipper Length (mm)': 190, 'Body Mass (g)': 3700, Island: 'Torgersen', Sex: 'FEMALE' }] },
          });
          assert.equal(scored.statusCode, 200, scored.body);
          const p = (scored.json<{ predictions: { probability: number }[] }>()).predictions[0].probability;
          assert.ok(p > 0.5, `an Adelie-looking penguin: ${p}`);
          const card = await app.inject({ method: 'GET', url: '/v1/models/penguins/versions/1/card.html' });
          assert.equal(card.statusCode, 200);
          assert.match(card.body, /imported ONNX model/);
        } finally {
          await app.close();
        }

        // skl2onnx's own input names ("Beak_Length__mm_") are not the spec's features: a typed failure, no version
        const failed = await run(process.execPath, [cliMain, 'import-model', raw, '--spec', 'datasets/penguins.json'], { env: cliEnv, cwd: projectRoot }).then(
          () => assert.fail('mismatched inputs cannot import'),
          (err: { stderr: string }) => err,
        );
        assert.match(failed.stderr, /Beak_Length__mm_|the graph has no input Beak Length \(mm\)/);
        assert.deepEqual(await registry.versions('penguins'), [1]);
      },
      { varDir },
    );
  });
});
