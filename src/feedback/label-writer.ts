// Ground-truth labels: appended per model beside the captures (same AppendLog, same loss bound, same uploader to the store), with an idempotency index.
import { createReadStream } from 'node:fs';
import type { ArtifactStore } from '../store';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { FastifyBaseLogger } from 'fastify';
import { AppendLog } from '../serving/append-log';
import type { LabelValue } from './label-value';

/** One accepted label as the writer queues it. */
export interface LabelRecord {
  id: string;
  /** 0/1 (binary), a number (regression) or a class value (multiclass), checked against the model's task (label-value). */
  label: LabelValue;
}

export interface LabelWriterOptions {
  /** Root labels folder; files go to <dir>/<model>/. */
  dir: string;
  model: string;
  flushMs: number;
  bufferRecords: number;
  maxFileBytes: number;
  /** Ids remembered for duplicate detection at most; older ones are forgotten (a repeat is then written again, harmlessly). */
  indexMax: number;
  log: FastifyBaseLogger;
  /** Tag in file names (default: random per start), as the capture writer's. */
  instance?: string;
  onWritten?: (rows: number) => void;
  onWriteFailed?: (rows: number) => void;
  /** When the folder is a spool shipped to this store: the index also reads labels/<model>/ objects there. */
  store?: ArtifactStore;
}

/** `labels/<model>/`: the store prefix under which every API replica writes its own label objects. */
export function labelsPrefix(model: string): string {
  return `labels/${model}/`;
}

export interface LabelOutcome {
  /** New ids, or a different label for a known id (also counted in `relabeled`). */
  accepted: number;
  /** The same id with the same label as its latest one: nothing written. */
  duplicates: number;
  relabeled: number;
}

/** The label spool beside a CAPTURE_DIR spool: <capture root>/../labels. */
export function labelsRootFor(captureRoot: string): string {
  return path.join(path.dirname(path.resolve(captureRoot)), 'labels');
}

/**
 * Appends `{"ts","model","id","label","key_id","n"}` lines to `<dir>/<model>/<hour>-<instance>-<seq>.jsonl`.
 * Storage is append-only: a different label for a known id is a new line (readers take the latest by
 * ts then n), and the same label again writes nothing. The index of latest labels is this process's
 * view (files present at start plus what it accepted); another replica's recent writes are not in it,
 * so across replicas a repeat may be written twice, which readers collapse.
 */
export class LabelWriter {
  readonly folder: string;
  private readonly out: AppendLog;
  /** id -> latest label's time in ms, negative for label 0 (one number per id keeps the index small); other labels in `values`. */
  private readonly latest = new Map<string, number>();
  /** id -> latest label, for labels other than 0/1 (regression values, classes). */
  private readonly values = new Map<string, LabelValue>();
  private loaded: Promise<void> | undefined;
  private seq = 0;

  constructor(private readonly opts: LabelWriterOptions) {
    this.folder = path.join(opts.dir, opts.model);
    this.out = new AppendLog({
      folder: this.folder,
      flushMs: opts.flushMs,
      bufferRecords: opts.bufferRecords,
      maxFileBytes: opts.maxFileBytes,
      log: opts.log,
      what: 'label',
      ...(opts.instance ? { instance: opts.instance } : {}),
      ...(opts.onWritten ? { onWritten: opts.onWritten } : {}),
      ...(opts.onWriteFailed ? { onWriteFailed: opts.onWriteFailed } : {}),
    });
  }

  /**
   * Opens the folder and loads the index from the files already there (once; concurrent callers share
   * it). A failure is not cached: the next call tries again, so a folder fixed by hand starts working.
   */
  ready(): Promise<void> {
    this.loaded ??= (async () => {
      await this.out.start();
      await this.loadIndex();
    })().catch((err: unknown) => {
      this.loaded = undefined;
      throw err;
    });
    return this.loaded;
  }

  get healthy(): boolean {
    return this.out.healthy;
  }

  /**
   * Decides each label against the latest known one and queues the new ones as one write. Returns
   * undefined, changing nothing, when the buffer cannot take them (the caller answers 503: retrying is safe).
   */
  submit(labels: readonly LabelRecord[], keyId: string): LabelOutcome | undefined {
    const now = Date.now();
    const overlay = new Map<string, LabelValue>();
    const fresh: LabelRecord[] = [];
    let duplicates = 0;
    let relabeled = 0;
    for (const l of labels) {
      const known = overlay.get(l.id) ?? this.known(l.id);
      if (known === l.label) {
        duplicates++;
        continue;
      }
      if (known !== undefined) relabeled++;
      overlay.set(l.id, l.label);
      fresh.push(l);
    }
    if (fresh.length > 0) {
      if (!this.out.enqueue(this.lines(now, keyId, this.seq, fresh), fresh.length)) return undefined;
      this.seq += fresh.length;
      for (const l of fresh) this.remember(l.id, l.label, now);
    }
    return { accepted: fresh.length, duplicates, relabeled };
  }

  flush(): Promise<void> {
    return this.out.flush();
  }

  async close(): Promise<void> {
    if (this.loaded) await this.loaded.catch(() => undefined);
    await this.out.close();
  }

  get pendingRows(): number {
    return this.out.pendingRows;
  }

  /** The file being appended to now, if any (an uploader must not delete it). */
  get openFile(): string | undefined {
    return this.out.openFile;
  }

  private known(id: string): LabelValue | undefined {
    const v = this.latest.get(id);
    return v === undefined ? undefined : (this.values.get(id) ?? (v > 0 ? 1 : 0));
  }

  private remember(id: string, label: LabelValue, ts: number): void {
    const old = this.latest.get(id);
    if (old !== undefined && Math.abs(old) > ts) return; // an older line read late never overrides a newer one
    this.latest.delete(id); // re-inserted at the end: eviction drops the least recently labeled ids first
    this.latest.set(id, label === 0 ? -ts : ts);
    if (label === 0 || label === 1) this.values.delete(id);
    else this.values.set(id, label);
    if (this.latest.size > this.opts.indexMax) {
      const oldest = this.latest.keys().next().value as string;
      this.latest.delete(oldest);
      this.values.delete(oldest);
    }
  }

  private async loadIndex(): Promise<void> {
    const names = (await readdir(this.folder)).filter((n) => n.endsWith('.jsonl')).sort();
    const files = names.map((n) => path.join(this.folder, n));
    if (this.opts.store) {
      // every replica's shipped objects (fetched into the store's cache); a file still in the spool is read from there
      const local = new Set(names);
      try {
        for (const o of await this.opts.store.list(labelsPrefix(this.opts.model))) {
          if (o.key.endsWith('.jsonl') && !local.has(path.posix.basename(o.key))) files.push(await this.opts.store.fetchFile(o.key));
        }
      } catch (err) {
        // store unreachable: labels are still taken (spooled); a repeat of a shipped label may be written again, which readers collapse
        this.opts.log.warn({ err, model: this.opts.model }, 'could not read stored labels for the duplicate index; continuing with the spool only');
      }
    }
    for (const file of files) {
      const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
      for await (const line of lines) {
        if (line.length === 0) continue;
        try {
          const r = JSON.parse(line) as { ts?: unknown; id?: unknown; label?: unknown };
          const ts = typeof r.ts === 'string' ? Date.parse(r.ts) : NaN;
          const label = r.label;
          const valid = (typeof label === 'number' && Number.isFinite(label)) || typeof label === 'string' || typeof label === 'boolean';
          if (typeof r.id === 'string' && valid && ts > 0) this.remember(r.id, label, ts);
        } catch {
          // a cut line (killed mid-write) is skipped; readers skip it too
        }
      }
    }
  }

  /** JSONL of `records`; record k gets sequence number first + k (orders labels stamped in the same millisecond). */
  private lines(ts: number, keyId: string, first: number, records: readonly LabelRecord[]): string {
    const head = `{"ts":"${new Date(ts).toISOString()}","model":${JSON.stringify(this.opts.model)},"key_id":${JSON.stringify(keyId)},`;
    let text = '';
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      text += `${head}"n":${first + i},"id":${JSON.stringify(r.id)},"label":${JSON.stringify(r.label)}}\n`;
    }
    return text;
  }
}
