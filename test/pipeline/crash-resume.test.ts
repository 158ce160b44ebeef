// A worker SIGKILLed mid-training: a new worker resumes the same run from its checkpoint and registers exactly one version.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TrainingResult } from '../../activities/training-types';
import { Registry } from '../../src/registry/registry';
import { projectRoot, tempVarDir, testEnv, uniqueTaskQueue } from '../support/temporal';
import { localStore } from '../../src/store';

function startWorker(address: string, namespace: string, taskQueue: string, varDir: string): ChildProcess {
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/worker/main.js')], {
    env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, TASK_QUEUE: taskQueue, VAR_DIR: varDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

function checkpointFile(varDir: string): string | undefined {
  const runs = path.join(varDir, 'runs');
  if (!existsSync(runs)) return undefined;
  for (const run of readdirSync(runs)) {
    const file = path.join(runs, run, 'checkpoint.json');
    if (existsSync(file)) return file;
  }
  return undefined;
}

describe('trainingPipeline survives a worker crash', function () {
  this.timeout(300_000);
  const workers: ChildProcess[] = [];
  after(() => workers.forEach((w) => w.exitCode === null && w.kill('SIGKILL')));

  it('resumes training from the last checkpoint after SIGKILL and registers exactly one version', async () => {
    const env = await testEnv();
    const namespace = env.namespace ?? 'default';
    const varDir = tempVarDir();
    const taskQueue = uniqueTaskQueue('crash');
    const spec = JSON.parse(await readFile(path.join(projectRoot, 'datasets/flights-small.json'), 'utf8')) as { model: Record<string, number> };
    spec.model.rounds = 300;
    spec.model.checkpointEvery = 5;
    const specFile = path.join(varDir, 'long-training.json');
    await writeFile(specFile, JSON.stringify(spec));

    const first = startWorker(env.address, namespace, taskQueue, varDir);
    workers.push(first);
    const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: `crash-${Date.now()}`, args: [{ spec: specFile }] });

    // Kill the worker as soon as training has written its first checkpoint: it is then mid-training by construction.
    const deadline = Date.now() + 180_000;
    let checkpoint: string | undefined;
    while (!(checkpoint = checkpointFile(varDir))) {
      assert.ok(Date.now() < deadline, 'training never wrote a checkpoint');
      assert.equal(first.exitCode, null, 'the worker died on its own');
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const saved = JSON.parse(await readFile(checkpoint, 'utf8')) as { roundsDone: number };
    assert.ok(saved.roundsDone > 0 && saved.roundsDone < 300, `killed mid-training (checkpoint at round ${saved.roundsDone})`);

    const second = startWorker(env.address, namespace, taskQueue, varDir);
    workers.push(second);
    const result = (await handle.result()) as TrainingResult;
    second.kill('SIGTERM');

    assert.ok(result.training.attempt >= 2, `training ran again (attempt ${result.training.attempt})`);
    assert.ok(result.training.resumedFromRound >= saved.roundsDone, `resumed from round ${result.training.resumedFromRound}, checkpoint had ${saved.roundsDone}`);
    assert.equal(result.training.rounds, 300);
    assert.equal(result.parity.ok, true);
    const registry = new Registry(localStore(varDir));
    assert.deepEqual(await registry.versions(result.model), [1], 'exactly one version');
    assert.equal(await registry.alias(result.model), result.promoted ? 1 : undefined);
  });
});
