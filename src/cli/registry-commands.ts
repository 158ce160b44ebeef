// `models ...`: list, show, promote (with the model's monitoring schedules) and roll back registry versions from the shell.
import { Client, type Connection } from '@temporalio/client';
import type { Command } from 'commander';
import type { Env } from '../config/env';
import type { CliContext } from './context';
import { badInput, emit } from './output';
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

export function registerModelCommands(program: Command, ctx: CliContext): void {
  const { env } = ctx;
  const registry = () => new Registry(storeFromEnv(env()));
  const models = program.command('models').description('the model registry');

  models
    .command('list')
    .description('every model, or every version of one, with its holdout metrics')
    .argument('[name]', 'model name')
    .action(async (name?: string) => {
      const reg = registry();
      const names = name ? [name] : await reg.models();
      const models = [];
      for (const n of names) {
        const champion = (await reg.alias(n)) ?? null;
        const versions = [];
        for (const v of await reg.versions(n)) {
          const m = await reg.metadata(n, v);
          versions.push({
            version: v,
            champion: v === champion,
            createdAt: m.createdAt,
            dataHash: m.dataHash ?? null,
            metrics: m.metrics as { candidate?: MetricLike & { prAuc?: number | null }; logistic?: MetricLike },
          });
        }
        models.push({ name: n, champion, versions });
      }
      emit(ctx.format(), models, (list) =>
        list.length === 0
          ? 'no models registered yet'
          : list.flatMap((m) => [
              m.name,
              '  version  created                   AUC     PR-AUC  logloss  baseline-AUC  data',
              ...m.versions.map(
                (v) =>
                  `  ${String(v.version).padStart(7)}${v.champion ? '*' : ' '} ${v.createdAt.padEnd(25)} ${fmt(v.metrics.candidate?.auc)}  ${fmt(v.metrics.candidate?.prAuc)}  ${fmt(v.metrics.candidate?.logLoss)}   ${fmt(v.metrics.logistic?.auc)}        ${(v.dataHash ?? '').slice(7, 19)}`,
              ),
              '  (* = champion)',
            ]),
      );
    });

  models
    .command('show')
    .description('one version: metadata, metrics, gates (default: the champion)')
    .argument('<name>', 'model name')
    .argument('[version]', 'version number')
    .action(async (name: string, version?: string) => {
      const reg = registry();
      const v = version ? parseVersion(version) : await reg.alias(name);
      if (v === undefined) throw badInput(`model ${name} has no champion; pass a version`);
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
      const shown = { ...rest, champion: (await reg.alias(name)) === v, store: `${reg.store.url}/${reg.versionKey(name, v)}`, modelCard };
      emit(ctx.format(), shown, (x) => JSON.stringify(x, null, 2));
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
      const schedules = opts.monitoring ? await monitorPromoted(env(), name) : [];
      emit(ctx.format(), { model: name, champion: v, schedules }, (r) => [
        `${r.model}: champion is now version ${r.champion}`,
        ...r.schedules.map((x) => `${r.model}: schedule ${x.scheduleId} ${x.created ? 'created' : 'already there, left as it is'}`),
      ]);
    });

  models
    .command('rollback')
    .description('move the champion back to the version it pointed at before')
    .argument('<name>')
    .action(async (name: string) => {
      const v = await registry().rollback(name);
      emit(ctx.format(), { model: name, champion: v }, (r) => `${r.model}: champion rolled back to version ${r.champion}`);
    });

  models
    .command('history')
    .description('every move of the champion alias')
    .argument('<name>')
    .action(async (name: string) => {
      emit(ctx.format(), await registry().aliasHistory(name), (list) => list.map((e) => `${e.at}  ${e.alias} -> ${e.version}  (${e.reason})`));
    });
}

/**
 * A model promoted by hand is monitored like one a pipeline run promoted. The promotion itself already stands, so a
 * Temporal server that cannot be reached only costs the schedules, and the command says how to get them.
 */
async function monitorPromoted(e: Env, model: string): Promise<{ scheduleId: string; created: boolean }[]> {
  let connection: Connection;
  try {
    connection = await connectClient(e.temporal, e.TEMPORAL_CONNECT_TIMEOUT_MS);
  } catch (err) {
    if (!(err instanceof TemporalUnreachable || err instanceof TemporalTlsError)) throw err;
    process.stderr.write(`${model}: drift and quality schedules not checked: ${err.message} Promote again with the server up to create them.\n`);
    return [];
  }
  try {
    const client = new Client({ connection, namespace: e.TEMPORAL_NAMESPACE });
    const ensured = await ensureMonitorSchedules(client, {
      model,
      taskQueue: e.TASK_QUEUE,
      driftMinutes: e.DRIFT_SCHEDULE_MINUTES,
      qualityMinutes: e.QUALITY_SCHEDULE_MINUTES,
      cleanupMinutes: e.STORE_CLEANUP_MINUTES,
    });
    return ensured.map((x) => ({ scheduleId: x.scheduleId, created: x.created }));
  } finally {
    await connection.close();
  }
}

function parseVersion(text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw badInput(`version must be a positive whole number, got ${JSON.stringify(text)}`);
  return v;
}
