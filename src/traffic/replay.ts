// Sends rows to POST /v1/predict in batches at a steady rate, with a bounded number of requests in flight.
import type { FlightRow } from './flights';

export interface ModelInfo {
  name: string;
  version: number;
  features: { name: string; type: 'numeric' | 'categorical' }[];
}

export interface ReplayProgress {
  sent: number;
  ok: number;
  failed: number;
}

export interface ReplayOptions {
  /** API base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  key: string;
  rows: readonly FlightRow[];
  /** Rows per request. */
  batch: number;
  /** Rows per second over the whole run; 0 sends as fast as `concurrency` allows. */
  rate: number;
  /** Requests in flight at most (default 4). */
  concurrency?: number;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  onProgress?: (p: ReplayProgress) => void;
  signal?: AbortSignal;
  /** Keep the inference id the API returned for each row (to send labels later). */
  collectIds?: boolean;
}

export interface ReplayResult {
  model: ModelInfo;
  rows: number;
  requests: number;
  okRows: number;
  failedRows: number;
  /** Final HTTP status of each request (after retries), by code; "network" for no response. */
  statuses: Record<string, number>;
  /** The first few distinct error messages, for the person at the terminal. */
  errors: string[];
  seconds: number;
  /** With collectIds: row i's inference id, undefined where its request failed. */
  ids?: (string | undefined)[];
}

export class TrafficError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrafficError';
  }
}

// The abort listener is removed when the timer fires, so thousands of paced sleeps do not pile listeners on one signal.
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function headers(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
}

async function errorText(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { message?: unknown };
    return typeof body.message === 'string' ? body.message : `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

/** The champion the API serves: its features decide which fields each row sends. */
export async function currentModel(url: string, key: string, timeoutMs = 10_000): Promise<ModelInfo> {
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/+$/, '')}/v1/models/current`, { headers: headers(key), signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new TrafficError(`cannot reach the API at ${url}: ${(err as Error).message}. Is it running (make up)?`);
  }
  if (res.status === 401) throw new TrafficError(`the API refused the key (${await errorText(res)}); pass --key or check <VAR_DIR>/dev-api-key`);
  if (!res.ok) throw new TrafficError(`GET /v1/models/current answered ${res.status}: ${await errorText(res)}`);
  return (await res.json()) as ModelInfo;
}

/** Rows as the model's instances: exactly its features, which must all be flights columns. */
export function toInstances(rows: readonly FlightRow[], model: ModelInfo): Record<string, string | number>[] {
  const names = model.features.map((f) => f.name);
  const columns = new Set<string>(['hour', 'day_of_week', 'distance', 'origin', 'destination'] satisfies (keyof FlightRow)[]);
  const unknown = names.filter((n) => !columns.has(n));
  if (unknown.length) throw new TrafficError(`model ${model.name} v${model.version} wants ${unknown.join(', ')}, which flights rows do not have`);
  return rows.map((r) => {
    const o: Record<string, string | number> = {};
    for (const n of names) o[n] = r[n as Exclude<keyof FlightRow, 'delay'>];
    return o;
  });
}

/**
 * Replays `rows`: batch i is due at i * batch / rate seconds after the start, so the rate holds over
 * the run even when single requests are slow. 429 and 503 are retried after the server's Retry-After
 * (at most 5 times); other errors count the batch as failed and the run goes on.
 */
export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const base = o.url.replace(/\/+$/, '');
  const model = await currentModel(base, o.key);
  const instances = toInstances(o.rows, model);
  const batch = Math.max(1, Math.trunc(o.batch));
  const concurrency = Math.max(1, Math.trunc(o.concurrency ?? 4));
  const progress: ReplayProgress = { sent: 0, ok: 0, failed: 0 };
  const statuses: Record<string, number> = {};
  const errors = new Set<string>();
  const started = Date.now();
  const batches = Math.ceil(instances.length / batch);
  const ids: (string | undefined)[] | undefined = o.collectIds ? new Array<string | undefined>(instances.length) : undefined;
  let next = 0;

  async function send(i: number): Promise<void> {
    const body = JSON.stringify({ instances: instances.slice(i * batch, (i + 1) * batch) });
    const n = Math.min(batch, instances.length - i * batch);
    let status = 'network';
    for (let attempt = 1; attempt <= 6 && !o.signal?.aborted; attempt++) {
      try {
        const res = await fetch(`${base}/v1/predict`, { method: 'POST', headers: headers(o.key), body, signal: AbortSignal.timeout(o.timeoutMs ?? 30_000) });
        status = String(res.status);
        if (res.ok) {
          if (ids) {
            const body = (await res.json()) as { predictions?: { id?: unknown }[] };
            body.predictions?.forEach((p, k) => {
              if (typeof p.id === 'string') ids[i * batch + k] = p.id;
            });
          } else await res.arrayBuffer();
          break;
        }
        const text = await errorText(res);
        if ((res.status === 429 || res.status === 503) && attempt < 6) {
          const wait = Number(res.headers.get('retry-after'));
          await sleep(Number.isFinite(wait) && wait > 0 ? wait * 1000 : 500 * attempt, o.signal);
          continue;
        }
        if (errors.size < 5) errors.add(`${res.status}: ${text}`);
        break;
      } catch (err) {
        status = 'network';
        if (attempt === 6 && errors.size < 5) errors.add(`network: ${(err as Error).message}`);
        await sleep(200 * attempt, o.signal);
      }
    }
    statuses[status] = (statuses[status] ?? 0) + 1;
    progress.sent += n;
    if (status === '200') progress.ok += n;
    else progress.failed += n;
    o.onProgress?.({ ...progress });
  }

  async function lane(): Promise<void> {
    for (;;) {
      if (o.signal?.aborted) return;
      const i = next++;
      if (i >= batches) return;
      if (o.rate > 0) {
        const due = started + ((i * batch) / o.rate) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait, o.signal);
      }
      await send(i);
    }
  }

  await Promise.all(Array.from({ length: Math.min(concurrency, batches) }, lane));
  return {
    model,
    rows: progress.sent,
    requests: Object.values(statuses).reduce((a, b) => a + b, 0),
    okRows: progress.ok,
    failedRows: progress.failed,
    statuses,
    errors: [...errors],
    seconds: (Date.now() - started) / 1000,
    ...(ids ? { ids } : {}),
  };
}
