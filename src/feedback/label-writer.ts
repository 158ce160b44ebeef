// Ground-truth labels: appended per model beside the captures (same AppendLog, same loss bound, same uploader to the store), with an idempotency index.
import { createReadStream } from 'node:fs';
import type { ArtifactStore } from '../store';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { FastifyBaseLogger } from 'fastify';
import { labelsPrefix } from '../store/layout';
import { AppendLog } from '../util/append-log';
import { LabelIndex } from './label-index';
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
  /** Bytes the duplicate index may take; past it the least recently labeled ids are forgotten (a repeat is then written again, harmlessly). */
  indexMaxBytes: number;
  log: FastifyBaseLogger;
  /** Tag in file names (default: random per start), as the capture writer's. */
  instance?: string;
  onWritten?: (rows: number) => void;
  onWriteFailed?: (rows: number) => void;
  /** When the folder is a spool shipped to this store: the index also reads labels/<model>/ objects there. */
  store?: ArtifactStore;
}

export { labelsPrefix };

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
 * Appends `{"ts","model","id","label","key_id","n"}` lines (plus `"admin":true` from an admin key) to
 * `<dir>/<model>/<hour>-<instance>-<seq>.jsonl`. A label is bound to the key that sent it: it applies to
 * that key's own predictions (an admin key's to any key's), so one client cannot relabel another's; the
 * quality monitor's join applies the binding. Storage is append-only: a different label for a known
 * (key, id) is a new line (readers take the latest by ts then n), and the same label again writes nothing.
 * A label counts as accepted only once its line is written and synced; a failed write acknowledges
 * nothing and leaves the index untouched, so a resend is taken. The index of latest labels is this
 * process's view (files present at start plus what it wrote); another replica's recent writes are not in
 * it, so across replicas a repeat may be written twice, which readers collapse.
 */
export class LabelWriter {
  readonly folder: string;
  private readonly out: AppendLog;
  /** (key id, id) -> latest label's time in ms, tagged with a digest of its value (0/1, a number or a class: the same 24 bytes each). */
  readonly index: LabelIndex;
  private loaded: Promise<void> | undefined;
  private seq = 0;

  constructor(private readonly opts: LabelWriterOptions) {
    this.folder = path.join(opts.dir, opts.model);
    this.index = new LabelIndex(opts.indexMaxBytes);
    this.out = new AppendLog({
      folder: this.folder,
      flushMs: opts.flushMs,
      bufferRecords: opts.bufferRecords,
      maxFileBytes: opts.maxFileBytes,
      log: opts.log,
      what: 'label',
      sync: true,
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
   * Decides each label against the latest one this key sent and writes the new ones as one synced write.
   * Resolves undefined, changing nothing, when the buffer cannot take them, and rejects when the write
   * failed (the caller answers 503 either way: retrying is safe, and a retry is taken, not a duplicate).
   */
  async submit(labels: readonly LabelRecord[], keyId: string, admin = false): Promise<LabelOutcome | undefined> {
    const now = Date.now();
    // labels are compared by digest: the index keeps no values, only their digests
    const overlay = new Map<string, number>();
    const fresh: LabelRecord[] = [];
    let duplicates = 0;
    let relabeled = 0;
    for (const l of labels) {
      const digest = this.index.valueDigest(l.label);
      const known = overlay.get(l.id) ?? this.known(keyId, l.id);
      if (known === digest) {
        duplicates++;
        continue;
      }
      if (known !== undefined) relabeled++;
      overlay.set(l.id, digest);
      fresh.push(l);
    }
    if (fresh.length > 0) {
      const written = this.out.enqueueDurable(this.lines(now, keyId, admin, this.seq, fresh), fresh.length);
      if (!written) return undefined;
      this.seq += fresh.length;
      await written;
      // only now: a label whose write failed must not make its resend look like a duplicate
      for (const l of fresh) this.remember(keyId, l.id, overlay.get(l.id) ?? this.index.valueDigest(l.label), now);
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

  /** The digest of the latest label this key sent for `id`, if the index still holds it. */
  private known(keyId: string, id: string): number | undefined {
    return this.index.entry(keyId, id)?.tag;
  }

  private remember(keyId: string, id: string, digest: number, ts: number): void {
    const old = this.index.get(keyId, id);
    if (old !== undefined && old > ts) return; // an older line read late never overrides a newer one
    this.index.set(keyId, id, ts, digest);
  }

  private async loadIndex(): Promise<void> {
    const names = (await readdir(this.folder)).filter((n) => n.endsWith('.jsonl')).sort();
    for (const n of names) await this.indexFile(path.join(this.folder, n));
    if (this.opts.store) {
      // every replica's shipped objects, each read as soon as it is fetched into the store's cache (a cache smaller
      // than the labels never evicts one still to be read); a file still in the spool was read from there
      const local = new Set(names);
      try {
        for (const o of await this.opts.store.list(labelsPrefix(this.opts.model))) {
          if (o.key.endsWith('.jsonl') && !local.has(path.posix.basename(o.key))) await this.indexFile(await this.opts.store.fetchFile(o.key));
        }
      } catch (err) {
        // store unreachable: labels are still taken (spooled); a repeat of a shipped label may be written again, which readers collapse
        this.opts.log.warn({ err, model: this.opts.model }, 'could not read stored labels for the duplicate index; continuing with the spool only');
      }
    }
  }

  private async indexFile(file: string): Promise<void> {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.length === 0) continue;
      try {
        const r = JSON.parse(line) as { ts?: unknown; id?: unknown; label?: unknown; key_id?: unknown };
        const ts = typeof r.ts === 'string' ? Date.parse(r.ts) : NaN;
        const keyId = typeof r.key_id === 'string' ? r.key_id : '';
        const label = r.label;
        const valid = (typeof label === 'number' && Number.isFinite(label)) || typeof label === 'string' || typeof label === 'boolean';
        if (typeof r.id === 'string' && valid && ts > 0) this.remember(keyId, r.id, this.index.valueDigest(label), ts);
      } catch {
        // a cut line (killed mid-write) is skipped; readers skip it too
      }
    }
  }

  /** JSONL of `records`; record k gets sequence number first + k (orders labels stamped in the same millisecond). */
  private lines(ts: number, keyId: string, admin: boolean, first: number, records: readonly LabelRecord[]): string {
    const head = `{"ts":"${new Date(ts).toISOString()}","model":${JSON.stringify(this.opts.model)},"key_id":${JSON.stringify(keyId)},${admin ? '"admin":true,' : ''}`;
    let text = '';
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      text += `${head}"n":${first + i},"id":${JSON.stringify(r.id)},"label":${JSON.stringify(r.label)}}\n`;
    }
    return text;
  }
}
