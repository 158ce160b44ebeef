// How `make up` and `make cluster` start the Python training worker: from the venv `make` prepared, or not at all.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PYTHON_TASK_QUEUE } from '../temporal/python-trainer';

export type PythonWorkerLaunch = { available: true; command: string; args: string[]; cwd: string; line: string } | { available: false; line: string };

/** The Python worker's command when scripts/python-worker-venv.sh has made its venv (a stamp marks a complete install). */
export function pythonWorkerLaunch(projectRoot: string): PythonWorkerLaunch {
  const venv = path.join(projectRoot, '.venv-python-worker');
  const python = path.join(venv, 'bin', 'python');
  const complete = existsSync(python) && readdirSync(venv).some((f) => f.startsWith('.requirements-'));
  if (!complete) {
    return { available: false, line: 'Python trainers unavailable (no Python 3 venv; `make up` makes .venv-python-worker when python3 is present); GBDT training and everything else run' };
  }
  return {
    available: true,
    command: python,
    args: ['-m', 'ml_worker'],
    cwd: path.join(projectRoot, 'python'),
    line: `Python trainers: a Python worker polls ${PYTHON_TASK_QUEUE} (.venv-python-worker, python/requirements.txt)`,
  };
}
