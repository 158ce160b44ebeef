// Data capture: a bounded in-memory buffer of scored requests, appended as JSONL off the request path.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, stat, truncate, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { ServingMetrics } from './metrics';

/** A feature value as validated requests carry it (null = missing). */
export type FeatureValue = string | number | null;
export type FeatureRecord = Readonly<Record<string, FeatureValue>>;

/** One scored request, stored by reference: rows are serialized only when flushed. */
interface Pending {
  ts: number;
  api: string;
  version: number;
  keyId: string;
  requestId: string;
  records: readonly FeatureRecord[];
  probabilities: Float32Array;
  threshold: number;
  ids: InferenceIds;
}

/**
 * The inference ids of a request's rows: the client's own, one per row, or a prefix that row i extends
 * as `<prefix>.<i>` (the service's request id, or an OIP request's id), so default ids cost nothing per row.
 */
export type InferenceIds = readonly string[] | { prefix: string };

/** Row i's inference id. */
export function inferenceId(ids: InferenceIds, i: number): string {
  return 'prefix' in ids ? `${ids.prefix}.${i}` : ids[i];
}

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
}

/** Requests serialized per event-loop turn while flushing. */
const SERIALIZE_SLICE = 256;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** UTC date and hour, e.g. 20250131T09: file names sort by time and a glob over the folder reads them all. */
function hourStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}`;
}

/**
 * Appends capture records to `<dir>/<model>/<yyyymmddThh>-<instance>-<seq>.jsonl`, one JSON object per
 * row. Each flush is one write of whole lines, so a crash never leaves half a line. A new file starts
 * on a new UTC hour or past `maxFileBytes`; the instance tag keeps restarts and replicas apart.
 */
export class CaptureWriter {
  readonly folder: string;
  private readonly instance = randomBytes(3).toString('hex');
  private buffer: Pending[] = [];
  private bufferedRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private handle: FileHandle | undefined;
  private fileHour = '';
  private fileBytes = 0;
  private seq = 0;
  private ok = false;
  private closed = false;

  constructor(private readonly opts: CaptureOptions) {
    this.folder = path.join(opts.dir, opts.model);
  }

  /** Creates the folder and proves it writable; readiness depends on it. */
  async start(): Promise<void> {
    // the timer runs even if the folder is not usable yet: a later successful write makes the writer healthy
    this.timer = setInterval(() => void this.flush(), this.opts.flushMs);
    this.timer.unref();
    await mkdir(this.folder, { recursive: true });
    await access(this.folder, constants.W_OK);
    await this.repairTails();
    this.ok = true;
  }

  /** True while the folder is writable and the last write succeeded. */
  get healthy(): boolean {
    return this.ok && !this.closed;
  }

  get sharePercent(): number {
    return this.opts.sharePercent;
  }

  /** Whether this request is in the captured share (decided per request, so its rows stay together). */
  sample(): boolean {
    const share = this.opts.sharePercent;
    return share >= 100 || (share > 0 && Math.random() * 100 < share);
  }

  /** Queues a scored request; O(1), never waits. Returns false when it was dropped because the buffer is full. */
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
    if (this.closed || this.bufferedRows + records.length > this.opts.bufferRecords) {
      this.opts.metrics.captureDropped.inc({ reason: 'buffer_full' }, records.length);
      return false;
    }
    this.buffer.push({ ts: Date.now(), api, version, keyId, requestId, records, probabilities, threshold, ids });
    this.bufferedRows += records.length;
    return true;
  }

  /** Writes everything buffered so far; concurrent calls share one write. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.buffer.length > 0 ? this.flush() : undefined));
    if (this.buffer.length === 0) return Promise.resolve();
    this.flushing = this.writeOut().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops the timer, writes all buffered records and closes the file. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
    this.closed = true;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  /**
   * A SIGKILL in the middle of a large write can leave a file's last line cut (the kernel stops between
   * pages). Such a line is cut back to the last newline, so readers see whole records only. Files
   * written within the last minute are left alone: another replica may be writing them right now.
   */
  private async repairTails(): Promise<void> {
    for (const name of await readdir(this.folder)) {
      if (!name.endsWith('.jsonl')) continue;
      const file = path.join(this.folder, name);
      try {
        const s = await stat(file);
        if (s.size === 0 || Date.now() - s.mtimeMs < 60_000) continue;
        const h = await open(file, 'r');
        try {
          const tail = Buffer.alloc(Math.min(s.size, 1 << 20));
          await h.read(tail, 0, tail.length, s.size - tail.length);
          if (tail[tail.length - 1] === 0x0a) continue;
          const keep = s.size - tail.length + tail.lastIndexOf(0x0a) + 1;
          this.opts.log.warn({ file, cutBytes: s.size - keep }, 'capture file ended in a partial line (killed mid-write); cutting it off');
          await truncate(file, keep);
        } finally {
          await h.close();
        }
      } catch (err) {
        this.opts.log.warn({ err, file }, 'could not check a capture file tail');
      }
    }
  }

  private serialize(batch: Pending[], from: number, to: number): string {
    const model = JSON.stringify(this.opts.model);
    let text = '';
    for (let k = from; k < to; k++) {
      const p = batch[k];
      const head = `{"ts":"${new Date(p.ts).toISOString()}","model":${model},"version":${p.version},"api":"${p.api}","request_id":${JSON.stringify(p.requestId)},"key_id":${JSON.stringify(p.keyId)},"row":`;
      const own = 'prefix' in p.ids ? undefined : p.ids;
      const prefix = own ? '' : JSON.stringify((p.ids as { prefix: string }).prefix).slice(0, -1);
      for (let i = 0; i < p.records.length; i++) {
        const prob = p.probabilities[i];
        const id = own ? JSON.stringify(own[i]) : `${prefix}.${i}"`;
        text += `${head}${i},"id":${id},"probability":${prob},"label":${prob >= p.threshold ? 1 : 0},"features":${JSON.stringify(p.records[i])}}\n`;
      }
    }
    return text;
  }

  private async writeOut(): Promise<void> {
    const batch = this.buffer;
    const rows = this.bufferedRows;
    this.buffer = [];
    this.bufferedRows = 0;
    // serialized in slices with a yield between them, so a big flush never stalls requests for long
    const parts: string[] = [];
    for (let i = 0; i < batch.length; i += SERIALIZE_SLICE) {
      if (i > 0) await new Promise<void>((r) => setImmediate(r));
      parts.push(this.serialize(batch, i, Math.min(batch.length, i + SERIALIZE_SLICE)));
    }
    const bytes = Buffer.from(parts.join(''), 'utf8');
    try {
      const handle = await this.fileFor(bytes.length);
      let off = 0;
      while (off < bytes.length) off += (await handle.write(bytes, off, bytes.length - off)).bytesWritten;
      this.fileBytes += bytes.length;
      this.ok = true;
      this.opts.metrics.captureWritten.inc(rows);
    } catch (err) {
      this.ok = false;
      this.opts.metrics.captureDropped.inc({ reason: 'write_error' }, rows);
      this.opts.log.error({ err, folder: this.folder }, `capture write failed; ${rows} records dropped`);
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
    }
  }

  private async fileFor(nextBytes: number): Promise<FileHandle> {
    const hour = hourStamp(Date.now());
    if (this.handle && (hour !== this.fileHour || (this.fileBytes > 0 && this.fileBytes + nextBytes > this.opts.maxFileBytes))) {
      await this.handle.close();
      this.handle = undefined;
    }
    if (!this.handle) {
      if (hour !== this.fileHour) this.seq = 0;
      this.fileHour = hour;
      this.seq += 1;
      const name = `${hour}-${this.instance}-${pad(this.seq, 6)}.jsonl`;
      await mkdir(this.folder, { recursive: true }); // only when a file opens: recreates a folder removed by hand
      this.handle = await open(path.join(this.folder, name), 'a');
      this.fileBytes = 0;
    }
    return this.handle;
  }

  /** Buffered rows, for the gauge. */
  get pendingRows(): number {
    return this.bufferedRows;
  }
}
