// `models ...`: list, show, promote (with the model's monitoring schedules) and roll back registry versions from the shell.
import { Client, type Connection } from '@temporalio/client';
import type { Command } from 'commander';
import type { Env } from '../config/env';
import { CARD_FILES, modelCardPath } from '../model-card/card';
import { Registry } from '../registry/registry';
import { storeFromEnv } from '../store/from-env';
import { connectClient, TemporalTlsError, TemporalUnreachable } from '../temporal/connect';
import { ensureMonitorSchedules } from '../temporal/monitor-schedules';

interface MetricLike {
  auc?: number | null;
  logLoss?: number;
}

function fmt(x: number | null | undefined, digits = 4): string {
  return typeof x === 'number' ? x.toFixed(digits) : '-';
}

export function registerModelCommands(program: Command, env: () => Env): void {
  const registry = () => new Registry(storeFromEnv(env()));
  const models = program.command('models').description('the model registry');

  models
    .command('list')
    .description('every model, or every version of one, with its holdout metrics')
    .argument('[name]', 'model name')
    .action(async (name?: string) => {
      const reg = registry();
      const names = name ? [name] : await reg.models();
      if (names.length === 0) console.log('no models registered yet');
      for (const n of names) {
        const champion = await reg.alias(n);
        console.log(`${n}`);
        console.log('  version  created                   AUC     PR-AUC  logloss  baseline-AUC  data');
        for (const v of await reg.versions(n)) {
          const m = await reg.metadata(n, v);
          const metrics = m.metrics as { candidate?: MetricLike & { prAuc?: number | null }; logistic?: MetricLike };
          console.log(
            `  ${String(v).padStart(7)}${v === champion ? '*' : ' '} ${m.createdAt.padEnd(25)} ${fmt(metrics.candidate?.auc)}  ${fmt(metrics.candidate?.prAuc)}  ${fmt(metrics.candidate?.logLoss)}   ${fmt(metrics.logistic?.auc)}        ${(m.dataHash ?? '').slice(7, 19)}`,
          );
        }
        console.log('  (* = champion)');
      }
    });

  models
    .command('show')
    .description('one version: metadata, metrics, gates (default: the champion)')
    .argument('<name>', 'model name')
    .argument('[version]', 'version number')
    .action(async (name: string, version?: string) => {
      const reg = registry();
      const v = version ? parseVersion(version) : await reg.alias(name);
      if (v === undefined) throw new Error(`model ${name} has no champion; pass a version`);
      const meta = await reg.metadata(name, v);
      const { spec: _spec, ...rest } = meta;
      const hasCard = await reg.readFile(name, v, CARD_FILES.html).then(
        () => true,
        () => false,
      );
      const e = env();
      const base = e.REPORTS_BASE_URL ?? `http://${e.API_HOST}:${e.API_PORT}`;
      // null for versions registered before model cards
      const modelCard = hasCard ? `${base}${modelCardPath(name, v)}` : null;
      console.log(JSON.stringify({ ...rest, champion: (await reg.alias(name)) === v, store: `${reg.store.url}/${reg.versionKey(name, v)}`, modelCard }, null, 2));
    });

  models
    .command('promote')
    .description('point the champion alias at a version (the API swaps to it within seconds)')
    .argument('<name>')
    .argument('<version>')
    .option('--reason <text>', 'why, kept in the alias history', 'promoted by hand')
    .option('--no-monitoring', 'do not create the drift and quality schedules of a model that has none')
    .action(async (name: string, version: string, opts: { reason: string; monitoring: boolean }) => {
      const v = parseVersion(version);
      await registry().setAlias(name, v, opts.reason);
      console.log(`${name}: champion is now version ${v}`);
      if (opts.monitoring) await monitorPromoted(env(), name);
    });

  models
    .command('rollback')
    .description('move the champion back to the version it pointed at before')
    .argument('<name>')
    .action(async (name: string) => {
      const v = await registry().rollback(name);
      console.log(`${name}: champion rolled back to version ${v}`);
    });

  models
    .command('history')
    .description('every move of the champion alias')
    .argument('<name>')
    .action(async (name: string) => {
      for (const e of await registry().aliasHistory(name)) console.log(`${e.at}  ${e.alias} -> ${e.version}  (${e.reason})`);
    });
}

/**
 * A model promoted by hand is monitored like one a pipeline run promoted. The promotion itself already stands, so a
 * Temporal server that cannot be reached only costs the schedules, and the command says how to get them.
 */
async function monitorPromoted(e: Env, model: string): Promise<void> {
  let connection: Connection;
  try {
    connection = await connectClient(e.temporal, e.TEMPORAL_CONNECT_TIMEOUT_MS);
  } catch (err) {
    if (!(err instanceof TemporalUnreachable || err instanceof TemporalTlsError)) throw err;
    console.error(`${model}: drift and quality schedules not checked: ${err.message} Promote again with the server up to create them.`);
    return;
  }
  try {
    const client = new Client({ connection, namespace: e.TEMPORAL_NAMESPACE });
    const ensured = await ensureMonitorSchedules(client, { model, taskQueue: e.TASK_QUEUE, driftMinutes: e.DRIFT_SCHEDULE_MINUTES, qualityMinutes: e.QUALITY_SCHEDULE_MINUTES });
    for (const s of ensured) console.log(`${model}: schedule ${s.scheduleId} ${s.created ? 'created' : 'already there, left as it is'}`);
  } finally {
    await connection.close();
  }
}

function parseVersion(text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw new Error(`version must be a positive whole number, got ${JSON.stringify(text)}`);
  return v;
}
