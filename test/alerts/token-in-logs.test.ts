// (6) The real worker process (`node dist/src/worker/main.js`) with a Slack token: the token is in no line it prints.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { prebuiltBundlePath } from '../../src/worker/worker';
import { FakeSlack, reply } from '../support/fake-slack';
import { projectRoot, tempVarDir, testEnv, uniqueTaskQueue } from '../support/temporal';
import { idle, randomToken, stopRouter, uniqueId, waitForRouter } from './helpers';

const workerMain = path.join(projectRoot, 'dist', 'src', 'worker', 'main.js');

describe('alerts: the Slack token never reaches the logs', function () {
  this.timeout(180_000);

  it('(6) a worker process delivering (and failing to deliver) alerts prints no trace of the token', async () => {
    // The worker prefers a pre-built bundle; one older than the workflow sources would run yesterday's code.
    if (existsSync(prebuiltBundlePath)) {
      const built = statSync(prebuiltBundlePath).mtimeMs;
      const sources = ['workflows', path.join('src', 'alerts')].flatMap((dir) =>
        readdirSync(path.join(projectRoot, dir))
          .filter((f) => f.endsWith('.ts'))
          .map((f) => path.join(projectRoot, dir, f)),
      );
      const newer = sources.filter((f) => statSync(f).mtimeMs > built);
      assert.deepEqual(newer, [], `${prebuiltBundlePath} is older than these sources: run \`make build\``);
    }
    const env = await testEnv();
    const token = randomToken();
    const fake = await FakeSlack.start({ validToken: token });
    const taskQueue = uniqueTaskQueue('alerts-token');
    const routerWorkflowId = uniqueId('alert-router-token');
    // A configuration error, a 5xx and a success: every logging path of the sender runs.
    fake.answer(reply.error('channel_not_found'), reply.http(503), reply.ok());

    let output = '';
    const child: ChildProcess = spawn(process.execPath, [workerMain], {
      cwd: projectRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: env.namespace ?? 'default',
        TASK_QUEUE: taskQueue,
        VAR_DIR: tempVarDir('alerts-token-'),
        SLACK_BOT_TOKEN: token,
        SLACK_CHANNEL: 'C0ALERTS',
        SLACK_API_URL: fake.url,
        ALERT_COOLDOWN_MINUTES: '10',
        ALERT_ROUTER_WORKFLOW_ID: routerWorkflowId,
        LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit');
    child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
    try {
      const deadline = Date.now() + 90_000;
      while (!output.includes('worker polling') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      assert.ok(output.includes('worker polling'), `worker did not start (exit code ${child.exitCode}, signal ${child.signalCode}):\n${output}`);

      const failing = await env.client.workflow.start('alertDrill', { taskQueue, workflowId: uniqueId('drill-token'), args: [{}] });
      await assert.rejects(failing.result());
      await waitForRouter(env, routerWorkflowId, (s) => idle(s) && s.counters.failed === 1);
      await env.client.workflow.execute('alertDrill', { taskQueue, workflowId: uniqueId('drill-token-drift'), args: [{ scenario: 'drift' }] });
      const state = await waitForRouter(env, routerWorkflowId, (s) => idle(s) && s.counters.delivered === 1);
      assert.equal(state.failures[0]?.errorType, 'SlackConfigError');
    } finally {
      await stopRouter(env, routerWorkflowId);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      await fake.close();
    }

    // The token was really in use, and the failure paths really logged (otherwise this test proves nothing).
    assert.equal(fake.requests.length, 3);
    assert.ok(fake.requests.every((q) => q.authorization === `Bearer ${token}`));
    assert.match(output, /channel_not_found/, 'the configuration error is logged');
    assert.match(output, /HTTP 503/, 'the transient error is logged');
    assert.match(output, /worker stopped/, 'the worker shut down cleanly');
    const secretPart = token.slice(5, 25);
    assert.ok(!output.includes(token), 'the token appears in the worker output');
    assert.ok(!output.includes(secretPart), 'part of the token appears in the worker output');
  });
});
