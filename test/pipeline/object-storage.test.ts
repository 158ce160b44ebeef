// trainingPipeline on shared object storage (real MinIO): two workers with their own scratch folders, spec and data in the store.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TrainingResult } from '../../activities/training-types';
import { Registry } from '../../src/registry/registry';
import { ArtifactStore, FileCache, S3Backend } from '../../src/store';
import { s3TestStore } from '../support/minio';
import { projectRoot, tempVarDir, testEnv, uniqueTaskQueue, withWorker } from '../support/temporal';

/** A second "host": the same bucket, its own download cache inside its own scratch folder. */
function hostStore(backend: S3Backend, varDir: string): ArtifactStore {
  return new ArtifactStore(new S3Backend(backend.settings, new FileCache(path.join(varDir, 'cache'), 256 * 1024 * 1024)));
}

describe('trainingPipeline on an S3 artifact store', function () {
  this.timeout(600_000);

  it('runs with spec and data in the store on two workers (one configured by ARTIFACT_STORE): keys in the history, one registry', async () => {
    const { store, backend, bucket, server } = await s3TestStore();
    const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets/flights-small.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    spec.model.rounds = 30;
    // the data sits beside the spec in the store: a relative source path is read from there
    spec.source.path = 'flights-3m.parquet';
    await store.putFile('datasets/flights/flights-3m.parquet', path.join(projectRoot, 'node_modules/vega-datasets/data/flights-3m.parquet'));
    await store.putJson('datasets/flights/spec.json', spec);

    const hostA = tempVarDir('mlp-host-a-');
    const hostB = tempVarDir('mlp-host-b-');
    const taskQueue = uniqueTaskQueue('s3');
    const env = await testEnv();
    // host B: a worker process configured only through the settings (ARTIFACT_STORE=s3://..., S3_ENDPOINT, AWS_*)
    const other = spawn(process.execPath, [path.join(projectRoot, 'dist/src/worker/main.js')], {
      env: {
        ...process.env,
        ...server.envFor(bucket, 'pipeline'),
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: env.namespace ?? 'default',
        TASK_QUEUE: taskQueue,
        VAR_DIR: hostB,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    try {
      await withWorker(
        async ({ env }) => {
          const first = await env.client.workflow.start('trainingPipeline', {
            taskQueue,
            workflowId: `s3-store-${Date.now()}`,
            args: [{ spec: 'store:datasets/flights/spec.json' }],
          });
          const a = (await first.result()) as TrainingResult;
          assert.equal(a.version, 1);
          assert.equal(a.promoted, true, a.promotionReason);
          assert.ok(a.qualityReport.startsWith('reports/quality/'), a.qualityReport);

          // The same spec inline, naming its data by store key: a second version, decided against champion v1.
          const inline = { ...spec, source: { ...spec.source, path: 'store:datasets/flights/flights-3m.parquet' } };
          const second = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: `s3-inline-${Date.now()}`, args: [{ spec: inline, promote: false }] });
          const b = (await second.result()) as TrainingResult;
          assert.equal(b.version, 2);
          assert.equal(b.dataHash, a.dataHash, 'the same data gives the same snapshot');
          assert.equal(b.metrics.champion?.version, 1);

          const registry = new Registry(store);
          assert.deepEqual(await registry.versions('flights-small'), [1, 2]);
          assert.equal(await registry.alias('flights-small'), 1);
          assert.ok((await store.get(registry.fileKey('flights-small', 2, 'model.onnx')))!.length > 1000);

          for (const handle of [first, second]) {
            const history = JSON.stringify(await handle.fetchHistory());
            for (const dir of [hostA, hostB]) assert.ok(!history.includes(dir), `history of ${handle.workflowId} names ${dir}`);
            assert.ok(!history.includes('/tmp/'), 'no machine path at all');
          }
          // scratch folders keep no snapshot once ingest has uploaded it
          for (const dir of [hostA, hostB]) assert.deepEqual(existsOr(path.join(dir, 'scratch', 'ingest')), [], `leftovers in ${dir}`);
        },
        { taskQueue, varDir: hostA, store: hostStore(backend, hostA) },
      );
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('fails non-retryably naming the key when the spec or its data is not in the store', async () => {
    const { store, backend } = await s3TestStore();
    const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets/flights-small.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    spec.source.path = 'store:datasets/none/missing.parquet';
    const varDir = tempVarDir();
    await withWorker(
      async ({ env, taskQueue }) => {
        for (const [input, pattern] of [
          ['store:specs/absent.json', /spec store:specs\/absent\.json does not exist in the artifact store s3:\/\//],
          ['store:../escape.json', /must not contain "\.\." segments/],
          [spec, /source\.path store:datasets\/none\/missing\.parquet does not exist/],
        ] as const) {
          const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: `s3-missing-${Date.now()}-${Math.random()}`, args: [{ spec: input }] });
          const err = await handle.result().then(
            () => assert.fail('must fail'),
            (e: unknown) => e as Error & { cause?: { cause?: { type?: string; message?: string } } },
          );
          assert.equal(err.cause?.cause?.type, 'InvalidSpec');
          assert.match(err.cause?.cause?.message ?? '', pattern);
        }
        assert.deepEqual(await new Registry(store).models(), []);
      },
      { varDir, store: hostStore(backend, varDir) },
    );
  });
});

function existsOr(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
