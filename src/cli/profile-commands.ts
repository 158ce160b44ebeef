// `profile suggest`: turn a version's training profile into an expectation suite, SageMaker suggest_baseline style.
import path from 'node:path';
import type { Command } from 'commander';
import type { Env } from '../config/env';
import { DatasetProfile, suggestConstraints, writeSuggestedConstraints } from '../profile';
import { Registry } from '../registry/registry';
import { storeFromEnv } from '../store/from-env';

export function registerProfileCommands(program: Command, env: () => Env): void {
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
      if (v === undefined || !Number.isInteger(v)) throw new Error(`model ${name} has no champion; pass --version`);
      const stored = DatasetProfile.parse(JSON.parse((await reg.readFile(name, v, 'profile.json')).toString('utf8')));
      if (opts.out) {
        const suite = await writeSuggestedConstraints(stored, path.resolve(opts.out));
        console.log(`${suite.length} expectations written to ${opts.out}`);
      } else {
        console.log(JSON.stringify(suggestConstraints(stored), null, 2));
      }
    });
}
