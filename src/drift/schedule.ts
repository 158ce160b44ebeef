// ensureDriftSchedule: the Temporal Schedule that runs driftMonitor for one model (the shared part is temporal/monitor-schedule).
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { ensureMonitorSchedule, MonitorScheduleBase, type EnsuredSchedule } from '../temporal/monitor-schedule';
import { DriftMonitorInput } from './monitor/run';

export type { EnsuredSchedule };

/** everyMinutes is DRIFT_SCHEDULE_MINUTES (default 15); scheduleId defaults to `drift-<model>`. */
export const DriftScheduleOptions = MonitorScheduleBase.extend({
  /**
   * How late a missed run (server down at the scheduled time) may still start. Default: one interval,
   * so after an outage one catch-up run covers the gap (the window is "since the last run") instead of
   * a burst of runs.
   */
  catchupWindowMinutes: z.number().positive().optional(),
  /** Extra driftMonitor input (lagSeconds, missingRateThreshold, retrainOnDrift, retrainSpec). */
  input: DriftMonitorInput.omit({ model: true, window: true }).optional(),
}).strict();
export type DriftScheduleOptions = z.input<typeof DriftScheduleOptions>;

export function driftScheduleId(model: string): string {
  return `drift-${model}`;
}

export async function ensureDriftSchedule(client: Client, options: DriftScheduleOptions): Promise<EnsuredSchedule> {
  const o = DriftScheduleOptions.parse(options);
  return ensureMonitorSchedule(client, o, {
    workflowType: 'driftMonitor',
    idPrefix: 'drift',
    noteName: 'drift monitor',
    staticSummary: `Drift check of ${o.model}: live inputs vs the training profile`,
    runTimeoutMinutes: Math.max(10, o.everyMinutes * 4),
    catchupWindowMinutes: o.catchupWindowMinutes ?? o.everyMinutes,
    args: [{ model: o.model, ...(o.input ?? {}) }],
  });
}
