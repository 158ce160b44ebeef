// What `make up` does once the stack runs: start the first training when no champion exists, keep the drift schedule.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Env } from '../config/env';
import { ensureDriftSchedule } from '../drift/schedule';
import { ensureQualitySchedule } from '../model-quality/schedule';
import { ensureCleanupSchedule } from '../retention/schedule';
import { Registry } from '../registry/registry';
import { storeFromEnv } from '../config/store';

export async function firstStart(client: Client, env: Env, say: (line: string) => void): Promise<void> {
  const registry = new Registry(storeFromEnv(env));
  const champion = await registry.alias(env.MODEL_NAME).catch(() => undefined);
  if (champion === undefined && env.TRAIN_ON_FIRST_START && !existsSync(path.resolve(env.PROJECT_ROOT, env.FIRST_TRAINING_SPEC))) {
    say(`no champion for ${env.MODEL_NAME} yet, and no spec ${env.FIRST_TRAINING_SPEC} to train it: set FIRST_TRAINING_SPEC or train it with npx mlp train <spec>`);
  } else if (champion === undefined && env.TRAIN_ON_FIRST_START) {
    const workflowId = `first-training-${env.MODEL_NAME}`;
    try {
      await client.workflow.start('trainingPipeline', {
        taskQueue: env.TASK_QUEUE,
        workflowId,
        args: [{ spec: env.FIRST_TRAINING_SPEC, reason: 'first start of make up' }],
        staticSummary: `first training of ${env.MODEL_NAME} on ${env.FIRST_TRAINING_SPEC}`,
        // A failed first training may be retried by the next `make up`; a running or finished one is left alone.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      });
      say(`no champion for ${env.MODEL_NAME} yet: started ${workflowId} on ${env.FIRST_TRAINING_SPEC} (watch it in the Web UI)`);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      say(`first training ${workflowId} already ran or is running`);
    }
  } else if (champion !== undefined) {
    say(`serving ${env.MODEL_NAME} champion version ${champion}`);
  }
  const schedule = await ensureDriftSchedule(client, {
    model: env.MODEL_NAME,
    taskQueue: env.TASK_QUEUE,
    everyMinutes: env.DRIFT_SCHEDULE_MINUTES,
  });
  say(`drift schedule ${schedule.scheduleId} ${schedule.created ? 'created' : 'kept'}: driftMonitor every ${env.DRIFT_SCHEDULE_MINUTES} min`);
  const quality = await ensureQualitySchedule(client, { model: env.MODEL_NAME, taskQueue: env.TASK_QUEUE, everyMinutes: env.QUALITY_SCHEDULE_MINUTES });
  say(`quality schedule ${quality.scheduleId} ${quality.created ? 'created' : 'kept'}: modelQualityMonitor every ${env.QUALITY_SCHEDULE_MINUTES} min`);
  const cleanup = await ensureCleanupSchedule(client, { taskQueue: env.TASK_QUEUE, everyMinutes: env.STORE_CLEANUP_MINUTES });
  say(
    `cleanup schedule ${cleanup.scheduleId} ${cleanup.created ? 'created' : 'kept'}: storeCleanup every ${env.STORE_CLEANUP_MINUTES} min (runs/ older than ${env.RUNS_KEEP_DAYS} days, ${env.REPORTS_KEEP_PER_MODEL} reports per model)`,
  );
}
