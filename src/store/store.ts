// ArtifactStore: the one API for state that outlives an activity; JSON through zod, compare-and-swap updates, local files.
import type { z } from 'zod';
import { checkKey, checkPrefix } from './keys';
import { PreconditionFailed, type ObjectBackend, type ObjectInfo, type PutOptions, type StoredObject } from './types';

/** An object holds bytes its reader cannot use (bad JSON or a schema mismatch). */
export class CorruptObject extends Error {
  override name = 'CorruptObject';
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`store object ${key} is unreadable: ${detail}`);
  }
}

/** A required object is absent. */
export class ObjectMissing extends Error {
  override name = 'ObjectMissing';
  constructor(
    readonly key: string,
    where: string,
  ) {
    super(`store object ${key} does not exist in ${where}`);
  }
}

const toBytes = (data: string | Uint8Array) => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
const jsonText = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export class ArtifactStore {
  constructor(readonly backend: ObjectBackend) {}

  get url(): string {
    return this.backend.url;
  }

  async get(key: string): Promise<Buffer | undefined> {
    return (await this.backend.get(checkKey(key)))?.data;
  }

  /** The bytes and their etag, for a later `put(..., { ifMatch })`. */
  async getObject(key: string): Promise<StoredObject | undefined> {
    return this.backend.get(checkKey(key));
  }

  async getRequired(key: string): Promise<Buffer> {
    const data = await this.get(key);
    if (data === undefined) throw new ObjectMissing(key, this.url);
    return data;
  }

  async head(key: string): Promise<(ObjectInfo & { etag: string }) | undefined> {
    return this.backend.head(checkKey(key));
  }

  async exists(key: string): Promise<boolean> {
    checkKey(key);
    return this.backend.exists ? this.backend.exists(key) : (await this.backend.head(key)) !== undefined;
  }

  async put(key: string, data: string | Uint8Array, opts?: PutOptions): Promise<{ etag: string }> {
    return this.backend.put(checkKey(key), toBytes(data), opts);
  }

  /** Writes only when the key is absent: true when this call created it, false when it already existed. */
  async create(key: string, data: string | Uint8Array): Promise<boolean> {
    try {
      await this.put(key, data, { ifNoneMatch: '*' });
      return true;
    } catch (err) {
      if (err instanceof PreconditionFailed) return false;
      throw err;
    }
  }

  async getJson<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    return (await this.getJsonObject(key, schema))?.value;
  }

  async getJsonRequired<T>(key: string, schema: z.ZodType<T>): Promise<T> {
    const value = await this.getJson(key, schema);
    if (value === undefined) throw new ObjectMissing(key, this.url);
    return value;
  }

  async putJson(key: string, value: unknown, opts?: PutOptions): Promise<{ etag: string }> {
    return this.put(key, jsonText(value), opts);
  }

  async createJson(key: string, value: unknown): Promise<boolean> {
    return this.create(key, jsonText(value));
  }

  /**
   * Read-modify-write with compare-and-swap: `change` gets the current value (undefined when absent) and returns the
   * new one, or undefined to leave it alone. A concurrent writer makes the write fail; then it reads again and retries,
   * so no update is lost and no two writers both win on the same version.
   */
  async update<T>(key: string, schema: z.ZodType<T>, change: (current: T | undefined) => T | undefined | Promise<T | undefined>): Promise<{ value: T | undefined; changed: boolean }> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const current = await this.getJsonObject(key, schema);
      const next = await change(current?.value);
      if (next === undefined) return { value: current?.value, changed: false };
      try {
        await this.putJson(key, schema.parse(next), current ? { ifMatch: current.etag } : { ifNoneMatch: '*' });
        return { value: next, changed: true };
      } catch (err) {
        if (!(err instanceof PreconditionFailed)) throw err;
        // lost the race: back off a little (jittered) and recompute from what the winner wrote
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
      }
    }
    throw new Error(`store object ${key}: gave up after 50 conflicting concurrent updates`);
  }

  /** A local file with the object's bytes, for readers that need a path (DuckDB, onnxruntime); treat it as read-only. */
  async fetchFile(key: string): Promise<string> {
    const file = await this.backend.localFile(checkKey(key));
    if (file === undefined) throw new ObjectMissing(key, this.url);
    return file;
  }

  async putFile(key: string, file: string, opts?: PutOptions): Promise<{ etag: string }> {
    return this.backend.putFile(checkKey(key), file, opts);
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    return this.backend.list(checkPrefix(prefix));
  }

  async delete(key: string): Promise<void> {
    return this.backend.delete(checkKey(key));
  }

  async close(): Promise<void> {
    return this.backend.close();
  }

  private async getJsonObject<T>(key: string, schema: z.ZodType<T>): Promise<{ value: T; etag: string } | undefined> {
    const obj = await this.backend.get(checkKey(key));
    if (!obj) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(obj.data.toString('utf8'));
    } catch (err) {
      throw new CorruptObject(key, `not JSON (${(err as Error).message})`);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new CorruptObject(key, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
    }
    return { value: parsed.data, etag: obj.etag };
  }
}
