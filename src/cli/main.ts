// The project CLI (`npm run cli -- <command>`): registry, API keys, profiles, traffic replay, artifact store.
import { Command } from 'commander';
import { envOrExit, type Env } from '../config/env';
import { registerImportCommand } from './import-commands';
import { registerKeyCommands } from './key-commands';
import { registerProfileCommands } from './profile-commands';
import { registerQualityCommands } from './quality-commands';
import { registerModelCommands } from './registry-commands';
import { registerStoreCommands } from './store-commands';
import { registerTrafficCommand } from './traffic';

const program = new Command('mlp').description('durable ML pipeline: registry, keys, profiles, traffic, store').showHelpAfterError();
let cached: Env | undefined;
const env = () => (cached ??= envOrExit());

registerModelCommands(program, env);
registerKeyCommands(program, env);
registerProfileCommands(program, env);
registerTrafficCommand(program, env);
registerQualityCommands(program, env);
registerStoreCommands(program, env);
registerImportCommand(program, env);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
