// Ships a replica's capture (or label) files from its local spool folder into the artifact store as segments: each byte is uploaded once.
import { open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { ArtifactStore } from '../store';
import { captureSegmentEnd, captureSegmentName } from '../drift/monitor/capture-files';

export interface CaptureUploadOptions {
  store: ArtifactStore;
  /** The CaptureWriter's folder (<spool>/<model>). */
  folder: string;
  /** Store prefix, e.g. `capture/flights/`: file names already carry an hour stamp and this replica's instance tag. */
  prefix: string;
  intervalMs: number;
  /** The file the writer appends to now: uploaded as it grows, never deleted. */
  openFile: () => string | undefined;
  log: FastifyBaseLogger;
  /** What the files hold, for log lines (default "capture"; the feedback route ships "label" files). */
  what?: string;
}

/**
 * Every `intervalMs`, ships what each spool file gained since the last pass as one new object, a segment
 * `<prefix><file stem>.<offset>.jsonl` (see captureSegmentName): whole lines only while the writer appends, the rest
 * once the file is closed. Each byte is PUT once, so a pass costs O(new rows), never the whole open file again. Closed
 * files are deleted once fully shipped. A restarted process resumes after the segments already in the store (one
 * list call per spool file it finds). While the store is down, files wait in the spool; nothing acknowledged is lost.
 */
export class CaptureUploader {
  /** Bytes of each spool file already in the store. */
  private shipped = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  private pendingCount = 0;

  constructor(private readonly o: CaptureUploadOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.o.intervalMs);
    this.timer.unref();
  }

  /** One pass now (shared with a pass already running). */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    // a pass already running may have seen the file still open (or short of the writer's last lines): one more after it
    await this.running;
    await this.tick();
  }

  /** Spool files the last pass could not upload (the store was unreachable). */
  get backlogFiles(): number {
    return this.pendingCount;
  }

  private async pass(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.o.folder)).filter((n) => n.endsWith('.jsonl')).sort();
    } catch {
      return;
    }
    let pending = 0;
    for (const name of names) {
      const file = path.join(this.o.folder, name);
      try {
        const size = (await stat(file)).size;
        const isOpen = this.o.openFile() === file;
        const from = this.shipped.get(name) ?? (await this.shippedBefore(name));
        this.shipped.set(name, from);
        if (size > from) {
          // an open file ships whole lines (a line being written waits for the next pass); a closed one ships all it has
          const bytes = await readRange(file, from, size, !isOpen);
          if (bytes.length > 0) {
            await this.o.store.put(`${this.o.prefix}${captureSegmentName(name, from)}`, bytes);
            this.shipped.set(name, from + bytes.length);
            if (this.failures > 0) this.o.log.info({ afterFailures: this.failures }, `${this.o.what ?? 'capture'} upload to the store works again`);
            this.failures = 0;
          }
        }
        if (!isOpen && this.shipped.get(name) === size && this.o.openFile() !== file) {
          await rm(file, { force: true });
          this.shipped.delete(name);
        }
      } catch (err) {
        pending++;
        // logged on the first failure of a streak, not on every tick of an outage
        if (this.failures++ === 0) this.o.log.error({ err: { message: (err as Error).message }, file }, `${this.o.what ?? 'capture'} upload to the store failed; keeping the file and retrying`);
      }
    }
    this.pendingCount = pending;
  }

  /** How much of spool file `name` an earlier process (or this one before a failure) shipped: the end of its last segment in the store. */
  private async shippedBefore(name: string): Promise<number> {
    let end = 0;
    for (const o of await this.o.store.list(`${this.o.prefix}${name.replace(/\.jsonl$/, '')}.`)) {
      end = Math.max(end, captureSegmentEnd(name, path.posix.basename(o.key), o.size) ?? 0);
    }
    return end;
  }
}

/** Bytes [from, to) of `file`; unless `all`, cut back to the last newline (a line being written is left for the next pass). */
async function readRange(file: string, from: number, to: number, all: boolean): Promise<Buffer> {
  const h = await open(file, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await h.read(buf, off, buf.length - off, from + off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    if (all) return buf.subarray(0, off);
    return buf.subarray(0, buf.subarray(0, off).lastIndexOf(0x0a) + 1);
  } finally {
    await h.close();
  }
}
