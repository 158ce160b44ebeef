// `import-model`: an ONNX file (or store key) trained elsewhere, judged on a spec's data by the importModel workflow.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, WorkflowFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import type { EvaluationOutcome, TrainingResult } from '../../activities/training-types';
import { loadSpec } from '../spec/dataset';
import { storeFromEnv } from '../config/store';
import { checkKey } from '../store/keys';
import { connectClient } from '../temporal/connect';
import type { CliContext } from './context';
import { CliError, emit, EXIT, note } from './output';
import { specPathForWorkers } from './run-commands';

/** Failure types that mean the model or the input was wrong (exit 2), not that the run failed on good input. */
const BAD_INPUT_TYPES = new Set(['InvalidSpec', 'InvalidWorkflowInput', 'OnnxInputsMismatch', 'OnnxModelInvalid', 'RunFileMissing']);

export function registerImportCommand(program: Command, ctx: CliContext): void {
  program
    .command('import-model')
    .description('import an ONNX model trained elsewhere: check its inputs against the spec, evaluate on the holdout, gate, profile, register (and promote with --promote)')
    .argument('<onnx>', 'a local .onnx file (uploaded to the store) or store:<key>')
    .requiredOption('--spec <spec>', 'the dataset spec for its data (checked here first)')
    .option('--promote', 'move the champion alias when the gates pass', false)
    .option('--reason <text>', 'why (kept in the registry)')
    .option('--no-wait', 'start the workflow and print its id without waiting')
    .action(async (onnx: string, opts: { spec: string; promote: boolean; reason?: string; wait: boolean }) => {
      const e = ctx.env();
      const format = ctx.format();
      const { spec, file } = await loadSpec(opts.spec, process.cwd());
      let onnxKey: string;
      if (onnx.startsWith('store:')) onnxKey = checkKey(onnx.slice('store:'.length));
      else {
        const bytes = await readFile(onnx).catch((err: NodeJS.ErrnoException) => {
          throw new CliError(`cannot read ${onnx}: ${err.code ?? err.message}`, EXIT.badInput);
        });
        // content-addressed: importing the same file twice reuses the object
        const name =
          path
            .basename(onnx)
            .replace(/[^A-Za-z0-9._-]/g, '_')
            .replace(/^\.+/, '') || 'model.onnx';
        onnxKey = `imports/${createHash('sha256').update(bytes).digest('hex').slice(0, 24)}/${name}`;
        await storeFromEnv(e).put(onnxKey, bytes);
        note(format, `uploaded ${onnx} to store key ${onnxKey}`);
      }
      const workflowId = `import-${spec.name}-${Date.now().toString(36)}`;
      const url = `${e.TEMPORAL_UI_URL}/namespaces/${e.TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(workflowId)}`;
      const connection = await connectClient(e.TEMPORAL_ADDRESS, e.TEMPORAL_CONNECT_TIMEOUT_MS);
      try {
        const client = new Client({ connection, namespace: e.TEMPORAL_NAMESPACE });
        const handle = await client.workflow.start('importModel', {
          taskQueue: e.TASK_QUEUE,
          workflowId,
          args: [{ spec: specPathForWorkers(file, e.PROJECT_ROOT), onnxKey, promote: opts.promote, ...(opts.reason ? { reason: opts.reason } : {}) }],
          staticSummary: `Import ${onnxKey} as ${spec.name} (mlp import-model)`,
        });
        if (!opts.wait) {
          emit(format, { workflowId, url, onnxKey }, (r) => `started ${r.workflowId}: ${r.url}`);
          return;
        }
        note(format, `started ${workflowId}: ${url}`);
        let r: TrainingResult<EvaluationOutcome>;
        try {
          r = (await handle.result()) as TrainingResult<EvaluationOutcome>;
        } catch (err) {
          const failure = innermost(err);
          const code = failure.type && BAD_INPUT_TYPES.has(failure.type) ? EXIT.badInput : EXIT.failed;
          throw new CliError(`import ${workflowId} failed${failure.type ? ` (${failure.type})` : ''}: ${failure.message}`, code, { workflowId, url, ...failure });
        }
        emit(format, { workflowId, url, onnxKey, result: r }, ({ result }) => [
          `${result.model} version ${result.version}: ${result.promoted ? 'promoted' : 'registered'} (${result.promotionReason})`,
          headline(result.metrics),
          ...(result.modelCard ? [`card: ${result.modelCard}`] : []),
        ]);
      } finally {
        await connection.close();
      }
    });
}

function innermost(err: unknown): { message: string; type?: string } {
  let cause: unknown = err instanceof WorkflowFailedError ? err.cause : err;
  while (cause && typeof cause === 'object' && 'cause' in cause && (cause as { cause?: unknown }).cause) cause = cause.cause;
  const type = (cause as { type?: unknown } | null)?.type;
  return { message: cause instanceof Error ? cause.message : String(cause), ...(typeof type === 'string' ? { type } : {}) };
}

/** The candidate's primary holdout metric beside its first baseline's, per task. */
function headline(m: EvaluationOutcome['metrics']): string {
  if ('logistic' in m) return `holdout AUC ${m.candidate.auc?.toFixed(4) ?? 'n/a'} (logistic baseline ${m.logistic.auc?.toFixed(4) ?? 'n/a'})`;
  const c = m.candidate;
  const base = m.baselines[m.baselines.length - 1];
  if (c.task === 'regression') return `holdout RMSE ${c.rmse.toFixed(4)}${base && base.metrics.task === 'regression' ? ` (${base.name} ${base.metrics.rmse.toFixed(4)})` : ''}`;
  return `holdout log loss ${c.logLoss.toFixed(4)}${base && base.metrics.task === 'multiclass' ? ` (${base.name} ${base.metrics.logLoss.toFixed(4)})` : ''}`;
}
