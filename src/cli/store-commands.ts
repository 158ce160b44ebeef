// `store ...`: create the bucket, list, upload and download artifact store objects (e.g. a spec and its data for a cluster).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Env } from '../config/env';
import { S3Backend } from '../store';
import { storeFromEnv } from '../store/from-env';

export function registerStoreCommands(program: Command, env: () => Env): void {
  const store = program.command('store').description('the artifact store (ARTIFACT_STORE; default VAR_DIR)');
  store
    .command('init')
    .description('create the S3 bucket when it does not exist (nothing to do for a folder)')
    .action(async () => {
      const s = storeFromEnv(env());
      if (s.backend instanceof S3Backend) await s.backend.ensureBucket();
      console.log(`artifact store ready: ${s.url}`);
    });
  store
    .command('ls')
    .description('objects under a key prefix, with sizes')
    .argument('[prefix]', 'key prefix, e.g. registry/flights/', '')
    .action(async (prefix: string) => {
      for (const o of await storeFromEnv(env()).list(prefix)) console.log(`${String(o.size).padStart(12)}  ${new Date(o.modifiedMs).toISOString()}  ${o.key}`);
    });
  store
    .command('put')
    .description('upload a local file to a key, e.g. a dataset spec and its data: then train with {"spec":"store:<key>"}')
    .argument('<file>')
    .argument('<key>')
    .action(async (file: string, key: string) => {
      const s = storeFromEnv(env());
      await s.putFile(key, path.resolve(file));
      console.log(`${file} -> ${s.url}/${key}`);
    });
  store
    .command('get')
    .description('download an object to a file (or print it with -)')
    .argument('<key>')
    .argument('<file>', 'destination, or - for standard output')
    .action(async (key: string, file: string) => {
      const data = await storeFromEnv(env()).getRequired(key);
      if (file === '-') process.stdout.write(data);
      else await writeFile(file, data);
    });
}
