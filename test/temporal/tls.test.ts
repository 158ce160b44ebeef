// TLS to Temporal for real: a server that accepts only mTLS, the project's worker and CLI settings, and wrong credentials failing clearly.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, type Connection } from '@temporalio/client';
import { parseEnv } from '../../src/config/env';
import { bootstrapNamespace } from '../../src/cluster/temporal-server';
import { connectClient, TemporalTlsError } from '../../src/temporal/connect';
import { TemporalCredentialsError } from '../../src/temporal/target';
import { startMtlsServer, type MtlsServer } from '../support/mtls-temporal';
import { projectRoot, tempVarDir, temporalCli, uniqueTaskQueue } from '../support/temporal';

const run = promisify(execFile);

describe('Temporal over mTLS (a real server that requires client certificates)', function () {
  this.timeout(300_000);
  let server: MtlsServer;
  let connection: Connection;
  let tlsEnv: Record<string, string>;
  const children: ChildProcess[] = [];

  before(async function () {
    server = await startMtlsServer();
    tlsEnv = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TLS_CA: server.pki.ca,
      TEMPORAL_TLS_CERT: server.pki.clientCert,
      TEMPORAL_TLS_KEY: server.pki.clientKey,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    };
    const settings = parseEnv({ ...tlsEnv, PROJECT_ROOT: projectRoot });
    try {
      connection = await bootstrapNamespace(settings.temporal, 'default', 120_000, () => undefined);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nserver log:\n${server.log().slice(-4000)}`, { cause: err });
    }
  });

  after(async function () {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await connection?.close();
    await server?.stop();
    if (server) await rm(server.pki.dir, { recursive: true, force: true });
  });

  /** The settings as a process would read them, with some variables replaced or removed. */
  const settings = (change: Record<string, string | undefined>) => {
    const vars: Record<string, string> = { PROJECT_ROOT: projectRoot };
    for (const [k, v] of Object.entries({ ...tlsEnv, ...change })) if (v !== undefined) vars[k] = v;
    return parseEnv(vars);
  };

  it('refuses a plain-text client: the server takes TLS only', async () => {
    await assert.rejects(connectClient(server.address, 3_000), (err: Error) => !(err instanceof TemporalTlsError) && /cannot reach/.test(err.message));
  });

  it('a wrong CA fails at once with a message that names TEMPORAL_TLS_CA (client and worker connections)', async () => {
    const wrongCa = settings({ TEMPORAL_TLS_CA: server.pki.otherCa });
    await assert.rejects(connectClient(wrongCa.temporal, 60_000), (err: Error) => {
      assert.ok(err instanceof TemporalTlsError, `a TLS error, not a timeout: ${err.message}`);
      assert.match(err.message, /not signed by a trusted CA/);
      assert.match(err.message, /TEMPORAL_TLS_CA/);
      assert.ok(err.message.includes(server.address));
      return true;
    });
    // The worker process: exit 3, the same message, without waiting out TEMPORAL_CONNECT_TIMEOUT_MS (10 min here).
    const worker = await runWorkerToExit({ ...tlsEnv, TEMPORAL_TLS_CA: server.pki.otherCa, TEMPORAL_CONNECT_TIMEOUT_MS: '600000' });
    assert.equal(worker.code, 3, worker.stderr);
    assert.match(worker.stderr, /not signed by a trusted CA.*TEMPORAL_TLS_CA/s);
  });

  it('no client certificate, or one from another CA, is refused with a message that names TEMPORAL_TLS_CERT', async () => {
    for (const change of [
      { TEMPORAL_TLS_CERT: undefined, TEMPORAL_TLS_KEY: undefined },
      { TEMPORAL_TLS_CERT: server.pki.strangerCert, TEMPORAL_TLS_KEY: server.pki.strangerKey },
    ]) {
      await assert.rejects(connectClient(settings(change).temporal, 60_000), (err: Error) => {
        assert.ok(err instanceof TemporalTlsError, `a TLS error, not a timeout: ${err.message}`);
        assert.match(err.message, /client certificate/);
        assert.match(err.message, /TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/);
        return true;
      });
    }
    const worker = await runWorkerToExit({ ...tlsEnv, TEMPORAL_TLS_CERT: server.pki.strangerCert, TEMPORAL_TLS_KEY: server.pki.strangerKey, TEMPORAL_CONNECT_TIMEOUT_MS: '600000' });
    assert.equal(worker.code, 3, worker.stderr);
    assert.match(worker.stderr, /TEMPORAL_TLS_CERT/);
  });

  it('a certificate file that cannot be read, or half a key pair, is a settings error naming the variable', async () => {
    await assert.rejects(connectClient(settings({ TEMPORAL_TLS_CA: path.join(server.pki.dir, 'missing.pem') }).temporal, 60_000), (err: Error) => {
      assert.ok(err instanceof TemporalCredentialsError);
      assert.match(err.message, /^TEMPORAL_TLS_CA: cannot read .*missing\.pem/);
      return true;
    });
    assert.throws(() => settings({ TEMPORAL_TLS_KEY: undefined }), /TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together/);
    const worker = await runWorkerToExit({ ...tlsEnv, TEMPORAL_TLS_CERT: path.join(server.pki.dir, 'missing.pem') });
    assert.equal(worker.code, 2, worker.stderr);
    assert.match(worker.stderr, /TEMPORAL_TLS_CERT: cannot read/);
  });

  it('the worker process connects with the settings and runs trainingPipeline, started by the temporal CLI from the same variables', async () => {
    const taskQueue = uniqueTaskQueue('mtls');
    const varDir = tempVarDir('mlp-mtls-worker-');
    const worker = spawn(process.execPath, [path.join(projectRoot, 'dist/src/worker/main.js')], {
      cwd: projectRoot,
      env: { ...process.env, ...tlsEnv, TASK_QUEUE: taskQueue, VAR_DIR: varDir, LOG_LEVEL: 'warn', DRIFT_SCHEDULE_MINUTES: '15' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(worker);
    let out = '';
    worker.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    worker.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const workflowId = `mtls-train-${Date.now()}`;
      // The official CLI reads the same variable names: no flag but the workflow's own.
      const cliEnv: NodeJS.ProcessEnv = { ...process.env, ...tlsEnv, TEMPORAL_NAMESPACE: 'default' };
      await run(
        temporalCli(),
        ['workflow', 'start', '--type', 'trainingPipeline', '--task-queue', taskQueue, '--workflow-id', workflowId, '--input', JSON.stringify({ spec: 'datasets/flights-small.json' })],
        { env: cliEnv },
      );
      const client = new Client({ connection, namespace: 'default' });
      const result = (await client.workflow.getHandle(workflowId).result()) as { model: string; version: number; promoted: boolean };
      assert.equal(result.model, 'flights-small');
      assert.equal(result.promoted, true);
      assert.match(out, /worker polling task queue .* \(mTLS, CA .*ca\.pem, server name localhost/);
      // Promotion created the drift schedule through the worker's own TLS client (activities/temporal-client.ts).
      const schedule = await client.schedule.getHandle('drift-flights-small').describe();
      assert.equal(schedule.scheduleId, 'drift-flights-small');
    } catch (err) {
      throw new Error(`${(err as Error).message}\nworker output:\n${out.slice(-4000)}`, { cause: err });
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
      await rm(varDir, { recursive: true, force: true });
    }
  });
});

/** Runs the worker entry point until it exits on its own (a connection that must fail). */
function runWorkerToExit(vars: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/worker/main.js')], {
      cwd: projectRoot,
      env: { ...process.env, ...vars, TASK_QUEUE: 'never-polled', VAR_DIR: tempVarDir('mlp-mtls-fail-') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the worker did not give up within 60 s; stderr so far:\n${stderr}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}
