// The API process: reads settings, serves every registry model (one process, or SERVING_PROCESSES sharing the port), and on SIGTERM/SIGINT drains, flushes capture and exits 0.
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { envOrExit, type Env } from '../config/env';
import { monitoringFromEnv } from '../training/hand-promotion';
import { Registry } from '../registry/registry';
import { storeFromEnv } from '../config/store';
import { buildApp } from './app';
import { runPrimary, WorkerLink } from './cluster';
import { parseServingConfig, type ServingConfig } from '../config/serving';
import { ensureDevKey } from './keys';
import { usageKey } from '../store/layout';
import { UsageStore } from './usage';

/** The usage object this replica alone writes: one per replica (INSTANCE_ID) on a shared store. */
const usageKeyOf = (env: Env): string => usageKey(env.INSTANCE_ID);

/** One server: the app on the port. In multi-process mode each server process binds the port itself (SO_REUSEPORT) and the kernel spreads connections. */
async function serve(env: Env, config: ServingConfig, logger: Logger, index: number | undefined): Promise<void> {
  const store = storeFromEnv(env);
  const registry = new Registry(store);
  const captureInstance = index === undefined ? undefined : `${randomBytes(3).toString('hex')}p${index}`;
  const app = await buildApp({
    registry,
    store,
    usageKey: usageKeyOf(env),
    varDir: env.VAR_DIR,
    modelName: env.MODEL_NAME,
    config,
    logger,
    promotionMonitoring: monitoringFromEnv(env),
    ...(index === undefined ? {} : { processIndex: index, captureInstance }),
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals | 'disconnect'): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new connections, draining requests, flushing capture and usage');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.SERVING_SHUTDOWN_TIMEOUT_MS }, 'graceful stop timed out; flushing capture and exiting');
      void Promise.allSettled([...app.serving.repository.captures().map((c) => c.flush()), app.serving.usage.save()]).then(() => process.exit(1));
    }, config.SERVING_SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    // A request in flight when the stop began leaves its keep-alive connection open once answered, and
    // server.close() would wait for it until the keep-alive timeout: close such connections as they idle.
    const idle = setInterval(() => app.server.closeIdleConnections(), 50);
    idle.unref();
    app.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // the primary went away (even by SIGKILL): stop rather than serve without shared limits and usage
  if (index !== undefined) process.on('disconnect', () => stop('disconnect'));

  // reusePort (Linux 3.9+, Node 22.12+) lets every process bind the port; elsewhere node:cluster shares the primary's socket
  const shared = index !== undefined && process.platform === 'linux';
  const address = await app.listen({ host: env.API_HOST, port: env.API_PORT, ...(shared ? { exclusive: true, reusePort: true } : {}) } as { host: string; port: number });
  const model = app.serving.models.current;
  logger.info(
    { address, model: env.MODEL_NAME, version: model?.version ?? null, models: app.serving.repository.names(), ...(index !== undefined ? { process: index } : {}) },
    model ? 'serving' : 'listening; not ready until a champion exists',
  );
}

async function main(): Promise<void> {
  const env = envOrExit();
  let config: ServingConfig;
  try {
    config = parseServingConfig(process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const logger = pino({
    level: env.LOG_LEVEL,
    name: 'api',
    // belt and braces: request logging is off by default, and keys must never reach a log line
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization', 'headers["x-api-key"]'], censor: '[redacted]' },
  });
  if (config.SERVING_PROCESSES > 1 && cluster.isPrimary) {
    if (env.API_PORT === 0) {
      process.stderr.write('API_PORT=0 needs SERVING_PROCESSES=1: each process would pick a port of its own\n');
      process.exit(2);
    }
    // things that must happen once, before the servers start: the dev key (no two processes creating one) and usage.json
    if (config.SERVING_DEV_KEY) {
      const dev = await ensureDevKey(storeFromEnv(env), env.VAR_DIR);
      if (dev.created) logger.info({ file: dev.keyFile }, 'created a development admin API key (the key itself is only in that file)');
    }
    process.env.SERVING_DEV_KEY = 'false';
    const usage = new UsageStore(storeFromEnv(env), usageKeyOf(env), config.USAGE_FLUSH_MS, logger);
    await usage.start();
    await runPrimary({ processes: config.SERVING_PROCESSES, usage, log: logger, shutdownTimeoutMs: config.SERVING_SHUTDOWN_TIMEOUT_MS });
    logger.info('stopped');
    process.exit(0);
  }
  await serve(env, config, logger, WorkerLink.current());
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
