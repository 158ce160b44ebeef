// `make up` and the Python worker: started (and said so in one line) when the venv is complete; without it, one line
// saying the Python trainers are unavailable, and nothing Python is started.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pythonWorkerLaunch } from '../../src/up/python-worker';
import { projectRoot, tempVarDir } from '../support/temporal';
import { upEnv } from '../support/up';
import { requirePython } from './helpers';

describe('make up: which Python worker launch (src/up/python-worker)', () => {
  it('without a venv, or with one whose install never finished, says the Python trainers are unavailable', () => {
    const root = tempVarDir('mlp-up-nopython-');
    const none = pythonWorkerLaunch(root);
    assert.equal(none.available, false);
    assert.match(none.line, /^Python trainers unavailable .*GBDT training and everything else run$/);
    // a venv whose pip install was interrupted has a python but no requirements stamp
    mkdirSync(path.join(root, '.venv-python-worker', 'bin'), { recursive: true });
    writeFileSync(path.join(root, '.venv-python-worker', 'bin', 'python'), '');
    assert.equal(pythonWorkerLaunch(root).available, false);
    writeFileSync(path.join(root, '.venv-python-worker', '.requirements-0123456789abcdef'), '');
    const ready = pythonWorkerLaunch(root);
    assert.ok(ready.available);
    assert.equal(ready.command, path.join(root, '.venv-python-worker', 'bin', 'python'));
    assert.deepEqual(ready.args, ['-m', 'ml_worker']);
    assert.equal(ready.cwd, path.join(root, 'python'));
    assert.equal(ready.line, 'Python trainers: a Python worker polls ml-train-python (.venv-python-worker, python/requirements.txt)');
  });
});

describe('make up with the Python worker (real dev server)', function () {
  this.timeout(180_000);
  before(function () {
    requirePython(this);
  });

  it('starts the Python worker beside the TypeScript one, says so in one line, and Ctrl-C stops it', async () => {
    const { env, temporalPort } = await upEnv('mlp-up-python-', { TRAIN_ON_FIRST_START: 'false', LOG_LEVEL: 'warn' });
    const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/up/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 120_000;
      while (!(/\[python-worker\] .*polling task queue ml-train-python on 127\.0\.0\.1:\d+/.test(out) && /Prediction API/.test(out))) {
        assert.ok(Date.now() < deadline && child.exitCode === null, `the Python worker never polled:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const lines = out.split('\n').filter((l) => l.startsWith('[up] Python trainers'));
      assert.deepEqual(lines, ['[up] Python trainers: a Python worker polls ml-train-python (.venv-python-worker, python/requirements.txt)']);
      assert.match(out, new RegExp(`\\[python-worker\\] .*polling task queue ml-train-python on 127\\.0\\.0\\.1:${temporalPort}`), 'it polls the dev server make up started');
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, out);
    assert.doesNotMatch(out, /\[up\] python-worker exited unexpectedly/);
  });
});
