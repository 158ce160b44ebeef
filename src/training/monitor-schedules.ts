// Every model with a champion is monitored: the drift and quality schedules (and the store's cleanup) a promotion creates when missing.
import type { Client } from '@temporalio/client';
import { ensureDriftSchedule } from '../drift/schedule';
import { ensureQualitySchedule } from '../model-quality/schedule';
import { ensureCleanupSchedule } from '../retention/schedule';

export interface MonitorScheduleOptions {
  model: string;
  taskQueue: string;
  /** driftMonitor interval; 0 creates no drift schedule. */
  driftMinutes: number;
  /** modelQualityMonitor interval; 0 creates no quality schedule. */
  qualityMinutes: number;
  /** storeCleanup interval (one schedule for the whole store); 0 or absent creates none. */
  cleanupMinutes?: number;
}

/**
 * Creates drift-<model> and quality-<model> when absent. An existing schedule is left as it is (its interval and pause
 * state may be what `make up` or a person set), so a retry or a second promotion changes nothing.
 */
export async function ensureMonitorSchedules(client: Client, o: MonitorScheduleOptions): Promise<{ scheduleId: string; created: boolean }[]> {
  const ensured: { scheduleId: string; created: boolean }[] = [];
  if (o.driftMinutes > 0) ensured.push(await ensureDriftSchedule(client, { model: o.model, taskQueue: o.taskQueue, everyMinutes: o.driftMinutes, keepExisting: true }));
  if (o.qualityMinutes > 0) ensured.push(await ensureQualitySchedule(client, { model: o.model, taskQueue: o.taskQueue, everyMinutes: o.qualityMinutes, keepExisting: true }));
  // a store with a champion also gets retention: old run folders and reports would otherwise grow without bound
  if ((o.cleanupMinutes ?? 0) > 0) ensured.push(await ensureCleanupSchedule(client, { taskQueue: o.taskQueue, everyMinutes: o.cleanupMinutes ?? 0 }));
  return ensured;
}
