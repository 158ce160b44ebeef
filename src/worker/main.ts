// The worker process: connects within a bound, polls ml-pipeline, stops cleanly on SIGINT/SIGTERM.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { closeAlertClients } from '../../activities/alerts';
import { alertSettingsFromEnv } from '../alerts/settings';
import { ConfigError, envOrExit } from '../config/env';
import { openStore } from '../store';
import { connectWorker, TemporalTlsError, TemporalUnreachable } from '../temporal/connect';
import { describeTarget, TemporalCredentialsError } from '../temporal/target';
import { limitFileAccess } from '../data/duckdb';
import { workerFileAccess } from './file-access';
import { createMlWorker } from './worker';

// The SDK knows five levels; pino-style names map onto them.
const sdkLogLevel: Record<string, LogLevel> = {
  fatal: 'ERROR',
  error: 'ERROR',
  warn: 'WARN',
  info: 'INFO',
  debug: 'DEBUG',
  trace: 'TRACE',
  silent: 'ERROR',
};

async function main(): Promise<void> {
  const env = envOrExit();
  Runtime.install({ logger: new DefaultLogger(sdkLogLevel[env.LOG_LEVEL]) });
  const alerts = loadAlertsOrExit(env);
  // spec SQL runs in this process's DuckDB: it may read the run's data, not the worker's other files
  limitFileAccess(workerFileAccess(env));
  const connection = await connectWorker(env.temporal, env.TEMPORAL_CONNECT_TIMEOUT_MS);
  const worker = await createMlWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TASK_QUEUE,
    // INSTANCE_ID names this worker in histories (ActivityTaskStarted identity); the SDK's default is pid@host.
    ...(env.INSTANCE_ID ? { identity: env.INSTANCE_ID } : {}),
    context: {
      projectRoot: env.PROJECT_ROOT,
      varDir: env.VAR_DIR,
      store: openStore(env.store),
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TASK_QUEUE,
      temporalUiUrl: env.TEMPORAL_UI_URL,
      temporalAddress: env.TEMPORAL_ADDRESS,
      temporal: env.temporal,
      driftScheduleMinutes: env.DRIFT_SCHEDULE_MINUTES,
      qualityScheduleMinutes: env.QUALITY_SCHEDULE_MINUTES,
      cleanupScheduleMinutes: env.STORE_CLEANUP_MINUTES,
      alerts: alerts.settings,
    },
  });
  if (alerts.warning) Runtime.instance().logger.warn(alerts.warning);
  // Worker.run() installs its own SIGINT/SIGTERM handling (shutdownSignals) and drains before resolving.
  process.stdout.write(
    `worker polling task queue ${env.TASK_QUEUE} on ${env.TEMPORAL_ADDRESS} (${describeTarget(env.temporal)}, namespace ${env.TEMPORAL_NAMESPACE}), artifact store ${env.store.location.kind === 's3' ? `s3://${env.store.location.bucket}/${env.store.location.prefix}` : env.store.location.root}\n`,
  );
  await worker.run();
  await closeAlertClients();
  await connection.close();
  process.stdout.write('worker stopped\n');
  // Every task is handed back or finished: exit now rather than wait on handles a step left open (DuckDB, sockets).
  process.exit(0);
}

/** Slack token (or token file) and alert settings; a bad combination stops the worker like any bad setting. */
function loadAlertsOrExit(env: ReturnType<typeof envOrExit>): ReturnType<typeof alertSettingsFromEnv> {
  try {
    return alertSettingsFromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

main().catch((err: unknown) => {
  if (err instanceof TemporalCredentialsError) {
    process.stderr.write(`worker: invalid settings: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof TemporalUnreachable || err instanceof TemporalTlsError) {
    process.stderr.write(`worker: ${err.message}\n`);
    process.exit(3);
  }
  process.stderr.write(`worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
