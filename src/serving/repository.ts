// The model repository: every registry model with a champion, each with its own manager, capture folder and place in the LRU.
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from '../registry/registry';
import type { ArtifactStore } from '../store';
import { capturePrefix } from '../store/layout';
import { CaptureWriter } from './capture';
import { CaptureUploader } from './capture-upload';
import type { ServingConfig } from '../config/serving';
import { HttpError } from '../http/errors';
import type { ServingMetrics } from './metrics';
import { ModelManager, type LoadedModel } from './model-manager';
import type { FeatureSpecLike } from './schemas';

/** loaded: answers now; loading: on its way; unloaded: evicted (least recently used), loads on its next request; failed: its champion did not load or check. */
export type ModelState = 'loaded' | 'loading' | 'unloaded' | 'failed' | 'no-champion';

export interface ModelStatus {
  name: string;
  /** The registry's champion version (null: none yet). */
  champion: number | null;
  /** The version this process serves now (null: none loaded). */
  version: number | null;
  state: ModelState;
  reason?: string;
  default: boolean;
  features: FeatureSpecLike[];
}

interface Entry {
  readonly name: string;
  champion: number | undefined;
  aliasSig: string;
  features: FeatureSpecLike[];
  manager: ModelManager | undefined;
  loading: Promise<ModelManager> | undefined;
  capture: CaptureWriter | undefined;
  uploader: CaptureUploader | undefined;
  /** Order of last use (a counter, not a clock: exact and cheaper than Date.now() per request). */
  lastUsed: number;
  /** Unloaded by the budget: stays unloaded until a request needs it, even when its champion moves. */
  evicted: boolean;
  /** Why the alias or metadata could not be read, if so. */
  readError: string | undefined;
}

export interface RepositoryOptions {
  registry: Registry;
  /** MODEL_NAME: served by /v1/predict, decides readiness, never unloaded. */
  defaultModel: string;
  config: ServingConfig;
  metrics: ServingMetrics;
  log: FastifyBaseLogger;
  /** Root capture folder; each model writes to <captureDir>/<model>/. */
  captureDir: string;
  /** Capture file tag of this process (see CaptureWriter). */
  captureInstance?: string;
  /** When the store is not the capture folder itself: ships each model's capture files into it. */
  upload?: { store: ArtifactStore; intervalMs: number };
}

/** Longest model name echoed back in an error message (names come from URLs). */
const ECHO_MAX = 80;
const echo = (name: string) => JSON.stringify(name.length > ECHO_MAX ? `${name.slice(0, ECHO_MAX)}...` : name);

export class ModelRepository {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private tick = 0;
  private closed = false;

  constructor(private readonly opts: RepositoryOptions) {}

  get defaultModel(): string {
    return this.opts.defaultModel;
  }

  /** Loads the default model and every other champion (up to the budget), then rescans every MODEL_POLL_MS. */
  async start(): Promise<void> {
    const d = this.entry(this.opts.defaultModel);
    await this.load(d);
    await this.scan();
    this.timer = setInterval(() => void this.scan(), this.opts.config.MODEL_POLL_MS);
    this.timer.unref();
  }

  /** The default model's manager (pinned: created at start, never unloaded). */
  get defaultManager(): ModelManager {
    const m = this.entries.get(this.opts.defaultModel)?.manager;
    if (!m) throw new Error('repository not started');
    return m;
  }

  /** The default model's capture writer (readiness depends on it). */
  get defaultCapture(): CaptureWriter {
    const c = this.entries.get(this.opts.defaultModel)?.capture;
    if (!c) throw new Error('repository not started');
    return c;
  }

  /** Hot path: the model `name` serves now, if it is loaded; marks it used. No I/O, no allocation. */
  current(name: string): LoadedModel | undefined {
    const e = this.entries.get(name);
    const m = e?.manager?.current;
    if (m) e.lastUsed = ++this.tick;
    return m;
  }

  /** The model to answer with: loaded on demand when unloaded; 404 for an unknown name, 503 when it cannot serve. */
  async require(name: string): Promise<LoadedModel> {
    const fast = this.current(name);
    if (fast) return fast;
    const manager = await this.manager(name);
    const m = manager.current;
    if (m) return m;
    const e = this.entries.get(name);
    const why = manager.failure ?? e?.readError;
    if (why) throw new HttpError(503, `model ${echo(name)} cannot serve: ${why}; other models are not affected`, undefined, { 'retry-after': '30' });
    throw new HttpError(503, `no champion of model ${echo(name)} is loaded yet`, undefined, { 'retry-after': '5' });
  }

  /** The manager of a known model, loading it when needed; 404 naming the models that exist for an unknown one. */
  async manager(name: string): Promise<ModelManager> {
    const e = this.entries.get(name);
    if (!e) throw this.unknown(name);
    e.lastUsed = ++this.tick;
    if (e.manager) return e.manager;
    // a model without a champion takes no place in the budget until it has one
    if (e.champion === undefined && name !== this.opts.defaultModel) throw new HttpError(503, `model ${echo(name)} has no champion yet`, undefined, { 'retry-after': '5' });
    return this.load(e);
  }

  /** The manager of a known model if it is loaded now; never loads, never marks it used (readiness probes ask this). */
  loadedManager(name: string): ModelManager | undefined {
    return this.entries.get(name)?.manager;
  }

  unknown(name: string): HttpError {
    const names = this.names();
    return new HttpError(404, `unknown model ${echo(name)}; this service serves ${names.length ? names.map((n) => JSON.stringify(n)).join(', ') : 'no models yet'} (GET /v1/models)`);
  }

  /** Whether `name` is a model of the repository (a registry folder, or the default model). */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Names of the models known, sorted. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  status(name: string): ModelStatus | undefined {
    const e = this.entries.get(name);
    if (!e) return undefined;
    const served = e.manager?.current;
    let state: ModelState;
    let reason: string | undefined;
    if (served) state = 'loaded';
    else if (e.loading) state = 'loading';
    else if (e.manager?.failure || e.readError) {
      state = 'failed';
      reason = e.manager?.failure ?? e.readError;
    } else if (e.champion === undefined) {
      state = 'no-champion';
      reason = 'the registry has no champion for this model yet';
    } else if (e.manager) state = 'loading';
    else {
      state = 'unloaded';
      reason = e.evicted ? 'unloaded to stay within SERVING_MAX_LOADED_MODELS; loads on its next request' : 'not loaded yet; loads on its first request';
    }
    return {
      name: e.name,
      // a model loaded on demand before the scan read its alias still names the champion it serves
      champion: e.champion ?? served?.version ?? null,
      version: served?.version ?? null,
      state,
      ...(reason ? { reason } : {}),
      default: e.name === this.opts.defaultModel,
      features: served ? served.features.map((f) => ({ name: f.name, type: f.type })) : e.features,
    };
  }

  list(): ModelStatus[] {
    return this.names().map((n) => this.status(n)!);
  }

  /** Every model's capture writer that exists (for flushes and metrics). */
  captures(): CaptureWriter[] {
    return [...this.entries.values()].flatMap((e) => (e.capture ? [e.capture] : []));
  }

  /** Unloads a model now (the OIP repository extension); the default model cannot be unloaded. */
  async unload(name: string): Promise<void> {
    const e = this.entries.get(name);
    if (!e) throw this.unknown(name);
    if (name === this.opts.defaultModel) throw new HttpError(409, `model ${echo(name)} is this service's default (MODEL_NAME) and is never unloaded`);
    await e.loading?.catch(() => undefined);
    await this.unloadEntry(e);
  }

  private entry(name: string): Entry {
    let e = this.entries.get(name);
    if (!e) {
      e = this.newEntry(name);
      this.entries.set(name, e);
    }
    return e;
  }

  private newEntry(name: string): Entry {
    return {
      name,
      champion: undefined,
      aliasSig: '',
      features: [],
      manager: undefined,
      loading: undefined,
      capture: undefined,
      uploader: undefined,
      lastUsed: 0,
      evicted: false,
      readError: undefined,
    };
  }

  /** Re-reads which models exist and where their champions point; loads new champions within the budget. Never throws. */
  scan(): Promise<void> {
    this.scanning ??= this.doScan()
      .catch((err: unknown) => this.opts.log.error({ err }, 'model repository scan failed'))
      .finally(() => {
        this.scanning = undefined;
      });
    return this.scanning;
  }

  private async doScan(): Promise<void> {
    const { registry } = this.opts;
    const names = new Set(await registry.models());
    names.add(this.opts.defaultModel);
    for (const name of names) {
      if (this.closed) return;
      // a new model becomes visible to requests only once its alias was read, so it never shows a champion of null while it has one
      const e = this.entries.get(name) ?? this.newEntry(name);
      await this.readAlias(e);
      if (!this.entries.has(name)) this.entries.set(name, e);
      if (e.manager) await e.manager.poll();
      else if (e.champion !== undefined && !e.evicted && !e.loading && this.loadedCount() < this.opts.config.SERVING_MAX_LOADED_MODELS) void this.load(e);
    }
    // a model folder removed by hand: forget it (the default model stays)
    for (const e of [...this.entries.values()]) {
      if (names.has(e.name)) continue;
      this.entries.delete(e.name);
      await this.unloadEntry(e);
      await e.capture?.close();
      await e.uploader?.close();
    }
  }

  private async readAlias(e: Entry): Promise<void> {
    const { registry, log } = this.opts;
    let sig: string;
    try {
      sig = await registry.aliasSignature(e.name);
    } catch (err) {
      // store unreachable: keep serving what is loaded and look again next scan
      log.warn({ err, model: e.name }, 'champion alias unreadable; keeping the loaded version');
      return;
    }
    if (sig === e.aliasSig) return;
    try {
      const champion = sig === 'missing' ? undefined : await registry.alias(e.name, 'champion');
      if (champion !== undefined && champion !== e.champion) e.features = (await registry.metadata(e.name, champion)).features.map((f) => ({ name: f.name, type: f.type }));
      e.champion = champion;
      e.aliasSig = sig;
      e.readError = undefined;
    } catch (err) {
      e.readError = `registry entry unreadable: ${(err as Error).message}`;
    }
  }

  private loadedCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.manager || e.loading) n++;
    return n;
  }

  private load(e: Entry): Promise<ModelManager> {
    if (e.manager) return Promise.resolve(e.manager);
    e.loading ??= this.doLoad(e).finally(() => {
      e.loading = undefined;
    });
    return e.loading;
  }

  private async doLoad(e: Entry): Promise<ModelManager> {
    const { registry, config, metrics, log } = this.opts;
    const capture = e.capture ?? (await this.openCapture(e.name));
    e.capture = capture;
    const manager = new ModelManager({ registry, name: e.name, config, metrics, log, capture });
    metrics.modelVersion.set({ model: e.name }, 0);
    await manager.start(); // never throws: a failure shows in manager.failure and answers 503 for this model only
    if (this.closed) {
      await manager.close();
      return manager;
    }
    e.manager = manager;
    e.evicted = false;
    e.lastUsed = ++this.tick;
    this.trim(e.name);
    metrics.modelsLoaded.set(this.loadedCount());
    return manager;
  }

  private async openCapture(model: string): Promise<CaptureWriter> {
    const { config, metrics, log } = this.opts;
    const capture = new CaptureWriter({
      dir: this.opts.captureDir,
      model,
      sharePercent: config.CAPTURE_SHARE,
      flushMs: config.CAPTURE_FLUSH_MS,
      bufferRecords: config.CAPTURE_BUFFER_RECORDS,
      maxFileBytes: config.CAPTURE_MAX_FILE_BYTES,
      metrics,
      log,
      ...(this.opts.captureInstance ? { instance: this.opts.captureInstance } : {}),
    });
    try {
      await capture.start();
    } catch (err) {
      // not fatal: predictions still answer, capture health shows in /readyz and /v1/models
      log.error({ err, model }, 'capture folder is not writable');
    }
    const { upload } = this.opts;
    const e = this.entries.get(model);
    if (upload && e && !e.uploader) {
      e.uploader = new CaptureUploader({ store: upload.store, folder: capture.folder, prefix: capturePrefix(model), intervalMs: upload.intervalMs, openFile: () => capture.openFile, log });
      e.uploader.start();
    }
    return capture;
  }

  /** Unloads the least recently used models (never the default, never `keep`) until the budget holds. */
  private trim(keep: string): void {
    const max = this.opts.config.SERVING_MAX_LOADED_MODELS;
    while (this.loadedCount() > max) {
      let victim: Entry | undefined;
      for (const e of this.entries.values()) {
        if (!e.manager || e.name === keep || e.name === this.opts.defaultModel) continue;
        if (!victim || e.lastUsed < victim.lastUsed) victim = e;
      }
      if (!victim) return;
      void this.unloadEntry(victim);
    }
  }

  private async unloadEntry(e: Entry): Promise<void> {
    const m = e.manager;
    if (!m) return;
    e.manager = undefined;
    e.evicted = true;
    this.opts.metrics.modelVersion.set({ model: e.name }, 0);
    this.opts.metrics.modelsLoaded.set(this.loadedCount());
    this.opts.log.info({ model: e.name, version: m.current?.version ?? null }, 'model unloaded');
    await m.close(); // waits for in-flight runs of that model
  }

  /** Stops scanning, releases every model after in-flight runs, flushes and closes every capture file. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.scanning;
    const all = [...this.entries.values()];
    await Promise.all(all.map((e) => e.loading?.catch(() => undefined) ?? Promise.resolve()));
    await Promise.all(all.map(async (e) => e.manager?.close()));
  }

  /** Writes every buffered capture record and closes the files (after the last request). */
  async closeCaptures(): Promise<void> {
    await Promise.all(this.captures().map((c) => c.close()));
    // after the writers closed: the uploaders ship the last lines of every file
    await Promise.all([...this.entries.values()].map((e) => e.uploader?.close() ?? Promise.resolve()));
  }
}
