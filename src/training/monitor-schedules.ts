// Every model with a champion is monitored: the drift and quality schedules a promotion creates when they are missing.
import type { Client } from '@temporalio/client';
import { ensureDriftSchedule } from '../drift/schedule';
import { ensureQualitySchedule } from '../model-quality/schedule';

export interface MonitorScheduleOptions {
  model: string;
  taskQueue: string;
  /** driftMonitor interval; 0 creates no drift schedule. */
  driftMinutes: number;
  /** modelQualityMonitor interval; 0 creates no quality schedule. */
  qualityMinutes: number;
}

/**
 * Creates drift-<model> and quality-<model> when absent. An existing schedule is left as it is (its interval and pause
 * state may be what `make up` or a person set), so a retry or a second promotion changes nothing.
 */
export async function ensureMonitorSchedules(client: Client, o: MonitorScheduleOptions): Promise<{ scheduleId: string; created: boolean }[]> {
  const ensured: { scheduleId: string; created: boolean }[] = [];
  if (o.driftMinutes > 0) ensured.push(await ensureDriftSchedule(client, { model: o.model, taskQueue: o.taskQueue, everyMinutes: o.driftMinutes, keepExisting: true }));
  if (o.qualityMinutes > 0) ensured.push(await ensureQualitySchedule(client, { model: o.model, taskQueue: o.taskQueue, everyMinutes: o.qualityMinutes, keepExisting: true }));
  return ensured;
}
