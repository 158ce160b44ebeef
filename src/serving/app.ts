// buildApp(deps): the prediction service as a fastify instance, without a port, so tests can inject requests.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { PromotionMonitoring } from '../training/hand-promotion';
import type { Registry } from '../registry/registry';
import { LocalFolderBackend, localStore, type ArtifactStore } from '../store';
import { watchKeyFile } from './auth';
import { ServingConfig, trustProxyOption, type ServingConfigInput } from '../config/serving';
import { registerDocs } from './docs';
import { HttpError, installErrorHandling, zodIssues } from '../http/errors';
import { zodFor } from './schemas';
import { ensureDevKey, KeyRing, KEYS_KEY } from './keys';
import { ServingMetrics } from './metrics';
import { ModelRepository } from './repository';
import { guard } from './routes/guard';
import { oipRoutes } from './routes/oip';
import { opsRoutes, usageRoutes } from './routes/ops';
import { feedbackRoutes } from './routes/feedback';
import { labelsRootFor } from '../feedback/label-writer';
import { modelCardRoutes } from './routes/model-card';
import { predictRoutes } from './routes/predict';
import { lazyChildLoggerFactory } from './request-logger';
import type { ServingState } from './state';
import { USAGE_KEY } from '../store/layout';
import { UsageStore } from './usage';
import { WorkerLink } from './cluster';
import { WindowCounter } from './window-counter';
import { reportsPlugin } from '../drift/reports-plugin';
import { qualityReportsPlugin } from '../model-quality/reports-plugin';

export interface AppDeps {
  registry: Registry;
  /** This replica's own folder: dev-api-key, and the capture spool when the store is remote. */
  varDir: string;
  /** Holds api-keys.json, usage, capture/ and reports; default: a local store on `varDir` (the laptop layout). */
  store?: ArtifactStore;
  /** The usage object this replica alone writes (default usage.json; one per replica on a shared store). */
  usageKey?: string;
  /** The default model (MODEL_NAME): /v1/predict serves it and readiness waits for it; every other registry model is served too. */
  modelName: string;
  /** Serving settings; omitted ones take their defaults (see config.ts). */
  config?: ServingConfigInput | ServingConfig;
  /** A pino logger; default: a silent one (tests), main.ts passes a real one. */
  logger?: FastifyBaseLogger;
  /** Node's default process metrics in /metrics (default true). */
  defaultMetrics?: boolean;
  /** Capture file tag of this process (multi-process mode passes one per process). */
  captureInstance?: string;
  /**
   * Set in a server process of a multi-process service: its usage goes to the primary (which owns
   * usage.json) and its rate-limit counts are shared with the other processes through the primary.
   */
  processIndex?: number;
  /** Where a console promotion makes the model's monitoring schedules (as `mlp models promote`); default none. */
  promotionMonitoring?: PromotionMonitoring | null;
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
    childLoggerFactory: lazyChildLoggerFactory,
    // ids of our own (unique across restarts and replicas) keep logs and capture joinable without trusting a client header
    requestIdHeader: false,
    genReqId: requestIds(),
    return503OnClosing: true,
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    routerOptions: { ignoreTrailingSlash: true },
  }) as unknown as FastifyInstance;
  const log = app.log;

  const metrics = new ServingMetrics(deps.defaultMetrics ?? true);
  const store = deps.store ?? localStore(deps.varDir);
  // each process of a multi-process service has its own /metrics: the label tells a scraper's series apart
  if (deps.processIndex !== undefined) metrics.registry.setDefaultLabels({ process: String(deps.processIndex) });
  const keysFile = `${store.url}/${KEYS_KEY}`;
  if (config.SERVING_DEV_KEY) {
    const dev = await ensureDevKey(store, deps.varDir);
    if (dev.created) log.info({ file: dev.keyFile }, 'created a development admin API key (the key itself is only in that file)');
  }
  const keys = new KeyRing(config.API_KEYS, config.API_ADMIN_KEYS);
  const keyPoller = await watchKeyFile(store, keys, config.API_KEYS_POLL_MS, log, metrics);
  const usage = new UsageStore(store, deps.usageKey ?? USAGE_KEY, config.USAGE_FLUSH_MS, log, deps.processIndex === undefined);
  await usage.start();
  // A local store is the capture folder itself (as on a laptop); a remote one gets files from a local spool via uploaders.
  const localRoot = store.backend instanceof LocalFolderBackend ? store.backend.root : undefined;
  const uploads = !localRoot || config.CAPTURE_DIR !== undefined;
  const spoolRoot = config.CAPTURE_DIR ?? path.join(deps.varDir, 'capture-spool');
  // An uploader deletes the closed files of its spool: each process of a multi-process service needs a spool of its own
  // (by index, so a restarted process ships what its predecessor left).
  const captureDir = !uploads ? path.join(localRoot, 'capture') : deps.processIndex === undefined ? spoolRoot : path.join(spoolRoot, `p${deps.processIndex}`);
  const repository = new ModelRepository({
    registry: deps.registry,
    defaultModel: deps.modelName,
    config,
    metrics,
    log,
    captureDir,
    ...(uploads ? { upload: { store, intervalMs: config.CAPTURE_UPLOAD_MS } } : {}),
    ...(deps.captureInstance ? { captureInstance: deps.captureInstance } : {}),
  });
  await repository.start();
  const models = repository.defaultManager;
  const capture = repository.defaultCapture;

  const counters = {
    requests: new WindowCounter(config.SERVING_RATE_LIMIT_WINDOW_MS),
    authFailures: new WindowCounter(config.SERVING_AUTH_FAIL_WINDOW_MS, 50_000),
  };
  const link = deps.processIndex === undefined ? undefined : new WorkerLink(deps.processIndex, counters, usage);
  link?.start();
  const state: ServingState = {
    config,
    registry: deps.registry,
    modelName: deps.modelName,
    varDir: deps.varDir,
    repository,
    models,
    capture,
    metrics,
    keys,
    keysFile,
    usage,
    counters,
    reloadKeys: () => keyPoller.check(),
    usageSnapshot: async () => (link ? link.usageSnapshot() : usage.snapshot()),
    processIndex: deps.processIndex,
  };
  app.decorate('serving', state);
  app.decorateRequest('principal', null);
  app.decorateRequest('scoredRows', 0);
  app.decorateRequest('servedModel', '');

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

  await registerDocs(app);

  await app.register(opsRoutes);
  await app.register(predictRoutes, { guard: guard(app) });
  await app.register(oipRoutes, { guard: guard(app), adminGuard: guard(app, { admin: true }) });
  // Labels travel like captures: written into the store's own folder when it is local, else spooled (one spool per
  // process, as for captures) and uploaded.
  const labelsSpool = config.CAPTURE_DIR ? labelsRootFor(config.CAPTURE_DIR) : path.join(deps.varDir, 'labels-spool');
  const labelsDir = !uploads ? path.join(localRoot, 'labels') : deps.processIndex === undefined ? labelsSpool : path.join(labelsSpool, `p${deps.processIndex}`);
  await app.register(feedbackRoutes, {
    guard: guard(app),
    labelsDir,
    ...(uploads ? { upload: { store, intervalMs: config.CAPTURE_UPLOAD_MS } } : {}),
    ...(deps.captureInstance ? { instance: deps.captureInstance } : {}),
  });
  await app.register(usageRoutes, { guard: guard(app, { admin: true }) });
  // Drift reports hold binned statistics, not raw rows, and their links in alerts must open in a browser: open like /docs.
  await app.register(reportsPlugin, { store });
  await app.register(qualityReportsPlugin, { store });
  await app.register(modelCardRoutes, { registry: deps.registry });
  await app.register((await import('../console/plugin')).consolePlugin, {
    registry: deps.registry,
    store,
    adminGuard: guard(app, { admin: true }),
    monitoring: deps.promotionMonitoring ?? null,
  });

  // onClose hooks run last-registered first: models are released after capture and usage are saved
  app.addHook('onClose', async () => {
    keyPoller.stop();
    await repository.close();
  });
  app.addHook('onClose', async () => {
    await Promise.all([repository.closeCaptures(), usage.close(), link?.close()]);
  });
  return app;
}
