// docker-compose.temporal.yml booted for real under podman with the Docker Compose CLI: PostgreSQL, Temporal, its UI,
// MinIO, two workers and two API replicas train from `temporal workflow start`, serve through each replica, and
// survive a worker container and an API container killed mid-run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { flightRow, historyOf, waitFor } from '../cluster/helpers';
import { podman } from '../support/podman';
import { temporalCli } from '../support/temporal';
import { ComposeStack, requireComposeTools } from './compose';

const run = promisify(execFile);
const SPEC = 'datasets/flights-small.json';

describe('docker-compose.temporal.yml under podman (Docker Compose CLI against podman’s Docker API)', function () {
  this.timeout(900_000);
  const stack = new ComposeStack(['docker-compose.temporal.yml'], { POSTGRES_PASSWORD: 'compose-test-pg', MINIO_ROOT_PASSWORD: 'compose-test-minio', MODEL_NAME: 'flights-small' });
  const { ports } = stack;
  const compose = (args: string[], timeoutMs?: number) => stack.compose(args, timeoutMs);
  const container = (svc: string, n = 1) => stack.container(svc, n);
  let client: Client;
  let connection: Connection | undefined;
  /** The logs' tail is printed when the boot or a test failed. */
  let showLogs = true;

  const apiUrl = (n: 1 | 2) => `http://127.0.0.1:${ports[`API_${n}_PUBLISH_PORT`]}`;
  /** The development key: the first replica to start created it in its own /data; keys live in the store, so it serves both. */
  const apiKey = async () => {
    for (const n of [1, 2]) {
      const key = (await podman(['exec', container(`api-${n}`), 'cat', '/data/dev-api-key'])).stdout.trim();
      if (key) return key;
    }
    throw new Error('neither API replica wrote /data/dev-api-key');
  };
  /** A crash, not a stop: SIGKILL to the container's main process from the host, so the restart policy applies. */
  const crash = async (name: string) => {
    const pid = Number((await podman(['inspect', '--format', '{{.State.Pid}}', name])).stdout.trim());
    assert.ok(pid > 0, `${name} runs`);
    process.kill(pid, 'SIGKILL');
    return pid;
  };

  before(async function () {
    await requireComposeTools(this);
    await stack.start();
    // Not --wait: the API replicas are healthy only once a model is trained (their health check asks /readyz).
    await compose(['up', '-d', '--no-build']);
    const address = `127.0.0.1:${ports.TEMPORAL_PUBLISH_PORT}`;
    connection = await waitFor('the Temporal frontend', 180_000, async () => Connection.connect({ address, connectTimeout: 2_000 }));
    client = new Client({ connection, namespace: 'default' });
    await waitFor('both API replicas to answer /healthz', 180_000, async () => (await Promise.all([1, 2].map((n) => fetch(`${apiUrl(n as 1 | 2)}/healthz`).then((r) => r.ok)))).every(Boolean), 1000);
    showLogs = false;
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') showLogs = true;
  });

  after(async function () {
    this.timeout(300_000);
    await connection?.close();
    await stack.stop(showLogs);
  });

  it('boots every service: schema and bucket set up once, Temporal, UI, MinIO, two workers, the watchdog, two API replicas running', async () => {
    const state = await stack.states();
    for (const svc of ['temporal-schema', 'temporal-setup', 'store-setup']) assert.deepEqual(state(svc), ['exited:0'], `${svc} ran to success`);
    for (const svc of ['postgresql', 'temporal', 'temporal-ui', 'minio', 'api-1', 'api-2', 'watchdog']) assert.deepEqual(state(svc), ['running:0'], `${svc} runs`);
    assert.deepEqual(state('worker'), ['running:0', 'running:0'], 'two workers');
    const ui = await waitFor('the Web UI', 60_000, async () => (await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PUBLISH_PORT}/`)).status === 200 || undefined);
    assert.ok(ui);
    const minio = await fetch(`http://127.0.0.1:${ports.MINIO_PUBLISH_PORT}/minio/health/ready`);
    assert.equal(minio.status, 200);
  });

  it('trains from `temporal workflow start`, survives a worker and an API container killed mid-run, then scores through each replica', async () => {
    const workflowId = `compose-train-${Date.now()}`;
    await run(temporalCli(), [
      'workflow',
      'start',
      '--address',
      `127.0.0.1:${ports.TEMPORAL_PUBLISH_PORT}`,
      '--type',
      'trainingPipeline',
      '--task-queue',
      'ml-pipeline',
      '--workflow-id',
      workflowId,
      '--input',
      JSON.stringify({ spec: SPEC }),
    ]);
    // Mid-run: once the first step has completed, crash the worker holding the run's next step (or any worker) and api-1.
    await waitFor('the first step to complete', 300_000, async () => (await historyOf(client, workflowId)).some((e) => e.activityTaskCompletedEventAttributes), 1000);
    const started = (await historyOf(client, workflowId)).filter((e) => e.activityTaskStartedEventAttributes).pop();
    const holder = started?.activityTaskStartedEventAttributes?.identity ?? '';
    // A worker's identity is pid@hostname, and its hostname is its container id.
    const workers = [container('worker', 1), container('worker', 2)];
    const ids = await Promise.all(workers.map(async (w) => (await podman(['inspect', '--format', '{{.Config.Hostname}}', w])).stdout.trim()));
    const victim =
      workers[
        Math.max(
          0,
          ids.findIndex((id) => id && holder.endsWith(`@${id}`)),
        )
      ];
    await crash(victim);
    await crash(container('api-1'));
    // Events before the kills: what the run did after them must include finished steps, or the kills were not mid-run.
    const eventsAtKill = (await historyOf(client, workflowId)).length;

    const result = (await client.workflow.getHandle(workflowId).result()) as { model: string; version: number; promoted: boolean };
    assert.equal(result.model, 'flights-small');
    assert.equal(result.promoted, true);
    const stepsAfterKill = (await historyOf(client, workflowId)).slice(eventsAtKill).filter((e) => e.activityTaskCompletedEventAttributes).length;
    assert.ok(stepsAfterKill > 0, 'steps completed after the kills');

    // Both killed containers came back by their restart policy.
    for (const name of [victim, container('api-1')]) {
      const restarts = await waitFor(
        `${name} to be restarted`,
        120_000,
        async () => {
          const r = await podman(['inspect', '--format', '{{.State.Running}} {{.RestartCount}}', name]);
          const [running, count] = r.stdout.trim().split(' ');
          return running === 'true' && Number(count) >= 1 ? Number(count) : undefined;
        },
        1000,
      );
      assert.ok(restarts >= 1);
    }

    // Each replica loads the champion from MinIO and scores; api-1's capture spool and key were kept on its volume.
    for (const n of [1, 2] as const) {
      const url = apiUrl(n);
      const version = await waitFor(
        `api-${n} to serve version ${result.version}`,
        120_000,
        async () => {
          const body = (await (await fetch(`${url}/readyz`)).json()) as { ready: boolean; model: { version: number } | null };
          return body.ready && body.model?.version === result.version ? body.model.version : undefined;
        },
        1000,
      );
      assert.equal(version, result.version);
      const res = await fetch(`${url}/v1/predict`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await apiKey()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [flightRow(1), flightRow(2), flightRow(3)] }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      const body = (await res.json()) as { model: { name: string; version: number }; predictions: unknown[] };
      assert.equal(body.model.version, result.version);
      assert.equal(body.predictions.length, 3);
      const health = await waitFor(`api-${n}'s health check to pass`, 120_000, async () => ((await podman(['healthcheck', 'run', container(`api-${n}`)])).code === 0 ? true : undefined), 2000);
      assert.ok(health);
    }
  });
});
