// Ships a replica's capture files from its local spool folder into the artifact store, one object per file, no appends.
import { open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { ArtifactStore } from '../store';

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
}

/**
 * Every `intervalMs`, uploads each spool file that grew since its last upload as the object `<prefix><file name>`
 * (whole lines only; replacing the object is safe because no other replica writes that key), and deletes closed files
 * once fully uploaded. While the store is down, files wait in the spool; nothing acknowledged to the writer is lost.
 */
export class CaptureUploader {
  private uploaded = new Map<string, number>();
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
        if (this.uploaded.get(name) !== size) {
          const bytes = await wholeLines(file, size);
          await this.o.store.put(`${this.o.prefix}${name}`, bytes);
          this.uploaded.set(name, bytes.length === size ? size : -1);
          if (this.failures > 0) this.o.log.info({ afterFailures: this.failures }, 'capture upload to the store works again');
          this.failures = 0;
        }
        if (!isOpen && this.uploaded.get(name) === size && this.o.openFile() !== file) {
          await rm(file, { force: true });
          this.uploaded.delete(name);
        }
      } catch (err) {
        pending++;
        // logged on the first failure of a streak, not on every tick of an outage
        if (this.failures++ === 0) this.o.log.error({ err: { message: (err as Error).message }, file }, 'capture upload to the store failed; keeping the file and retrying');
      }
    }
    this.pendingCount = pending;
  }
}

/** The first `size` bytes of `file`, cut back to the last newline (a line being written is left for the next pass). */
async function wholeLines(file: string, size: number): Promise<Buffer> {
  const h = await open(file, 'r');
  try {
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await h.read(buf, off, size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    const end = buf.subarray(0, off).lastIndexOf(0x0a) + 1;
    return buf.subarray(0, end);
  } finally {
    await h.close();
  }
}
