// The S3-compatible backend (AWS S3, MinIO, R2...): path-style requests, conditional PutObject for create-if-absent and CAS.
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { checkKey, checkPrefix } from './keys';
import type { FileCache } from './cache';
import { PreconditionFailed, StoreUnavailable, type ObjectBackend, type ObjectInfo, type PutOptions, type StoredObject } from './types';

export interface S3Settings {
  bucket: string;
  /** Key prefix inside the bucket, without a trailing "/"; "" for the bucket root. */
  prefix: string;
  /** e.g. http://127.0.0.1:9000 for MinIO; absent for AWS itself. */
  endpoint?: string;
  region: string;
  /** Absent: the SDK's own chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** How long one request may take before it counts as a failure. */
  requestTimeoutMs?: number;
  /**
   * Keep retrying a request that failed for a transient reason (no connection, 5xx, throttling) this long, with
   * backoff, before giving up; workers set about a minute so a short store outage costs time, not an attempt.
   */
  retryForMs?: number;
}

const status = (err: unknown): number | undefined =>
  err instanceof S3ServiceException ? err.$metadata?.httpStatusCode : (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

/** No HTTP answer at all (refused, reset, timeout), a server error, or throttling: worth asking again. */
const isTransient = (err: unknown) => {
  const code = status(err);
  return code === undefined || code >= 500 || code === 429;
};

const isMissing = (err: unknown) => status(err) === 404 || (err as Error)?.name === 'NoSuchKey' || (err as Error)?.name === 'NotFound';

export class S3Backend implements ObjectBackend {
  readonly url: string;
  readonly client: S3Client;

  constructor(
    readonly settings: S3Settings,
    private readonly cache: FileCache,
  ) {
    this.url = `s3://${settings.bucket}${settings.prefix ? `/${settings.prefix}` : ''}`;
    this.client = new S3Client({
      region: settings.region,
      forcePathStyle: true,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
      // Only checksum when S3 requires it: streamed uploads then stay plain PUTs that every S3-compatible server takes.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      requestHandler: { requestTimeout: settings.requestTimeoutMs ?? 60_000, connectionTimeout: 5_000 },
    });
  }

  /** Sends one command, retrying transient failures with backoff for up to `retryForMs`. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + (this.settings.retryForMs ?? 0);
    for (let wait = 250; ; wait = Math.min(wait * 2, 5000)) {
      try {
        return await request();
      } catch (err) {
        if (!isTransient(err) || Date.now() + wait > deadline) throw err;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private objectKey(key: string): string {
    checkKey(key);
    return this.settings.prefix ? `${this.settings.prefix}/${key}` : key;
  }

  /** Creates the bucket when it does not exist (for test harnesses and `make cluster`). */
  async ensureBucket(): Promise<void> {
    try {
      await this.call(() => this.client.send(new HeadBucketCommand({ Bucket: this.settings.bucket })));
    } catch (err) {
      if (!isMissing(err)) throw this.unavailable(err, 'HeadBucket', this.settings.bucket);
      await this.call(() => this.client.send(new CreateBucketCommand({ Bucket: this.settings.bucket }))).catch((e: unknown) => {
        if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((e as Error).name)) throw e;
      });
    }
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const objectKey = this.objectKey(key);
    try {
      const res = await this.call(() => this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: objectKey })));
      const data = Buffer.from(await res.Body!.transformToByteArray());
      return { data, etag: res.ETag ?? '' };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.unavailable(err, 'GetObject', key);
    }
  }

  async head(key: string): Promise<(ObjectInfo & { etag: string }) | undefined> {
    const objectKey = this.objectKey(key);
    try {
      const res = await this.call(() => this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: objectKey })));
      return { key, size: res.ContentLength ?? 0, modifiedMs: res.LastModified?.getTime() ?? 0, etag: res.ETag ?? '' };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.unavailable(err, 'HeadObject', key);
    }
  }

  async put(key: string, data: Uint8Array, opts: PutOptions = {}): Promise<{ etag: string }> {
    return this.send(key, () => data, data.byteLength, opts);
  }

  async putFile(key: string, file: string, opts: PutOptions = {}): Promise<{ etag: string }> {
    const { size } = await stat(file);
    // Small files go in one buffer; large ones stream, from a fresh stream on each attempt.
    if (size <= 8 * 1024 * 1024) {
      const data = await readFile(file);
      return this.send(key, () => data, size, opts);
    }
    return this.send(key, () => createReadStream(file), size, opts);
  }

  private async send(key: string, body: () => Uint8Array | Readable, size: number, opts: PutOptions): Promise<{ etag: string }> {
    const objectKey = this.objectKey(key);
    try {
      const res = await this.call(() =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.settings.bucket,
            Key: objectKey,
            Body: body(),
            ContentLength: size,
            ...(opts.ifNoneMatch ? { IfNoneMatch: opts.ifNoneMatch } : {}),
            ...(opts.ifMatch !== undefined ? { IfMatch: opts.ifMatch } : {}),
          }),
        ),
      );
      return { etag: res.ETag ?? '' };
    } catch (err) {
      const code = status(err);
      // 412: the condition failed; 409: a concurrent conditional write to the same key won; 404: If-Match on a missing key
      if (code === 412 || code === 409 || (code === 404 && opts.ifMatch !== undefined)) {
        throw new PreconditionFailed(key, opts.ifNoneMatch ? 'exists' : 'changed');
      }
      throw this.unavailable(err, 'PutObject', key);
    }
  }

  async localFile(key: string): Promise<string | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const info = await this.head(key);
      if (!info) return undefined;
      const cached = await this.cache.lookup(info.etag, key);
      if (cached) return cached;
      try {
        return await this.cache.admit(info.etag, key, async (tmp) => {
          // If-Match: the bytes written are exactly the version the cache name promises
          const res = await this.call(() => this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(key), IfMatch: info.etag })));
          const body = res.Body;
          if (body instanceof Readable) await pipeline(body, createWriteStream(tmp));
          else await writeFile(tmp, await body!.transformToByteArray());
        });
      } catch (err) {
        if (status(err) === 412 || isMissing(err)) continue; // replaced or deleted between head and get
        throw this.unavailable(err, 'GetObject', key);
      }
    }
    throw new StoreUnavailable(`store object ${key} kept changing while it was downloaded`);
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    checkPrefix(prefix);
    const full = this.settings.prefix ? `${this.settings.prefix}/${prefix}` : prefix;
    const strip = this.settings.prefix ? this.settings.prefix.length + 1 : 0;
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    try {
      do {
        const res = await this.call(() => this.client.send(new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: full, ContinuationToken: token })));
        for (const o of res.Contents ?? []) {
          if (!o.Key) continue;
          out.push({ key: o.Key.slice(strip), size: o.Size ?? 0, modifiedMs: o.LastModified?.getTime() ?? 0 });
        }
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw this.unavailable(err, 'ListObjectsV2', prefix);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      await this.call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: objectKey })));
    } catch (err) {
      if (isMissing(err)) return;
      throw this.unavailable(err, 'DeleteObject', key);
    }
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the interface is asynchronous; async turns a throw into a rejection
  async close(): Promise<void> {
    this.client.destroy();
  }

  private unavailable(err: unknown, op: string, key: string): Error {
    if (err instanceof PreconditionFailed || err instanceof StoreUnavailable) return err;
    const code = status(err);
    const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return new StoreUnavailable(`${op} ${key} on ${this.url} failed${code ? ` (HTTP ${code})` : ''}: ${what}`, { cause: err });
  }
}
