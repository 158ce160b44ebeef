// The retention settings a cleanup pass uses when its input names none: the process's own, or the defaults.
import { env } from '../config/env';

/** RUNS_KEEP_DAYS and REPORTS_KEEP_PER_MODEL (30 and 500 when the settings cannot be read here: retention never stops a worker). */
export function retentionSettings(): { runsKeepDays: number; reportsKeepPerModel: number } {
  try {
    const e = env();
    return { runsKeepDays: e.RUNS_KEEP_DAYS, reportsKeepPerModel: e.REPORTS_KEEP_PER_MODEL };
  } catch {
    return { runsKeepDays: 30, reportsKeepPerModel: 500 };
  }
}
