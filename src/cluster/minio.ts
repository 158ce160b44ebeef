// MinIO as the cluster's S3-compatible artifact store: one server on loopback, data under the cluster folder.
import path from 'node:path';
import type { ChildSpec } from '../up/processes';
import { ownerOnlyFolder } from './private-folder';

export interface MinioOptions {
  dir: string;
  minioBin: string;
  port: number;
  consolePort: number;
  accessKey: string;
  secretKey: string;
}

export async function prepareMinio(o: MinioOptions): Promise<ChildSpec> {
  const data = path.join(o.dir, 'minio');
  await ownerOnlyFolder(data);
  return {
    name: 'minio',
    command: o.minioBin,
    args: ['server', data, '--address', `127.0.0.1:${o.port}`, '--console-address', `127.0.0.1:${o.consolePort}`, '--quiet'],
    env: {
      ...process.env,
      MINIO_ROOT_USER: o.accessKey,
      MINIO_ROOT_PASSWORD: o.secretKey,
      MINIO_BROWSER: 'on',
      // no phone-home and no update checks: nothing leaves the machine
      MINIO_UPDATE: 'off',
      MINIO_CALLHOME_ENABLE: 'off',
    },
    cwd: data,
    stopGraceMs: 10_000,
    logFile: path.join(o.dir, 'logs', 'minio.log'),
  };
}

/** Waits for MinIO's liveness endpoint. */
export async function waitForMinio(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/minio/health/ready`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`MinIO did not become ready on port ${port} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
