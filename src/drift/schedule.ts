// ensureDriftSchedule: creates or updates the Temporal Schedule that runs driftMonitor for one model, idempotently.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction, type ScheduleSpec } from '@temporalio/client';
import { z } from 'zod';
import { ModelName } from '../temporal/search-attributes';
import { DriftMonitorInput } from './monitor/run';
import { modelNameSchema } from '../registry/model-name';

export const DriftScheduleOptions = z
  .object({
    model: modelNameSchema(),
    taskQueue: z.string().min(1),
    /** Run every this many minutes (DRIFT_SCHEDULE_MINUTES, default 15). */
    everyMinutes: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 60),
    /** Default `drift-<model>`. */
    scheduleId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/)
      .optional(),
    /**
     * How late a missed run (server down at the scheduled time) may still start. Default: one interval,
     * so after an outage one catch-up run covers the gap (the window is "since the last run") instead of
     * a burst of runs.
     */
    catchupWindowMinutes: z.number().positive().optional(),
    /** Create paused, or pause/unpause on update; omitted keeps the current state on update. */
    paused: z.boolean().optional(),
    /**
     * Leave an existing schedule exactly as it is (promotion creates a model's schedule when it has none,
     * but must not undo what `make up` or a person set on it). Default false: bring it up to date.
     */
    keepExisting: z.boolean().optional(),
    /** Extra driftMonitor input (lagSeconds, missingRateThreshold, retrainOnDrift, retrainSpec). */
    input: DriftMonitorInput.omit({ model: true, window: true }).optional(),
  })
  .strict();
export type DriftScheduleOptions = z.input<typeof DriftScheduleOptions>;

export interface EnsuredSchedule {
  scheduleId: string;
  created: boolean;
}

export function driftScheduleId(model: string): string {
  return `drift-${model}`;
}

/**
 * Creates the schedule, or when it exists brings its spec, action and policies up to date (so a changed
 * DRIFT_SCHEDULE_MINUTES takes effect on the next `make up`). Overlap SKIP: a run still going when the
 * next is due makes the next one skip, never pile up; pauseOnFailure false: one failed run (already
 * alerted by the workflow interceptor) must not silence monitoring.
 */
export async function ensureDriftSchedule(client: Client, options: DriftScheduleOptions): Promise<EnsuredSchedule> {
  const o = DriftScheduleOptions.parse(options);
  const scheduleId = o.scheduleId ?? driftScheduleId(o.model);
  const minute = 60_000;
  const spec: ScheduleSpec = { intervals: [{ every: o.everyMinutes * minute }] };
  const action: ScheduleOptionsStartWorkflowAction<(input: DriftMonitorInput) => Promise<unknown>> = {
    type: 'startWorkflow',
    workflowType: 'driftMonitor',
    // The server appends the scheduled time, so each run has its own id under this prefix.
    workflowId: `drift-${o.model}`,
    taskQueue: o.taskQueue,
    args: [{ model: o.model, ...(o.input ?? {}) }],
    staticSummary: `Drift check of ${o.model}: live inputs vs the training profile`,
    typedSearchAttributes: [{ key: ModelName, value: o.model }],
    // A run that hangs (e.g. on a stuck disk) is ended before the next few are due.
    workflowRunTimeout: Math.max(10, o.everyMinutes * 4) * minute,
  };
  const policies = {
    overlap: ScheduleOverlapPolicy.SKIP,
    catchupWindow: Math.round((o.catchupWindowMinutes ?? o.everyMinutes) * minute),
    pauseOnFailure: false,
  };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies,
      state: { paused: o.paused ?? false, note: `drift monitor for ${o.model}, every ${o.everyMinutes} min` },
    });
    return { scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  if (o.keepExisting) return { scheduleId, created: false };
  const handle = client.schedule.getHandle(scheduleId);
  await handle.update((previous) => ({
    spec,
    action,
    policies,
    state: {
      paused: o.paused ?? previous.state.paused,
      note: previous.state.note ?? `drift monitor for ${o.model}`,
    },
  }));
  return { scheduleId, created: false };
}
