// An append-only JSONL log: lines encoded into reused off-heap chunks as they arrive, written off the request path, hourly files.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, stat, truncate, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { appendLogFileName, hourStamp } from '../store/layout';

export interface AppendLogOptions {
  /** The folder files go to (created on start). */
  folder: string;
  /** Buffered items are appended this often; a SIGKILL loses at most this window plus one write. */
  flushMs: number;
  /** Rows held in memory at most; beyond it enqueue() refuses (never blocks). */
  bufferRecords: number;
  /** A file is closed and the next sequence number opened past this size. */
  maxFileBytes: number;
  /** Rows appended by one successful write. */
  onWritten?: (rows: number) => void;
  /** Rows lost to a failed write. */
  onWriteFailed?: (rows: number) => void;
  log: FastifyBaseLogger;
  /** What the log holds, for messages ("capture", "label"). */
  what: string;
  /** Tag in file names that keeps writers apart (default: 6 random hex digits per start). */
  instance?: string;
  /** fdatasync after each write, so what `enqueueDurable` acknowledges survives a power loss too (labels; captures skip it). */
  sync?: boolean;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** Size of the reused byte chunks lines are encoded into (a longer text gets a chunk of its own). */
const CHUNK_BYTES = 64 * 1024;
/** Free chunks kept for reuse at most (4 MiB); more are left to the collector. */
const POOL_CHUNKS = 64;

export { hourStamp };

/**
 * Appends to `<folder>/<yyyymmddThh>-<instance>-<seq>.jsonl`. Lines are UTF-8 encoded into reused
 * off-heap chunks when they are queued, so nothing per request stays on the JS heap until the flush
 * (objects kept for a flush survived young collections and were promoted, making the collector's pauses
 * the largest part of the service's tail latency), and a flush is only a write. Each flush is one write of whole lines,
 * so a crash never leaves half a line (a kill inside a large write can, and the next start trims it).
 * A new file starts on a new UTC hour or past `maxFileBytes`; the instance tag keeps restarts and
 * replicas apart.
 */
export class AppendLog {
  readonly folder: string;
  readonly instance: string;
  /** Chunks filled so far (each with the bytes used), oldest first; `current` is the one being filled. */
  private filled: Buffer[] = [];
  private current: Buffer | undefined;
  private used = 0;
  private readonly pool: Buffer[] = [];
  private bufferedRows = 0;
  /** Callers of enqueueDurable waiting for the write that holds their lines. */
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private handle: FileHandle | undefined;
  private handlePath: string | undefined;
  private fileHour = '';
  private fileBytes = 0;
  private seq = 0;
  private ok = false;
  private closed = false;

  constructor(private readonly opts: AppendLogOptions) {
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

  /** Queues `lines` (whole JSONL lines) holding `rows` rows; copies them, never waits. False when closed or the buffer cannot take them. */
  enqueue(lines: string, rows: number): boolean {
    if (this.closed || this.bufferedRows + rows > this.opts.bufferRecords) return false;
    if (lines.length === 0) return true;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: measure exactly only when the quick bound does not fit
    const room = this.current ? this.current.length - this.used : 0;
    if (lines.length * 3 > room && Buffer.byteLength(lines) > room) {
      this.seal();
      const need = Buffer.byteLength(lines);
      this.current = need > CHUNK_BYTES ? Buffer.allocUnsafeSlow(need) : (this.pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES));
    }
    this.used += this.current!.write(lines, this.used);
    this.bufferedRows += rows;
    return true;
  }

  /**
   * Queues `lines` and starts a write at once; resolves when the write holding them succeeded, rejects when
   * it failed (nothing of them is acknowledged). Concurrent callers share writes (a group commit).
   * Undefined, queuing nothing, when closed or the buffer cannot take them.
   */
  enqueueDurable(lines: string, rows: number): Promise<void> | undefined {
    if (!this.enqueue(lines, rows)) return undefined;
    if (lines.length === 0) return Promise.resolve();
    const written = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    void this.flush();
    return written;
  }

  /** Moves the chunk being filled to the filled list. */
  private seal(): void {
    if (this.current && this.used > 0) this.filled.push(this.current.subarray(0, this.used));
    else if (this.current) this.recycle(this.current);
    this.current = undefined;
    this.used = 0;
  }

  private recycle(chunk: Buffer): void {
    if (chunk.buffer.byteLength === CHUNK_BYTES && this.pool.length < POOL_CHUNKS) this.pool.push(Buffer.from(chunk.buffer, chunk.byteOffset, CHUNK_BYTES));
  }

  /** Writes everything buffered so far; concurrent calls share one write. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.bufferedRows > 0 ? this.flush() : undefined));
    if (this.bufferedRows === 0) return Promise.resolve();
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
    this.seal();
    const chunks = this.filled;
    const rows = this.bufferedRows;
    const waiters = this.waiters;
    this.filled = [];
    this.bufferedRows = 0;
    this.waiters = [];
    const total = chunks.reduce((n, c) => n + c.length, 0);
    try {
      const handle = await this.fileFor(total);
      let done = (await handle.writev(chunks)).bytesWritten;
      // a short write (disk nearly full, signal) continues where it stopped, so lines stay whole and in order
      for (let i = 0, start = 0; done < total; start += chunks[i].length, i++) {
        const end = start + chunks[i].length;
        while (done < end) done += (await handle.write(chunks[i], done - start, end - done)).bytesWritten;
      }
      this.fileBytes += total;
      if (this.opts.sync) await handle.datasync();
      this.ok = true;
      this.opts.onWritten?.(rows);
      for (const w of waiters) w.resolve();
    } catch (err) {
      this.ok = false;
      this.opts.onWriteFailed?.(rows);
      const failed = new Error(`${this.opts.what} write failed: ${(err as Error).message}`);
      for (const w of waiters) w.reject(failed);
      this.opts.log.error({ err, folder: this.folder }, `${this.opts.what} write failed; ${rows} records dropped`);
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
    } finally {
      for (const c of chunks) this.recycle(c);
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
      const name = appendLogFileName(hour, this.instance, this.seq);
      await mkdir(this.folder, { recursive: true }); // only when a file opens: recreates a folder removed by hand
      this.handlePath = path.join(this.folder, name);
      this.handle = await open(this.handlePath, 'a');
      this.fileBytes = 0;
    }
    return this.handle;
  }
}
