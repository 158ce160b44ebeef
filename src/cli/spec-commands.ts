// `spec validate`: the checks trainingPipeline's first step makes (schema, source, columns and types), without training.
import type { Command } from 'commander';
import { DuckDb } from '../data/duckdb';
import { checkSource } from '../data/source';
import { loadSpec } from '../spec/dataset';
import type { CliContext } from './context';
import { emit } from './output';

export function registerSpecCommands(program: Command, ctx: CliContext): void {
  const spec = program.command('spec').description('dataset specs');
  spec
    .command('validate')
    .description('check a spec and its data source as the pipeline would (exit 2 naming the field when it is wrong)')
    .argument('<spec>', 'dataset spec file')
    .option('--no-data', 'check the spec file only, without reading its source')
    .action(async (specArg: string, opts: { data: boolean }) => {
      const { spec: parsed, file } = await loadSpec(specArg, process.cwd());
      let files: number | undefined;
      if (opts.data) {
        const db = await DuckDb.open();
        try {
          files = (await checkSource(db, parsed, file)).files.length;
        } finally {
          db.close();
        }
      }
      emit(
        ctx.format(),
        {
          valid: true,
          spec: file,
          model: parsed.name,
          task: parsed.target.task,
          target: parsed.target.column,
          features: parsed.features.length,
          expectations: parsed.expectations.length,
          ...(files !== undefined ? { sourceFiles: files } : {}),
          dataChecked: opts.data,
        },
        (r) =>
          `${r.spec}: valid (${r.model}: ${r.task} on ${r.target}, ${r.features} features, ${r.expectations} expectations${r.dataChecked ? ', source readable with the columns and types it needs' : ''})`,
      );
    });
}
