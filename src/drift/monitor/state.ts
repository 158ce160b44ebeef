// The monitor's memory between runs, one small store object per model: where the last window ended and whether an alert is open.
import { z } from 'zod';
import { CorruptObject, type ArtifactStore } from '../../store';
import { driftStateKey } from '../../store/layout';
import { Verdict } from './report-model';

export const MonitorState = z.object({
  version: z.literal(1),
  model: z.string(),
  /** End of the last judged window: the next default window starts here. */
  lastWindowEnd: z.string().optional(),
  lastVerdict: Verdict.optional(),
  lastReportId: z.string().optional(),
  /** A drift alert was raised and not yet resolved. */
  alertOpen: z.boolean().default(false),
  updatedAt: z.string(),
  workflowId: z.string().optional(),
  runId: z.string().optional(),
});
export type MonitorState = z.infer<typeof MonitorState>;

export function monitorStateKey(model: string): string {
  return driftStateKey(model);
}

/** The state, or null when there is none; an unreadable object is treated as none (the first window then starts at registration). */
export async function readMonitorState(store: ArtifactStore, model: string): Promise<MonitorState | null> {
  try {
    return (await store.getJson(monitorStateKey(model), MonitorState)) ?? null;
  } catch {
    return null;
  }
}

export interface RunRecord {
  model: string;
  /** The window end to remember, or undefined to keep the old one (insufficient data: rows keep adding up). */
  windowEnd?: string;
  verdict: Verdict;
  reportId: string;
  alertOpen: boolean;
  workflowId: string;
  runId: string;
  at: string;
}

/**
 * Records a finished run. The window end only moves forward, so a manual run over an old window, or two
 * overlapping runs finishing out of order, never make the next window re-read rows already judged.
 * Writing the same record twice (a retried activity) gives the same file.
 */
export async function recordMonitorRun(store: ArtifactStore, r: RunRecord): Promise<MonitorState> {
  // compare-and-swap: two runs finishing at once (on two workers) both land, and the window end still only moves forward
  try {
    const { value } = await store.update(monitorStateKey(r.model), MonitorState, (current) => nextState(current ?? null, r));
    return value ?? nextState(null, r);
  } catch (err) {
    if (!(err instanceof CorruptObject)) throw err;
    // an unreadable state counts as none (as when reading it): replace it
    const state = nextState(null, r);
    await store.putJson(monitorStateKey(r.model), state);
    return state;
  }
}

function nextState(old: MonitorState | null, r: RunRecord): MonitorState {
  const ends = [old?.lastWindowEnd, r.windowEnd].filter((e): e is string => e !== undefined);
  const lastWindowEnd = ends.length ? ends.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b)) : undefined;
  const state: MonitorState = {
    version: 1,
    model: r.model,
    ...(lastWindowEnd !== undefined ? { lastWindowEnd } : {}),
    lastVerdict: r.verdict,
    lastReportId: r.reportId,
    alertOpen: r.alertOpen,
    updatedAt: r.at,
    workflowId: r.workflowId,
    runId: r.runId,
  };
  return state;
}
