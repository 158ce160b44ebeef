// The monitor's memory between runs, one small file per model: where the last window ended and whether an alert is open.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from '../../util/fs-atomic';
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

export function monitorStateFile(varDir: string, model: string): string {
  return path.join(varDir, 'drift', model, 'state.json');
}

/** The state, or null when there is none; an unreadable file is treated as none (the first window then starts at registration). */
export async function readMonitorState(varDir: string, model: string): Promise<MonitorState | null> {
  try {
    const parsed = MonitorState.safeParse(JSON.parse(await readFile(monitorStateFile(varDir, model), 'utf8')));
    return parsed.success ? parsed.data : null;
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
export async function recordMonitorRun(varDir: string, r: RunRecord): Promise<MonitorState> {
  const old = await readMonitorState(varDir, r.model);
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
  await writeJsonAtomic(monitorStateFile(varDir, r.model), state);
  return state;
}
