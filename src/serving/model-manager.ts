// One model's champion: loads it, re-reads its alias when polled, checks a new version on sample rows and swaps it in atomically.
import type { FastifyBaseLogger } from 'fastify';
import { OnnxModel } from '../model/onnx-model';
import { RegistryError, type Registry, type VersionMetadata } from '../registry/registry';
import { Batcher, DirectScorer, type Scorer } from './batcher';
import type { CaptureWriter, FeatureRecord } from './capture';
import type { ServingConfig } from '../config/serving';
import type { ServingMetrics } from './metrics';
import { fastPredictCheck, predictRequestSchema, type FeatureSpecLike, type PredictRequest } from './schemas';
import { sampleRows } from './sample-rows';
import type { ClassValue, TaskKind } from '../task/task';
import { thresholdOf, versionTask } from '../task/version-task';
import { captureFieldsOf, checkOutput, classJson, multiclassResponseJson, regressionResponseJson, servedTaskOf, type ServedTask } from './task-output';
import type { InferenceIds } from './capture';

/** A loaded, checked model version with everything a request needs, replaced as one reference. */
export interface LoadedModel {
  readonly name: string;
  readonly version: number;
  readonly metadata: VersionMetadata;
  readonly features: readonly FeatureSpecLike[];
  /** Probability at or above which the label is 1. */
  readonly threshold: number;
  readonly predictRequest: ReturnType<typeof predictRequestSchema>;
  /** The allocation-free check of the common valid body; undefined sends the body through `predictRequest`. */
  readonly fastPredict: (body: unknown) => PredictRequest | undefined;
  /** `{"name":…,"version":…}`: the model reference of each response, serialized once. */
  readonly refJson: string;
  readonly scorer: Scorer;
  readonly loadedAt: string;
  readonly onnx: OnnxModel;
  /** Where this model's scored requests are captured (one writer per model, shared by its versions). */
  readonly capture: CaptureWriter;
  /** What the model predicts; the scorer gives `rows * task.width` numbers per request. */
  readonly task: ServedTask;
  /**
   * The v1 200 body of regression and multiclass models; undefined for binary ones, whose body predictResponseJson
   * writes (chosen once per loaded version, so the binary path stays as it was).
   */
  readonly respond: ((out: Float32Array, ids: InferenceIds) => string) | undefined;
  /** The capture fields of a regression or multiclass row (binary rows keep CaptureWriter.offer's own). */
  readonly captureFields: ((out: Float32Array, i: number) => string) | undefined;
}

export class ModelCheckFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelCheckFailed';
  }
}

export interface ModelManagerOptions {
  registry: Registry;
  name: string;
  config: ServingConfig;
  metrics: ServingMetrics;
  log: FastifyBaseLogger;
  capture: CaptureWriter;
}

/** A failed version is retried this long after its failure even if the alias does not move again. */
const RETRY_FAILED_MS = 30_000;

/**
 * The task the registry metadata declares, for graphs that do not say it themselves (converted by skl2onnx); a graph
 * with `model_task` metadata is checked against it by OnnxModel. Nothing declared: the graph's own, else binary.
 */
function declaredTask(metadata: VersionMetadata): { task?: TaskKind; classes?: ClassValue[] } {
  try {
    const t = versionTask(metadata);
    return t.task === 'binary' ? {} : { task: t.task, ...(t.classes ? { classes: [...t.classes] } : {}) };
  } catch {
    return {}; // a multiclass version without classes in its metadata: the graph's metadata must name them
  }
}

export class ModelManager {
  private champion: LoadedModel | undefined;
  /** Other versions, loaded on demand for /v2/.../versions/{v}, least recently used first. */
  private extras = new Map<number, Promise<LoadedModel>>();
  /** Entries of `extras` that finished loading, so readiness can answer without awaiting one. */
  private settled = new WeakSet<Promise<LoadedModel>>();
  private aliasSig = '';
  /** Why the last load or check failed, for /v1/models and 503 messages; cleared by a successful swap. */
  private lastFailure: string | undefined;
  private failed: { version: number; at: number } | undefined;
  private refreshing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly opts: ModelManagerOptions) {}

  /** The model requests use now; read it once per request so a swap never splits one. */
  get current(): LoadedModel | undefined {
    return this.champion;
  }

  get name(): string {
    return this.opts.name;
  }

  /** The reason the champion could not be loaded or checked, while that is so. */
  get failure(): string | undefined {
    return this.lastFailure;
  }

  /** Tries to load the champion once; the repository calls poll() every MODEL_POLL_MS after that. */
  async start(): Promise<void> {
    await this.refresh();
  }

  /** Re-reads the alias when it changed (or a failed version is due for a retry). */
  async poll(): Promise<void> {
    if (this.closed) return;
    let sig: string;
    try {
      sig = await this.opts.registry.aliasSignature(this.opts.name);
    } catch {
      // store unreachable: keep serving what is loaded and look again next tick
      return;
    }
    const retry = this.failed !== undefined && Date.now() - this.failed.at > RETRY_FAILED_MS;
    if (sig !== this.aliasSig || retry) await this.refresh();
  }

  /** Reads the champion alias and swaps in its version if it is not the one served; never throws. */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const { registry, name, log, metrics } = this.opts;
    try {
      const sig = await registry.aliasSignature(name).catch(() => 'unknown');
      const target = await registry.alias(name, 'champion');
      this.aliasSig = sig;
      if (target === undefined || target === this.champion?.version || this.closed) return;
      if (this.failed?.version === target && Date.now() - this.failed.at < RETRY_FAILED_MS) return;
      const next = await this.obtain(target);
      const previous = this.champion;
      this.champion = next; // the swap: one assignment, requests that already hold `previous` finish on it
      this.failed = undefined;
      this.lastFailure = undefined;
      metrics.modelVersion.set({ model: name }, next.version);
      log.info({ model: name, version: next.version, previous: previous?.version }, 'champion model loaded');
      if (previous) this.keepOrRetire(previous);
    } catch (err) {
      const target = await registry.alias(name, 'champion').catch(() => undefined);
      if (target !== undefined) this.failed = { version: target, at: Date.now() };
      this.lastFailure = `version ${target ?? '?'} failed to ${err instanceof ModelCheckFailed ? 'pass its sample check' : 'load'}: ${(err as Error).message}`;
      log.error({ err, model: name, version: target, serving: this.champion?.version ?? null }, 'model not swapped in; still serving the previous one');
    }
  }

  /** A version from the extras cache or freshly loaded and checked; counts the outcome. */
  private async obtain(version: number): Promise<LoadedModel> {
    const cached = this.extras.get(version);
    if (cached) {
      this.extras.delete(version);
      try {
        return await cached;
      } catch {
        // a failed on-demand load is not cached: load again below
      }
    }
    return this.load(version);
  }

  private async load(version: number): Promise<LoadedModel> {
    const { registry, name, config, metrics } = this.opts;
    const metadata = await registry.metadata(name, version);
    let onnx: OnnxModel;
    try {
      const bytes = await registry.readFile(name, version, 'model.onnx');
      onnx = await OnnxModel.load(bytes, metadata.features, declaredTask(metadata));
    } catch (err) {
      metrics.modelLoads.inc({ model: name, result: 'failed_load' });
      throw err;
    }
    let task: ServedTask;
    try {
      try {
        task = servedTaskOf(onnx, metadata);
      } catch (err) {
        throw new ModelCheckFailed((err as Error).message);
      }
      await this.check(onnx, metadata, task);
    } catch (err) {
      metrics.modelLoads.inc({ model: name, result: 'failed_check' });
      await onnx.release().catch(() => undefined);
      throw err;
    }
    metrics.modelLoads.inc({ model: name, result: 'ok' });
    const run = (records: readonly FeatureRecord[]) => onnx.predictRecords(records);
    const onBatch = metrics.batchRowsOf(name);
    const scorer = config.SERVING_BATCHING
      ? new Batcher(run, {
          maxRows: config.SERVING_BATCH_MAX_ROWS,
          waitMs: config.SERVING_BATCH_WAIT_MS,
          maxInflight: config.SERVING_BATCH_MAX_INFLIGHT,
          width: task.width,
          onBatch,
        })
      : new DirectScorer(run, onBatch);
    const features = metadata.features.map((f) => ({ name: f.name, type: f.type }));
    const refJson = JSON.stringify({ name, version });
    const ref = { name, version, refJson };
    const cj = task.classes ? classJson(task.classes) : undefined;
    const captureFields = task.task === 'binary' ? undefined : captureFieldsOf(task);
    const respond =
      task.task === 'regression'
        ? (out: Float32Array, ids: InferenceIds) => regressionResponseJson(ref, out, ids)
        : cj
          ? (out: Float32Array, ids: InferenceIds) => multiclassResponseJson(ref, cj, out, ids)
          : undefined;
    return {
      name,
      version,
      metadata,
      features,
      threshold: thresholdOf(metadata),
      predictRequest: predictRequestSchema(features, config.SERVING_MAX_ROWS),
      fastPredict: fastPredictCheck(features, config.SERVING_MAX_ROWS),
      refJson,
      scorer,
      loadedAt: new Date().toISOString(),
      onnx,
      capture: this.opts.capture,
      task,
      respond,
      captureFields,
    };
  }

  /** Scores sample rows (all missing, zeros/unseen, profile medians); the output must be what the task promises (probabilities, finite values). */
  private async check(onnx: OnnxModel, metadata: VersionMetadata, task: ServedTask): Promise<void> {
    let profile: unknown;
    try {
      profile = JSON.parse((await this.opts.registry.readFile(metadata.name, metadata.version, 'profile.json')).toString('utf8'));
    } catch {
      profile = undefined; // a profile makes the check stronger but is not required
    }
    const rows = sampleRows(metadata.features, profile);
    const problem = checkOutput(task, await onnx.predictRecords(rows), rows.length);
    if (problem) throw new ModelCheckFailed(problem);
  }

  /**
   * The model for an explicit version: the champion, or (when SERVING_EXTRA_VERSIONS > 0) another
   * registry version loaded on demand and kept in a small LRU. Throws RegistryError for an unknown one.
   */
  async version(version: number): Promise<LoadedModel | undefined> {
    const champ = this.champion;
    if (champ && champ.version === version) return champ;
    const limit = this.opts.config.SERVING_EXTRA_VERSIONS;
    if (limit === 0) return undefined;
    let entry = this.extras.get(version);
    if (entry) {
      this.extras.delete(version); // re-insert: most recently used last
      this.extras.set(version, entry);
    } else {
      await this.opts.registry.metadata(this.opts.name, version); // RegistryError when it does not exist
      const loading = this.load(version);
      loading.then(() => this.settled.add(loading)).catch(() => undefined);
      entry = loading;
      this.extras.set(version, loading);
      // a version that failed stays failed for a while, so repeated calls cannot make it reload in a loop
      loading.catch((err: unknown) => {
        this.opts.log.error({ err, model: this.opts.name, version }, 'on-demand model version failed to load');
        setTimeout(() => this.extras.get(version) === loading && this.extras.delete(version), RETRY_FAILED_MS).unref();
      });
      this.trimExtras();
    }
    return entry;
  }

  /** Whether `version` is loaded and checked now (the champion or a cached extra); answers from state, never waits or loads. */
  isLoaded(version: number): boolean {
    if (this.champion?.version === version) return true;
    const entry = this.extras.get(version);
    return entry !== undefined && this.settled.has(entry);
  }

  private keepOrRetire(model: LoadedModel): void {
    if (this.opts.config.SERVING_EXTRA_VERSIONS > 0 && !this.closed) {
      // the old champion stays warm for explicit-version calls and a fast rollback
      const kept = Promise.resolve(model);
      this.settled.add(kept);
      this.extras.set(model.version, kept);
      this.trimExtras();
    } else {
      void this.retire(model);
    }
  }

  private trimExtras(): void {
    while (this.extras.size > this.opts.config.SERVING_EXTRA_VERSIONS) {
      const [oldest, entry] = this.extras.entries().next().value as [number, Promise<LoadedModel>];
      this.extras.delete(oldest);
      entry.then((m) => this.retire(m)).catch(() => undefined);
    }
  }

  /** Releases a model once no request uses it (bounded wait, so a stuck run cannot leak it forever). */
  private async retire(model: LoadedModel): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (model.scorer.busy > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await model.onnx.release().catch((err: unknown) => this.opts.log.warn({ err, version: model.version }, 'model release failed'));
  }

  /** Stops watching and releases every model after in-flight runs finish. */
  async close(): Promise<void> {
    this.closed = true;
    await this.refreshing;
    const all: Promise<void>[] = [];
    if (this.champion) all.push(this.retire(this.champion));
    for (const entry of this.extras.values()) all.push(entry.then((m) => this.retire(m)).catch(() => undefined));
    this.extras.clear();
    await Promise.all(all);
  }
}

export { RegistryError };
