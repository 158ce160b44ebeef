// The local-folder backend: one file per key under a root folder; atomic renames, hard-link creates, lock-file CAS.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkKey, checkPrefix } from './keys';
import { PreconditionFailed, StoreUnavailable, type ObjectBackend, type ObjectInfo, type PutOptions, type StoredObject } from './types';

/** A lock older than this belongs to a process that died while holding it. */
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 15_000;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const isCode = (err: unknown, ...codes: string[]) => codes.includes((err as NodeJS.ErrnoException)?.code ?? '');

export class LocalFolderBackend implements ObjectBackend {
  readonly url: string;
  // Temp files and locks live in dot-folders of the root: keys can never start with ".", so they never collide.
  private readonly tmpDir: string;
  private readonly lockDir: string;

  constructor(readonly root: string) {
    this.root = path.resolve(root);
    this.url = pathToFileURL(this.root).href;
    this.tmpDir = path.join(this.root, '.store-tmp');
    this.lockDir = path.join(this.root, '.store-locks');
  }

  /** The file that holds `key` (for the local backend only; other code should not depend on it). */
  fileOf(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const data = await readFile(this.fileOf(key));
      return { data, etag: sha256(data) };
    } catch (err) {
      if (isCode(err, 'ENOENT', 'EISDIR', 'ENOTDIR')) return undefined;
      throw err;
    }
  }

  async head(key: string): Promise<(ObjectInfo & { etag: string }) | undefined> {
    const file = this.fileOf(key);
    let info;
    try {
      info = await stat(file);
    } catch (err) {
      if (isCode(err, 'ENOENT', 'ENOTDIR')) return undefined;
      throw err;
    }
    if (!info.isFile()) return undefined;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    return { key, size: info.size, modifiedMs: info.mtimeMs, etag: hash.digest('hex') };
  }

  async exists(key: string): Promise<boolean> {
    return (await this.localFile(key)) !== undefined;
  }

  async put(key: string, data: Uint8Array, opts: PutOptions = {}): Promise<{ etag: string }> {
    const tmp = await this.tempFile();
    // owner-only: the store holds key hashes and models, nothing anyone else on the machine needs
    await writeFile(tmp, data, { flush: true, mode: 0o600 });
    await this.commit(key, tmp, opts);
    return { etag: sha256(data) };
  }

  async putFile(key: string, file: string, opts: PutOptions = {}): Promise<{ etag: string }> {
    const tmp = await this.tempFile();
    // one pass: copy and hash together, then make the copy durable before it is renamed into place
    const hash = createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(createReadStream(file), hashing, createWriteStream(tmp, { mode: 0o600 }));
    const handle = await open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    const etag = hash.digest('hex');
    await this.commit(key, tmp, opts);
    return { etag };
  }

  async localFile(key: string): Promise<string | undefined> {
    const file = this.fileOf(key);
    try {
      return (await stat(file)).isFile() ? file : undefined;
    } catch (err) {
      if (isCode(err, 'ENOENT', 'ENOTDIR')) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    checkPrefix(prefix);
    // Walk only the deepest folder the prefix names, then filter by the partial last segment.
    const cut = prefix.lastIndexOf('/');
    const base = cut < 0 ? '' : prefix.slice(0, cut);
    const out: ObjectInfo[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(path.join(this.root, ...rel.split('/').filter(Boolean)), { withFileTypes: true });
      } catch (err) {
        if (isCode(err, 'ENOENT', 'ENOTDIR')) return;
        throw err;
      }
      for (const entry of entries) {
        // dot names are temp files and locks (keys cannot start with "."); ".tmp-" names are unfinished atomic writes
        if (entry.name.startsWith('.') || entry.name.includes('.tmp-')) continue;
        const key = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(key);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          try {
            const info = await stat(path.join(this.root, ...key.split('/')));
            out.push({ key, size: info.size, modifiedMs: info.mtimeMs });
          } catch (err) {
            if (!isCode(err, 'ENOENT')) throw err; // deleted while listing
          }
        }
      }
    };
    await walk(base);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await rm(this.fileOf(key), { force: true });
  }

  async close(): Promise<void> {}

  private async tempFile(): Promise<string> {
    await mkdir(this.tmpDir, { recursive: true });
    return path.join(this.tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  /** Moves a finished temp file onto the key, honouring the write condition. */
  private async commit(key: string, tmp: string, opts: PutOptions): Promise<void> {
    const target = this.fileOf(key);
    try {
      await mkdir(path.dirname(target), { recursive: true });
      if (opts.ifNoneMatch === '*') {
        // link() fails atomically when the target exists: create-if-absent without a lock
        try {
          await link(tmp, target);
        } catch (err) {
          if (isCode(err, 'EEXIST')) throw new PreconditionFailed(key, 'exists');
          if (!isCode(err, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS')) throw err;
          // a file system without hard links: the same check under the key's lock
          await this.withLock(key, async () => {
            if (await this.localFile(key)) throw new PreconditionFailed(key, 'exists');
            await rename(tmp, target);
          });
        }
        return;
      }
      if (opts.ifMatch !== undefined) {
        const expected = opts.ifMatch;
        await this.withLock(key, async () => {
          const current = await this.get(key);
          if (!current || current.etag !== expected) throw new PreconditionFailed(key, 'changed');
          await rename(tmp, target);
        });
        return;
      }
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    await mkdir(this.lockDir, { recursive: true });
    const lock = path.join(this.lockDir, `${sha256(Buffer.from(key)).slice(0, 40)}.lock`);
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      try {
        const handle = await open(lock, 'wx');
        await handle.close();
        break;
      } catch (err) {
        if (!isCode(err, 'EEXIST')) throw err;
      }
      try {
        if (Date.now() - (await stat(lock)).mtimeMs > STALE_LOCK_MS) await unlink(lock).catch(() => undefined);
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new StoreUnavailable(`store lock for ${key} held for over ${LOCK_WAIT_MS} ms (${lock})`);
      await new Promise((r) => setTimeout(r, wait + Math.random() * wait));
    }
    try {
      return await fn();
    } finally {
      await unlink(lock).catch(() => undefined);
    }
  }
}
