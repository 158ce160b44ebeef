// Runs trainingPipeline against the real dev server with both workers: the ml-pipeline worker and a Python worker.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { AlertSettings } from '../../src/alerts/settings';
import { devKeyPath } from '../../src/serving/keys';
import type { ArtifactStore } from '../../src/store';
import { pythonWorkerPython, startPythonWorker, type PythonWorker } from '../support/python-worker';
import { projectRoot, tempVarDir, temporalCli, uniqueTaskQueue, withWorker, type WorkerHarness } from '../support/temporal';

const run = promisify(execFile);

/** Skips the suite (saying why) when the Python worker's venv is unavailable; returns its Python otherwise. */
export function requirePython(suite: Mocha.Context): string {
  const found = pythonWorkerPython();
  if ('skip' in found) {
    console.log(`    skipped: ${found.skip}`);
    suite.skip();
  }
  return (found).python;
}

export interface BothWorkers extends WorkerHarness {
  varDir: string;
  pythonQueue: string;
  python: PythonWorker;
  /** Starts another Python worker on the same queue (e.g. after one was killed). */
  startAnother: () => Promise<PythonWorker>;
}

export async function withBothWorkers<T>(python: string, fn: (h: BothWorkers) => Promise<T>, opts: { varDir?: string; alerts?: AlertSettings; store?: ArtifactStore; pythonEnv?: NodeJS.ProcessEnv } = {}): Promise<T> {
  const varDir = opts.varDir ?? tempVarDir('mlp-python-');
  const pythonQueue = uniqueTaskQueue('python');
  return withWorker(
    async (h) => {
      const start = () => startPythonWorker({ python, address: h.env.address, namespace: h.context.namespace, taskQueue: pythonQueue, varDir, ...(opts.pythonEnv ? { env: opts.pythonEnv } : {}) });
      const workers: PythonWorker[] = [await start()];
      try {
        return await fn({
          ...h,
          varDir,
          pythonQueue,
          python: workers[0],
          startAnother: async () => {
            const w = await start();
            workers.push(w);
            return w;
          },
        });
      } finally {
        for (const w of workers) await w.stop();
      }
    },
    { varDir, ...(opts.alerts ? { alerts: opts.alerts } : {}), ...(opts.store ? { store: opts.store } : {}) },
  );
}

/** The failure type of a failed workflow, whether the workflow or one of its activities threw it. */
export function failureOf(err: unknown): ApplicationFailure {
  assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(err)}`);
  let cause: unknown = err.cause;
  while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as { cause?: unknown }).cause;
  assert.ok(cause instanceof ApplicationFailure, `no ApplicationFailure in ${String(err)}`);
  return cause;
}

/** Starts trainingPipeline the way a user does, with `temporal workflow start` (the official CLI), on the test's server. */
export async function startWithTemporalCli(server: { address: string; namespace?: string | undefined }, opts: { taskQueue: string; workflowId: string; input: unknown }): Promise<void> {
  await run(
    temporalCli(),
    [
      'workflow',
      'start',
      '--address',
      server.address,
      '--namespace',
      server.namespace ?? 'default',
      '--type',
      'trainingPipeline',
      '--task-queue',
      opts.taskQueue,
      '--workflow-id',
      opts.workflowId,
      '--input',
      JSON.stringify(opts.input),
    ],
    { cwd: projectRoot },
  );
}

export interface Scored {
  model: { name: string; version: number };
  predictions: Record<string, unknown>[];
}

/**
 * Scores `instances` through an API that was already listening at `base` before the model existed: it must pick up
 * the new champion by itself (no restart), so a 404 is retried for up to 20 s while its registry poll catches up.
 */
export async function predictOnceServed(base: string, varDir: string, model: string, instances: Record<string, unknown>[]): Promise<Scored> {
  const key = (await readFile(devKeyPath(varDir), 'utf8')).trim();
  const predict = () => fetch(`${base}/v1/models/${model}/predict`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ instances }) });
  let answer = await predict();
  for (let tries = 0; answer.status !== 200 && tries < 100; tries++) {
    await new Promise((r) => setTimeout(r, 200));
    answer = await predict();
  }
  assert.equal(answer.status, 200, await answer.clone().text());
  return (await answer.json()) as Scored;
}

/** The version's model card, served by the same API, names the trainer's entry point. */
export async function assertCardNamesTrainer(base: string, model: string, version: number, entry: string): Promise<void> {
  const card = await fetch(`${base}/v1/models/${model}/versions/${version}/card.html`);
  assert.equal(card.status, 200);
  assert.ok((await card.text()).includes(entry), `the card of ${model} v${version} names the trainer ${entry}`);
}
