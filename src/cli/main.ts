#!/usr/bin/env node
// The project CLI, `mlp` (`npx mlp` in the repo and in the image): train, specs, registry, keys, reports, monitors, store.
import { Command, Option } from 'commander';
import { envOrExit, type Env } from '../config/env';
import type { CliContext } from './context';
import { registerImportCommand } from './import-commands';
import { registerKeyCommands } from './key-commands';
import { reportError, type OutputFormat } from './output';
import { registerProfileCommands } from './profile-commands';
import { registerQualityCommands } from './quality-commands';
import { registerModelCommands } from './registry-commands';
import { registerReportCommands } from './report-commands';
import { registerRunCommands } from './run-commands';
import { registerSpecCommands } from './spec-commands';
import { registerStoreCommands } from './store-commands';
import { registerTrafficCommand } from './traffic';

const program = new Command('mlp')
  .description('durable ML pipeline: train, validate specs, registry, keys, reports, drift and quality checks, store')
  .addOption(new Option('-o, --output <format>', 'text for people, json for scripts').choices(['text', 'json']).default('text'))
  .addHelpText('after', '\nExit codes: 0 ok, 1 a check or run failed (drift found, quality degraded, run failed), 2 bad input (spec, options), 3 a service is unavailable (Temporal, store).')
  .showHelpAfterError();
let cached: Env | undefined;
const format = (): OutputFormat => (program.opts<{ output: OutputFormat }>().output === 'json' ? 'json' : 'text');
const ctx: CliContext = { env: () => (cached ??= envOrExit()), format };

registerRunCommands(program, ctx);
registerSpecCommands(program, ctx);
registerModelCommands(program, ctx);
registerKeyCommands(program, ctx);
registerProfileCommands(program, ctx);
registerReportCommands(program, ctx);
registerTrafficCommand(program, ctx.env, format);
registerQualityCommands(program, ctx);
registerStoreCommands(program, ctx);
registerImportCommand(program, ctx);

// commander's own usage errors (unknown option, missing argument) are bad input too
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2);
});

program.parseAsync(process.argv).catch((err: unknown) => {
  process.exitCode = reportError(err, format());
});
