// Where the artifact store is: `s3://bucket/prefix` or a folder; parsed apart from the backends so settings load fast.
import path from 'node:path';

export type StoreLocation = { kind: 'local'; root: string } | { kind: 's3'; bucket: string; prefix: string };

/** Parses `s3://bucket/prefix` or a folder path (relative to `base`). */
export function parseStoreLocation(text: string, base: string): StoreLocation {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text);
  if (m) return { kind: 's3', bucket: m[1], prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
  if (/^[a-z0-9]+:\/\//i.test(text) && !text.startsWith('file://')) throw new Error(`unsupported store URL ${text}: use s3://bucket/prefix or a folder`);
  return { kind: 'local', root: path.resolve(base, text.replace(/^file:\/\//, '')) };
}
