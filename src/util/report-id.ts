// Names a monitoring run's report so that names sort by time, differ per run and stay the same on a retry; what an id may be.
import { z } from 'zod';

/** What a report id may be: it names a stored object, so no path separators or dots. */
export const REPORT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,150}$/;
export const ReportId = z.string().regex(REPORT_ID, 'a report id is letters, digits, - and _ (at most 151)');

/**
 * `<window end yyyymmddThhmmssZ>-<model>-<tag><12 chars of the run id>`. The run id's tail, not its head: Temporal
 * run ids are UUIDv7, whose first characters are a timestamp, so two runs over the same window within a minute would
 * share a head and overwrite each other's report.
 */
export function monitorReportId(model: string, windowEnd: string, runId: string, tag = ''): string {
  const run = runId.replace(/[^A-Za-z0-9]/g, '').slice(-12) || 'manual';
  return `${windowEnd.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${model}-${tag}${run}`;
}
