// The API process: reads settings, serves the registry champion, and on SIGTERM/SIGINT drains, flushes capture and exits 0.
import path from 'node:path';
import pino from 'pino';
import { envOrExit } from '../config/env';
import { Registry } from '../registry/registry';
import { buildApp } from './app';
import { parseServingConfig, type ServingConfig } from './config';

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
  const registry = new Registry(path.join(env.VAR_DIR, 'registry'));
  const app = await buildApp({ registry, varDir: env.VAR_DIR, modelName: env.MODEL_NAME, config, logger });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
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

  const address = await app.listen({ host: env.API_HOST, port: env.API_PORT });
  const model = app.serving.models.current;
  logger.info({ address, model: env.MODEL_NAME, version: model?.version ?? null }, model ? 'serving' : 'listening; not ready until a champion exists');
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
