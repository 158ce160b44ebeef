// Opens the artifact store the settings name: a local folder (default VAR_DIR) or S3-compatible object storage.
import { FileCache } from './cache';
import { LocalFolderBackend } from './local';
import { S3Backend, type S3Settings } from './s3';
import type { StoreLocation } from './location';
import { ArtifactStore } from './store';

export { ArtifactStore, CorruptObject, ObjectMissing } from './store';
export { checkKey, checkPrefix, joinKey, keySegment, StoreKeyError } from './keys';
export { PreconditionFailed, StoreUnavailable, type ObjectInfo, type PutOptions } from './types';
export { FileCache } from './cache';
export { LocalFolderBackend } from './local';
export { S3Backend, type S3Settings } from './s3';
export { parseStoreLocation, type StoreLocation } from './location';

export interface StoreSettings {
  location: StoreLocation;
  endpoint?: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Downloads from a remote store land here (content-addressed, least recently used evicted). */
  cacheDir: string;
  cacheMaxBytes: number;
  /** Transient failures are retried this long inside one call (S3 only; see S3Settings.retryForMs). */
  retryForMs?: number;
}

/** A store on a local folder (the laptop default, and tests). */
export function localStore(root: string): ArtifactStore {
  return new ArtifactStore(new LocalFolderBackend(root));
}

export function openStore(s: StoreSettings): ArtifactStore {
  if (s.location.kind === 'local') return new ArtifactStore(new LocalFolderBackend(s.location.root));
  const s3: S3Settings = {
    bucket: s.location.bucket,
    prefix: s.location.prefix,
    region: s.region,
    ...(s.retryForMs ? { retryForMs: s.retryForMs } : {}),
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    ...(s.credentials ? { credentials: s.credentials } : {}),
  };
  return new ArtifactStore(new S3Backend(s3, new FileCache(s.cacheDir, s.cacheMaxBytes)));
}
