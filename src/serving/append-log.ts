// An append-only JSONL log: a bounded in-memory buffer written off the request path in whole lines, hourly files.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, stat, truncate, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';

export interface AppendLogOptions<P> {
  /** The folder files go to (created on start). */
  folder: string;
  /** Buffered items are appended this often; a SIGKILL loses at most this window plus one write. */
  flushMs: number;
  /** Rows held in memory at most; beyond it enqueue() refuses (never blocks). */
  bufferRecords: number;
  /** A file is closed and the next sequence number opened past this size. */
  maxFileBytes: number;
  /** JSONL text (whole lines) of items[from, to). */
  serialize: (items: readonly P[], from: number, to: number) => string;
  /** Rows appended by one successful write. */
  onWritten?: (rows: number) => void;
  /** Rows lost to a failed write. */
  onWriteFailed?: (rows: number) => void;
  log: FastifyBaseLogger;
  /** What the log holds, for messages ("capture", "label"). */
  what: string;
  /** Tag in file names that keeps writers apart (default: 6 random hex digits per start). */
  instance?: string;
}

/** Items serialized per event-loop turn while flushing. */
const SERIALIZE_SLICE = 256;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** UTC date and hour, e.g. 20250131T09: file names sort by time and a glob over the folder reads them all. */
export function hourStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}`;
}

/**
 * Appends to `<folder>/<yyyymmddThh>-<instance>-<seq>.jsonl`. Each flush is one write of whole lines,
 * so a crash never leaves half a line (a kill inside a large write can, and the next start trims it).
 * A new file starts on a new UTC hour or past `maxFileBytes`; the instance tag keeps restarts and
 * replicas apart.
 */
export class AppendLog<P> {
  readonly folder: string;
  readonly instance: string;
  private buffer: P[] = [];
  private bufferedRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private handle: FileHandle | undefined;
  private handlePath: string | undefined;
  private fileHour = '';
  private fileBytes = 0;
  private seq = 0;
  private ok = false;
  private closed = false;

  constructor(private readonly opts: AppendLogOptions<P>) {
    this.folder = opts.folder;
    this.instance = opts.instance ?? randomBytes(3).toString('hex');
  }

  /** Creates the folder and proves it writable; readiness depends on it. */
  async start(): Promise<void> {
    // the timer runs even if the folder is not usable yet: a later successful write makes the log healthy
    if (!this.timer) {
      this.timer = setInterval(() => void this.flush(), this.opts.flushMs);
      this.timer.unref();
    }
    await mkdir(this.folder, { recursive: true });
    await access(this.folder, constants.W_OK);
    await this.repairTails();
    this.ok = true;
  }

  /** True while the folder is writable and the last write succeeded. */
  get healthy(): boolean {
    return this.ok && !this.closed;
  }

  /** Queues an item of `rows` rows; O(1). False when closed or the buffer cannot take it. */
  enqueue(item: P, rows: number): boolean {
    if (this.closed || this.bufferedRows + rows > this.opts.bufferRecords) return false;
    this.buffer.push(item);
    this.bufferedRows += rows;
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

  /** Stops the timer, writes all buffered items and closes the file. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
    this.closed = true;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  /** The file being appended to now, if any (an uploader to the artifact store must not delete it). */
  get openFile(): string | undefined {
    return this.handle ? this.handlePath : undefined;
  }

  /** Buffered rows, for gauges and back-pressure. */
  get pendingRows(): number {
    return this.bufferedRows;
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
          this.opts.log.warn({ file, cutBytes: s.size - keep }, `${this.opts.what} file ended in a partial line (killed mid-write); cutting it off`);
          await truncate(file, keep);
        } finally {
          await h.close();
        }
      } catch (err) {
        this.opts.log.warn({ err, file }, `could not check a ${this.opts.what} file tail`);
      }
    }
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
      parts.push(this.opts.serialize(batch, i, Math.min(batch.length, i + SERIALIZE_SLICE)));
    }
    const bytes = Buffer.from(parts.join(''), 'utf8');
    try {
      const handle = await this.fileFor(bytes.length);
      let off = 0;
      while (off < bytes.length) off += (await handle.write(bytes, off, bytes.length - off)).bytesWritten;
      this.fileBytes += bytes.length;
      this.ok = true;
      this.opts.onWritten?.(rows);
    } catch (err) {
      this.ok = false;
      this.opts.onWriteFailed?.(rows);
      this.opts.log.error({ err, folder: this.folder }, `${this.opts.what} write failed; ${rows} records dropped`);
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
      this.handlePath = path.join(this.folder, name);
      this.handle = await open(this.handlePath, 'a');
      this.fileBytes = 0;
    }
    return this.handle;
  }
}
