// A worker SIGKILLed mid-training: a worker on another "host" (its own empty scratch folder, the same S3 store on MinIO)
// resumes the same run from the checkpoint in the store and registers exactly one version.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { TrainingResult } from '../../activities/training-types';
import { Registry } from '../../src/registry/registry';
import type { ArtifactStore } from '../../src/store';
import { s3TestStore } from '../support/minio';
import { projectRoot, tempVarDir, testEnv, uniqueTaskQueue } from '../support/temporal';

function startWorker(address: string, namespace: string, taskQueue: string, varDir: string, storeEnv: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/worker/main.js')], {
    env: { ...process.env, ...storeEnv, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, TASK_QUEUE: taskQueue, VAR_DIR: varDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

/** The first checkpoint object any run wrote to the store, if any. */
async function checkpointKey(store: ArtifactStore): Promise<string | undefined> {
  return (await store.list('runs/')).find((o) => o.key.endsWith('/checkpoint.json'))?.key;
}

describe('trainingPipeline survives a worker crash', function () {
  this.timeout(300_000);
  const workers: ChildProcess[] = [];
  after(() => workers.forEach((w) => w.exitCode === null && w.kill('SIGKILL')));

  it('resumes training from the checkpoint in the store on a worker with a fresh scratch folder after SIGKILL, registering exactly one version', async () => {
    const env = await testEnv();
    const namespace = env.namespace ?? 'default';
    const { store, bucket, server } = await s3TestStore();
    const storeEnv = server.envFor(bucket, 'pipeline');
    const varDir = tempVarDir('mlp-host-1-');
    const taskQueue = uniqueTaskQueue('crash');
    const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets/flights-small.json'), 'utf8')) as { model: Record<string, number> };
    spec.model.rounds = 300;
    spec.model.checkpointEvery = 5;
    const specFile = path.join(varDir, 'long-training.json');
    await writeFile(specFile, JSON.stringify(spec));

    const first = startWorker(env.address, namespace, taskQueue, varDir, storeEnv);
    workers.push(first);
    const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: `crash-${Date.now()}`, args: [{ spec: specFile }] });

    // Kill the worker as soon as training has written its first checkpoint: it is then mid-training by construction.
    const deadline = Date.now() + 180_000;
    let checkpoint: string | undefined;
    while (!(checkpoint = await checkpointKey(store))) {
      assert.ok(Date.now() < deadline, 'training never wrote a checkpoint');
      assert.equal(first.exitCode, null, 'the worker died on its own');
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const saved = await store.getJsonRequired(checkpoint, z.object({ roundsDone: z.number() }).loose());
    assert.ok(saved.roundsDone > 0 && saved.roundsDone < 300, `killed mid-training (checkpoint at round ${saved.roundsDone})`);

    // another host: nothing of the first worker's folder, only the store
    const second = startWorker(env.address, namespace, taskQueue, tempVarDir('mlp-host-2-'), storeEnv);
    workers.push(second);
    const result = (await handle.result()) as TrainingResult;
    second.kill('SIGTERM');

    assert.ok(result.training.attempt >= 2, `training ran again (attempt ${result.training.attempt})`);
    assert.ok(result.training.resumedFromRound >= saved.roundsDone, `resumed from round ${result.training.resumedFromRound}, checkpoint had ${saved.roundsDone}`);
    assert.equal(result.training.rounds, 300);
    assert.equal(result.parity.ok, true);
    const registry = new Registry(store);
    assert.deepEqual(await registry.versions(result.model), [1], 'exactly one version');
    assert.equal(await registry.alias(result.model), result.promoted ? 1 : undefined);
  });
});
