// `store ...`: create the bucket, list, upload and download artifact store objects (e.g. a spec and its data for a cluster).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from './context';
import { emit } from './output';
import { S3Backend } from '../store';
import { storeFromEnv } from '../config/store';

export function registerStoreCommands(program: Command, ctx: CliContext): void {
  const { env } = ctx;
  const store = program.command('store').description('the artifact store (ARTIFACT_STORE; default VAR_DIR)');
  store
    .command('init')
    .description('create the S3 bucket when it does not exist (nothing to do for a folder)')
    .action(async () => {
      const s = storeFromEnv(env());
      if (s.backend instanceof S3Backend) await s.backend.ensureBucket();
      emit(ctx.format(), { store: s.url, ready: true }, (r) => `artifact store ready: ${r.store}`);
    });
  store
    .command('ls')
    .description('objects under a key prefix, with sizes')
    .argument('[prefix]', 'key prefix, e.g. registry/flights/', '')
    .action(async (prefix: string) => {
      emit(ctx.format(), await storeFromEnv(env()).list(prefix), (list) => list.map((o) => `${String(o.size).padStart(12)}  ${new Date(o.modifiedMs).toISOString()}  ${o.key}`));
    });
  store
    .command('put')
    .description('upload a local file to a key, e.g. a dataset spec and its data: then train with {"spec":"store:<key>"}')
    .argument('<file>')
    .argument('<key>')
    .action(async (file: string, key: string) => {
      const s = storeFromEnv(env());
      await s.putFile(key, path.resolve(file));
      emit(ctx.format(), { file, key, url: `${s.url}/${key}` }, (r) => `${r.file} -> ${r.url}`);
    });
  store
    .command('get')
    .description('download an object to a file (or print it with -)')
    .argument('<key>')
    .argument('<file>', 'destination, or - for standard output')
    .action(async (key: string, file: string) => {
      const data = await storeFromEnv(env()).getRequired(key);
      if (file === '-') process.stdout.write(data);
      else {
        await writeFile(file, data);
        emit(ctx.format(), { key, file, bytes: data.length }, () => []);
      }
    });
}
