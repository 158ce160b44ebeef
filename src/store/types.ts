// The artifact store contract: bytes by key, conditional writes, listing; every backend implements these few methods.

export interface ObjectInfo {
  key: string;
  size: number;
  /** Last write time in ms since the epoch. */
  modifiedMs: number;
}

export interface StoredObject {
  data: Buffer;
  /** Opaque version tag of this content; pass it as `ifMatch` to write only if nobody wrote since. */
  etag: string;
}

export interface PutOptions {
  /** `'*'`: create only; fails with PreconditionFailed when the key exists. */
  ifNoneMatch?: '*';
  /** Replace only when the current object still has this etag; fails with PreconditionFailed otherwise (or when absent). */
  ifMatch?: string;
}

/** A conditional write lost: the object exists (create-if-absent) or changed since it was read (compare-and-swap). */
export class PreconditionFailed extends Error {
  override name = 'PreconditionFailed';
  constructor(
    readonly key: string,
    readonly condition: 'exists' | 'changed',
  ) {
    super(condition === 'exists' ? `store object ${key} already exists` : `store object ${key} changed since it was read`);
  }
}

/** The store could not be reached or refused a request for a reason other than a condition: retry later. */
export class StoreUnavailable extends Error {
  override name = 'StoreUnavailable';
}

/** What one backend provides; ArtifactStore builds JSON, compare-and-swap loops and local files on top. */
export interface ObjectBackend {
  /** Where the objects live, for logs and errors: `file:///abs/dir` or `s3://bucket/prefix`. */
  readonly url: string;
  get(key: string): Promise<StoredObject | undefined>;
  head(key: string): Promise<(ObjectInfo & { etag: string }) | undefined>;
  /** Whether the key exists, when a backend can tell more cheaply than `head` (the folder backend hashes for an etag). */
  exists?(key: string): Promise<boolean>;
  put(key: string, data: Uint8Array, opts?: PutOptions): Promise<{ etag: string }>;
  /** Uploads a local file without holding it in memory. */
  putFile(key: string, file: string, opts?: PutOptions): Promise<{ etag: string }>;
  /**
   * A local file holding the object's bytes (`undefined` when absent). The local backend returns its own file;
   * remote backends download into `cacheDir` (content-addressed) and may delete older cache files.
   */
  localFile(key: string): Promise<string | undefined>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Removes the object; missing objects are fine. */
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
