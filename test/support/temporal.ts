// One real Temporal dev server per test process (the project's own CLI binary), started on first use.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundleOption } from '@temporalio/worker';
import { projectSearchAttributes } from '../../src/temporal/search-attributes';
import { bundle, createMlWorker } from '../../src/worker/worker';
import type { ActivityContext } from '../../activities';
import type { AlertSettings } from '../../src/alerts/settings';
import { localStore, type ArtifactStore } from '../../src/store';

export const projectRoot = path.resolve(__dirname, '..', '..', '..');

let cliPath: string | undefined;
/** The Temporal CLI found (or built) by the same script `make up` uses. */
export function temporalCli(): string {
  cliPath ??= execFileSync(path.join(projectRoot, 'scripts', 'temporal-cli.sh'), { encoding: 'utf8' }).trim();
  return cliPath;
}

let envPromise: Promise<TestWorkflowEnvironment> | undefined;
export function testEnv(): Promise<TestWorkflowEnvironment> {
  envPromise ??= TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli() },
      ip: '127.0.0.1',
      searchAttributes: projectSearchAttributes,
      extraArgs: ['--log-level', 'error'],
    },
  });
  return envPromise;
}

let bundlePromise: Promise<WorkflowBundleOption> | undefined;
/** The workflow bundle, built once per test process (bundling takes seconds). */
export function workflowBundle(): Promise<WorkflowBundleOption> {
  bundlePromise ??= bundle();
  return bundlePromise;
}

export function tempVarDir(prefix = 'mlp-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

let queueCounter = 0;
export function uniqueTaskQueue(name: string): string {
  return `${name}-${process.pid}-${++queueCounter}`;
}

export interface WorkerHarness {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  context: ActivityContext;
  worker: Worker;
}

/** Runs `fn` while a real ml-pipeline worker polls a fresh task queue on the shared dev server. */
export async function withWorker<T>(
  fn: (h: WorkerHarness) => Promise<T>,
  opts: { taskQueue?: string; varDir?: string; store?: ArtifactStore; uiUrl?: string; alerts?: AlertSettings; context?: Partial<ActivityContext> } = {},
): Promise<T> {
  const env = await testEnv();
  const taskQueue = opts.taskQueue ?? uniqueTaskQueue('test');
  const varDir = opts.varDir ?? tempVarDir();
  const context: ActivityContext = {
    projectRoot,
    varDir,
    // by default the store is the worker's own folder, exactly as on a laptop
    store: opts.store ?? localStore(varDir),
    namespace: env.namespace ?? 'default',
    taskQueue,
    temporalUiUrl: opts.uiUrl ?? 'http://127.0.0.1:8233',
    temporalAddress: env.address,
    ...(opts.alerts ? { alerts: opts.alerts } : {}),
    // a test may change what the activities see (e.g. an unreachable Temporal address for their own client)
    ...opts.context,
  };
  const worker = await createMlWorker({
    connection: env.nativeConnection,
    namespace: context.namespace,
    taskQueue,
    context,
    workflowBundle: await workflowBundle(),
  });
  return worker.runUntil(fn({ env, taskQueue, context, worker }));
}

export async function stopTestEnv(): Promise<void> {
  if (!envPromise) return;
  const env = await envPromise;
  envPromise = undefined;
  await env.teardown();
}
