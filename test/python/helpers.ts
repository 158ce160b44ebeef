// Runs trainingPipeline against the real dev server with both workers: the ml-pipeline worker and a Python worker.
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { AlertSettings } from '../../src/alerts/settings';
import type { ArtifactStore } from '../../src/store';
import { pythonWorkerPython, startPythonWorker, type PythonWorker } from '../support/python-worker';
import { tempVarDir, uniqueTaskQueue, withWorker, type WorkerHarness } from '../support/temporal';

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
