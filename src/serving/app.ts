// buildApp(deps): the prediction service as a fastify instance, without a port, so tests can inject requests.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Registry } from '../registry/registry';
import { watchKeyFile } from './auth';
import { CaptureWriter } from './capture';
import { ServingConfig, type ServingConfigInput } from './config';
import { registerDocs } from './docs';
import { HttpError, installErrorHandling, zodIssues } from './errors';
import { zodFor } from './schemas';
import { ensureDevKey, KeyRing, keysFilePath } from './keys';
import { ServingMetrics } from './metrics';
import { ModelManager } from './model-manager';
import { guard } from './routes/guard';
import { oipRoutes } from './routes/oip';
import { opsRoutes, usageRoutes } from './routes/ops';
import { modelCardRoutes } from './routes/model-card';
import { predictRoutes } from './routes/predict';
import type { ServingState } from './state';
import { UsageStore } from './usage';
import { reportsPlugin } from '../drift/reports-plugin';

export interface AppDeps {
  registry: Registry;
  /** Holds api-keys.json, usage.json, dev-api-key and (by default) capture/. */
  varDir: string;
  /** The registry model whose champion is served. */
  modelName: string;
  /** Serving settings; omitted ones take their defaults (see config.ts). */
  config?: ServingConfigInput | ServingConfig;
  /** A pino logger; default: a silent one (tests), main.ts passes a real one. */
  logger?: FastifyBaseLogger;
  /** Node's default process metrics in /metrics (default true). */
  defaultMetrics?: boolean;
}

function requestIds(): () => string {
  const prefix = randomBytes(4).toString('hex');
  let n = 0;
  return () => `${prefix}-${(++n).toString(36)}`;
}

/** Builds the app and starts its background work (key, model and capture loops); app.close() stops all and flushes. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const config = ServingConfig.parse(deps.config ?? {});
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: config.SERVING_BODY_LIMIT_BYTES,
    // per-request log lines cost throughput; errors are logged by our error handler either way
    logController: new LogController({ disableRequestLogging: !config.SERVING_LOG_REQUESTS }),
    // ids of our own (unique across restarts and replicas) keep logs and capture joinable without trusting a client header
    requestIdHeader: false,
    genReqId: requestIds(),
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
  }) as unknown as FastifyInstance;
  const log = app.log;

  const metrics = new ServingMetrics(deps.defaultMetrics ?? true);
  const keysFile = keysFilePath(deps.varDir);
  if (config.SERVING_DEV_KEY) {
    const dev = await ensureDevKey(deps.varDir);
    if (dev.created) log.info({ file: dev.keyFile }, 'created a development admin API key (the key itself is only in that file)');
  }
  const keys = new KeyRing(config.API_KEYS, config.API_ADMIN_KEYS);
  const keyPoller = await watchKeyFile(keysFile, keys, config.API_KEYS_POLL_MS, log, metrics);
  const usage = new UsageStore(path.join(deps.varDir, 'usage.json'), config.USAGE_FLUSH_MS, log);
  await usage.start();
  const capture = new CaptureWriter({
    dir: config.CAPTURE_DIR ?? path.join(deps.varDir, 'capture'),
    model: deps.modelName,
    sharePercent: config.CAPTURE_SHARE,
    flushMs: config.CAPTURE_FLUSH_MS,
    bufferRecords: config.CAPTURE_BUFFER_RECORDS,
    maxFileBytes: config.CAPTURE_MAX_FILE_BYTES,
    metrics,
    log,
  });
  try {
    await capture.start();
  } catch (err) {
    // not fatal: the service stays unready (/readyz) and says why, rather than crash-looping
    log.error({ err }, 'capture folder is not writable');
  }
  const models = new ModelManager({ registry: deps.registry, name: deps.modelName, config, metrics, log });
  metrics.modelVersion.set({ model: deps.modelName }, 0);
  await models.start();

  const state: ServingState = { config, registry: deps.registry, modelName: deps.modelName, varDir: deps.varDir, models, capture, metrics, keys, keysFile, usage, reloadKeys: () => keyPoller.check() };
  app.decorate('serving', state);
  app.decorateRequest('principal', null);
  app.decorateRequest('scoredRows', 0);

  // Only JSON bodies: text/plain would otherwise be parsed as a string and answered 400 instead of 415.
  app.removeContentTypeParser('text/plain');
  installErrorHandling(app);
  // Route schemas (path parameters) are validated by the zod schemas they were generated from.
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const zod = zodFor(schema);
    if (!zod) throw new Error('route schemas must be made with jsonSchema(zodSchema)');
    return (data: unknown) => {
      const r = zod.safeParse(data);
      return r.success ? { value: r.data } : { error: new HttpError(400, `invalid ${httpPart ?? 'request'}`, zodIssues(r.error, [httpPart ?? 'request'])) };
    };
  });
  app.addHook('onResponse', (request: FastifyRequest, reply, done) => {
    metrics.observeRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request: FastifyRequest) => request.principal?.id ?? request.ip,
    errorResponseBuilder: (_request, ctx) =>
      new HttpError(429, `rate limit exceeded: at most ${ctx.max} requests per ${config.SERVING_RATE_LIMIT_WINDOW_MS} ms per key; retry in ${ctx.after}`),
  });
  await registerDocs(app);

  await app.register(opsRoutes);
  await app.register(predictRoutes, { guard: guard(app) });
  await app.register(oipRoutes, { guard: guard(app) });
  await app.register(usageRoutes, { guard: guard(app, { admin: true }) });
  // Drift reports hold binned statistics, not raw rows, and their links in alerts must open in a browser: open like /docs.
  await app.register(reportsPlugin, { varDir: deps.varDir });
  await app.register(modelCardRoutes, { registry: deps.registry });

  // onClose hooks run last-registered first: models are released after capture and usage are saved
  app.addHook('onClose', async () => {
    keyPoller.stop();
    await models.close();
  });
  app.addHook('onClose', async () => {
    await Promise.all([capture.close(), usage.close()]);
  });
  return app;
}
