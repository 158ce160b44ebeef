// `reports list`: the newest drift and model-quality reports, from the artifact store.
import type { Command } from 'commander';
import { z } from 'zod';
import { listDriftReports } from '../drift/report/store';
import { listQualityReports } from '../model-quality/report';
import { storeFromEnv } from '../config/store';
import type { CliContext } from './context';
import { badInput, emit } from './output';

const Options = z
  .object({
    kind: z.enum(['drift', 'quality', 'all']).default('all'),
    model: z.string().min(1).optional(),
    limit: z.coerce.number().int('--limit must be a whole number').min(1, '--limit is at least 1').max(500, '--limit is at most 500').default(20),
  })
  .strict();

export function registerReportCommands(program: Command, ctx: CliContext): void {
  const reports = program.command('reports').description('drift and model-quality reports');
  reports
    .command('list')
    .description('the newest reports, newest first')
    .option('--kind <kind>', 'drift, quality or all', 'all')
    .option('--model <name>', 'only this model')
    .option('--limit <n>', 'at most this many of each kind', '20')
    .action(async (raw: Record<string, unknown>) => {
      const o = Options.safeParse(raw);
      if (!o.success) throw badInput(o.error.issues.map((i) => i.message).join('; '));
      const store = storeFromEnv(ctx.env());
      const opts = { limit: o.data.limit, ...(o.data.model ? { model: o.data.model } : {}) };
      const drift = o.data.kind === 'quality' ? [] : (await listDriftReports(store, opts)).map((r) => ({ kind: 'drift' as const, ...r }));
      const quality = o.data.kind === 'drift' ? [] : (await listQualityReports(store, opts)).map((r) => ({ kind: 'quality' as const, ...r }));
      const all = [...drift, ...quality].sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
      emit(ctx.format(), all, (list) =>
        list.length === 0 ? 'no reports yet' : list.map((r) => `${String(r.createdAt).padEnd(25)} ${r.kind.padEnd(8)} ${String(r.model).padEnd(20)} ${String(r.verdict).padEnd(18)} ${r.id}`),
      );
    });
}
