// `keys ...`: create, list and revoke API keys; only hashes are stored, a new key is shown once.
import type { Command } from 'commander';
import type { CliContext } from './context';
import { emit, note } from './output';
import { createKey, listKeys, revokeKey } from '../serving/keys';
import { storeFromEnv } from '../config/store';

export function registerKeyCommands(program: Command, ctx: CliContext): void {
  const { env } = ctx;
  const keys = program.command('keys').description('API keys of the prediction service');
  const file = () => storeFromEnv(env());
  keys
    .command('create')
    .description('create a key and print it once (the service keeps only its hash)')
    .argument('<name>', 'who or what uses the key')
    .option('--admin', 'may read /v1/usage', false)
    .action(async (name: string, opts: { admin: boolean }) => {
      const { key, info } = await createKey(file(), name, opts.admin ? 'admin' : 'user');
      note(ctx.format(), `created ${info.role} key ${info.id} (${info.name}); store it now, it is not shown again:`);
      emit(ctx.format(), { key, ...info }, (r) => r.key);
    });
  keys
    .command('list')
    .description('keys with their ids, roles and state (never the keys)')
    .action(async () => {
      emit(ctx.format(), await listKeys(file()), (list) => list.map((k) => `${k.id}  ${k.role.padEnd(5)}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}  ${k.name}`));
    });
  keys
    .command('revoke')
    .description('revoke a key by id or name; a running API stops accepting it within seconds')
    .argument('<idOrName>')
    .action(async (idOrName: string) => {
      const k = await revokeKey(file(), idOrName);
      emit(ctx.format(), k, (r) => `revoked ${r.id} (${r.name})`);
    });
}
