// The Docker files parsed: they agree with the settings schema and the pins (test/containers builds and boots them).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { EnvSchema, parseEnv } from '../../src/config/env';
import { ServingConfig } from '../../src/config/serving';
import { projectRoot } from '../support/temporal';

const read = (file: string) => readFileSync(path.join(projectRoot, file), 'utf8');

const Service = z.object({
  image: z.string().optional(),
  build: z.object({ context: z.string(), target: z.string().optional() }).optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  ports: z.array(z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  tmpfs: z.array(z.string()).optional(),
  depends_on: z.union([z.array(z.string()), z.record(z.string(), z.object({ condition: z.string() }))]).optional(),
  healthcheck: z.object({ disable: z.boolean().optional(), test: z.array(z.string()).optional() }).optional(),
  deploy: z.object({ replicas: z.number().optional() }).optional(),
  stop_grace_period: z.string().optional(),
});
const Compose = z.object({ services: z.record(z.string(), Service), volumes: z.record(z.string(), z.unknown().nullable()).optional() });

/** Compose's variable interpolation, for the variables a person sets in .env. */
function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Z_][A-Z0-9_]*)(?::?([-?])([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (whole === '$$') return '$';
    const value = name ? vars[name] : undefined;
    if (value !== undefined && value !== '') return value;
    if (op === '-') return arg ?? '';
    throw new Error(`compose needs ${name ?? '?'}: ${arg ?? ''}`);
  });
}

function compose(vars: Record<string, string>) {
  return Compose.parse(parse(interpolate(read('docker-compose.temporal.yml'), vars), { merge: true }));
}

const settingNames = new Set([...Object.keys(EnvSchema.in.shape), ...Object.keys(ServingConfig.shape)]);
const goPin = (name: string) => new RegExp(`${name}\\) module="([^"]+)"`).exec(read('scripts/go-tool.sh'))?.[1] ?? '';

describe('images and docker-compose.temporal.yml (parsed)', () => {
  const vars = { POSTGRES_PASSWORD: 'pg-secret-for-test', MINIO_ROOT_PASSWORD: 'minio-secret-for-test' };
  const file = compose(vars);
  const appServices = Object.entries(file.services).filter(([, s]) => s.build?.target === 'runtime');

  it('refuses to start without the passwords from .env (no default secrets)', () => {
    assert.throws(() => compose({}), /POSTGRES_PASSWORD|MINIO_ROOT_PASSWORD/);
  });

  it('runs the project from its image: workers, API replicas and the bucket setup, no host folder or node_modules mounted', () => {
    assert.deepEqual(appServices.map(([name]) => name).sort(), ['api-1', 'api-2', 'store-setup', 'watchdog', 'worker']);
    for (const [name, s] of Object.entries(file.services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0];
        assert.ok(!source.startsWith('.') && !source.startsWith('/'), `${name} mounts the host path ${source}`);
        assert.doesNotMatch(v, /node_modules/);
      }
    }
    for (const [name, s] of appServices) assert.equal(s.image, 'ml-pipeline:latest', `${name} runs the project's image`);
    const worker = file.services.worker;
    assert.deepEqual(worker.command, ['node', 'dist/src/worker/main.js']);
    for (const api of [file.services['api-1'], file.services['api-2']]) assert.deepEqual(api.command, ['node', 'dist/src/serving/main.js']);
  });

  it("gives a stopping worker time to hand its steps back: the stop grace period outlasts the worker's force time", () => {
    // src/worker/worker.ts: shutdownGraceTime 10 s (steps may finish), then hand-back; shutdownForceTime 30 s after the SIGTERM (it stops)
    const seconds = /^(\d+)s$/.exec(file.services.worker.stop_grace_period ?? '10s')?.[1];
    assert.ok(Number(seconds) > 30, `stop_grace_period ${file.services.worker.stop_grace_period ?? '(compose default 10s)'} outlasts the worker's 30 s force time`);
  });

  it('runs one watchdog beside the workers (their outage still becomes an alert), on the same Temporal, queue and store', () => {
    const watchdog = file.services.watchdog;
    assert.ok(watchdog, 'a watchdog service');
    assert.deepEqual(watchdog.command, ['node', 'dist/src/watchdog/main.js']);
    assert.equal(watchdog.deploy?.replicas ?? 1, 1, 'one watchdog: two would send every alert twice');
    const same = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TASK_QUEUE', 'ARTIFACT_STORE', 'S3_ENDPOINT'];
    const pick = (env: Record<string, unknown> | undefined) => same.map((k) => String(env?.[k]));
    assert.deepEqual(pick(watchdog.environment), pick(file.services.worker.environment));
  });

  it('publishes every port on 127.0.0.1 unless PUBLISH_IP says otherwise', () => {
    const published = (f: typeof file) => Object.values(f.services).flatMap((s) => s.ports ?? []);
    assert.ok(published(file).length >= 6);
    for (const mapping of published(file)) assert.match(mapping, /^127\.0\.0\.1:\d+:\d+$/, `${mapping} is published on loopback only`);
    for (const mapping of published(compose({ ...vars, PUBLISH_IP: '0.0.0.0' }))) assert.match(mapping, /^0\.0\.0\.0:/);
  });

  it('gives each API replica its own INSTANCE_ID and its own volume for /data (the capture spool survives a restart)', () => {
    const apis = [file.services['api-1'], file.services['api-2']];
    const ids = apis.map((s) => String(s.environment?.INSTANCE_ID));
    assert.deepEqual(new Set(ids).size, 2, `distinct INSTANCE_IDs: ${ids.join(', ')}`);
    const volumes = apis.map((s) => (s.volumes ?? []).find((v) => v.endsWith(':/data'))?.split(':')[0]);
    assert.ok(
      volumes.every((v) => v && v in (file.volumes ?? {})),
      `named volumes at /data: ${volumes.join(', ')}`,
    );
    assert.equal(new Set(volumes).size, 2);
    for (const api of apis) assert.equal(api.tmpfs, undefined, 'no tmpfs over the spool');
    const ports = apis.map((s) => s.ports?.[0]?.split(':')[1]);
    assert.equal(new Set(ports).size, 2, `distinct published ports: ${ports.join(', ')}`);
  });

  it("gives the project's services only known settings, and values the settings schema accepts", () => {
    for (const [name, s] of appServices) {
      const env = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]));
      const unknown = Object.keys(env).filter((k) => !settingNames.has(k));
      assert.deepEqual(unknown, [], `${name} sets variables no schema reads`);
      const parsed = parseEnv({ ...env, PROJECT_ROOT: '/app' });
      assert.equal(parsed.TEMPORAL_NAMESPACE, 'default');
    }
  });

  it('wires ports and addresses consistently: API port, Temporal frontend, MinIO endpoint, UI link', () => {
    const api = file.services['api-1'];
    const apiEnv = parseEnv({ ...(api.environment as Record<string, string>), PROJECT_ROOT: '/app' });
    assert.equal(apiEnv.API_HOST, '0.0.0.0', 'the API listens on all interfaces inside its container');
    for (const mapping of api.ports ?? []) assert.equal(Number(mapping.split(':').pop()), apiEnv.API_PORT, `published ${mapping} targets API_PORT`);

    const [temporalHost, temporalPort] = apiEnv.TEMPORAL_ADDRESS.split(':');
    assert.ok(file.services[temporalHost], `TEMPORAL_ADDRESS names the service ${temporalHost}`);
    assert.equal(String(file.services[temporalHost].environment?.FRONTEND_GRPC_PORT), temporalPort);
    assert.ok(file.services[temporalHost].ports?.includes(`127.0.0.1:${temporalPort}:${temporalPort}`));

    const s3 = new URL(String(api.environment?.S3_ENDPOINT));
    assert.ok(file.services[s3.hostname], `S3_ENDPOINT names the service ${s3.hostname}`);
    const minioCommand = file.services[s3.hostname].command as string[];
    assert.equal(minioCommand[minioCommand.indexOf('--address') + 1], `:${s3.port}`);
    assert.equal(String(api.environment?.AWS_ACCESS_KEY_ID), String(file.services.minio.environment?.MINIO_ROOT_USER));
    assert.equal(String(api.environment?.AWS_SECRET_ACCESS_KEY), String(file.services.minio.environment?.MINIO_ROOT_PASSWORD));
    assert.match(String(api.environment?.ARTIFACT_STORE), /^s3:\/\//);

    const ui = file.services['temporal-ui'];
    const uiPublished = (ui.ports ?? [])[0]?.split(':')[1];
    assert.equal(new URL(apiEnv.TEMPORAL_UI_URL).port, uiPublished, 'alert links point at the published Web UI');
    assert.equal(String(ui.environment?.TEMPORAL_ADDRESS), apiEnv.TEMPORAL_ADDRESS);
    assert.equal(String(file.services.temporal.environment?.POSTGRES_PWD), String(file.services.postgresql.environment?.POSTGRES_PASSWORD));
  });

  it('uses the same component versions as `make cluster`', () => {
    const server = goPin('temporal-server').split('@')[1].replace(/^v/, '');
    const ui = goPin('temporal-ui').split('@')[1].replace(/^v/, '');
    assert.equal(file.services.temporal.image, `temporalio/server:${server}`);
    // admin-tools tags name the bundled CLIs too (temporalio/admin-tools:1.29.1 is not published)
    assert.match(String(file.services['temporal-schema'].image), new RegExp(`^temporalio/admin-tools:${server.replace(/\./g, '\\.')}-tctl-[\\d.]+-cli-[\\d.]+$`));
    assert.equal(file.services['temporal-setup'].image, file.services['temporal-schema'].image);
    assert.equal(file.services['temporal-ui'].image, `temporalio/ui:${ui}`);
    assert.match(read('Dockerfile'), new RegExp(`MINIO_MODULE=${goPin('minio').replace(/[.@]/g, '\\$&')}\\n`));
  });

  it('builds a runtime stage on Node 24 as a non-root user, with production dependencies only and a healthcheck', () => {
    const dockerfile = read('Dockerfile');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    const runtime = stages[stages.length - 1];
    assert.match(runtime, /^\$\{NODE_IMAGE\} AS runtime/, 'the runtime stage is last, so it is the default target');
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:24-/m);
    assert.match(dockerfile, /RUN npm ci --omit=dev/);
    assert.match(runtime, /^USER node$/m);
    assert.match(runtime, /^HEALTHCHECK .*\n\s+CMD .*\/readyz/m, 'healthy means ready to serve, not merely alive');
    assert.doesNotMatch(runtime, /npm ci|npm install|tsc/, 'nothing is installed or compiled in the runtime stage');
    assert.match(runtime, /rm -rf [^;&]*\/usr\/local\/bin\/npm /, 'npm itself is removed from the runtime stage');
    const copied = [...runtime.matchAll(/^COPY --from=(\w+)/gm)].map((m) => m[1]);
    assert.deepEqual([...new Set(copied)].sort(), ['build', 'deps'], 'node_modules only from the production-dependencies stage');
    assert.match(runtime, /COPY --from=deps [^\n]*node_modules/);
    assert.match(read('.dockerignore'), /^node_modules$/m);
  });

  it('has a container-structure-test config that checks the same image facts', () => {
    const cst = z
      .object({
        schemaVersion: z.literal('2.0.0'),
        metadataTest: z.object({ user: z.string(), exposedPorts: z.array(z.string()), cmd: z.array(z.string()) }),
        commandTests: z.array(z.object({ name: z.string(), command: z.string() })).min(1),
        fileExistenceTests: z.array(z.object({ name: z.string(), path: z.string(), shouldExist: z.boolean() })).min(1),
      })
      .parse(parse(read('container-structure-test.yaml')));
    const dockerfile = read('Dockerfile');
    assert.equal(cst.metadataTest.user, /^USER (\S+)$/m.exec(dockerfile.split(/AS runtime/)[1])?.[1]);
    assert.deepEqual(cst.metadataTest.exposedPorts, [String(parseEnv({ PROJECT_ROOT: '/app', API_PORT: /API_PORT=(\d+)/.exec(dockerfile)?.[1] }).API_PORT)]);
    assert.deepEqual(cst.metadataTest.cmd, JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]'));
    const absent = cst.fileExistenceTests.filter((t) => !t.shouldExist).map((t) => t.path);
    for (const tool of ['/app/node_modules/typescript', '/app/node_modules/mocha']) assert.ok(absent.includes(tool), `checks that ${tool} is absent`);
  });
});
