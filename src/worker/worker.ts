// Builds the ml-pipeline worker: every workflow and activity, from a pre-built bundle when one exists.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Duration } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type ActivityContext } from '../../activities';
import { releaseOnShutdown } from './release-on-shutdown';

/** dist/workflows/index.js, next to this compiled file's tree. */
export const workflowsPath = path.resolve(__dirname, '..', '..', 'workflows', 'index.js');
/** Where `npm run build` puts the pre-built workflow bundle. */
export const prebuiltBundlePath = path.resolve(__dirname, '..', '..', 'workflow-bundle.js');

/** Workflow interceptor modules (the alerting interceptor), included in every bundle. */
export function workflowInterceptorModules(): string[] {
  const file = path.resolve(__dirname, '..', '..', 'workflows', 'interceptors.js');
  return existsSync(file) ? [file] : [];
}

export async function bundle(): Promise<WorkflowBundleOption> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: workflowInterceptorModules(),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
  });
  return { code };
}

/** The pre-built bundle, unless a workflow file was compiled after it (a stale bundle would run old code). */
function freshPrebuiltBundle(): string | undefined {
  if (!existsSync(prebuiltBundlePath)) return undefined;
  const built = statSync(prebuiltBundlePath).mtimeMs;
  const dir = path.dirname(workflowsPath);
  const stale = readdirSync(dir).some((f) => f.endsWith('.js') && statSync(path.join(dir, f)).mtimeMs > built);
  return stale ? undefined : prebuiltBundlePath;
}

export interface MlWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  context: ActivityContext;
  /** A bundle to share between workers (tests); defaults to the pre-built file, else bundles now. */
  workflowBundle?: WorkflowBundleOption;
  identity?: string;
  /** How long running activities may finish after shutdown starts before they are handed back (default 10 s). */
  shutdownGraceTime?: Duration;
}

export async function createMlWorker(opts: MlWorkerOptions): Promise<Worker> {
  const prebuilt = opts.workflowBundle ? undefined : freshPrebuiltBundle();
  const workflowBundle = opts.workflowBundle ?? (prebuilt ? { codePath: prebuilt } : await bundle());
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle,
    activities: releaseOnShutdown(createActivities(opts.context)),
    ...(opts.identity ? { identity: opts.identity } : {}),
    // Workflow interceptors are compiled into the bundle (see bundle()).
    // The trainer is CPU-bound; two at once on a small machine only slows both.
    maxConcurrentActivityTaskExecutions: 4,
    shutdownGraceTime: opts.shutdownGraceTime ?? '10 seconds',
    // After the grace time running activities are handed back (releaseOnShutdown); the worker must then stop even if
    // one of them never settles (a native call), so the process exits and a supervisor or orchestrator sees it.
    shutdownForceTime: '30 seconds',
  });
}
