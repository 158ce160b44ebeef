// The Python training worker (python/ml_worker) as a child process of a test, on the test's task queue and store.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './temporal';

/** The venv's Python, or the reason the Python tests are skipped (`make test` prepares the venv when Python 3 is present). */
export function pythonWorkerPython(): { python: string } | { skip: string } {
  const python = path.join(projectRoot, '.venv-python-worker', 'bin', 'python');
  if (!existsSync(python)) {
    return { skip: 'no .venv-python-worker (no Python 3 here, or `make test`/`scripts/python-worker-venv.sh` has not made it): the Python trainers are unavailable' };
  }
  const probe = spawnSync(python, ['-c', 'import temporalio, sklearn, skl2onnx, onnxmltools, lightgbm, xgboost, onnxruntime'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skip: `the Python worker's venv lacks packages: ${probe.stderr.trim().split('\n').pop()}` };
  return { python };
}

export interface PythonWorker {
  process: ChildProcess;
  /** Everything it wrote to stderr (its log). */
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a Python worker polling `taskQueue` and resolves once it polls; its store is the folder `varDir`. */
export async function startPythonWorker(opts: { python: string; address: string; namespace: string; taskQueue: string; varDir: string; env?: NodeJS.ProcessEnv }): Promise<PythonWorker> {
  const child = spawn(opts.python, ['-m', 'ml_worker'], {
    cwd: path.join(projectRoot, 'python'),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: opts.address,
      TEMPORAL_NAMESPACE: opts.namespace,
      PYTHON_TASK_QUEUE: opts.taskQueue,
      PROJECT_ROOT: projectRoot,
      VAR_DIR: opts.varDir,
      // the shipped test trainers (faults) import from python/tests
      PYTHON_TRAINER_PATH: path.join(projectRoot, 'python', 'tests'),
      OMP_NUM_THREADS: '1',
      ...opts.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Python worker did not start polling in 60 s:\n${log}`)), 60_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (log.includes('polling task queue')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Python worker exited with ${code} before polling:\n${log}`));
    });
  });
  return {
    process: child,
    log: () => log,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
