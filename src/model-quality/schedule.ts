// ensureQualitySchedule: the Temporal Schedule that runs modelQualityMonitor for one model (the shared part is temporal/monitor-schedule).
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { ensureMonitorSchedule, MonitorScheduleBase, type EnsuredSchedule } from '../temporal/monitor-schedule';
import { ModelQualityInput } from './run';

/** everyMinutes is QUALITY_SCHEDULE_MINUTES (default 60); scheduleId defaults to `quality-<model>`. */
export const QualityScheduleOptions = MonitorScheduleBase.extend({
  /** Extra modelQualityMonitor input (settings overrides, lagSeconds, retrainOnDegradation). */
  input: ModelQualityInput.omit({ model: true, window: true }).optional(),
}).strict();
export type QualityScheduleOptions = z.input<typeof QualityScheduleOptions>;

export function qualityScheduleId(model: string): string {
  return `quality-${model}`;
}

export async function ensureQualitySchedule(client: Client, options: QualityScheduleOptions): Promise<EnsuredSchedule> {
  const o = QualityScheduleOptions.parse(options);
  return ensureMonitorSchedule(client, o, {
    workflowType: 'modelQualityMonitor',
    idPrefix: 'quality',
    noteName: 'model-quality monitor',
    staticSummary: `Model quality of ${o.model}: live predictions vs ground truth`,
    runTimeoutMinutes: Math.max(30, o.everyMinutes * 2),
    catchupWindowMinutes: o.everyMinutes,
    args: [{ model: o.model, ...(o.input ?? {}) }],
  });
}
