// The images built by `make images`, checked for real: every check of container-structure-test.yaml (and of
// container-structure-test.python-worker.yaml for the Python worker's image), the health check, and the worker and API
// commands starting in it.
import assert from 'node:assert/strict';
import { freePort } from '../../src/up/processes';
import path from 'node:path';
import { appImage, podman, pythonWorkerImage, requireImages } from '../support/podman';
import { projectRoot } from '../support/temporal';
import { inspectImage, readStructureConfig, structureChecks, type StructureConfig } from './structure';

/** Says which build the checks that follow ran against (each one runs or inspects this image, by this name). */
async function requireAndName(ctx: Mocha.Context, image: string): Promise<void> {
  await requireImages(ctx, [image]);
  const r = await podman(['image', 'inspect', '--format', '{{.Id}} {{.Created}}', image]);
  const [id, ...created] = r.stdout.trim().split(' ');
  process.stdout.write(`      image ${image}: id ${id.slice(0, 12)}, built ${created.slice(0, 2).join(' ')}\n`);
}

describe('the Python worker image (container-structure-test.python-worker.yaml run with podman)', function () {
  this.timeout(180_000);
  const config = readStructureConfig(path.join(projectRoot, 'container-structure-test.python-worker.yaml'));

  before(async function () {
    await requireAndName(this, pythonWorkerImage);
  });

  for (const check of structureChecks(config)) {
    it(`${check.name} [${pythonWorkerImage}]`, async () => {
      const problems = await check.run(pythonWorkerImage);
      assert.deepEqual(problems, [], problems.join('\n'));
    });
  }
});

describe('the ml-pipeline image (container-structure-test.yaml run with podman)', function () {
  this.timeout(180_000);
  const config = readStructureConfig();

  before(async function () {
    await requireAndName(this, appImage);
  });

  for (const check of structureChecks(config)) {
    it(`${check.name} [${appImage}]`, async () => {
      const problems = await check.run(appImage);
      assert.deepEqual(problems, [], problems.join('\n'));
    });
  }

  it('fails a check broken on purpose (the runner is not a rubber stamp)', async () => {
    const broken: StructureConfig = structuredClone(config);
    const npm = broken.commandTests.find((t) => /no npm/.test(t.name));
    assert.ok(npm, 'the config checks that npm is absent');
    npm.expectedOutput = ['^/usr/local/bin/npm$'];
    const dist = broken.fileExistenceTests.find((t) => t.path === '/app/dist/test');
    assert.ok(dist);
    dist.shouldExist = true;
    broken.metadataTest.user = 'root';
    const byName = new Map(structureChecks(broken).map((c) => [c.name, c]));
    for (const name of [`command: ${npm.name}`, `file: ${dist.name} (/app/dist/test present)`, 'metadata: user, workdir, ports, volumes, cmd, env']) {
      const problems = await byName.get(name)?.run(appImage);
      assert.ok(problems && problems.length > 0, `${name} must fail`);
    }
  });

  it('has a health check that asks /readyz (ready to serve), not /healthz', async () => {
    const c = await inspectImage(appImage);
    assert.ok(c.Healthcheck, 'HEALTHCHECK is in the image');
    assert.match(c.Healthcheck.Test.join(' '), /\/readyz/);
  });

  it('starts the API: /healthz answers, /readyz says 503 with no model yet, SIGTERM stops it cleanly', async () => {
    const port = await freePort();
    const name = `mlp-structure-api-${process.pid}`;
    const started = await podman([
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'host',
      '-e',
      `API_PORT=${port}`,
      '-e',
      'API_HOST=127.0.0.1',
      '-e',
      'TEMPORAL_ADDRESS=127.0.0.1:1',
      appImage,
      'node',
      'dist/src/serving/main.js',
    ]);
    assert.equal(started.code, 0, started.stderr);
    try {
      const health = await poll(() => fetch(`http://127.0.0.1:${port}/healthz`), 60_000);
      assert.equal(health.status, 200);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(((await ready.json()) as { message: string }).message, /no champion model/);
      const hc = await podman(['healthcheck', 'run', name]);
      assert.notEqual(hc.code, 0, 'not healthy before a model is trained');
      const stopped = await podman(['stop', '-t', '20', name]);
      assert.equal(stopped.code, 0, stopped.stderr);
      const exit = await podman(['inspect', '--format', '{{.State.ExitCode}}', name]);
      assert.equal(exit.stdout.trim(), '0', `exit code after SIGTERM; logs:\n${(await podman(['logs', name])).stderr.slice(-2000)}`);
    } finally {
      await podman(['rm', '-f', '-v', name]);
    }
  });

  it('starts the worker (the default command): settings and native modules load, an unreachable Temporal is reported clearly', async () => {
    const r = await podman(['run', '--rm', '--network', 'none', '-e', 'TEMPORAL_ADDRESS=127.0.0.1:1', '-e', 'TEMPORAL_CONNECT_TIMEOUT_MS=1000', appImage]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /worker: cannot reach the Temporal server at 127\.0\.0\.1:1/);
  });
});

async function poll(probe: () => Promise<Response>, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
