// Promote and roll back a champion by hand: the one code path behind `mlp models promote|rollback` and the console's admin actions.
import { Client, type Connection } from '@temporalio/client';
import type { Env } from '../config/env';
import { connectClient, TemporalTlsError, TemporalUnreachable } from '../temporal/connect';
import { ensureMonitorSchedules } from './monitor-schedules';
import type { TemporalTarget } from '../temporal/target';
import type { Registry } from '../registry/registry';

/** Where and how a promoted model's drift and quality schedules are made (the worker's queue and intervals). */
export interface PromotionMonitoring {
  temporal: TemporalTarget | string;
  connectTimeoutMs: number;
  namespace: string;
  taskQueue: string;
  driftMinutes: number;
  qualityMinutes: number;
}

export function monitoringFromEnv(e: Env): PromotionMonitoring {
  return {
    temporal: e.temporal,
    connectTimeoutMs: e.TEMPORAL_CONNECT_TIMEOUT_MS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TASK_QUEUE,
    driftMinutes: e.DRIFT_SCHEDULE_MINUTES,
    qualityMinutes: e.QUALITY_SCHEDULE_MINUTES,
  };
}

export interface PromotionResult {
  model: string;
  champion: number;
  /** The monitoring schedules checked: created, or already there and left as they are. */
  schedules: { scheduleId: string; created: boolean }[];
  /** Why the schedules were not checked (the promotion itself stands), with the way to get them. */
  schedulesNotChecked?: string;
}

/**
 * Points the champion at `version`, then makes sure the model is monitored like one a pipeline run promoted (its
 * drift and quality schedules, created when missing). `monitoring: null` skips the schedules. The promotion already
 * stands when the schedules are made, so a Temporal server that cannot be reached only costs the schedules.
 */
export async function promoteByHand(registry: Registry, o: { model: string; version: number; reason: string; monitoring: PromotionMonitoring | null }): Promise<PromotionResult> {
  await registry.setAlias(o.model, o.version, o.reason);
  const done = { model: o.model, champion: o.version };
  if (!o.monitoring) return { ...done, schedules: [] };
  const m = o.monitoring;
  let connection: Connection;
  try {
    connection = await connectClient(m.temporal, m.connectTimeoutMs);
  } catch (err) {
    if (!(err instanceof TemporalUnreachable || err instanceof TemporalTlsError)) throw err;
    return { ...done, schedules: [], schedulesNotChecked: `${o.model}: drift and quality schedules not checked: ${err.message} Promote again with the server up to create them.` };
  }
  try {
    const client = new Client({ connection, namespace: m.namespace });
    const ensured = await ensureMonitorSchedules(client, { model: o.model, taskQueue: m.taskQueue, driftMinutes: m.driftMinutes, qualityMinutes: m.qualityMinutes });
    return { ...done, schedules: ensured.map((x) => ({ scheduleId: x.scheduleId, created: x.created })) };
  } finally {
    await connection.close();
  }
}

/** Moves the champion back to the version it pointed at before; returns that version. */
export async function rollbackChampion(registry: Registry, model: string): Promise<{ model: string; champion: number }> {
  return { model, champion: await registry.rollback(model) };
}
