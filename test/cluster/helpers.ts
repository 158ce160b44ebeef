// Helpers of the cluster test: free ports, a state folder the postgres user can enter, history reading, polling.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { freePort, portIsFree } from '../../src/up/processes';
import { MAX_MEMBERSHIP_PORT, TEMPORAL_INTERNAL_PORTS, type ClusterSettings } from '../../src/cluster/settings';
import { projectRoot, temporalCli } from '../support/temporal';

const run = promisify(execFile);

export async function testClusterSettings(appEnv: Record<string, string>): Promise<ClusterSettings> {
  const ports: number[] = [];
  // distinct ports: the OS may hand the same free port out twice when each is closed before the next is asked for
  while (ports.length < 7) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  // The server's internal ports: below the OS's ephemeral range, since membership ports must fit a smallint.
  const internal: number[] = [];
  while (internal.length < TEMPORAL_INTERNAL_PORTS) {
    const p = 20_000 + Math.floor(Math.random() * (MAX_MEMBERSHIP_PORT - 20_000));
    if (!internal.includes(p) && (await portIsFree(p))) internal.push(p);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlp-cluster-'));
  // PostgreSQL runs as the postgres user when the tests run as root: it must be able to enter the folder.
  chmodSync(dir, 0o755);
  const [postgresPort, temporalPort, temporalUiPort, minioPort, minioConsolePort, api1, api2] = ports;
  return {
    projectRoot,
    dir,
    postgresPort,
    temporalPort,
    temporalUiPort,
    temporalInternalPorts: internal,
    minioPort,
    minioConsolePort,
    apiPorts: [api1, api2],
    workers: 2,
    bucket: 'ml-pipeline',
    namespace: 'default',
    taskQueue: 'ml-pipeline',
    modelName: 'flights-small',
    logLevel: 'warn',
    appEnv,
  };
}

/** The project's Temporal CLI against the cluster's frontend. */
export async function temporalCliRun(address: string, args: string[]): Promise<string> {
  const { stdout } = await run(temporalCli(), [...args, '--address', address], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export async function historyOf(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return history.events ?? [];
}

export interface ActivityRun {
  type: string;
  /** Worker identity of the attempt that finished (or is recorded as started). */
  identity: string;
  attempt: number;
  completed: boolean;
}

/** Each scheduled activity with the worker that ran its last attempt, read from the history. */
export function activityRuns(events: HistoryEvent[]): ActivityRun[] {
  const scheduled = new Map<string, string>();
  const runs = new Map<string, ActivityRun>();
  for (const e of events) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) scheduled.set(id, e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const sid = String(started.scheduledEventId);
      runs.set(sid, { type: scheduled.get(sid) ?? '?', identity: started.identity ?? '', attempt: started.attempt ?? 1, completed: false });
    }
    const done = e.activityTaskCompletedEventAttributes;
    if (done) {
      const run = runs.get(String(done.scheduledEventId));
      if (run) run.completed = true;
    }
  }
  return [...runs.values()];
}

export function completedActivity(events: HistoryEvent[], type: string): boolean {
  return activityRuns(events).some((r) => r.type === type && r.completed);
}

/** The highest round a `trainingProgress` signal reported (the train activity signals at each checkpoint). */
export function lastProgressRound(events: HistoryEvent[]): number {
  let round = 0;
  for (const e of events) {
    const s = e.workflowExecutionSignaledEventAttributes;
    if (s?.signalName !== 'trainingProgress') continue;
    const payload = s.input?.payloads?.[0]?.data;
    if (!payload) continue;
    const body = JSON.parse(Buffer.from(payload).toString('utf8')) as { round?: number };
    round = Math.max(round, body.round ?? 0);
  }
  return round;
}

/** The worker identity the server last handed a still-pending activity of this type to. */
export async function pendingActivityWorker(client: Client, workflowId: string, type: string): Promise<string | undefined> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const pending = description.raw.pendingActivities ?? [];
  const match = pending.find((p) => p.activityType?.name === type);
  return match?.lastWorkerIdentity ?? undefined;
}

export interface HeldStep {
  type: string;
  activityId: string;
  /** The worker the server handed the running attempt to. */
  identity: string;
  attempt: number;
}

/**
 * A step of one of these types that a worker holds right now ('closed' once the run has ended). Read from the pending activities, not the history: the
 * server writes ActivityTaskStarted of a retryable activity only when the attempt ends, so the history of a running
 * step shows it scheduled and nothing more.
 */
export async function heldStep(client: Client, workflowId: string, types: readonly string[]): Promise<HeldStep | 'closed' | undefined> {
  const description = await client.workflow.getHandle(workflowId).describe();
  if (description.status.name !== 'RUNNING') return 'closed';
  const started = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
  const p = (description.raw.pendingActivities ?? []).find((a) => types.includes(a.activityType?.name ?? '') && a.state === started && a.lastWorkerIdentity && a.activityId);
  return p ? { type: p.activityType?.name ?? '', activityId: p.activityId ?? '', identity: p.lastWorkerIdentity ?? '', attempt: p.attempt ?? 1 } : undefined;
}

/** How one step (by activity id) ended in the history: the worker and attempt recorded for its last start, and whether it completed. */
export function stepOutcome(events: HistoryEvent[], activityId: string): { identity: string; attempt: number; completed: boolean } | undefined {
  let scheduledId: string | undefined;
  let outcome: { identity: string; attempt: number; completed: boolean } | undefined;
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes?.activityId === activityId) scheduledId = String(e.eventId);
    const started = e.activityTaskStartedEventAttributes;
    if (started && scheduledId && String(started.scheduledEventId) === scheduledId) outcome = { identity: started.identity ?? '', attempt: started.attempt ?? 1, completed: false };
    const done = e.activityTaskCompletedEventAttributes;
    if (done && outcome && String(done.scheduledEventId) === scheduledId) outcome.completed = true;
  }
  return outcome;
}

export interface Replica {
  url: string;
  key: string;
}

export const flightRow = (i: number) => ({
  hour: 6 + (i % 16),
  day_of_week: i % 7,
  distance: 200 + ((i * 37) % 2000),
  origin: ['ORD', 'ATL', 'DFW', 'LAX', 'DEN'][i % 5],
  destination: ['LGA', 'SFO', 'SEA', 'BOS', 'PHX'][(i * 3) % 5],
});

export async function predict(replica: Replica, rows: number, offset = 0): Promise<{ status: number; version?: number }> {
  const res = await fetch(`${replica.url}/v1/predict`, {
    method: 'POST',
    headers: { authorization: `Bearer ${replica.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ instances: Array.from({ length: rows }, (_, i) => flightRow(offset + i)) }),
  });
  const body = (await res.json()) as { model?: { version: number } };
  return { status: res.status, version: body.model?.version };
}

export async function servedVersion(url: string): Promise<number | undefined> {
  const res = await fetch(`${url}/readyz`);
  const body = (await res.json()) as { model: { version: number } | null };
  return body.model?.version;
}

/** One Prometheus counter or gauge value from /metrics (0 when absent). */
export async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : 0;
}

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0);

export interface ActivitySpan {
  type: string;
  attempt: number;
  scheduledMs: number;
  /** When it completed, failed or timed out for good (0 while pending). */
  closedMs: number;
}

/** Each activity's scheduled and closing times, from the history's event times. */
export function activitySpans(events: HistoryEvent[]): ActivitySpan[] {
  const spans = new Map<string, ActivitySpan>();
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) spans.set(String(e.eventId), { type: scheduled.activityType?.name ?? '?', attempt: 1, scheduledMs: ms(e.eventTime), closedMs: 0 });
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const span = spans.get(String(started.scheduledEventId));
      if (span) span.attempt = started.attempt ?? 1;
    }
    const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (closed) {
      const span = spans.get(String(closed.scheduledEventId));
      if (span) span.closedMs = ms(e.eventTime);
    }
  }
  return [...spans.values()];
}
