// A worker told to stop (what SIGTERM does) mid-step hands the attempt back as a failure, so the next worker runs it now.
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import type { TrainingResult } from '../../activities/training-types';
import { localStore } from '../../src/store';
import { createMlWorker } from '../../src/worker/worker';
import { projectRoot, tempVarDir, testEnv, uniqueTaskQueue, workflowBundle } from '../support/temporal';

// The failure the SDK's core reports for an attempt its worker gave back on shutdown (releaseOnShutdown makes every
// activity give it back at the end of the grace time, heartbeating or not).
const WORKER_SHUTDOWN_FAILURE = 'WorkerShutdown';

interface Pending {
  type: string;
  started: boolean;
  attempt: number;
  lastFailureType?: string;
  lastFailureTimeout?: boolean;
}

async function pending(handle: WorkflowHandle): Promise<Pending[]> {
  const d = await handle.describe();
  return (d.raw.pendingActivities ?? []).map((a) => ({
    type: a.activityType?.name ?? '',
    started: a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
    attempt: a.attempt ?? 1,
    ...(a.lastFailure?.applicationFailureInfo?.type ? { lastFailureType: a.lastFailure.applicationFailureInfo.type } : {}),
    ...(a.lastFailure?.timeoutFailureInfo ? { lastFailureTimeout: true } : {}),
  }));
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a stopping worker hands its step back', function () {
  this.timeout(600_000);

  const workers: { worker: Worker; running: Promise<void> }[] = [];
  async function startWorker(taskQueue: string, varDir: string, identity: string): Promise<Worker> {
    const env = await testEnv();
    const worker = await createMlWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      identity,
      // hand back at once: the test is about what happens to the attempt, not about the grace period
      shutdownGraceTime: 0,
      context: { projectRoot, varDir, store: localStore(varDir), namespace: env.namespace ?? 'default', taskQueue, temporalUiUrl: 'http://127.0.0.1:8233', temporalAddress: env.address },
      workflowBundle: await workflowBundle(),
    });
    workers.push({ worker, running: worker.run() });
    return worker;
  }
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
      await w.running.catch(() => undefined);
    }
  });

  /** Stops `worker` while `step` runs on it and returns the step's next attempt as the server sees it (on the next worker). */
  async function stopDuring(handle: WorkflowHandle, step: string, worker: Worker, next: () => Promise<unknown>): Promise<Pending> {
    await until(`${step} to start`, 300_000, async () => (await pending(handle)).find((p) => p.type === step && p.started));
    worker.shutdown();
    await next();
    return until(`${step} to be retried`, 300_000, async () => (await pending(handle)).find((p) => p.type === step && p.attempt >= 2));
  }

  it('a data step (ingest of the 3M-row flights) is failed as WorkerShutdown and retried, not left to its 2-minute heartbeat timeout', async () => {
    const env = await testEnv();
    const taskQueue = uniqueTaskQueue('shutdown-data');
    const varDir = tempVarDir('shutdown-data-');
    const a = await startWorker(taskQueue, varDir, 'worker-a');
    const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: `shutdown-data-${Date.now()}`, args: [{ spec: 'datasets/flights.json' }] });
    try {
      const retried = await stopDuring(handle, 'ingest', a, () => startWorker(taskQueue, varDir, 'worker-b'));
      assert.ok(!retried.lastFailureTimeout, `the first attempt was left to time out: ${JSON.stringify(retried)}`);
      assert.equal(retried.lastFailureType, WORKER_SHUTDOWN_FAILURE, `the first attempt ended as ${JSON.stringify(retried)}`);
    } finally {
      await handle.terminate('test done').catch(() => undefined);
    }
  });

  it('trainModel is failed as WorkerShutdown, retried on the next worker from its checkpoint, and the run promotes', async () => {
    const env = await testEnv();
    const taskQueue = uniqueTaskQueue('shutdown-train');
    const varDir = tempVarDir('shutdown-train-');
    const a = await startWorker(taskQueue, varDir, 'worker-a');
    const handle = await env.client.workflow.start('trainingPipeline', { taskQueue, workflowId: `shutdown-train-${Date.now()}`, args: [{ spec: 'datasets/flights-small.json' }] });
    const retried = await stopDuring(handle, 'trainModel', a, () => startWorker(taskQueue, varDir, 'worker-b'));
    assert.ok(!retried.lastFailureTimeout, `the first attempt was left to time out: ${JSON.stringify(retried)}`);
    assert.equal(retried.lastFailureType, WORKER_SHUTDOWN_FAILURE, `the first attempt ended as ${JSON.stringify(retried)}`);
    const result = (await handle.result()) as TrainingResult;
    assert.equal(result.promoted, true, result.promotionReason);
  });
});
