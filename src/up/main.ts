// `make up`: the dev server (state under var/), the worker and the prediction API in the foreground, stopped together.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { envOrExit, type Env } from '../config/env';
import { connectClient, TemporalTlsError, TemporalUnreachable } from '../temporal/connect';
import { TemporalCredentialsError } from '../temporal/target';
import { ensureSearchAttributes } from '../temporal/ensure-search-attributes';
import { searchAttributeFlags } from '../temporal/search-attributes';
import { portIsFree, Supervisor, waitForHttp } from './processes';
import { firstStart } from './first-start';
import { pythonWorkerLaunch } from './python-worker';

/** A path as a person would type it: relative inside the project, absolute outside. */
function shown(root: string, file: string): string {
  const rel = path.relative(root, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

function say(line: string): void {
  process.stdout.write(`[up] ${line}\n`);
}

function fail(message: string, code = 1): never {
  process.stderr.write(`[up] ${message}\n`);
  process.exit(code);
}

async function checkPorts(env: Env, devServer: boolean): Promise<void> {
  const wanted: [string, number][] = [['API_PORT', env.API_PORT]];
  if (devServer) wanted.unshift(['TEMPORAL_PORT', env.TEMPORAL_PORT], ['TEMPORAL_UI_PORT', env.TEMPORAL_UI_PORT]);
  const busy: string[] = [];
  for (const [name, port] of wanted) if (!(await portIsFree(port))) busy.push(`${name}=${port}`);
  if (busy.length) {
    fail(`port(s) already in use: ${busy.join(', ')}. Is another \`make up\` running? Choose others, e.g. TEMPORAL_PORT=7300 TEMPORAL_UI_PORT=8300 API_PORT=8090 make up`);
  }
}

async function main(): Promise<void> {
  const env = envOrExit();
  // An explicit TEMPORAL_ADDRESS means "use that cluster"; otherwise run the embedded dev server.
  const devServer = !process.env.TEMPORAL_ADDRESS;
  const cli = process.env.TEMPORAL_CLI;
  if (devServer && !cli) fail('TEMPORAL_CLI is not set; run through `make up`, which finds or builds the Temporal CLI.');
  mkdirSync(env.VAR_DIR, { recursive: true });
  await checkPorts(env, devServer);

  // A crashed child is restarted with backoff; the API keeps serving while the Temporal server is down.
  const supervisor = new Supervisor(say);
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      say('stopping...');
      // API and worker first (they drain and flush), the server last.
      await supervisor.stopAll([['temporal']]);
      say('stopped');
      process.exit(code);
    }
    return new Promise<never>(() => undefined);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  if (devServer && cli) {
    const db = path.join(env.VAR_DIR, 'temporal.sqlite');
    say(`${existsSync(db) ? 'reusing' : 'creating'} Temporal state in ${shown(env.PROJECT_ROOT, db)}`);
    supervisor.start({
      name: 'temporal',
      command: cli,
      args: [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(env.TEMPORAL_PORT),
        '--ui-port',
        String(env.TEMPORAL_UI_PORT),
        '--db-filename',
        db,
        '--namespace',
        env.TEMPORAL_NAMESPACE,
        '--log-level',
        'warn',
        ...searchAttributeFlags(),
      ],
      env: process.env,
      cwd: env.PROJECT_ROOT,
      stopGraceMs: 15_000,
    });
  }

  let client: Client;
  try {
    const connection = await connectClient(env.temporal, devServer ? 60_000 : env.TEMPORAL_CONNECT_TIMEOUT_MS);
    client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
    const added = await ensureSearchAttributes(connection, env.TEMPORAL_NAMESPACE);
    if (added.length) say(`registered search attributes ${added.join(', ')}`);
  } catch (err) {
    if (err instanceof TemporalUnreachable || err instanceof TemporalTlsError) {
      process.stderr.write(`[up] ${err.message}\n`);
      return stopAll(3);
    }
    if (err instanceof TemporalCredentialsError) {
      process.stderr.write(`[up] invalid settings: ${err.message}\n`);
      return stopAll(2);
    }
    throw err;
  }

  const childEnv = { ...process.env, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS, TEMPORAL_UI_URL: env.TEMPORAL_UI_URL, VAR_DIR: env.VAR_DIR };
  supervisor.start({ name: 'worker', command: process.execPath, args: [path.join(env.PROJECT_ROOT, 'dist/src/worker/main.js')], env: childEnv, cwd: env.PROJECT_ROOT });
  // the Python worker reads the same settings (TEMPORAL_ADDRESS, VAR_DIR, ARTIFACT_STORE, S3_*, AWS_*) as the worker
  const python = pythonWorkerLaunch(env.PROJECT_ROOT);
  say(python.line);
  if (python.available) supervisor.start({ name: 'python-worker', command: python.command, args: python.args, env: { ...childEnv, PROJECT_ROOT: env.PROJECT_ROOT }, cwd: python.cwd });
  // Alerting runs on the worker it would report: the watchdog watches the task queue from outside it (see src/watchdog).
  supervisor.start({ name: 'watchdog', command: process.execPath, args: [path.join(env.PROJECT_ROOT, 'dist/src/watchdog/main.js')], env: childEnv, cwd: env.PROJECT_ROOT });
  const apiMain = path.join(env.PROJECT_ROOT, 'dist/src/serving/main.js');
  const apiUrl = `http://${env.API_HOST}:${env.API_PORT}`;
  if (existsSync(apiMain)) {
    supervisor.start({ name: 'api', command: process.execPath, args: [apiMain], env: childEnv, cwd: env.PROJECT_ROOT });
    if (!(await waitForHttp(`${apiUrl}/healthz`, 30_000))) say(`the API did not answer at ${apiUrl}/healthz within 30 s`);
  }

  await firstStart(client, env, say);

  const ui = devServer ? env.TEMPORAL_UI_URL : `(the UI of the cluster at ${env.TEMPORAL_ADDRESS})`;
  say('----------------------------------------------------------------');
  say(`Temporal Web UI   ${ui}`);
  say(`Temporal frontend ${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE}, task queue ${env.TASK_QUEUE})`);
  say(`Prediction API    ${apiUrl}  (docs ${apiUrl}/docs)`);
  if (existsSync(path.join(env.VAR_DIR, 'dev-api-key'))) say(`Dev API key       ${shown(env.PROJECT_ROOT, path.join(env.VAR_DIR, 'dev-api-key'))}`);
  say(`Ctrl-C stops everything; state stays in ${shown(env.PROJECT_ROOT, env.VAR_DIR)}/.`);
  say('----------------------------------------------------------------');
}

main().catch((err: unknown) => {
  fail(`failed: ${err instanceof Error ? err.message : String(err)}`);
});
