// docker-compose.tls.yml booted for real: the Temporal server of docker-compose.temporal.yml takes only mTLS clients
// (certificates made by openssl), and the setup job, the Web UI, the workers and the host's CLI connect with theirs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { waitFor } from '../cluster/helpers';
import { makePki, type Pki } from '../support/mtls-temporal';
import { podman } from '../support/podman';
import { temporalCli } from '../support/temporal';
import { ComposeStack, requireComposeTools } from './compose';

const run = promisify(execFile);
// The server certificate of makePki names temporal.test (not the service name `temporal`): every client verifies that name.
const SERVER_NAME = 'temporal.test';

describe('docker-compose.tls.yml: the compose topology with mTLS to Temporal', function () {
  this.timeout(900_000);
  let pki: Pki | undefined;
  let stack: ComposeStack | undefined;
  let connection: Connection | undefined;
  let client: Client;
  let showLogs = true;
  const address = () => `127.0.0.1:${stack?.ports.TEMPORAL_PUBLISH_PORT}`;

  before(async function () {
    await requireComposeTools(this);
    pki = makePki();
    // The containers' users (uid 1000) read the mounted folder: the test's files are its own, so world-readable is fine.
    chmodSync(pki.dir, 0o755);
    for (const f of readdirSync(pki.dir)) chmodSync(path.join(pki.dir, f), 0o644);
    stack = new ComposeStack(['docker-compose.temporal.yml', 'docker-compose.tls.yml'], {
      POSTGRES_PASSWORD: 'compose-tls-pg',
      MINIO_ROOT_PASSWORD: 'compose-tls-minio',
      MODEL_NAME: 'flights-small',
      TEMPORAL_TLS_DIR: pki.dir,
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    });
    await stack.start();
    // The Temporal clients of the topology and what they need (the API replicas do not talk to Temporal).
    await stack.compose(['up', '-d', '--no-build', 'worker', 'temporal-ui']);
    const tls = { serverNameOverride: SERVER_NAME, serverRootCACertificate: readFileSync(pki.ca), clientCertPair: { crt: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) } };
    connection = await waitFor('the Temporal frontend over mTLS', 180_000, async () => Connection.connect({ address: address(), tls, connectTimeout: 2_000 }), 1000);
    client = new Client({ connection, namespace: 'default' });
    showLogs = false;
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') showLogs = true;
  });

  after(async function () {
    this.timeout(300_000);
    await connection?.close();
    await stack?.stop(showLogs);
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  it('the frontend refuses a plain-text client: the published port takes TLS only', async () => {
    await assert.rejects(Connection.connect({ address: address(), connectTimeout: 3_000 }).then((c) => c.workflowService.getSystemInfo({})));
  });

  it('the setup job (Temporal CLI) and the Web UI connect with their certificates', async () => {
    const state = await stack!.states();
    assert.deepEqual(state('temporal-setup'), ['exited:0'], 'temporal-setup registered the namespace and search attributes over mTLS');
    assert.deepEqual(state('temporal-ui'), ['running:0']);
    const names = await waitFor(
      'the Web UI to list namespaces through its mTLS client',
      60_000,
      async () => {
        const r = await fetch(`http://127.0.0.1:${stack!.ports.TEMPORAL_UI_PUBLISH_PORT}/api/v1/namespaces`);
        if (r.status !== 200) return undefined;
        const body = (await r.json()) as { namespaces?: { namespaceInfo?: { name?: string } }[] };
        return body.namespaces?.map((n) => n.namespaceInfo?.name);
      },
      1000,
    );
    assert.ok(names.includes('default'), `namespaces: ${names.join(',')}`);
  });

  it('trains from `temporal workflow start` with the CLI given TEMPORAL_TLS_*: the workers in compose run it to promotion', async () => {
    const workflowId = `compose-tls-train-${Date.now()}`;
    await run(
      temporalCli(),
      ['workflow', 'start', '--type', 'trainingPipeline', '--task-queue', 'ml-pipeline', '--workflow-id', workflowId, '--input', JSON.stringify({ spec: 'datasets/flights-small.json' })],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          TEMPORAL_ADDRESS: address(),
          TEMPORAL_TLS_CA: pki!.ca,
          TEMPORAL_TLS_CERT: pki!.clientCert,
          TEMPORAL_TLS_KEY: pki!.clientKey,
          TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
        },
      },
    );
    const result = (await client.workflow.getHandle(workflowId).result()) as { model: string; promoted: boolean };
    assert.equal(result.model, 'flights-small');
    assert.equal(result.promoted, true);
  });

  it('a worker container given the wrong CA stops at once (exit 3) with a message naming TEMPORAL_TLS_CA', async () => {
    // Not `run --rm`: against podman's Docker API the Compose CLI then reports exit 0 whatever the container returned.
    const name = `${stack!.project}-worker-wrong-ca`;
    const r = await stack!.composeExit(['run', '--no-deps', '--name', name, '-e', 'TEMPORAL_TLS_CA=/run/temporal-tls/other-ca.pem', '-e', 'TEMPORAL_CONNECT_TIMEOUT_MS=600000', 'worker']);
    await podman(['rm', '-f', '-v', name]); // -v: the image's /data VOLUME, anonymous here
    assert.equal(r.code, 3, r.output);
    assert.match(r.output, /not signed by a trusted CA.*TEMPORAL_TLS_CA/s);
  });
});
