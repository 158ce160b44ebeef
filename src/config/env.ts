// All environment settings in one zod schema, with defaults; bad settings stop a process with one message.
import path from 'node:path';
import { z } from 'zod';
import { ServingConfig } from './serving';
import { parseStoreLocation } from '../store/location';
import { modelNameSchema } from '../registry/model-name';
import { checkTemporalTarget, temporalTarget, temporalTargetSettings } from '../temporal/target';

const port = (fallback: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535').default(fallback);

const positiveInt = (fallback: number) => z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be positive').default(fallback);

const hostPort = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233');

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }).transform((v) => v === 'true' || v === '1' || v === 'yes');

export const EnvSchema = z
  .object({
    /** The checkout (or image) root: specs and relative paths are read from here. */
    PROJECT_ROOT: z.string().default(path.resolve(__dirname, '..', '..', '..')),
    /** This process's folder: Temporal dev server data, scratch and caches; also the artifact store unless ARTIFACT_STORE is set. */
    VAR_DIR: z.string().optional(),
    /** The Temporal frontend's port (the dev server's under `make up`, the server's under `make cluster`). */
    TEMPORAL_PORT: port(7233),
    /** The Temporal Web UI's port. */
    TEMPORAL_UI_PORT: port(8233),
    /** host:port of the Temporal frontend; defaults to the local dev server on TEMPORAL_PORT. */
    TEMPORAL_ADDRESS: hostPort.optional(),
    /** TLS, mTLS and API key for the frontend (src/temporal/target.ts; the `temporal` CLI's own variable names). */
    ...temporalTargetSettings,
    /** The Temporal namespace workers poll and clients start runs in. */
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    /** The task queue of the TypeScript worker (trainingPipeline, monitors, alerts). */
    TASK_QUEUE: z.string().min(1).default('ml-pipeline'),
    /** Base URL of the Temporal Web UI, used in alert links. */
    TEMPORAL_UI_URL: z.url({ error: 'must be a URL' }).optional(),
    /** How long a worker, `make up` and the CLI keep trying to reach the Temporal server before exiting with a message (the API never connects to Temporal). */
    TEMPORAL_CONNECT_TIMEOUT_MS: positiveInt(15000),
    /** The prediction API's listening address. */
    API_HOST: z.string().min(1).default('127.0.0.1'),
    /** The prediction API's port. */
    API_PORT: port(8080),
    /** The API's default model (`/v1/predict`, readiness; every registry model is served) and the model `make up` trains first. */
    MODEL_NAME: modelNameSchema().default('flights'),
    /** fatal, error, warn, info, debug, trace or silent. */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Slack bot token (needs chat:write); never logged. Without it alerts go to the log and the store. */
    SLACK_BOT_TOKEN: z.string().min(1).optional(),
    /** A file holding the Slack bot token (instead of SLACK_BOT_TOKEN). */
    SLACK_BOT_TOKEN_FILE: z.string().min(1).optional(),
    /** The Slack channel alerts go to; the bot must be in it. */
    SLACK_CHANNEL: z.string().min(1).optional(),
    /** Slack's API base URL (tests point it at a local fake Slack). */
    SLACK_API_URL: z.url({ error: 'must be a URL' }).optional(),
    /** An alert key is sent at most once per this many minutes (deduplicated by the alertRouter workflow). */
    ALERT_COOLDOWN_MINUTES: z.coerce.number({ error: 'must be a number' }).nonnegative('must be 0 or more').default(30),
    /** How often driftMonitor runs per model (the interval of the schedule a promotion creates). */
    DRIFT_SCHEDULE_MINUTES: positiveInt(15),
    /** How often modelQualityMonitor joins predictions with labels, per served model. */
    QUALITY_SCHEDULE_MINUTES: positiveInt(60),
    /** `make up` trains FIRST_TRAINING_SPEC when MODEL_NAME has no champion. */
    TRAIN_ON_FIRST_START: bool.default(true),
    /** What `make up` trains when MODEL_NAME has no champion; default datasets/<MODEL_NAME>.json, so MODEL_NAME=flights-small trains flights-small. */
    FIRST_TRAINING_SPEC: z.string().min(1).optional(),
    /** The alertRouter workflow this worker signals (one per namespace unless set). */
    ALERT_ROUTER_WORKFLOW_ID: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'must be a workflow id (letters, digits, . _ : -)')
      .default('alert-router'),
    /** Base of report links in alerts; defaults to the API's own address. */
    REPORTS_BASE_URL: z.url({ error: 'must be a URL' }).optional(),
    /** The artifact store: `s3://bucket/prefix` (S3-compatible) or a folder; default VAR_DIR. */
    ARTIFACT_STORE: z
      .string()
      .min(1)
      .refine((v) => !v.startsWith('s3://') || /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._=+@,~/-]*)?$/.test(v), {
        error: 'must be s3://bucket/prefix (bucket: 3-63 lowercase letters, digits, dots, dashes) or a folder',
      })
      .refine((v) => v.startsWith('s3://') || !/^[a-z0-9]+:\/\//i.test(v) || v.startsWith('file://'), { error: 'must be s3://bucket/prefix or a folder' })
      .optional(),
    /** The S3 endpoint, e.g. http://127.0.0.1:9000 for MinIO; unset means AWS S3 itself. */
    S3_ENDPOINT: z.url({ error: 'must be a URL' }).optional(),
    /** Region of the S3 store. */
    AWS_REGION: z.string().min(1).default('us-east-1'),
    /** S3 credentials (with AWS_SECRET_ACCESS_KEY); unset: the AWS SDK's usual chain. Never logged. */
    AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
    /** S3 secret key (with AWS_ACCESS_KEY_ID). Never logged. */
    AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    /** Where files fetched from a remote store are cached (default <VAR_DIR>/cache/store). */
    STORE_CACHE_DIR: z.string().min(1).optional(),
    /** Size of the local cache of store objects (least recently used evicted past it). */
    STORE_CACHE_MB: positiveInt(4096),
    /** A worker keeps retrying a store request that failed transiently (no connection, 5xx) this long before the attempt fails. */
    STORE_RETRY_SECONDS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0 or more').max(3600, 'must be at most 3600').default(60),
    /**
     * Extra folders (comma-separated) whose files a worker's data steps may read as a spec's local source.
     * Beyond them a worker's DuckDB reads only its scratch folder, the store cache, a local store's data
     * prefixes, the project's datasets/ and node_modules: spec SQL cannot reach the worker's other files.
     */
    DATA_DIRS: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((d) => d.trim())
          .filter((d) => d.length > 0),
      )
      .default([]),
    /** Drift and model-quality reports kept per model and kind; each monitor run deletes its model's older ones. */
    REPORTS_KEEP_PER_MODEL: positiveInt(500),
    /**
     * A training run's folder in the store (runs/<run>: snapshot, profile, checkpoint, model) is deleted by the
     * store-cleanup schedule when nothing in it was written for this many days, unless a champion came from it.
     */
    RUNS_KEEP_DAYS: positiveInt(30),
    /** The store-cleanup schedule (runs/ and report retention) runs every this many minutes; created on the first promotion. */
    STORE_CLEANUP_MINUTES: positiveInt(360),
    /** This replica's name in store keys only it writes (usage/<id>.json); unset: one usage.json (a single API). */
    INSTANCE_ID: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
      .optional(),
  })
  .refine((e) => (e.AWS_ACCESS_KEY_ID === undefined) === (e.AWS_SECRET_ACCESS_KEY === undefined), {
    path: ['AWS_SECRET_ACCESS_KEY'],
    error: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together',
  })
  .superRefine(checkTemporalTarget)
  .transform((e) => {
    const varDir = path.resolve(e.PROJECT_ROOT, e.VAR_DIR ?? 'var');
    const location = parseStoreLocation(e.ARTIFACT_STORE ?? varDir, e.PROJECT_ROOT);
    return {
      ...e,
      /** This process's folder: Temporal dev server data, scratch and caches; also the artifact store unless ARTIFACT_STORE is set. */
      VAR_DIR: varDir,
      store: {
        location,
        ...(e.S3_ENDPOINT ? { endpoint: e.S3_ENDPOINT } : {}),
        region: e.AWS_REGION,
        ...(e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY ? { credentials: { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY } } : {}),
        cacheDir: path.resolve(e.PROJECT_ROOT, e.STORE_CACHE_DIR ?? path.join(varDir, 'cache', 'store')),
        cacheMaxBytes: e.STORE_CACHE_MB * 1024 * 1024,
        retryForMs: e.STORE_RETRY_SECONDS * 1000,
      },
      FIRST_TRAINING_SPEC: e.FIRST_TRAINING_SPEC ?? `datasets/${e.MODEL_NAME}.json`,
      TEMPORAL_ADDRESS: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_PORT}`,
      /** Everything a client or worker connection needs: pass this, not TEMPORAL_ADDRESS, to connectClient/connectWorker. */
      temporal: temporalTarget(e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_PORT}`, e),
      TEMPORAL_UI_URL: (e.TEMPORAL_UI_URL ?? `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`).replace(/\/+$/, ''),
    };
  });
export type Env = z.infer<typeof EnvSchema>;

/** A configuration error that lists every bad variable; entry points print it and exit with code 2. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.in.shape)) {
    const value = source[key];
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  // The serving settings have their own schema beside the service; they are checked here too, so that any
  // process started with a bad setting of any part lists every problem in one message.
  const serving: Record<string, string> = {};
  for (const key of Object.keys(ServingConfig.shape)) {
    const value = source[key];
    if (value !== undefined && value !== '') serving[key] = value;
  }
  const parsed = EnvSchema.safeParse(relevant);
  const servingParsed = ServingConfig.safeParse(serving);
  const issues = [...(parsed.success ? [] : parsed.error.issues), ...(servingParsed.success ? [] : servingParsed.error.issues)];
  if (!parsed.success || issues.length) {
    const given = { ...relevant, ...serving };
    const problems = issues.map((i) => {
      const key = String(i.path[0] ?? '(settings)');
      const shown = key in given && !/TOKEN|KEY|SECRET/.test(key) ? ` (got ${JSON.stringify(given[key])})` : '';
      return `${key}: ${i.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  return parsed.data;
}

let cached: Env | undefined;
/** The process's settings, parsed once. */
export function env(): Env {
  cached ??= parseEnv();
  return cached;
}

/** For entry points: parse settings or print the problems and exit 2, without a stack trace. */
export function envOrExit(): Env {
  try {
    return env();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
