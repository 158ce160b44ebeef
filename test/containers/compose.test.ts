// docker-compose.temporal.yml booted for real under podman with the Docker Compose CLI: PostgreSQL, Temporal, its UI,
// MinIO, two workers and two API replicas train from `temporal workflow start`, serve through each replica, and
// survive a worker container and an API container killed mid-run.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../src/up/processes';
import { flightRow, historyOf, waitFor } from '../cluster/helpers';
import { appImage, podman, requireImages, runtimeWrapper } from '../support/podman';
import { projectRoot, temporalCli } from '../support/temporal';

const run = promisify(execFile);
const SPEC = 'datasets/flights-small.json';

/** images/local.env (written by `make images` when it made local stand-ins) as variables for compose. */
function localImages(): Record<string, string> {
  const file = path.join(projectRoot, 'images', 'local.env');
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('docker-compose.temporal.yml under podman (Docker Compose CLI against podman’s Docker API)', function () {
  this.timeout(900_000);
  const project = `mlp-compose-${process.pid}`;
  const socketDir = mkdtempSync(path.join(os.tmpdir(), 'mlp-podman-api-'));
  const socket = path.join(socketDir, 'podman.sock');
  let service: ChildProcess | undefined;
  let composeBin: string;
  let composeEnv: NodeJS.ProcessEnv;
  const ports: Record<string, number> = {};
  let client: Client;
  let connection: Connection | undefined;
  let healthTicker: NodeJS.Timeout | undefined;

  /**
   * podman schedules health checks with systemd timers; with no systemd (this machine, most CI containers) none run,
   * and `depends_on: service_healthy` would wait forever. Docker's engine runs them itself: this does the same.
   */
  const runHealthChecks = async () => {
    const names = (await podman(['ps', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}} {{.Status}}'])).stdout.trim().split('\n');
    await Promise.all(names.filter((l) => /\((starting|healthy|unhealthy)\)/.test(l)).map((l) => podman(['healthcheck', 'run', l.split(' ')[0]], { timeoutMs: 30_000 })));
  };
  const startHealthChecks = () => {
    let busy = false;
    healthTicker = setInterval(() => {
      if (busy) return;
      busy = true;
      runHealthChecks()
        .catch(() => undefined)
        .finally(() => (busy = false));
    }, 3000);
  };

  const compose = async (args: string[], timeoutMs = 600_000) => {
    try {
      return await run(composeBin, ['-f', path.join(projectRoot, 'docker-compose.temporal.yml'), '-p', project, ...args], {
        env: composeEnv,
        cwd: projectRoot,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`compose ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, { cause: err });
    }
  };
  const container = (svc: string, n = 1) => `${project}-${svc}-${n}`;
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
    const local = localImages();
    await requireImages(this, [appImage, 'ml-pipeline-minio:latest', ...Object.values(local)]);
    if (process.env.CONTAINER_TEST !== '1' && !existsSync(path.join(projectRoot, '.tools', 'compose', 'docker-compose'))) {
      process.stdout.write('      skipped: the Docker Compose CLI is not built yet: run `make container-test`\n');
      this.skip();
    }
    composeBin = execFileSync(path.join(projectRoot, 'scripts', 'compose-cli.sh'), { encoding: 'utf8' }).trim();
    // podman's Docker-compatible API for the Compose CLI, with the project's runc wrapper.
    service = spawn('podman', ['--runtime', runtimeWrapper, 'system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
    await waitFor('the podman API socket', 30_000, () => Promise.resolve(existsSync(socket)));
    startHealthChecks();
    for (const name of ['TEMPORAL_PUBLISH_PORT', 'TEMPORAL_UI_PUBLISH_PORT', 'MINIO_PUBLISH_PORT', 'MINIO_CONSOLE_PUBLISH_PORT', 'API_1_PUBLISH_PORT', 'API_2_PUBLISH_PORT']) {
      let p = await freePort();
      while (Object.values(ports).includes(p)) p = await freePort();
      ports[name] = p;
    }
    composeEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DOCKER_HOST: `unix://${socket}`,
      POSTGRES_PASSWORD: 'compose-test-pg',
      MINIO_ROOT_PASSWORD: 'compose-test-minio',
      MODEL_NAME: 'flights-small',
      ...local,
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    };
    // Not --wait: the API replicas are healthy only once a model is trained (their health check asks /readyz).
    await compose(['up', '-d', '--no-build']);
    const address = `127.0.0.1:${ports.TEMPORAL_PUBLISH_PORT}`;
    connection = await waitFor('the Temporal frontend', 180_000, async () => Connection.connect({ address, connectTimeout: 2_000 }));
    client = new Client({ connection, namespace: 'default' });
    await waitFor('both API replicas to answer /healthz', 180_000, async () => (await Promise.all([1, 2].map((n) => fetch(`${apiUrl(n as 1 | 2)}/healthz`).then((r) => r.ok)))).every(Boolean), 1000);
  });

  after(async function () {
    this.timeout(300_000);
    await connection?.close();
    clearInterval(healthTicker);
    if (composeBin && service) {
      if (this.currentTest?.state === 'failed' || process.env.CONTAINER_TEST_LOGS === '1') {
        const logs = await compose(['logs', '--no-color', '--tail', '60']).catch((e: Error) => ({ stdout: e.message }));
        process.stdout.write(`\n--- compose logs (tail) ---\n${logs.stdout}\n`);
      }
      await compose(['down', '--volumes', '--remove-orphans', '--timeout', '20'], 300_000).catch((e: Error) => process.stdout.write(`${e.message}\n`));
    }
    service?.kill('SIGTERM');
    rmSync(socketDir, { recursive: true, force: true });
  });

  it('boots every service: schema and bucket set up once, Temporal, UI, MinIO, two workers, two API replicas running', async () => {
    const { stdout } = await compose(['ps', '--all', '--format', 'json']);
    const rows = stdout.trim().startsWith('[')
      ? (JSON.parse(stdout) as { Service: string; State: string; ExitCode: number }[])
      : stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { Service: string; State: string; ExitCode: number });
    const state = (svc: string) => rows.filter((r) => r.Service === svc).map((r) => `${r.State}:${r.ExitCode}`);
    for (const svc of ['temporal-schema', 'temporal-setup', 'store-setup']) assert.deepEqual(state(svc), ['exited:0'], `${svc} ran to success`);
    for (const svc of ['postgresql', 'temporal', 'temporal-ui', 'minio', 'api-1', 'api-2']) assert.deepEqual(state(svc), ['running:0'], `${svc} runs`);
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

    const result = (await client.workflow.getHandle(workflowId).result()) as { model: string; version: number; promoted: boolean };
    assert.equal(result.model, 'flights-small');
    assert.equal(result.promoted, true);

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
