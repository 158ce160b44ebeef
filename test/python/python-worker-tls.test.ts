// The Python worker over mTLS for real: the TypeScript side's TEMPORAL_TLS_* / TEMPORAL_API_KEY settings, a server that
// accepts only client certificates from its CA, a run started by the temporal CLI, and wrong settings failing clearly.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, type Connection } from '@temporalio/client';
import type { TrainingResult } from '../../activities/training-types';
import { bootstrapNamespace } from '../../src/cluster/temporal-server';
import { parseEnv } from '../../src/config/env';
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { startMtlsServer, type MtlsServer } from '../support/mtls-temporal';
import { startPythonWorker } from '../support/python-worker';
import { projectRoot, tempVarDir, temporalCli, uniqueTaskQueue } from '../support/temporal';
import { requirePython } from './helpers';

const run = promisify(execFile);
// never in any log: the test fails if the worker prints it
const API_KEY = 'py-worker-secret-key-4c1d';

describe('Python worker over mTLS (a real server that requires client certificates)', function () {
  this.timeout(600_000);
  let python: string;
  let server: MtlsServer | undefined;
  let connection: Connection | undefined;
  let tlsEnv: Record<string, string>;
  const failVarDir = tempVarDir('mlp-mtls-python-fail-');

  before(async function () {
    python = requirePython(this);
    server = await startMtlsServer();
    tlsEnv = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TLS_CA: server.pki.ca,
      TEMPORAL_TLS_CERT: server.pki.clientCert,
      TEMPORAL_TLS_KEY: server.pki.clientKey,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    };
    try {
      connection = await bootstrapNamespace(parseEnv({ ...tlsEnv, PROJECT_ROOT: projectRoot }).temporal, 'default', 120_000, () => undefined);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nserver log:\n${server.log().slice(-4000)}`, { cause: err });
    }
  });

  after(async function () {
    await connection?.close();
    await server?.stop();
    if (server) await rm(server.pki.dir, { recursive: true, force: true });
    await rm(failVarDir, { recursive: true, force: true });
  });

  /** Runs the Python worker until it exits on its own (a connection or settings that must fail). */
  const runPythonWorkerToExit = (python: string, vars: Record<string, string>) => runToExit(python, { ...vars, VAR_DIR: failVarDir });

  it('a wrong CA fails at once (exit 3) with a message that names TEMPORAL_TLS_CA', async () => {
    const started = Date.now();
    // a 10 min connect bound: only a refused handshake, not a timeout, can end it within the 60 s the helper waits
    const out = await runPythonWorkerToExit(python, { ...tlsEnv, TEMPORAL_TLS_CA: server!.pki.otherCa, TEMPORAL_CONNECT_TIMEOUT_MS: '600000' });
    assert.equal(out.code, 3, out.stderr);
    assert.match(out.stderr, /not signed by a trusted CA\. Set TEMPORAL_TLS_CA/);
    assert.ok(out.stderr.includes(server!.address), out.stderr);
    assert.doesNotMatch(out.stderr, /Traceback|Fatal Python error/);
    console.log(`      wrong CA refused in ${Date.now() - started} ms (process start included)`);
  });

  it('a client certificate from another CA is refused naming TEMPORAL_TLS_CERT; half a key pair or an unreadable file is a settings error (exit 2)', async () => {
    const stranger = await runPythonWorkerToExit(python, { ...tlsEnv, TEMPORAL_TLS_CERT: server!.pki.strangerCert, TEMPORAL_TLS_KEY: server!.pki.strangerKey, TEMPORAL_CONNECT_TIMEOUT_MS: '600000' });
    assert.equal(stranger.code, 3, stranger.stderr);
    assert.match(stranger.stderr, /did not accept the client certificate.*TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/);

    const half = await runPythonWorkerToExit(python, { ...tlsEnv, TEMPORAL_TLS_KEY: '' });
    assert.equal(half.code, 2, half.stderr);
    assert.match(half.stderr, /TEMPORAL_TLS_KEY: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together/);

    const missing = await runPythonWorkerToExit(python, { ...tlsEnv, TEMPORAL_TLS_CA: path.join(server!.pki.dir, 'missing.pem') });
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /TEMPORAL_TLS_CA: cannot read .*missing\.pem/);

    const both = await runPythonWorkerToExit(python, { ...tlsEnv, TEMPORAL_API_KEY: API_KEY, TEMPORAL_API_KEY_FILE: server!.pki.ca });
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /TEMPORAL_API_KEY_FILE: set TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE, not both/);
    assert.ok(!both.stderr.includes(API_KEY), 'the API key is never printed');
  });

  // No TEMPORAL_TLS here: TLS is on because TLS settings are given (the server takes nothing else).
  it('connects with the settings (mTLS and an API key) and trains a run the temporal CLI starts from the same variables', async () => {
    const taskQueue = uniqueTaskQueue('mtls-ts');
    const pythonQueue = uniqueTaskQueue('mtls-python');
    const varDir = tempVarDir('mlp-mtls-python-');
    const tsWorker: ChildProcess = spawn(process.execPath, [path.join(projectRoot, 'dist/src/worker/main.js')], {
      cwd: projectRoot,
      env: { ...process.env, ...tlsEnv, TASK_QUEUE: taskQueue, VAR_DIR: varDir, LOG_LEVEL: 'warn', DRIFT_SCHEDULE_MINUTES: '15' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tsOut = '';
    tsWorker.stdout?.on('data', (d: Buffer) => (tsOut += d.toString()));
    tsWorker.stderr?.on('data', (d: Buffer) => (tsOut += d.toString()));
    // the server ignores the bearer token (no authorizer): the key is here to show it is sent along and never logged
    const py = await startPythonWorker({ python, address: server!.address, namespace: 'default', taskQueue: pythonQueue, varDir, env: { ...tlsEnv, TEMPORAL_API_KEY: API_KEY } });
    try {
      assert.match(py.log(), /polling task queue \S+ on 127\.0\.0\.1:\d+ \(mTLS, CA \S+ca\.pem, server name localhost, API key, namespace default\)/);
      const workflowId = `mtls-python-${Date.now()}`;
      // The official CLI reads the same variable names: no connection flag.
      await run(
        temporalCli(),
        ['workflow', 'start', '--type', 'trainingPipeline', '--task-queue', taskQueue, '--workflow-id', workflowId, '--input', JSON.stringify({ spec: 'datasets/flights-sklearn.json', pythonTaskQueue: pythonQueue })],
        { cwd: projectRoot, env: { ...process.env, ...tlsEnv, TEMPORAL_NAMESPACE: 'default' } },
      );
      const client = new Client({ connection: connection!, namespace: 'default' });
      const result = (await client.workflow.getHandle(workflowId).result()) as TrainingResult;
      assert.equal(result.model, 'flights-sklearn');
      assert.equal(result.promoted, true, result.promotionReason);
      assert.ok(result.training.trainer?.kind === 'python' && result.training.trainer.entry === 'examples.trainers.sklearn_hgb:fit', JSON.stringify(result.training.trainer));
      assert.equal(await new Registry(localStore(varDir)).alias('flights-sklearn'), 1);
      assert.ok(!py.log().includes(API_KEY), 'the API key is never logged');
    } catch (err) {
      throw new Error(`${(err as Error).message}\nPython worker log:\n${py.log().slice(-3000)}\nTS worker output:\n${tsOut.slice(-3000)}`, { cause: err });
    } finally {
      await py.stop();
      tsWorker.kill('SIGTERM');
      await new Promise((r) => tsWorker.once('exit', r));
      await rm(varDir, { recursive: true, force: true });
    }
  });
});

function runToExit(python: string, vars: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-m', 'ml_worker'], {
      cwd: path.join(projectRoot, 'python'),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PROJECT_ROOT: projectRoot, PYTHON_TASK_QUEUE: 'never-polled', ...vars },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the Python worker did not give up within 60 s; stderr so far:\n${stderr}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}
