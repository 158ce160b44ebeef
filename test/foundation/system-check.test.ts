// The foundation works end to end: the project's worker runs a workflow on a real dev server, also when started by the real CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { temporalCli, withWorker } from '../support/temporal';

const run = promisify(execFile);

describe('systemCheck on a real Temporal dev server', () => {
  it('completes on the project worker when started through the client', async () => {
    await withWorker(async ({ env, taskQueue, context }) => {
      const result = await env.client.workflow.execute('systemCheck', {
        taskQueue,
        workflowId: `system-check-${Date.now()}`,
        args: [{ note: 'from the client' }],
      });
      assert.equal(result.ok, true);
      assert.equal(result.note, 'from the client');
      assert.equal(result.worker.taskQueue, taskQueue);
      assert.equal(result.worker.varDir, context.varDir);
      assert.match(result.worker.onnxruntime, /^\d+\.\d+/);
    });
  });

  it('completes on the project worker when started with `temporal workflow start` and read back with `temporal workflow result`', async () => {
    await withWorker(async ({ env, taskQueue }) => {
      const cli = temporalCli();
      const workflowId = `cli-system-check-${Date.now()}`;
      await run(cli, [
        'workflow', 'start', '--address', env.address, '--namespace', env.namespace ?? 'default',
        '--type', 'systemCheck', '--task-queue', taskQueue, '--workflow-id', workflowId,
        '--input', JSON.stringify({ note: 'from the cli' }),
      ]);
      const { stdout } = await run(cli, [
        'workflow', 'result', '--address', env.address, '--namespace', env.namespace ?? 'default',
        '--workflow-id', workflowId, '--output', 'json',
      ]);
      const parsed = JSON.parse(stdout) as { status: string; result: { ok: boolean; note: string; worker: { taskQueue: string } } };
      assert.equal(parsed.status, 'COMPLETED');
      assert.equal(parsed.result.note, 'from the cli');
      assert.equal(parsed.result.worker.taskQueue, taskQueue);
    });
  });
});
