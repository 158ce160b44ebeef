// `profile suggest`: turn a version's training profile into an expectation suite, SageMaker suggest_baseline style.
import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from './context';
import { badInput, emit } from './output';
import { DatasetProfile, suggestConstraints, writeSuggestedConstraints } from '../profile';
import { Registry } from '../registry/registry';
import { storeFromEnv } from '../config/store';

export function registerProfileCommands(program: Command, ctx: CliContext): void {
  const { env } = ctx;
  const profile = program.command('profile').description('training profiles stored with the models');
  profile
    .command('suggest')
    .description('suggest an expectation suite from a version\'s profile; paste it into a spec\'s "expectations"')
    .argument('<name>', 'model name')
    .option('--version <n>', 'version (default: the champion)')
    .option('--out <file>', 'write the suite to this file instead of printing it')
    .action(async (name: string, opts: { version?: string; out?: string }) => {
      const reg = new Registry(storeFromEnv(env()));
      const v = opts.version ? Number(opts.version) : await reg.alias(name);
      if (v === undefined || !Number.isInteger(v)) throw badInput(`model ${name} has no champion; pass --version`);
      const stored = DatasetProfile.parse(JSON.parse((await reg.readFile(name, v, 'profile.json')).toString('utf8')));
      if (opts.out) {
        const suite = await writeSuggestedConstraints(stored, path.resolve(opts.out));
        emit(ctx.format(), { expectations: suite.length, file: opts.out }, (r) => `${r.expectations} expectations written to ${r.file}`);
      } else {
        emit(ctx.format(), suggestConstraints(stored), (x) => JSON.stringify(x, null, 2));
      }
    });
}
