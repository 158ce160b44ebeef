// Adaptive batching: rows of concurrent requests are coalesced into one model run, with a bounded wait.
import type { FeatureRecord } from './capture';

export type RunRecords = (records: readonly FeatureRecord[]) => Promise<Float32Array>;

export interface Scorer {
  score(records: readonly FeatureRecord[]): Promise<Float32Array>;
  /** Runs in flight plus requests queued; 0 means the model can be released. */
  readonly busy: number;
}

interface Waiting {
  records: readonly FeatureRecord[];
  resolve: (p: Float32Array) => void;
  reject: (e: unknown) => void;
}

export interface BatcherOptions {
  /** A batch holds at most this many rows; a full batch runs at once. */
  maxRows: number;
  /** 0: run at the end of the current I/O turn (setImmediate); >0: wait this many ms for more rows. */
  waitMs: number;
  /** Model runs in flight at once; rows arriving meanwhile wait for a free slot and go out together. */
  maxInflight: number;
  /** Numbers the model gives per row (1; K for a multiclass model); a request gets its rows' share. */
  width?: number;
  onBatch?: (rows: number) => void;
}

/** Every request runs on its own; for comparison and for `SERVING_BATCHING=false`. */
export class DirectScorer implements Scorer {
  private inflight = 0;
  constructor(
    private readonly run: RunRecords,
    private readonly onBatch?: (rows: number) => void,
  ) {}
  get busy(): number {
    return this.inflight;
  }
  async score(records: readonly FeatureRecord[]): Promise<Float32Array> {
    this.inflight++;
    this.onBatch?.(records.length);
    try {
      return await this.run(records);
    } finally {
      this.inflight--;
    }
  }
}

/**
 * Queues requests and runs them together. The wait is bounded: a batch leaves when it is full, at the
 * end of the current event-loop turn (or after `waitMs`), or, when all run slots are busy, as soon as
 * one frees up. So under light load a request waits one turn; under heavy load batches grow by
 * themselves to whatever arrived during the previous run.
 */
export class Batcher implements Scorer {
  private queue: Waiting[] = [];
  private queuedRows = 0;
  private inflight = 0;
  private scheduled = false;

  constructor(
    private readonly run: RunRecords,
    private readonly opts: BatcherOptions,
  ) {}

  get busy(): number {
    return this.inflight + this.queue.length;
  }

  score(records: readonly FeatureRecord[]): Promise<Float32Array> {
    return new Promise<Float32Array>((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      this.queuedRows += records.length;
      if (this.queuedRows >= this.opts.maxRows) this.drain();
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const fire = () => {
      this.scheduled = false;
      this.drain();
    };
    if (this.opts.waitMs > 0) setTimeout(fire, this.opts.waitMs);
    else setImmediate(fire);
  }

  private drain(): void {
    while (this.inflight < this.opts.maxInflight && this.queue.length > 0) {
      // take whole requests up to maxRows (a larger single request goes alone)
      let rows = 0;
      let n = 0;
      while (n < this.queue.length && (n === 0 || rows + this.queue[n].records.length <= this.opts.maxRows)) {
        rows += this.queue[n].records.length;
        n++;
      }
      const batch = this.queue.splice(0, n);
      this.queuedRows -= rows;
      void this.runBatch(batch, rows);
    }
  }

  private async runBatch(batch: Waiting[], rows: number): Promise<void> {
    this.inflight++;
    this.opts.onBatch?.(rows);
    try {
      const records = batch.length === 1 ? batch[0].records : batch.flatMap((w) => w.records);
      const probs = await this.run(records);
      const width = this.opts.width ?? 1;
      if (probs.length !== rows * width) throw new Error(`model returned ${probs.length} scores for ${rows} rows`);
      let off = 0;
      for (const w of batch) {
        const n = w.records.length * width;
        w.resolve(probs.subarray(off, off + n));
        off += n;
      }
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.inflight--;
      // rows that queued during this run have waited long enough: send them now
      if (this.queue.length > 0) this.drain();
    }
  }
}
