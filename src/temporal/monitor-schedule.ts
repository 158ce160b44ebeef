// The one implementation of a monitor's Temporal Schedule (drift, model quality): create it, or bring it up to date.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction, type ScheduleSpec } from '@temporalio/client';
import { z } from 'zod';
import { modelNameSchema } from '../registry/model-name';
import { ModelName } from './search-attributes';

/** The options every monitor schedule takes; each monitor extends them with its own `input`. */
export const MonitorScheduleBase = z.object({
  model: modelNameSchema(),
  taskQueue: z.string().min(1),
  /** Run every this many minutes. */
  everyMinutes: z
    .number()
    .int()
    .positive()
    .max(7 * 24 * 60),
  /** Default `<kind>-<model>`. */
  scheduleId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/)
    .optional(),
  /** Create paused, or pause/unpause on update; omitted keeps the current state on update. */
  paused: z.boolean().optional(),
  /**
   * Leave an existing schedule exactly as it is (promotion creates a model's schedule when it has none,
   * but must not undo what `make up` or a person set on it). Default false: bring it up to date.
   */
  keepExisting: z.boolean().optional(),
});
export type MonitorScheduleBase = z.infer<typeof MonitorScheduleBase>;

export interface EnsuredSchedule {
  scheduleId: string;
  created: boolean;
}

/** What differs between the monitors' schedules. */
export interface MonitorScheduleKind {
  /** The workflow the schedule starts, e.g. driftMonitor. */
  workflowType: string;
  /** Prefix of the schedule id and of each run's workflow id (the server appends the scheduled time). */
  idPrefix: string;
  /** Names the monitor in the schedule's note, e.g. `drift monitor`. */
  noteName: string;
  staticSummary: string;
  /** A run that hangs (e.g. on a stuck disk) is ended after this many minutes. */
  runTimeoutMinutes: number;
  /** How late a missed run may still start; one interval, so after an outage one catch-up run covers the gap. */
  catchupWindowMinutes: number;
  /** The workflow's input (the model plus the monitor's extra input). */
  args: unknown[];
}

/**
 * Creates the schedule, or when it exists brings its spec, action and policies up to date (so a changed interval
 * takes effect on the next `make up`). Overlap SKIP: a run still going when the next is due makes the next one skip,
 * never pile up; pauseOnFailure false: one failed run (already alerted by the workflow interceptor) must not silence
 * monitoring.
 */
export async function ensureMonitorSchedule(client: Client, o: MonitorScheduleBase, kind: MonitorScheduleKind): Promise<EnsuredSchedule> {
  const scheduleId = o.scheduleId ?? `${kind.idPrefix}-${o.model}`;
  const minute = 60_000;
  const spec: ScheduleSpec = { intervals: [{ every: o.everyMinutes * minute }] };
  const action: ScheduleOptionsStartWorkflowAction<(...args: unknown[]) => Promise<unknown>> = {
    type: 'startWorkflow',
    workflowType: kind.workflowType,
    workflowId: `${kind.idPrefix}-${o.model}`,
    taskQueue: o.taskQueue,
    args: kind.args,
    staticSummary: kind.staticSummary,
    typedSearchAttributes: [{ key: ModelName, value: o.model }],
    workflowRunTimeout: kind.runTimeoutMinutes * minute,
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: Math.round(kind.catchupWindowMinutes * minute), pauseOnFailure: false };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies, state: { paused: o.paused ?? false, note: `${kind.noteName} for ${o.model}, every ${o.everyMinutes} min` } });
    return { scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  if (o.keepExisting) return { scheduleId, created: false };
  await client.schedule.getHandle(scheduleId).update((previous) => ({
    spec,
    action,
    policies,
    state: { paused: o.paused ?? previous.state.paused, note: previous.state.note ?? `${kind.noteName} for ${o.model}` },
  }));
  return { scheduleId, created: false };
}
