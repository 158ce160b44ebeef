// `make cluster`: the production topology in the foreground (PostgreSQL, Temporal + UI, MinIO, workers, API replicas); Ctrl-C stops all.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { ConfigError, parseEnv } from '../config/env';
import { firstStart } from '../up/first-start';
import { clusterSettingsFromEnv, type ClusterSettings } from './settings';
import { startCluster, type Cluster } from './topology';

function say(line: string): void {
  process.stdout.write(`[cluster] ${line}\n`);
}

function shown(root: string, file: string): string {
  const rel = path.relative(root, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

async function main(): Promise<void> {
  let settings: ClusterSettings;
  try {
    settings = clusterSettingsFromEnv();
  } catch (err) {
    process.stderr.write(`[cluster] ${(err as Error).message}\n`);
    process.exit(2);
  }
  let cluster: Cluster | undefined;
  let stopping = false;
  const stopAll = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    await cluster?.stop();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  say(`state in ${shown(settings.projectRoot, settings.dir)}/`);
  cluster = await startCluster(settings, { say });
  if (stopping) return;

  // The same first-start behaviour as `make up`: train when there is no champion, keep the drift schedule.
  const appEnv = parseEnv({ ...cluster.appEnv, VAR_DIR: path.join(settings.dir, 'orchestrator') });
  const client = new Client({ connection: cluster.connection, namespace: settings.namespace });
  await firstStart(client, appEnv, say);

  say('----------------------------------------------------------------');
  say(`Temporal Web UI   ${cluster.uiUrl}`);
  say(`Temporal frontend ${cluster.temporalAddress} (namespace ${settings.namespace}, task queue ${settings.taskQueue})`);
  say(`Artifact store    ${cluster.artifactStore} on MinIO ${cluster.s3Endpoint} (console http://127.0.0.1:${settings.minioConsolePort})`);
  say(`Workers           ${cluster.workers.map((w) => `${w.name} (scratch ${shown(settings.projectRoot, w.scratch)})`).join(', ')}`);
  say(`Prediction API    ${cluster.apis.map((a) => a.url).join(', ')}`);
  // the first replica to start creates the development key (SERVING_DEV_KEY) in its own folder; keys live in the store
  const devKey = cluster.apis.map((a) => path.join(a.scratch, 'dev-api-key')).find((f) => existsSync(f));
  if (devKey) say(`Dev API key       ${shown(settings.projectRoot, devKey)}`);
  say(`Server logs       ${shown(settings.projectRoot, path.join(settings.dir, 'logs'))}/ (postgres, temporal, ui, minio)`);
  say(`Credentials       ${shown(settings.projectRoot, path.join(settings.dir, 'secrets', 'secrets.json'))}`);
  say(`Ctrl-C stops everything; state stays in ${shown(settings.projectRoot, settings.dir)}/.`);
  say('----------------------------------------------------------------');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`[cluster] ${err.message}\n`);
  else process.stderr.write(`[cluster] failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
