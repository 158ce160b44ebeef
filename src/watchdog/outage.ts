// Sees from outside the workers whether they are down: a task queue nobody polls, or runs whose tasks wait for a worker.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { TaskQueueType, PendingActivityState, PendingWorkflowTaskState } = temporal.api.enums.v1;

export interface StuckRun {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** What waits for a worker: the workflow task, or an activity by type. */
  waiting: string;
  waitingMs: number;
}

export interface Outage {
  /** One line per finding, for the alert. */
  reasons: string[];
  stuck: StuckRun[];
}

export interface OutageCheck {
  client: Client;
  namespace: string;
  taskQueue: string;
  /** A task waiting longer than this for a worker, or no poll for this long, is an outage. */
  limitMs: number;
  now?: number;
  /** Since when the checker watches: a queue never seen polled counts as idle from here (no alert while workers boot). */
  watchingSince?: number;
  /** Runs looked at per check (the oldest waits are what matter; a few show the pattern). */
  maxRuns?: number;
}

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined =>
  t?.seconds === undefined || t.seconds === null ? undefined : Number(t.seconds) * 1000 + Math.round((t.nanos ?? 0) / 1e6);

/** Undefined when the workers are fine; otherwise what shows they are not. */
export async function findOutage(o: OutageCheck): Promise<Outage | undefined> {
  const now = o.now ?? Date.now();
  const service = o.client.workflowService;
  const reasons: string[] = [];
  let lastPoll: number | undefined;
  for (const taskQueueType of [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY]) {
    const res = await service.describeTaskQueue({ namespace: o.namespace, taskQueue: { name: o.taskQueue }, taskQueueType });
    for (const p of res.pollers ?? []) lastPoll = Math.max(lastPoll ?? 0, ms(p.lastAccessTime) ?? 0);
  }
  if (now - (lastPoll ?? o.watchingSince ?? 0) > o.limitMs) {
    reasons.push(lastPoll === undefined ? `no worker polls task queue ${o.taskQueue}` : `no worker has polled task queue ${o.taskQueue} for ${Math.round((now - lastPoll) / 1000)} s`);
  }

  const stuck: StuckRun[] = [];
  const query = `ExecutionStatus = "Running" AND TaskQueue = "${o.taskQueue.replace(/"/g, '')}"`;
  let seen = 0;
  for await (const wf of o.client.workflow.list({ query })) {
    if (++seen > (o.maxRuns ?? 50)) break;
    const d = await o.client.workflow.getHandle(wf.workflowId, wf.runId).describe();
    const base = { workflowId: wf.workflowId, runId: wf.runId, workflowType: wf.type };
    const wt = d.raw.pendingWorkflowTask;
    const wtAt = ms(wt?.scheduledTime);
    if (wt && wt.state === PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED && wtAt !== undefined && now - wtAt > o.limitMs) {
      stuck.push({ ...base, waiting: 'workflow task', waitingMs: now - wtAt });
    }
    for (const a of d.raw.pendingActivities ?? []) {
      // a scheduled activity's time is when it became due (after a retry's backoff): waiting since then means no worker took it
      const at = ms(a.scheduledTime) ?? ms(a.lastAttemptCompleteTime);
      if (a.state === PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED && at !== undefined && now - at > o.limitMs) {
        stuck.push({ ...base, waiting: `activity ${a.activityType?.name ?? '?'}`, waitingMs: now - at });
      }
    }
  }
  if (stuck.length) reasons.push(`${stuck.length} task(s) waiting for a worker longer than ${Math.round(o.limitMs / 1000)} s, e.g. ${stuck[0]?.waiting} of ${stuck[0]?.workflowId}`);
  return reasons.length ? { reasons, stuck } : undefined;
}
