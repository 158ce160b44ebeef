// ensureQualitySchedule: creates or updates the Temporal Schedule that runs modelQualityMonitor for one model, idempotently.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { z } from 'zod';
import { ModelName } from '../temporal/search-attributes';
import { ModelQualityInput } from './run';
import { modelNameSchema } from '../registry/model-name';

export const QualityScheduleOptions = z
  .object({
    model: modelNameSchema(),
    taskQueue: z.string().min(1),
    /** Run every this many minutes (QUALITY_SCHEDULE_MINUTES, default 60). */
    everyMinutes: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 60),
    /** Default `quality-<model>`. */
    scheduleId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/)
      .optional(),
    /** Create paused, or pause/unpause on update; omitted keeps the current state on update. */
    paused: z.boolean().optional(),
    /** Leave an existing schedule as it is (promotion creates one when a model has none, never undoes a person's change). */
    keepExisting: z.boolean().optional(),
    /** Extra modelQualityMonitor input (settings overrides, lagSeconds, retrainOnDegradation). */
    input: ModelQualityInput.omit({ model: true, window: true }).optional(),
  })
  .strict();
export type QualityScheduleOptions = z.input<typeof QualityScheduleOptions>;

export function qualityScheduleId(model: string): string {
  return `quality-${model}`;
}

/**
 * Creates the schedule, or brings an existing one's spec, action and policies up to date. The same
 * policies as the drift schedule and for the same reasons: overlap SKIP (a slow run makes the next one
 * skip, never pile up), a catch-up window of one interval (windows are rolling, one late run covers an
 * outage), pauseOnFailure off (one failed run, already alerted, must not silence monitoring).
 */
export async function ensureQualitySchedule(client: Client, options: QualityScheduleOptions): Promise<{ scheduleId: string; created: boolean }> {
  const o = QualityScheduleOptions.parse(options);
  const scheduleId = o.scheduleId ?? qualityScheduleId(o.model);
  const minute = 60_000;
  const spec = { intervals: [{ every: o.everyMinutes * minute }] };
  const action: ScheduleOptionsStartWorkflowAction<(input: ModelQualityInput) => Promise<unknown>> = {
    type: 'startWorkflow',
    workflowType: 'modelQualityMonitor',
    // The server appends the scheduled time, so each run has its own id under this prefix.
    workflowId: `quality-${o.model}`,
    taskQueue: o.taskQueue,
    args: [{ model: o.model, ...(o.input ?? {}) }],
    staticSummary: `Model quality of ${o.model}: live predictions vs ground truth`,
    typedSearchAttributes: [{ key: ModelName, value: o.model }],
    workflowRunTimeout: Math.max(30, o.everyMinutes * 2) * minute,
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: o.everyMinutes * minute, pauseOnFailure: false };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies, state: { paused: o.paused ?? false, note: `model-quality monitor for ${o.model}, every ${o.everyMinutes} min` } });
    return { scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  if (o.keepExisting) return { scheduleId, created: false };
  await client.schedule.getHandle(scheduleId).update((previous) => ({
    spec,
    action,
    policies,
    state: { paused: o.paused ?? previous.state.paused, note: previous.state.note ?? `model-quality monitor for ${o.model}` },
  }));
  return { scheduleId, created: false };
}
