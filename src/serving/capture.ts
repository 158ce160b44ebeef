// Data capture: scored requests as JSONL lines in a bounded buffer, appended to files off the request path.
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { AppendLog } from '../util/append-log';
import type { ServingMetrics } from './metrics';

/** A feature value as validated requests carry it (null = missing). */
export type FeatureValue = string | number | null;
export type FeatureRecord = Readonly<Record<string, FeatureValue>>;

/**
 * The inference ids of a request's rows: the client's own, one per row, or a prefix that row i extends
 * as `<prefix>.<i>` (the service's request id, or an OIP request's id), so default ids cost nothing per row.
 */
export type InferenceIds = readonly string[] | { prefix: string };

export interface CaptureOptions {
  /** Root capture folder; files go to <dir>/<model>/. */
  dir: string;
  model: string;
  /** 0-100. */
  sharePercent: number;
  flushMs: number;
  bufferRecords: number;
  maxFileBytes: number;
  metrics: ServingMetrics;
  log: FastifyBaseLogger;
  /**
   * Tag in file names that keeps writers apart (default: 6 random hex digits per start). Processes of
   * one multi-process service pass `<random>p<index>` so each writes files of its own.
   */
  instance?: string;
}

/**
 * Appends capture records to `<dir>/<model>/<yyyymmddThh>-<instance>-<seq>.jsonl`, one JSON object per
 * row, through an AppendLog (whole lines per write, hourly files, bounded buffer).
 */
export class CaptureWriter {
  readonly folder: string;
  private readonly out: AppendLog;
  private readonly modelJson: string;

  constructor(private readonly opts: CaptureOptions) {
    this.folder = path.join(opts.dir, opts.model);
    const written = opts.metrics.captureWritten.labels({ model: opts.model });
    this.modelJson = JSON.stringify(opts.model);
    this.out = new AppendLog({
      folder: this.folder,
      flushMs: opts.flushMs,
      bufferRecords: opts.bufferRecords,
      maxFileBytes: opts.maxFileBytes,
      onWritten: (rows) => written.inc(rows),
      onWriteFailed: (rows) => opts.metrics.captureDropped.inc({ model: opts.model, reason: 'write_error' }, rows),
      log: opts.log,
      what: 'capture',
      ...(opts.instance !== undefined ? { instance: opts.instance } : {}),
    });
  }

  /** Creates the folder and proves it writable; readiness depends on it. */
  start(): Promise<void> {
    return this.out.start();
  }

  /** True while the folder is writable and the last write succeeded. */
  get healthy(): boolean {
    return this.out.healthy;
  }

  get model(): string {
    return this.opts.model;
  }

  get sharePercent(): number {
    return this.opts.sharePercent;
  }

  /** Whether this request is in the captured share (decided per request, so its rows stay together). */
  sample(): boolean {
    const share = this.opts.sharePercent;
    return share >= 100 || (share > 0 && Math.random() * 100 < share);
  }

  /**
   * Queues a scored request as JSONL lines (one per row), made now: keeping its objects until the flush
   * cost more (see AppendLog). Never waits. Returns false when it was dropped because the buffer is full.
   */
  offer(
    api: string,
    version: number,
    keyId: string,
    requestId: string,
    records: readonly FeatureRecord[],
    probabilities: Float32Array,
    threshold: number,
    ids: InferenceIds = { prefix: requestId },
  ): boolean {
    const rid = JSON.stringify(requestId);
    const head = `{"ts":"${this.isoTime(Date.now())}","model":${this.modelJson},"version":${version},"api":"${api}","request_id":${rid},"key_id":${this.keyJson(keyId)},"row":`;
    const own = 'prefix' in ids ? undefined : ids;
    // the default prefix is the request id itself: escaped once
    const prefix = own ? '' : (ids as { prefix: string }).prefix === requestId ? rid.slice(0, -1) : JSON.stringify((ids as { prefix: string }).prefix).slice(0, -1);
    let text = '';
    for (let i = 0; i < records.length; i++) {
      const prob = probabilities[i];
      const id = own ? JSON.stringify(own[i]) : `${prefix}.${i}"`;
      text += `${head}${i},"id":${id},"probability":${prob},"label":${prob >= threshold ? 1 : 0},"features":${JSON.stringify(records[i])}}\n`;
    }
    const queued = this.out.enqueue(text, records.length);
    if (!queued) this.opts.metrics.captureDropped.inc({ model: this.opts.model, reason: 'buffer_full' }, records.length);
    return queued;
  }

  /**
   * `offer` for regression and multiclass models: each row's output fields come from `fields` (regression
   * `"prediction":v`; multiclass `"class":k,"probabilities":[...]`, see task-output), the rest of the line as `offer`.
   */
  offerOutputs(
    api: string,
    version: number,
    keyId: string,
    requestId: string,
    records: readonly FeatureRecord[],
    outputs: Float32Array,
    fields: ((out: Float32Array, i: number) => string) | undefined,
    ids: InferenceIds = { prefix: requestId },
  ): boolean {
    if (!fields) return this.offer(api, version, keyId, requestId, records, outputs, 0.5, ids);
    const rid = JSON.stringify(requestId);
    const head = `{"ts":"${this.isoTime(Date.now())}","model":${this.modelJson},"version":${version},"api":"${api}","request_id":${rid},"key_id":${this.keyJson(keyId)},"row":`;
    const own = 'prefix' in ids ? undefined : ids;
    const prefix = own ? '' : JSON.stringify((ids as { prefix: string }).prefix).slice(0, -1);
    let text = '';
    for (let i = 0; i < records.length; i++) {
      const id = own ? JSON.stringify(own[i]) : `${prefix}.${i}"`;
      text += `${head}${i},"id":${id},${fields(outputs, i)},"features":${JSON.stringify(records[i])}}\n`;
    }
    const queued = this.out.enqueue(text, records.length);
    if (!queued) this.opts.metrics.captureDropped.inc({ model: this.opts.model, reason: 'buffer_full' }, records.length);
    return queued;
  }

  /** Writes everything buffered so far; concurrent calls share one write. */
  flush(): Promise<void> {
    return this.out.flush();
  }

  /** Stops the timer, writes all buffered records and closes the file. */
  close(): Promise<void> {
    return this.out.close();
  }

  private lastKey = '';
  private lastKeyJson = '""';
  /** One key sends most of the traffic (and batches of requests in a row): escape each key id once per run of it. */
  private keyJson(keyId: string): string {
    if (keyId !== this.lastKey) {
      this.lastKey = keyId;
      this.lastKeyJson = JSON.stringify(keyId);
    }
    return this.lastKeyJson;
  }

  private lastMs = NaN;
  private lastIso = '';
  /** Requests share milliseconds by the dozen under load: format each millisecond once. */
  private isoTime(ms: number): string {
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }

  /** The file being appended to now, if any (an uploader must not delete it). */
  get openFile(): string | undefined {
    return this.out.openFile;
  }

  /** Buffered rows, for the gauge. */
  get pendingRows(): number {
    return this.out.pendingRows;
  }
}
