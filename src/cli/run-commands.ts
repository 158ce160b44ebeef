// `train` and `drift check`: start a pipeline or a drift check on the Temporal server, follow it, exit by its outcome.
import path from 'node:path';
import { Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Command } from 'commander';
import { z } from 'zod';
import { DriftWindowInput } from '../drift/monitor/window';
import { loadSpec } from '../spec/dataset';
import { connectClient } from '../temporal/connect';
import { MonitorResult } from './monitor-result';
import { badInput, CliError, emit, EXIT, note } from './output';
import type { CliContext } from './context';

/** The spec path as the workers read it: relative to the project root when it lies inside it, else absolute. */
export function specPathForWorkers(file: string, root: string): string {
  const rel = path.relative(root, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

interface StatusLike {
  stage?: string;
  detail?: string;
  progress?: number;
}

/** Polls a run's `status` query and prints each new stage line until the run ends (best effort: queries may fail early). */
async function follow(handle: WorkflowHandle, print: (line: string) => void): Promise<void> {
  let last = '';
  const done = handle.result().then(
    () => undefined,
    () => undefined,
  );
  for (;;) {
    const ended = await Promise.race([done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1000))]);
    if (ended) return;
    const s = (await handle.query<StatusLike>('status').catch(() => undefined)) ?? {};
    const line = s.stage ? `${s.stage}: ${s.detail ?? ''}${typeof s.progress === 'number' ? ` (${Math.round(s.progress * 100)}%)` : ''}` : '';
    if (line && line !== last) print(line);
    last = line || last;
  }
}

/** The failure a person can act on: the innermost cause's message and type (e.g. InvalidSpec, DataQualityGateFailed). */
function describeFailure(err: unknown): { message: string; type?: string } {
  let cause: unknown = err instanceof WorkflowFailedError ? err.cause : err;
  while (cause && typeof cause === 'object' && 'cause' in cause && (cause as { cause?: unknown }).cause) cause = cause.cause;
  const type = (cause as { type?: unknown } | null)?.type;
  return { message: cause instanceof Error ? cause.message : String(cause), ...(typeof type === 'string' ? { type } : {}) };
}

/** Failure types that mean the input was wrong (exit 2), not that the run failed on good input (exit 1). */
const BAD_INPUT_TYPES = new Set(['InvalidSpec', 'InvalidWorkflowInput', 'DataColumnMissing', 'DataColumnWrongType', 'SourceNotFound', 'SourceUnreadable']);

async function withClient<T>(ctx: CliContext, fn: (client: Client) => Promise<T>): Promise<T> {
  const e = ctx.env();
  const connection = await connectClient(e.temporal, e.TEMPORAL_CONNECT_TIMEOUT_MS);
  try {
    return await fn(new Client({ connection, namespace: e.TEMPORAL_NAMESPACE }));
  } finally {
    await connection.close();
  }
}

const TrainOptions = z
  .object({
    wait: z.boolean().default(false),
    promote: z.boolean().default(true),
    reason: z.string().min(1).optional(),
    id: z.string().min(1).max(200).optional(),
  })
  .strict();

export function registerRunCommands(program: Command, ctx: CliContext): void {
  program
    .command('train')
    .description('start trainingPipeline on a dataset spec; with --wait, follow it and exit 0 when it succeeds, 1 when it fails')
    .argument('<spec>', 'dataset spec file (checked here first, exit 2 when it is invalid)')
    .option('--wait', 'follow the run to its end and print its result')
    .option('--no-promote', 'register the version without moving the champion')
    .option('--reason <text>', 'why this run was started (kept in the registry)')
    .option('--id <workflowId>', 'workflow id (default: train-<model>-<time>)')
    .action(async (specArg: string, raw: Record<string, unknown>) => {
      const o = TrainOptions.safeParse(raw);
      if (!o.success) throw badInput(o.error.issues.map((i) => i.message).join('; '));
      const format = ctx.format();
      const { spec, file } = await loadSpec(specArg, process.cwd());
      const e = ctx.env();
      const workflowId = o.data.id ?? `train-${spec.name}-${Date.now().toString(36)}`;
      const url = `${e.TEMPORAL_UI_URL}/namespaces/${e.TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(workflowId)}`;
      await withClient(ctx, async (client) => {
        const handle = await client.workflow.start('trainingPipeline', {
          taskQueue: e.TASK_QUEUE,
          workflowId,
          args: [{ spec: specPathForWorkers(file, e.PROJECT_ROOT), ...(o.data.promote ? {} : { promote: false }), reason: o.data.reason ?? 'mlp train' }],
          staticSummary: `Train ${spec.name} from ${path.basename(file)} (mlp train)`,
        });
        if (!o.data.wait) {
          emit(format, { workflowId, runId: handle.firstExecutionRunId, url }, (r) => `started ${r.workflowId}: ${r.url}`);
          return;
        }
        note(format, `started ${workflowId}: ${url}`);
        await follow(handle, (line) => note(format, line));
        try {
          const result = (await handle.result()) as { model: string; version: number; promoted: boolean; promotionReason: string; modelCard?: string };
          emit(format, { workflowId, url, status: 'completed', result }, (r) => [
            `${r.result.model} v${r.result.version}: ${r.result.promoted ? 'promoted' : 'registered, not promoted'} (${r.result.promotionReason})`,
            ...(r.result.modelCard ? [`card: ${r.result.modelCard}`] : []),
          ]);
        } catch (err) {
          const failure = describeFailure(err);
          const code = failure.type && BAD_INPUT_TYPES.has(failure.type) ? EXIT.badInput : EXIT.failed;
          throw new CliError(`run ${workflowId} failed${failure.type ? ` (${failure.type})` : ''}: ${failure.message}`, code, { workflowId, url, ...failure });
        }
      });
    });

  const drift = program.command('drift').description('drift monitoring: live inputs against the training profile');
  drift
    .command('check')
    .description('run driftMonitor now and print its verdict; exit 1 when drift is found')
    .argument('[model]', 'registry model (default MODEL_NAME)')
    .option('--last-minutes <n>', 'judge inputs of the last n minutes (default: since the previous run)')
    .option('--no-wait', 'start the run and print its id without waiting')
    .action(async (model: string | undefined, raw: { lastMinutes?: string; wait: boolean }) => {
      const format = ctx.format();
      const minutes = raw.lastMinutes === undefined ? undefined : Number(raw.lastMinutes);
      const window = minutes === undefined ? undefined : DriftWindowInput.safeParse({ lastMinutes: minutes });
      if (window && !window.success) throw badInput(`--last-minutes: ${window.error.issues.map((i) => i.message).join('; ')}`);
      const e = ctx.env();
      const name = model ?? e.MODEL_NAME;
      const workflowId = `drift-${name}-cli-${Date.now().toString(36)}`;
      await withClient(ctx, async (client) => {
        const handle = await client.workflow.start('driftMonitor', {
          taskQueue: e.TASK_QUEUE,
          workflowId,
          args: [{ model: name, ...(window ? { window: window.data } : {}) }],
          staticSummary: `Drift check of ${name} (from the CLI)`,
        });
        const url = `${e.TEMPORAL_UI_URL}/namespaces/${e.TEMPORAL_NAMESPACE}/workflows/${workflowId}`;
        if (!raw.wait) {
          emit(format, { workflowId, url }, (r) => `started ${r.workflowId}: ${r.url}`);
          return;
        }
        note(format, `started ${workflowId}: ${url}`);
        const r = MonitorResult.parse(await handle.result());
        emit(format, { workflowId, ...r }, (x) => (x.skipped ? `skipped: ${x.skipped}` : [`${x.verdict}: ${x.summary ?? ''}`, `report: ${x.reportUrl ?? x.reportKey ?? '-'}`]));
        if (r.verdict === 'feature drift' || r.verdict === 'dataset drift') process.exitCode = EXIT.failed;
      });
    });
}
