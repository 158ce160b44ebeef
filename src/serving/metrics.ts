// Prometheus metrics of the prediction service, on a registry of its own so several apps can share a process.
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

/** Increments of one label set not yet handed to prom-client. */
interface Pending {
  labels: Record<string, string>;
  n: number;
}

/**
 * A Counter's collect hook that adds the pending increments: prom-client validates and hashes the labels
 * on every inc(), so the hottest counters count in plain numbers and pay that once per scrape instead.
 */
function addPending(pending: Map<string, Pending>) {
  return function collect(this: Counter) {
    for (const p of pending.values()) {
      if (p.n === 0) continue;
      this.inc(p.labels, p.n);
      p.n = 0;
    }
  };
}

/** One label set of a histogram: bucket counts (not cumulative; the last is +Inf), sum and count as plain numbers. */
interface Series {
  labels: Record<string, string>;
  buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram that requests add to with a few additions. prom-client's Histogram validates
 * and hashes the labels on every observe() (about 1.4 us of the 34 us a prediction costs); here the
 * caller keeps its Series and the exposition (the same as prom-client's) is built at scrape time.
 */
class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly all = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  /** The series of `labels` (the same one on every call with the same label values). */
  series(labels: Record<string, string>): Series {
    const key = Object.values(labels).join('\u0000');
    let s = this.all.get(key);
    if (!s) {
      s = { labels, buckets: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.all.set(key, s);
    }
    return s;
  }

  observe(s: Series, value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    s.buckets[i]++;
    s.sum += value;
    s.count++;
  }

  /** What prom-client's registry reads from a metric (its typings declare `type` as an enum; it is this string). */
  get(): { name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> } {
    const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
    for (const s of this.all.values()) {
      let acc = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        acc += s.buckets[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: i < this.bounds.length ? this.bounds[i] : '+Inf' }, value: acc });
      }
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const s of this.all.values()) {
      s.buckets.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}

export class ServingMetrics {
  readonly registry = new Registry();
  private readonly pendingRequests = new Map<string, Pending>();
  private readonly pendingPredictions = new Map<string, Pending>();
  private readonly pendingRows = new Map<string, Pending>();
  readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
    collect: addPending(this.pendingRequests),
  });
  private readonly latency = new FastHistogram(
    'http_request_duration_seconds',
    'Time from request received to response sent, by route template, method and status',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );
  readonly predictionRequests = new Counter({
    name: 'prediction_requests_total',
    help: 'Prediction requests answered with predictions, by API (v1, v2), model and version',
    labelNames: ['api', 'model', 'version'] as const,
    registers: [this.registry],
    collect: addPending(this.pendingPredictions),
  });
  readonly predictionRows = new Counter({
    name: 'prediction_rows_total',
    help: 'Rows scored, by API, model and version',
    labelNames: ['api', 'model', 'version'] as const,
    registers: [this.registry],
    collect: addPending(this.pendingRows),
  });
  /** Observed once per model run, which at low load is once per request. */
  private readonly batchRows = new FastHistogram(
    'inference_batch_rows',
    'Rows per onnxruntime run (adaptive batching coalesces concurrent requests), by model',
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
  );
  readonly modelVersion = new Gauge({
    name: 'model_version',
    help: 'Registry version of the champion being served (0 = none loaded)',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly modelLoads = new Counter({
    name: 'model_loads_total',
    help: 'Model load attempts by result (ok, failed_load, failed_check)',
    labelNames: ['model', 'result'] as const,
    registers: [this.registry],
  });
  readonly modelsLoaded = new Gauge({
    name: 'models_loaded',
    help: 'Models of the repository loaded in this process (SERVING_MAX_LOADED_MODELS bounds it)',
    registers: [this.registry],
  });
  readonly captureWritten = new Counter({
    name: 'capture_records_written_total',
    help: 'Capture records appended to capture files, by model',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly captureDropped = new Counter({
    name: 'capture_records_dropped_total',
    help: 'Capture records dropped because the buffer was full or a write failed, by model',
    labelNames: ['model', 'reason'] as const,
    registers: [this.registry],
  });
  readonly captureBuffered = new Gauge({
    name: 'capture_buffer_records',
    help: 'Capture records waiting in memory for the next flush, by model',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: 'auth_failures_total',
    help: 'Requests that presented a wrong or revoked API key',
    registers: [this.registry],
  });
  readonly authBlocked = new Counter({
    name: 'auth_blocked_total',
    help: 'Requests refused with 429 because their address failed authentication too often (SERVING_AUTH_FAIL_MAX)',
    registers: [this.registry],
  });
  readonly apiKeys = new Gauge({
    name: 'api_keys_active',
    help: 'Active (not revoked) API keys loaded',
    registers: [this.registry],
  });

  constructor(defaultMetrics = true) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
    // the registry only calls get() (and reset()) of what it holds; FastHistogram has the shape it reads
    this.registry.registerMetric(this.latency as unknown as Metric);
    this.registry.registerMetric(this.batchRows as unknown as Metric);
  }

  /** Counts the rows of each of `model`'s runs. */
  batchRowsOf(model: string): (rows: number) => void {
    const series = this.batchRows.series({ model });
    return (rows) => this.batchRows.observe(series, rows);
  }

  // a child per (route, method, status) and per (api, model, version), found by one string key per request
  private children = new Map<string, { count: Pending; latency: Series }>();

  private predChildren = new Map<string, { requests: Pending; rows: Pending }>();

  countPredictions(api: string, model: string, version: number, rows: number): void {
    const key = `${api}\u0000${model}\u0000${version}`;
    let c = this.predChildren.get(key);
    if (!c) {
      const labels = { api, model, version: String(version) };
      c = { requests: { labels, n: 0 }, rows: { labels, n: 0 } };
      this.pendingPredictions.set(key, c.requests);
      this.pendingRows.set(key, c.rows);
      this.predChildren.set(key, c);
    }
    c.requests.n++;
    c.rows.n += rows;
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    const key = `${route}\u0000${method}\u0000${status}`;
    let child = this.children.get(key);
    if (!child) {
      const labels = { route, method, status: String(status) };
      child = { count: { labels, n: 0 }, latency: this.latency.series(labels) };
      this.pendingRequests.set(key, child.count);
      this.children.set(key, child);
    }
    child.count.n++;
    this.latency.observe(child.latency, seconds);
  }
}
