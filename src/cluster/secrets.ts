// The cluster's generated credentials (PostgreSQL and MinIO), made once per state folder in a folder only its owner reads.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../util/fs-atomic';
import { ownerOnlyFolder } from './private-folder';

const Secrets = z.object({
  postgresUser: z.string().min(1),
  postgresPassword: z.string().min(8),
  s3AccessKey: z.string().min(3),
  s3SecretKey: z.string().min(8),
});
export type ClusterSecrets = z.infer<typeof Secrets>;

export async function clusterSecrets(dir: string): Promise<ClusterSecrets> {
  const folder = path.join(dir, 'secrets');
  const file = path.join(folder, 'secrets.json');
  if (existsSync(file)) {
    const parsed = Secrets.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (parsed.success) return parsed.data;
    throw new Error(`${file} is not a valid secrets file (${parsed.error.issues[0]?.message ?? 'bad shape'}); delete it and the cluster folder to start over`);
  }
  await ownerOnlyFolder(folder);
  const secrets: ClusterSecrets = {
    postgresUser: 'temporal',
    postgresPassword: randomBytes(18).toString('base64url'),
    s3AccessKey: `cluster-${randomBytes(6).toString('hex')}`,
    s3SecretKey: randomBytes(24).toString('base64url'),
  };
  await writeJsonAtomic(file, secrets, { mode: 0o600 });
  return secrets;
}
