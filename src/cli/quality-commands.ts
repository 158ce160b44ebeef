// `quality check`: runs modelQualityMonitor now (the schedule's work, on demand) and prints the verdict and report link.
import { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { z } from 'zod';
import type { CliContext } from './context';
import { MonitorResult } from './monitor-result';
import { badInput, emit, EXIT, note } from './output';
import { ModelQualityInput } from '../model-quality/run';
import { connectClient } from '../temporal/connect';

const Options = z
  .object({
    lastMinutes: z.coerce.number().positive('--last-minutes must be positive').optional(),
    start: z.string().optional(),
    end: z.string().optional(),
    lag: z.coerce.number().min(0, '--lag must be 0 or more').optional(),
    minLabels: z.coerce.number().int().positive('--min-labels must be a positive whole number').optional(),
    retrain: z.boolean().optional(),
    wait: z.boolean(),
  })
  .strict();

export function registerQualityCommands(program: Command, ctx: CliContext): void {
  const { env } = ctx;
  const quality = program.command('quality').description('model quality: live predictions joined with ground truth');
  quality
    .command('check')
    .description('run modelQualityMonitor now and print its verdict, exit 1 when degraded (the schedule quality-<model> does the same every QUALITY_SCHEDULE_MINUTES)')
    .argument('[model]', 'registry model (default MODEL_NAME)')
    .option('--last-minutes <n>', 'judge predictions of the last n minutes (default: monitoring.quality.windowHours of the spec)')
    .option('--start <iso>', 'window start (ISO 8601)')
    .option('--end <iso>', 'window end (ISO 8601; default now minus the lag)')
    .option('--lag <seconds>', 'leave predictions of the last s seconds to the next run (default 30)')
    .option('--min-labels <n>', 'override monitoring.quality.minLabeledRows')
    .option('--retrain', 'start a retrain on degradation even if the spec does not ask for it')
    .option('--no-wait', 'start the run and print its id without waiting')
    .action(async (model: string | undefined, raw: Record<string, unknown>) => {
      const o = Options.safeParse(raw);
      if (!o.success) throw badInput(`quality check: ${o.error.issues.map((i) => i.message).join('; ')}`);
      const e = env();
      const window =
        o.data.lastMinutes !== undefined || o.data.start || o.data.end
          ? { ...(o.data.lastMinutes !== undefined ? { lastMinutes: o.data.lastMinutes } : {}), ...(o.data.start ? { start: o.data.start } : {}), ...(o.data.end ? { end: o.data.end } : {}) }
          : undefined;
      const input = ModelQualityInput.safeParse({
        model: model ?? e.MODEL_NAME,
        ...(window ? { window } : {}),
        ...(o.data.lag !== undefined ? { lagSeconds: o.data.lag } : {}),
        ...(o.data.minLabels !== undefined ? { settings: { minLabeledRows: o.data.minLabels } } : {}),
        ...(o.data.retrain ? { retrainOnDegradation: true } : {}),
      });
      if (!input.success) throw badInput(`quality check: ${input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const connection = await connectClient(e.temporal, e.TEMPORAL_CONNECT_TIMEOUT_MS);
      try {
        const client = new Client({ connection, namespace: e.TEMPORAL_NAMESPACE });
        const workflowId = `quality-${input.data.model}-cli-${Date.now().toString(36)}`;
        const handle = await client.workflow.start('modelQualityMonitor', {
          taskQueue: e.TASK_QUEUE,
          workflowId,
          args: [input.data],
          staticSummary: `Model quality of ${input.data.model} (from the CLI)`,
        });
        const url = `${e.TEMPORAL_UI_URL}/namespaces/${e.TEMPORAL_NAMESPACE}/workflows/${workflowId}`;
        if (!o.data.wait) {
          emit(ctx.format(), { workflowId, url }, (r) => `started ${r.workflowId}: ${r.url}`);
          return;
        }
        note(ctx.format(), `started ${workflowId}: ${url}`);
        const r = MonitorResult.parse(await handle.result());
        emit(ctx.format(), { workflowId, ...r }, (x) =>
          x.skipped
            ? `skipped: ${x.skipped}`
            : [
                `${x.verdict}: ${x.summary}`,
                `predictions ${x.predictions}, labeled ${x.labeled}, unmatched labels ${x.unmatchedLabels}; alert ${x.alerted ? 'raised' : x.resolved ? 'resolved' : 'none'}`,
                ...(x.retrain ? [`retrain: ${x.retrain.note}`] : []),
                `report: ${x.reportUrl ?? x.reportKey ?? '-'}`,
              ],
        );
        if (r.verdict === 'degraded') process.exitCode = EXIT.failed;
      } finally {
        await connection.close();
      }
    });
}
