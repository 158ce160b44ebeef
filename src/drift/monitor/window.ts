// The time window a drift check covers: explicit, the last N minutes, or everything since the previous run ended.
import { z } from 'zod';

const isoInstant = z.iso.datetime({ offset: true });

/** What a caller (workflow input, schedule, CLI) may say about the window; every field optional. */
export const DriftWindowInput = z
  .object({
    /** Inclusive start (ISO 8601 with offset). Default: the previous run's end, else the champion's registration. */
    start: isoInstant.optional(),
    /** Exclusive end. Default: now minus the settling lag. */
    end: isoInstant.optional(),
    /** The last N minutes before `end` (instead of `start`). */
    lastMinutes: z.number().positive().max(366 * 24 * 60).optional(),
  })
  .strict()
  .refine((w) => !(w.start !== undefined && w.lastMinutes !== undefined), { message: 'give start or lastMinutes, not both' })
  .refine((w) => w.start === undefined || w.end === undefined || Date.parse(w.start) <= Date.parse(w.end), { message: 'start must not be after end', path: ['start'] });
export type DriftWindowInput = z.infer<typeof DriftWindowInput>;

/** A resolved window [start, end), ISO instants in UTC. */
export const DriftWindow = z.object({ start: isoInstant, end: isoInstant });
export type DriftWindow = z.infer<typeof DriftWindow>;

export class WindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WindowError';
  }
}

export interface WindowDefaults {
  /** The run's clock (ms since epoch). */
  now: number;
  /**
   * Rows stamped in the last `lagSeconds` are left to the next run: the API flushes capture files a little
   * after it stamps rows, and a row whose stamp falls before this run's end but is written later would
   * otherwise fall between two windows.
   */
  lagSeconds: number;
  /** The previous run's window end, when there was one. */
  lastEnd?: string;
  /** Where the very first window starts (e.g. when the champion was registered). */
  firstStart: string;
}

/**
 * Resolves the window. A window that would start after it ends (two runs within the lag) is empty
 * rather than an error, because the scheduler cannot know; an explicit start after an explicit end is
 * a caller's mistake and throws WindowError.
 */
export function resolveWindow(input: DriftWindowInput | undefined, d: WindowDefaults): DriftWindow {
  const w = input ?? {};
  const end = w.end !== undefined ? Date.parse(w.end) : d.now - d.lagSeconds * 1000;
  let start: number;
  if (w.start !== undefined) {
    start = Date.parse(w.start);
    if (start > end) throw new WindowError(`window start ${w.start} is after its end ${new Date(end).toISOString()}`);
  } else if (w.lastMinutes !== undefined) {
    start = end - w.lastMinutes * 60_000;
  } else {
    start = Math.min(Date.parse(d.lastEnd ?? d.firstStart), end);
  }
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}
