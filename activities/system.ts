// systemCheck's activity: reports what this worker runs with, so a person can verify an installation.
import os from 'node:os';
import { access, constants, mkdir } from 'node:fs/promises';
import type { ActivityContext } from './context';

export interface WorkerReport {
  hostname: string;
  pid: number;
  node: string;
  taskQueue: string;
  varDir: string;
  varDirWritable: boolean;
  /** Where artifacts live (a folder or s3://bucket/prefix): every worker of a deployment must show the same. */
  store: string;
  /** Whether this worker could list the store just now: with a remote store, a wrong endpoint, bucket or key shows here. */
  storeReachable: boolean;
  /** Why not, when it could not (the store's own message; it holds no credentials). */
  storeError?: string;
  onnxruntime: string;
  duckdb: string;
}

/** Lists a small prefix, bounded in time: the check must answer even when the store's retries would take minutes. */
async function probeStore(ctx: ActivityContext): Promise<{ storeReachable: boolean; storeError?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from ${ctx.store.url} within ${PROBE_MS / 1000} s`)), PROBE_MS);
  });
  try {
    await Promise.race([ctx.store.list('system-check/'), timeout]);
    return { storeReachable: true };
  } catch (err) {
    return { storeReachable: false, storeError: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

const PROBE_MS = 10_000;

function packageVersion(name: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a package's own package.json, by a name known only at run time
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function systemActivities(ctx: ActivityContext) {
  return {
    async describeWorker(): Promise<WorkerReport> {
      let writable = true;
      try {
        await mkdir(ctx.varDir, { recursive: true });
        await access(ctx.varDir, constants.W_OK);
      } catch {
        writable = false;
      }
      return {
        hostname: os.hostname(),
        pid: process.pid,
        node: process.version,
        taskQueue: ctx.taskQueue,
        varDir: ctx.varDir,
        varDirWritable: writable,
        store: ctx.store.url,
        ...(await probeStore(ctx)),
        onnxruntime: packageVersion('onnxruntime-node'),
        duckdb: packageVersion('@duckdb/node-api'),
      };
    },
  };
}
