// One real MinIO server per test process (built by scripts/go-tool.sh), on a free loopback port with a temp data folder.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ArtifactStore, FileCache, S3Backend } from '../../src/store';
import { projectRoot } from './temporal';

export interface MinioServer {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Environment for a child process that should use a bucket of this server. */
  envFor(bucket: string, prefix?: string): Record<string, string>;
  stop(): Promise<void>;
}

let minioPath: string | undefined;
/** The MinIO binary found (or built, about 6 minutes cold) by the same script `make cluster` uses. */
export function minioBinary(): string {
  minioPath ??= execFileSync(path.join(projectRoot, 'scripts', 'go-tool.sh'), ['minio'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return minioPath;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitLive(endpoint: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`minio exited with code ${child.exitCode}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    try {
      const res = await fetch(`${endpoint}/minio/health/live`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`minio did not become live within ${timeoutMs} ms:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
}

/** Starts a fresh MinIO; `port` lets a test restart one on the same address with the same data folder. */
export async function startMinio(opts: { port?: number; dataDir?: string } = {}): Promise<MinioServer & { port: number; dataDir: string }> {
  const binary = minioBinary();
  const port = opts.port ?? (await freePort());
  const consolePort = await freePort();
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'mlp-minio-'));
  const logFile = path.join(os.tmpdir(), `mlp-minio-${process.pid}-${port}.log`);
  const credentials = { accessKeyId: 'mlp-test', secretAccessKey: 'mlp-test-secret-123' };
  const log = createWriteStream(logFile);
  const child = spawn(binary, ['server', dataDir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'], {
    env: { ...process.env, MINIO_ROOT_USER: credentials.accessKeyId, MINIO_ROOT_PASSWORD: credentials.secretAccessKey, MINIO_BROWSER: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitLive(endpoint, child, logFile, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const region = 'us-east-1';
  return {
    endpoint,
    region,
    credentials,
    port,
    dataDir,
    envFor: (bucket, prefix = '') => ({
      ARTIFACT_STORE: `s3://${bucket}${prefix ? `/${prefix}` : ''}`,
      S3_ENDPOINT: endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    }),
    async stop(): Promise<void> {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let shared: Promise<MinioServer> | undefined;
/** The test process's MinIO, started on first use and stopped by the root hooks. */
export function sharedMinio(): Promise<MinioServer> {
  shared ??= startMinio();
  return shared;
}

export async function stopSharedMinio(): Promise<void> {
  if (!shared) return;
  const server = await shared.catch(() => undefined);
  shared = undefined;
  await server?.stop();
}

let bucketCounter = 0;
/** A store on a fresh bucket of the shared MinIO (with a key prefix, as a cluster would use). */
export async function s3TestStore(opts: { prefix?: string; cacheDir?: string } = {}): Promise<{ store: ArtifactStore; bucket: string; server: MinioServer; backend: S3Backend }> {
  const server = await sharedMinio();
  const bucket = `mlp-test-${process.pid}-${++bucketCounter}`;
  const cacheDir = opts.cacheDir ?? mkdtempSync(path.join(os.tmpdir(), 'mlp-s3cache-'));
  const backend = new S3Backend(
    { bucket, prefix: opts.prefix ?? 'pipeline', endpoint: server.endpoint, region: server.region, credentials: server.credentials },
    new FileCache(cacheDir, 64 * 1024 * 1024),
  );
  await backend.ensureBucket();
  return { store: new ArtifactStore(backend), bucket, server, backend };
}
