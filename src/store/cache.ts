// A content-addressed folder of downloaded objects for code that needs a real file (DuckDB, onnxruntime); oldest evicted first.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';

export class FileCache {
  constructor(
    readonly dir: string,
    /** Past this many bytes the least recently used files are deleted (the newest one is always kept). */
    readonly maxBytes: number,
  ) {}

  /** The cache file for one version of an object: named by a hash of its etag, ending in the key's file name (DuckDB reads the extension). */
  fileFor(etag: string, key: string): string {
    const id = createHash('sha256').update(etag).digest('hex').slice(0, 32);
    return path.join(this.dir, `${id}-${path.posix.basename(key)}`);
  }

  /** The cached file when present (and marks it recently used), else undefined. */
  async lookup(etag: string, key: string): Promise<string | undefined> {
    const file = this.fileFor(etag, key);
    try {
      const now = new Date();
      await utimes(file, now, now);
      return file;
    } catch {
      return undefined;
    }
  }

  /** Fills the cache file through `write(tmp)` (a temp name, renamed when complete), then evicts old files. */
  async admit(etag: string, key: string, write: (tmp: string) => Promise<void>): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const file = this.fileFor(etag, key);
    const tmp = path.join(this.dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await write(tmp);
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
    }
    await this.prune(file);
    return file;
  }

  /** Deletes least-recently-used files until the cache is within its size; files in use stay readable (unlinked, not truncated). */
  async prune(keep?: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    const files: { file: string; size: number; used: number }[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const file = path.join(this.dir, name);
      try {
        const s = await stat(file);
        files.push({ file, size: s.size, used: s.mtimeMs });
      } catch {
        // removed by another process meanwhile
      }
    }
    let total = files.reduce((sum, f) => sum + f.size, 0);
    for (const f of files.sort((a, b) => a.used - b.used)) {
      if (total <= this.maxBytes) break;
      if (f.file === keep) continue;
      await rm(f.file, { force: true });
      total -= f.size;
    }
  }

  /** Empties the cache. */
  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
