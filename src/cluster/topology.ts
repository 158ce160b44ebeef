// Starts the production topology on one machine: PostgreSQL, Temporal server + UI, MinIO, N workers, N API replicas.
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { stopLeftovers } from '../up/pid-files';
import { portIsFree, Supervisor, waitForHttp, waitForPort, type ManagedChild, type RestartPolicy } from '../up/processes';
import { pythonWorkerLaunch } from '../up/python-worker';
import { parseEnv } from '../config/env';
import { ensureBucketFor } from './ensure-bucket';
import { prepareMinio, waitForMinio } from './minio';
import { preparePostgres, waitForPostgres } from './postgres';
import { clusterSecrets, type ClusterSecrets } from './secrets';
import { clusterPorts, MAX_MEMBERSHIP_PORT, type ClusterSettings } from './settings';
import { prepareUiServer } from './ui-server';
import { bootstrapNamespace, setupTemporalSchema, temporalServerSpec, writeTemporalConfig } from './temporal-server';

export interface ClusterWorker {
  name: string;
  identity: string;
  /** This worker's own local folder, standing for another host's disk. */
  scratch: string;
}

export interface ClusterApi {
  name: string;
  url: string;
  scratch: string;
}

export interface Cluster {
  settings: ClusterSettings;
  supervisor: Supervisor;
  temporalAddress: string;
  uiUrl: string;
  /** s3://bucket/prefix, the ARTIFACT_STORE every worker and replica uses. */
  artifactStore: string;
  s3Endpoint: string;
  workers: ClusterWorker[];
  apis: ClusterApi[];
  /** The environment of the project's own processes (workers, API replicas, CLI) on this cluster. */
  appEnv: NodeJS.ProcessEnv;
  connection: Connection;
  component(name: string): ManagedChild;
  stop(): Promise<void>;
}

/** Absolute path of one pinned Go component, built into .tools/cluster on first use by scripts/go-tool.sh. */
export function goTool(projectRoot: string, name: 'temporal-server' | 'temporal-sql' | 'temporal-ui' | 'minio'): string {
  return execFileSync(path.join(projectRoot, 'scripts', 'go-tool.sh'), [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** Stop order: the project's processes first (they drain and flush), then UI and server, then the stores. */
const stopLayers = (s: ClusterSettings): string[][] => [[...workerNames(s), ...s.apiPorts.map((_, i) => apiName(i)), 'watchdog'], ['ui'], ['temporal'], ['minio', 'postgres']];

const workerNames = (s: ClusterSettings) => Array.from({ length: s.workers }, (_, i) => `worker-${String.fromCharCode(97 + i)}`);
const apiName = (i: number) => `api-${i + 1}`;

/** Waits until every named worker polls the task queue for activities (the server has seen its identity). */
async function waitForPollers(connection: Connection, namespace: string, taskQueue: string, identities: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    const seen = new Set((res.pollers ?? []).map((p) => p.identity));
    const missing = identities.filter((id) => !seen.has(id));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`worker(s) ${missing.join(', ')} did not poll ${taskQueue} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface StartOptions {
  say: (line: string) => void;
  /** Where the components' own prefixed output goes (stdout by default). */
  write?: (line: string) => void;
  restartPolicy?: RestartPolicy;
}

export async function startCluster(s: ClusterSettings, opts: StartOptions): Promise<Cluster> {
  const { say } = opts;
  const tooHigh = [0, 3, 5, 7].map((i) => s.temporalInternalPorts[i]).filter((p) => p > MAX_MEMBERSHIP_PORT);
  if (tooHigh.length) throw new Error(`Temporal membership port(s) ${tooHigh.join(', ')} above ${MAX_MEMBERSHIP_PORT}: the server stores them as a PostgreSQL smallint`);
  // A supervisor that was SIGKILLed could not stop its children: stop what its pid files name before checking ports.
  const pidDir = path.join(s.dir, 'pids');
  const leftovers = await stopLeftovers(pidDir);
  if (leftovers.length) say(`stopped what a previous make cluster left running: ${leftovers.join(', ')}`);
  const busy: string[] = [];
  for (const [name, port] of clusterPorts(s)) if (!(await portIsFree(port))) busy.push(`${name}=${port}`);
  if (busy.length) throw new Error(`port(s) already in use: ${busy.join(', ')}. Is another \`make cluster\` running? Choose others with these variables.`);
  await mkdir(s.dir, { recursive: true });

  const bins = {
    server: goTool(s.projectRoot, 'temporal-server'),
    sql: goTool(s.projectRoot, 'temporal-sql'),
    ui: goTool(s.projectRoot, 'temporal-ui'),
    minio: goTool(s.projectRoot, 'minio'),
  };
  const secrets: ClusterSecrets = await clusterSecrets(s.dir);
  const supervisor = new Supervisor(say, opts.restartPolicy, opts.write, pidDir);
  const stop = () => supervisor.stopAll(stopLayers(s));
  try {
    const pg = await preparePostgres({ dir: s.dir, port: s.postgresPort, user: secrets.postgresUser, password: secrets.postgresPassword, projectRoot: s.projectRoot });
    supervisor.start(pg.spec);
    await waitForPostgres(pg, 60_000);
    say(`PostgreSQL ready on 127.0.0.1:${s.postgresPort}`);

    const temporalOptions = {
      dir: s.dir,
      serverBin: bins.server,
      sqlBin: bins.sql,
      postgresPort: s.postgresPort,
      user: secrets.postgresUser,
      password: secrets.postgresPassword,
      frontendPort: s.temporalPort,
      internalPorts: s.temporalInternalPorts,
      logLevel: s.logLevel,
    };
    await setupTemporalSchema(temporalOptions, say);
    const root = await writeTemporalConfig(temporalOptions);
    supervisor.start(temporalServerSpec(temporalOptions, root));

    supervisor.start(await prepareMinio({ dir: s.dir, minioBin: bins.minio, port: s.minioPort, consolePort: s.minioConsolePort, accessKey: secrets.s3AccessKey, secretKey: secrets.s3SecretKey }));
    const temporalAddress = `127.0.0.1:${s.temporalPort}`;
    supervisor.start(await prepareUiServer({ dir: s.dir, uiBin: bins.ui, frontendAddress: temporalAddress, port: s.temporalUiPort, namespace: s.namespace }));

    const s3Endpoint = `http://127.0.0.1:${s.minioPort}`;
    const uiUrl = `http://127.0.0.1:${s.temporalUiPort}`;
    const artifactStore = `s3://${s.bucket}/artifacts`;
    const appEnv: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: s.namespace,
      TASK_QUEUE: s.taskQueue,
      TEMPORAL_UI_URL: uiUrl,
      MODEL_NAME: s.modelName,
      LOG_LEVEL: s.logLevel,
      ARTIFACT_STORE: artifactStore,
      S3_ENDPOINT: s3Endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: secrets.s3AccessKey,
      AWS_SECRET_ACCESS_KEY: secrets.s3SecretKey,
      ...s.appEnv,
    };
    await waitForMinio(s.minioPort, 60_000);
    // The orchestrator's own store settings (its cache under the cluster folder), parsed like any process's.
    await ensureBucketFor(parseEnv({ ...appEnv, VAR_DIR: path.join(s.dir, 'orchestrator') }).store);
    say(`MinIO ready on ${s3Endpoint}, bucket ${s.bucket}`);

    const connection = await bootstrapNamespace(temporalAddress, s.namespace, 120_000, say);
    say(`Temporal server ready on ${temporalAddress} (persistence and visibility on PostgreSQL)`);

    const node = process.execPath;
    const workers: ClusterWorker[] = [];
    for (const name of workerNames(s)) {
      const scratch = path.join(s.dir, name);
      await mkdir(scratch, { recursive: true });
      const identity = name;
      workers.push({ name, identity, scratch });
      supervisor.start({ name, command: node, args: [path.join(s.projectRoot, 'dist/src/worker/main.js')], env: { ...appEnv, VAR_DIR: scratch, INSTANCE_ID: name }, cwd: s.projectRoot });
    }
    const apis: ClusterApi[] = [];
    for (const [i, port] of s.apiPorts.entries()) {
      const name = apiName(i);
      const scratch = path.join(s.dir, name);
      await mkdir(scratch, { recursive: true });
      apis.push({ name, url: `http://127.0.0.1:${port}`, scratch });
      supervisor.start({
        name,
        command: node,
        args: [path.join(s.projectRoot, 'dist/src/serving/main.js')],
        // one process per replica: the two replicas stand for two hosts on a machine whose cores they already share
        // (SERVING_PROCESSES in the environment still wins)
        env: { SERVING_PROCESSES: '1', ...appEnv, VAR_DIR: scratch, API_HOST: '127.0.0.1', API_PORT: String(port), INSTANCE_ID: name },
        cwd: s.projectRoot,
      });
    }
    // Outside the workers it watches: a run that no worker picks up, or a queue nobody polls, still ends up as an alert.
    supervisor.start({
      name: 'watchdog',
      command: node,
      args: [path.join(s.projectRoot, 'dist/src/watchdog/main.js')],
      env: { ...appEnv, VAR_DIR: path.join(s.dir, 'watchdog') },
      cwd: s.projectRoot,
    });
    for (const api of apis) {
      if (!(await waitForHttp(`${api.url}/healthz`, 60_000))) throw new Error(`${api.name} did not answer at ${api.url}/healthz within 60 s`);
    }
    // one Python training worker (users' own trainers), when make prepared its venv
    const python = pythonWorkerLaunch(s.projectRoot);
    say(python.line);
    if (python.available) {
      const scratch = path.join(s.dir, 'python-worker');
      supervisor.start({ name: 'python-worker', command: python.command, args: python.args, env: { ...appEnv, PROJECT_ROOT: s.projectRoot, VAR_DIR: scratch }, cwd: python.cwd });
    }
    await waitForPollers(
      connection,
      s.namespace,
      s.taskQueue,
      workers.map((w) => w.identity),
      120_000,
    );
    say(`workers polling ${s.taskQueue}: ${workers.map((w) => w.identity).join(', ')}`);
    if (!(await waitForPort(s.temporalUiPort, 30_000))) say(`the Web UI did not open port ${s.temporalUiPort} within 30 s`);

    return {
      settings: s,
      supervisor,
      temporalAddress,
      uiUrl,
      artifactStore,
      s3Endpoint,
      workers,
      apis,
      appEnv,
      connection,
      component: (name) => supervisor.get(name),
      stop: async () => {
        await Promise.all([stop(), connection.close().catch(() => undefined)]);
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
