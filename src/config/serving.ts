// Settings of the prediction service (limits, capture, batching, polling, processes) as one zod schema with defaults.
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

const int = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`).default(fallback);

const bool = (fallback: boolean) =>
  z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })])
    .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes')
    .default(fallback);

/** Comma-separated list of raw keys or `sha256:<64 hex>` digests (raw ones are hashed at load and never kept). */
const keyList = z
  .union([z.string().transform((s) => s.split(',')), z.array(z.string())])
  .transform((list) => list.map((k) => k.trim()).filter((k) => k.length > 0))
  .default([]);

/** An IPv4/IPv6 address, or one with a /prefix (CIDR). */
function isAddressOrCidr(entry: string): boolean {
  const [addr, prefix, ...rest] = entry.split('/');
  const family = isIP(addr ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Which proxies' X-Forwarded-For the service believes: `false` (default: the client address is the
 * socket's), a comma-separated list of proxy addresses or CIDRs (only those peers are believed), a hop
 * count (`1` = the last X-Forwarded-For entry, as the nearest proxy wrote it; the peer itself is not
 * checked, so only when the port is reachable through the proxy alone), or `true` (every entry; same caveat).
 */
export const TrustProxy = z
  .union([z.boolean(), z.number(), z.string()])
  .transform((v, ctx): boolean | number | string[] => {
    if (typeof v === 'boolean') return v;
    const text = String(v).trim();
    if (/^(true|yes)$/i.test(text)) return true;
    if (/^(false|no|)$/i.test(text)) return false;
    if (/^\d+$/.test(text)) {
      const hops = Number(text);
      if (hops > 64) ctx.addIssue({ code: 'custom', message: 'a hop count must be at most 64' });
      return hops;
    }
    const list = text
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e.length > 0);
    const bad = list.filter((e) => !isAddressOrCidr(e));
    if (bad.length > 0 || list.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must be true, false, a hop count, or comma-separated proxy addresses or CIDRs (e.g. 10.0.0.0/8,127.0.0.1)' });
      return z.NEVER;
    }
    return list;
  })
  .default(false);

/** TRUST_PROXY as fastify's trustProxy option (fastify ignores a bare hop count, so hops become a function). */
export function trustProxyOption(setting: boolean | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting;
  const hops = setting;
  return hops === 0 ? false : (_address: string, hop: number) => hop < hops;
}

export const ServingConfig = z.object({
  /** Most rows one request may carry (v1 instances, OIP batch size). */
  SERVING_MAX_ROWS: int(1000, 1, 1_000_000),
  /** Largest request body in bytes; larger ones get 413 before they are parsed. */
  SERVING_BODY_LIMIT_BYTES: int(1_048_576, 1024, 1 << 30),
  /** Requests per key per window before 429 (keyed by API key id, not IP). */
  SERVING_RATE_LIMIT_MAX: int(60_000, 1),
  /** The rate limit's window (fixed, aligned to the clock so every process agrees). */
  SERVING_RATE_LIMIT_WINDOW_MS: int(60_000, 100),
  /** Coalesce concurrent requests into one onnxruntime run. */
  SERVING_BATCHING: bool(true),
  /** A batch flushes as soon as it holds this many rows. */
  SERVING_BATCH_MAX_ROWS: int(256, 1, 100_000),
  /** Extra wait before a batch runs, in ms; 0 = run at the end of the current I/O turn (setImmediate). */
  SERVING_BATCH_WAIT_MS: int(0, 0, 50),
  /** onnxruntime runs in flight at once; while they run, new rows queue and go in the next batch. */
  SERVING_BATCH_MAX_INFLIGHT: int(1, 1, 64),
  /**
   * Models of the repository loaded at once; past it the least recently used one is unloaded and loaded
   * again on its next request. The default model (MODEL_NAME) is never unloaded.
   */
  SERVING_MAX_LOADED_MODELS: int(16, 1, 10_000),
  /** Server processes sharing the port (one per core by default; 1 = everything in this process). */
  SERVING_PROCESSES: int(availableParallelism(), 1, 256),
  /** Failed authentications per client address per window before that address gets 429 (brute-force guard). */
  SERVING_AUTH_FAIL_MAX: int(20, 1),
  /** The brute-force guard's window. */
  SERVING_AUTH_FAIL_WINDOW_MS: int(60_000, 100),
  /**
   * Proxies whose X-Forwarded-For names the client, for the brute-force guard and logs: false (the socket's
   * address), comma-separated proxy addresses or CIDRs (e.g. 10.0.0.0/8,127.0.0.1; only those peers are
   * believed), a hop count (1 = the entry the nearest proxy wrote; only when the port is reachable through
   * the proxy alone), or true (every entry). Behind a load balancer set it, else every client shares its address.
   */
  TRUST_PROXY: TrustProxy,
  /** Non-champion versions kept loaded for /v2/models/{name}/versions/{v} (0 = only the champion answers). */
  SERVING_EXTRA_VERSIONS: int(2, 0, 16),
  /** Per-request log lines cost throughput; errors are always logged. */
  SERVING_LOG_REQUESTS: bool(false),
  /** Create a development admin key on first start and write it to <VAR_DIR>/dev-api-key. */
  SERVING_DEV_KEY: bool(true),
  /** How long a graceful stop waits for in-flight requests before closing anyway. */
  SERVING_SHUTDOWN_TIMEOUT_MS: int(10_000, 100),
  /** Percentage (0-100) of prediction requests recorded for drift monitoring. */
  CAPTURE_SHARE: z.coerce.number({ error: 'must be a number' }).min(0, 'must be 0-100').max(100, 'must be 0-100').default(100),
  /** Buffered capture records are appended to disk this often; a SIGKILL loses at most this window. */
  CAPTURE_FLUSH_MS: int(200, 10, 60_000),
  /** Capture records held in memory at most; beyond it records are dropped (and counted), never blocking. */
  CAPTURE_BUFFER_RECORDS: int(50_000, 1),
  /** A capture file is closed and the next sequence number opened past this size. */
  CAPTURE_MAX_FILE_BYTES: int(64 * 1024 * 1024, 1024),
  /** With a remote artifact store: how often capture files are copied from the local spool into the store. */
  CAPTURE_UPLOAD_MS: int(5000, 50, 600_000),
  /** Folder for capture files; default <store>/capture with a local store, else a spool in <VAR_DIR>/capture-spool uploaded to the store. */
  CAPTURE_DIR: z.string().min(1).optional(),
  /**
   * Bytes per model the feedback duplicate index may take (fixed-size digests of key id + inference id
   * with a digest of the label, about 24 bytes each whatever the task); past it the least recently labeled
   * ids are forgotten. Fullness is in /metrics.
   */
  LABEL_INDEX_MB: int(32, 1, 16_384),
  /** How often the champion alias (in the store) is checked for a new version. */
  MODEL_POLL_MS: int(1000, 50),
  /** How often the API key file is checked for changes (revocations take effect within this). */
  API_KEYS_POLL_MS: int(1000, 50),
  /** How often per-key usage is saved to the store (and on shutdown). */
  USAGE_FLUSH_MS: int(5000, 50),
  /** Extra user keys from the environment. */
  API_KEYS: keyList,
  /** Extra admin keys from the environment. */
  API_ADMIN_KEYS: keyList,
});
export type ServingConfig = z.infer<typeof ServingConfig>;
export type ServingConfigInput = z.input<typeof ServingConfig>;

/** Parses the serving settings from an environment-like object; throws a message listing every bad variable. */
export function parseServingConfig(source: Record<string, string | undefined> = process.env): ServingConfig {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(ServingConfig.shape)) {
    const value = source[key];
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const parsed = ServingConfig.safeParse(relevant);
  if (!parsed.success) {
    // never echo values: API_KEYS holds secrets
    const problems = parsed.error.issues.map((i) => `  - ${String(i.path[0] ?? '(settings)')}: ${i.message}`);
    throw new Error(`invalid serving settings:\n${problems.join('\n')}`);
  }
  return parsed.data;
}

/** Defaults overlaid with explicit values, for tests and embedding. */
export function servingConfig(overrides: ServingConfigInput = {}): ServingConfig {
  return ServingConfig.parse(overrides);
}
