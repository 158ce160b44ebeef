// The foundation works end to end: the project's worker runs a workflow on a real dev server, also when started by the real CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { systemActivities } from '../../activities/system';
import { openStore } from '../../src/store';
import { maybeRecord } from '../support/histories';
import { temporalCli, withWorker } from '../support/temporal';

const run = promisify(execFile);

describe('systemCheck on a real Temporal dev server', () => {
  it('completes on the project worker when started through the client', async () => {
    await withWorker(async ({ env, taskQueue, context }) => {
      const workflowId = `system-check-${Date.now()}`;
      const result = await env.client.workflow.execute('systemCheck', { taskQueue, workflowId, args: [{ note: 'from the client' }] });
      assert.equal(result.ok, true);
      assert.equal(result.note, 'from the client');
      assert.equal(result.worker.taskQueue, taskQueue);
      assert.equal(result.worker.varDir, context.varDir);
      assert.equal(result.worker.storeReachable, true);
      assert.match(result.worker.onnxruntime, /^\d+\.\d+/);
      await maybeRecord('systemCheck', env, { workflowId }, context.varDir);
    });
  });

  it('completes on the project worker when started with `temporal workflow start` and read back with `temporal workflow result`', async () => {
    await withWorker(async ({ env, taskQueue }) => {
      const cli = temporalCli();
      const workflowId = `cli-system-check-${Date.now()}`;
      await run(cli, [
        'workflow',
        'start',
        '--address',
        env.address,
        '--namespace',
        env.namespace ?? 'default',
        '--type',
        'systemCheck',
        '--task-queue',
        taskQueue,
        '--workflow-id',
        workflowId,
        '--input',
        JSON.stringify({ note: 'from the cli' }),
      ]);
      const { stdout } = await run(cli, ['workflow', 'result', '--address', env.address, '--namespace', env.namespace ?? 'default', '--workflow-id', workflowId, '--output', 'json']);
      const parsed = JSON.parse(stdout) as { status: string; result: { ok: boolean; note: string; worker: { taskQueue: string } } };
      assert.equal(parsed.status, 'COMPLETED');
      assert.equal(parsed.result.note, 'from the cli');
      assert.equal(parsed.result.worker.taskQueue, taskQueue);
    });
  });

  it('says the worker is not ok when its store cannot be reached, and why', async () => {
    // a closed loopback port: the S3 client's connection is refused at once
    const varDir = await mkdtemp(path.join(os.tmpdir(), 'mlp-system-check-'));
    const store = openStore({
      location: { kind: 's3', bucket: 'models', prefix: '' },
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'probe', secretAccessKey: 'probe-secret' },
      cacheDir: varDir,
      cacheMaxBytes: 1 << 20,
    });
    const report = await systemActivities({
      projectRoot: process.cwd(),
      varDir,
      store,
      namespace: 'default',
      taskQueue: 'q',
      temporalUiUrl: 'http://127.0.0.1:8233',
      temporalAddress: '127.0.0.1:7233',
    }).describeWorker();
    assert.equal(report.varDirWritable, true);
    assert.equal(report.storeReachable, false);
    assert.ok(report.storeError && report.storeError.length > 0, 'a reason is given');
    assert.ok(!report.storeError.includes('probe-secret'), 'the secret is not in the message');
    await store.close();
    await rm(varDir, { recursive: true, force: true });
  });
});
