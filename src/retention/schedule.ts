// ensureCleanupSchedule: the one Temporal Schedule that runs storeCleanup (runs/ and report retention) for the whole store.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { StoreCleanupInput } from './cleanup';

export const CLEANUP_SCHEDULE_ID = 'store-cleanup';

/**
 * Creates `store-cleanup` when absent; an existing one is left as it is (a person may have paused it or changed its
 * interval). Overlap SKIP and a catch-up window of one interval: a pass is idempotent, one late pass covers an outage.
 */
export async function ensureCleanupSchedule(client: Client, o: { taskQueue: string; everyMinutes: number }): Promise<{ scheduleId: string; created: boolean }> {
  const minute = 60_000;
  const action: ScheduleOptionsStartWorkflowAction<(input: StoreCleanupInput) => Promise<unknown>> = {
    type: 'startWorkflow',
    workflowType: 'storeCleanup',
    workflowId: CLEANUP_SCHEDULE_ID,
    taskQueue: o.taskQueue,
    args: [{}],
    staticSummary: 'Store retention: old training-run folders and reports past the per-model count',
    workflowRunTimeout: Math.max(30, o.everyMinutes * 2) * minute,
  };
  try {
    await client.schedule.create({
      scheduleId: CLEANUP_SCHEDULE_ID,
      spec: { intervals: [{ every: o.everyMinutes * minute }] },
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: o.everyMinutes * minute, pauseOnFailure: false },
      state: { note: `store retention, every ${o.everyMinutes} min` },
    });
    return { scheduleId: CLEANUP_SCHEDULE_ID, created: true };
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return { scheduleId: CLEANUP_SCHEDULE_ID, created: false };
    throw err;
  }
}
