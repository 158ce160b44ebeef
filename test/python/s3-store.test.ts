// The Python worker on an S3-compatible store (MinIO): it reads the snapshot and writes the model by key with the
// TypeScript side's settings (ARTIFACT_STORE, S3_ENDPOINT, AWS_*), and the run registers the model in the bucket.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TrainingResult } from '../../activities/training-types';
import { Registry } from '../../src/registry/registry';
import { s3TestStore } from '../support/minio';
import { projectRoot, tempVarDir } from '../support/temporal';
import { requirePython, withBothWorkers } from './helpers';

describe('Python trainers on an S3 store (MinIO)', function () {
  this.timeout(300_000);
  let python: string;
  before(function () {
    python = requirePython(this);
  });

  it('trains penguins through the Python worker with the snapshot and the model in the bucket', async () => {
    const { store, bucket, server, backend } = await s3TestStore({ prefix: 'pipeline' });
    await backend.ensureBucket();
    const varDir = tempVarDir('mlp-python-s3-');
    const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets/penguins.json'), 'utf8')) as Record<string, unknown>;
    spec.name = 'penguins-s3';
    spec.model = { trainer: { python: 'examples.trainers.sklearn_hgb:fit', params: { max_iter: 30 } } };
    const specFile = path.join(varDir, 'penguins-s3.json');
    await writeFile(specFile, JSON.stringify(spec));
    await withBothWorkers(
      python,
      async ({ env, taskQueue, pythonQueue }) => {
        const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: `python-s3-${Date.now()}`, args: [{ spec: specFile, pythonTaskQueue: pythonQueue }] });
        const result = (await handle.result()) as TrainingResult;
        assert.equal(result.training.trainer?.kind, 'python');
        assert.ok(result.parity.ok);
        const registry = new Registry(store);
        assert.deepEqual(await registry.versions('penguins-s3'), [1]);
        const keys = (await store.list('runs/')).map((o) => o.key);
        assert.ok(keys.some((k) => k.endsWith('/model.onnx')), `the Python worker wrote the model into the bucket: ${keys.join(', ')}`);
      },
      { varDir, store, pythonEnv: { ...server.envFor(bucket, 'pipeline'), STORE_CACHE_DIR: path.join(varDir, 'python-cache') } },
    );
  });
});
