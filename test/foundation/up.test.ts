// `make up`'s orchestrator for real: dev server with UI, worker and API come up; Ctrl-C stops all; state survives a restart.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitForPort } from '../../src/up/processes';
import { projectRoot, temporalCli, tempVarDir } from '../support/temporal';
import { upEnv } from '../support/up';

const run = promisify(execFile);

function descendants(pid: number): number[] {
  try {
    const direct = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    return direct.flatMap((c) => [c, ...descendants(c)]);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Up {
  child: ChildProcess;
  output: () => string;
}

function startUp(env: NodeJS.ProcessEnv): Promise<Up> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/up/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`make up did not become ready:\n${out}`)), 120_000);
    const check = setInterval(() => {
      if (/Prediction API/.test(out) && /worker polling task queue/.test(out)) {
        clearInterval(check);
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    }, 200);
    child.once('exit', (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`make up exited with ${code}:\n${out}`));
    });
  });
}

async function stop(up: Up): Promise<{ code: number | null; leftovers: number[] }> {
  const family = descendants(up.child.pid ?? 0);
  assert.ok(family.length >= 3, `dev server, worker and API are children (found ${family.length})`);
  const exited = new Promise<number | null>((r) => up.child.once('exit', (code) => r(code)));
  up.child.kill('SIGINT');
  const code = await exited;
  await new Promise((r) => setTimeout(r, 500));
  return { code, leftovers: family.filter(alive) };
}

describe('make up (the orchestrator behind it)', function () {
  this.timeout(300_000);

  it('starts dev server + UI, worker and API, trains on first start and serves the README example; Ctrl-C stops every process; a restart keeps workflow history', async () => {
    const { env, temporalPort, uiPort, apiPort } = await upEnv('mlp-up-', {
      // the first start trains (on the 100k-row sample, to keep the test short) so the API has a model to serve
      FIRST_TRAINING_SPEC: 'datasets/flights-small.json',
      MODEL_NAME: 'flights-small',
      LOG_LEVEL: 'warn',
    });
    const address = `127.0.0.1:${temporalPort}`;

    const first = await startUp(env);
    assert.match(first.output(), new RegExp(`Temporal Web UI\\s+http://127.0.0.1:${uiPort}`));
    assert.equal((await fetch(`http://127.0.0.1:${uiPort}/`)).status, 200, 'the Web UI answers');
    assert.equal((await fetch(`http://127.0.0.1:${apiPort}/healthz`)).status, 200, 'the API answers');
    assert.match(first.output(), /no champion for flights-small yet: started first-training-flights-small/);
    assert.match(first.output(), /drift schedule drift-flights-small created/);

    // The README's own curl example, against the model the first start trained.
    const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const body = /-d '(\{"instances":[^']+)'\s*\\\s*\n\s*http:\/\/127\.0\.0\.1:8080\/v1\/predict/.exec(readme)?.[1];
    assert.ok(body, 'the README shows a /v1/predict curl example');
    const key = readFileSync(path.join(env.VAR_DIR ?? '', 'dev-api-key'), 'utf8').trim();
    const deadline = Date.now() + 240_000;
    let answer: Response;
    for (;;) {
      answer = await fetch(`http://127.0.0.1:${apiPort}/v1/predict`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
      if (answer.status === 200 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.equal(answer.status, 200, `predictions once the first training is promoted (${await answer.clone().text()})`);
    const prediction = (await answer.json()) as { model: { name: string; version: number }; predictions: { probability: number }[] };
    assert.deepEqual(prediction.model, { name: 'flights-small', version: 1 });
    assert.ok(prediction.predictions[0].probability > 0 && prediction.predictions[0].probability < 1);

    const workflowId = `up-check-${Date.now()}`;
    const { stdout } = await run(temporalCli(), [
      'workflow',
      'execute',
      '--address',
      address,
      '--type',
      'systemCheck',
      '--task-queue',
      'ml-pipeline',
      '--workflow-id',
      workflowId,
      '--input',
      '{"note":"up"}',
      '--output',
      'json',
    ]);
    assert.match(stdout, /"note": ?"up"/);
    const stopped = await stop(first);
    assert.equal(stopped.code, 0);
    assert.deepEqual(stopped.leftovers, [], 'no process left behind');

    const second = await startUp(env);
    assert.match(second.output(), /reusing Temporal state/);
    const { stdout: list } = await run(temporalCli(), ['workflow', 'list', '--address', address]);
    assert.match(list, new RegExp(workflowId), 'history from the first run is still there');
    const again = await stop(second);
    assert.equal(again.code, 0);
    assert.deepEqual(again.leftovers, []);
  });

  it('restarts a crashed child with backoff and says so; the API keeps answering while the Temporal server is down', async () => {
    const { env, temporalPort, apiPort } = await upEnv('mlp-up-', { TRAIN_ON_FIRST_START: 'false', LOG_LEVEL: 'warn' });
    const up = await startUp(env);
    const child = (pattern: RegExp) =>
      descendants(up.child.pid ?? 0).find((pid) => {
        try {
          return pattern.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
        } catch {
          return false;
        }
      });
    const waitFor = async (pattern: RegExp, count = 1) => {
      const deadline = Date.now() + 90_000;
      while ((up.output().match(new RegExp(pattern.source, 'g')) ?? []).length < count) {
        assert.ok(Date.now() < deadline, `never saw ${pattern} ${count} time(s):\n${up.output()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    // the workers' outage is watched from outside them: a watchdog runs beside the worker, on the same task queue
    assert.ok(child(/watchdog\/main\.js/), 'the watchdog is a child of make up');
    await waitFor(/\[watchdog\] watchdog: task queue ml-pipeline, alert after \d+ s without a worker/);

    const worker = child(/worker\/main\.js/);
    assert.ok(worker, 'the worker is a child of make up');
    process.kill(worker, 'SIGKILL');
    await waitFor(/\[up\] worker exited unexpectedly \(code \d+\).*restarting in \d+\.\d s/);
    await waitFor(/\[up\] worker restarted \(pid \d+, restart 1\)/);
    await waitFor(/worker polling task queue/, 2);
    const again = child(/worker\/main\.js/);
    assert.ok(again && again !== worker, 'a new worker process runs');

    const server = child(/server start-dev/);
    assert.ok(server, 'the dev server is a child of make up');
    process.kill(server, 'SIGKILL');
    await waitFor(/\[up\] temporal exited unexpectedly/);
    assert.equal((await fetch(`http://127.0.0.1:${apiPort}/healthz`)).status, 200, 'the API answers while the Temporal server is down');
    await waitFor(/\[up\] temporal restarted/);
    assert.ok(await waitForPort(temporalPort, 60_000), 'the restarted dev server listens again');
    const { stdout } = await run(temporalCli(), [
      'workflow',
      'execute',
      '--address',
      `127.0.0.1:${temporalPort}`,
      '--type',
      'systemCheck',
      '--task-queue',
      'ml-pipeline',
      '--workflow-id',
      `after-restart-${Date.now()}`,
      '--input',
      '{"note":"back"}',
      '--output',
      'json',
    ]);
    assert.match(stdout, /"note": ?"back"/, 'the restarted server and the worker run workflows again');
    const stopped = await stop(up);
    assert.equal(stopped.code, 0);
    assert.deepEqual(stopped.leftovers, []);
  });

  it('refuses to start on a busy port with a message that says what to do', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const r = await run(process.execPath, [path.join(projectRoot, 'dist/src/up/main.js')], {
        env: { ...process.env, TEMPORAL_CLI: temporalCli(), TEMPORAL_PORT: String(port), VAR_DIR: tempVarDir('mlp-up-') },
      }).then(
        () => assert.fail('must not start'),
        (e: { code: number; stderr: string }) => e,
      );
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`port\\(s\\) already in use: TEMPORAL_PORT=${port}`));
    } finally {
      busy.close();
    }
  });
});
