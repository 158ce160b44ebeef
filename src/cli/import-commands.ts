// `import-model`: an ONNX file (or store key) trained elsewhere, judged on a spec's data by the importModel workflow.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, type Connection } from '@temporalio/client';
import type { Command } from 'commander';
import type { TrainingResult } from '../../activities/training-types';
import type { Env } from '../config/env';
import { storeFromEnv } from '../store/from-env';
import { checkKey } from '../store/keys';
import { connectClient } from '../temporal/connect';

export function registerImportCommand(program: Command, env: () => Env): void {
  program
    .command('import-model')
    .description('import an ONNX model trained elsewhere: check its inputs against the spec, evaluate on the holdout, gate, profile, register (and promote with --promote)')
    .argument('<onnx>', 'a local .onnx file (uploaded to the store) or store:<key>')
    .requiredOption('--spec <spec>', 'the dataset spec for its data: a path on the workers (relative to the project root), or store:<key>')
    .option('--promote', 'move the champion alias when the gates pass', false)
    .option('--reason <text>', 'why (shown in the registry)')
    .option('--no-wait', 'start the workflow and print its id without waiting')
    .action(async (onnx: string, opts: { spec: string; promote: boolean; reason?: string; wait: boolean }) => {
      const e = env();
      let onnxKey: string;
      if (onnx.startsWith('store:')) onnxKey = checkKey(onnx.slice('store:'.length));
      else {
        const bytes = await readFile(onnx);
        // content-addressed: importing the same file twice reuses the object
        onnxKey = `imports/${createHash('sha256').update(bytes).digest('hex').slice(0, 24)}/${path.basename(onnx).replace(/[^A-Za-z0-9._-]/g, '_') || 'model.onnx'}`;
        await storeFromEnv(e).put(onnxKey, bytes);
        console.error(`uploaded ${onnx} to store key ${onnxKey}`);
      }
      const connection: Connection = await connectClient(e.TEMPORAL_ADDRESS, e.TEMPORAL_CONNECT_TIMEOUT_MS);
      try {
        const client = new Client({ connection, namespace: e.TEMPORAL_NAMESPACE });
        const handle = await client.workflow.start('importModel', {
          taskQueue: e.TASK_QUEUE,
          workflowId: `import-${Date.now().toString(36)}`,
          args: [{ spec: opts.spec, onnxKey, promote: opts.promote, ...(opts.reason ? { reason: opts.reason } : {}) }],
          staticSummary: `import ${onnxKey}`,
        });
        console.error(`started importModel ${handle.workflowId}: ${e.TEMPORAL_UI_URL}/namespaces/${e.TEMPORAL_NAMESPACE}/workflows/${handle.workflowId}`);
        if (!opts.wait) return;
        const r = (await handle.result().catch((err: unknown) => {
          throw new Error(`importModel ${handle.workflowId} failed: ${causes(err)}`);
        })) as TrainingResult;
        console.log(`${r.model} version ${r.version}: ${r.promoted ? 'promoted' : 'registered'} (${r.promotionReason})`);
        console.log(`holdout AUC ${r.metrics.candidate.auc?.toFixed(4) ?? 'n/a'} (logistic baseline ${r.metrics.logistic.auc?.toFixed(4) ?? 'n/a'})`);
        if (r.modelCard) console.log(`model card ${r.modelCard}`);
      } finally {
        await connection.close();
      }
    });
}

/** A failed workflow's message with its causes (the activity's typed failure says what to fix). */
function causes(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const type = (e as { type?: unknown }).type;
    parts.push(typeof type === 'string' && type ? `${e.message} [${type}]` : e.message);
  }
  return parts.join(': ');
}
