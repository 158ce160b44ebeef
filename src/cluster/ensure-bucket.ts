// Creates the bucket ARTIFACT_STORE names when it is missing (the compose stack's store-setup step; `make cluster` calls ensureBucket).
import { envOrExit, type Env } from '../config/env';
import { FileCache, S3Backend } from '../store';

export async function ensureBucketFor(store: Env['store']): Promise<string | undefined> {
  if (store.location.kind !== 's3') return undefined;
  const backend = new S3Backend(
    {
      bucket: store.location.bucket,
      prefix: store.location.prefix,
      region: store.region,
      ...(store.endpoint ? { endpoint: store.endpoint } : {}),
      ...(store.credentials ? { credentials: store.credentials } : {}),
    },
    new FileCache(store.cacheDir, store.cacheMaxBytes),
  );
  await backend.ensureBucket();
  return store.location.bucket;
}

if (require.main === module) {
  const env = envOrExit();
  ensureBucketFor(env.store).then(
    (bucket) => {
      process.stdout.write(bucket ? `bucket ${bucket} is there\n` : 'ARTIFACT_STORE is a folder: no bucket to create\n');
    },
    (err: unknown) => {
      process.stderr.write(`could not create the bucket: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
