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
  onnxruntime: string;
  duckdb: string;
}

function packageVersion(name: string): string {
  try {
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
        onnxruntime: packageVersion('onnxruntime-node'),
        duckdb: packageVersion('@duckdb/node-api'),
      };
    },
  };
}
