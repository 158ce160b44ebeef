// podman from the tests: the project's runc wrapper as the OCI runtime, and whether the built images are there.
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from './temporal';

export const runtimeWrapper = path.join(projectRoot, 'scripts', 'podman-runc.sh');
export const appImage = 'ml-pipeline:latest';
/** The Python training worker's image (Dockerfile target python-worker), also built by `make images`. */
export const pythonWorkerImage = 'ml-pipeline-python-worker:latest';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs podman to its end; never throws on a non-zero exit (the caller asserts on `code`). */
export function podman(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile('podman', ['--runtime', runtimeWrapper, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000, env: opts.env ?? process.env }, (err, stdout, stderr) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- execFile's err is an ExecFileException (an Error)
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

export function havePodman(): boolean {
  try {
    execFileSync('podman', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function imageExists(name: string): Promise<boolean> {
  return havePodman() && (await podman(['image', 'exists', name])).code === 0;
}

/**
 * `make container-test` sets CONTAINER_TEST=1: a missing image is then a failure. Under `make test` the container
 * tests run only when `make images` has built the images already, and say so when they skip.
 */
export async function requireImages(ctx: Mocha.Context, names: string[]): Promise<void> {
  const missing: string[] = [];
  for (const n of names) if (!(await imageExists(n))) missing.push(n);
  if (missing.length === 0) return;
  const message = `no ${missing.join(', ')}: run \`make images\` then \`make container-test\` (podman, runc, debootstrap)`;
  if (process.env.CONTAINER_TEST === '1') throw new Error(message);
  process.stdout.write(`      skipped: ${message}\n`);
  ctx.skip();
}
