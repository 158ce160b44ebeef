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
    lastMinutes: z
      .number()
      .positive()
      .max(366 * 24 * 60)
      .optional(),
  })
  .strict()
  .refine((w) => !(w.start !== undefined && w.lastMinutes !== undefined), { message: 'give start or lastMinutes, not both' })
  .refine((w) => w.start === undefined || w.end === undefined || Date.parse(w.start) <= Date.parse(w.end), { message: 'start must not be after end', path: ['start'] });
export type DriftWindowInput = z.infer<typeof DriftWindowInput>;

/** A resolved window [start, end), ISO instants in UTC. */
export const DriftWindow = z.object({ start: isoInstant, end: isoInstant });
export type DriftWindow = z.infer<typeof DriftWindow>;

/** Captured rows a catch-up left unchecked: [start, end), and why. */
export const SkippedSpan = z.object({ start: isoInstant, end: isoInstant, reason: z.string() });
export type SkippedSpan = z.infer<typeof SkippedSpan>;

/** A default window reaches back at most this far: one day of captures is one scan of bounded cost. */
export const DEFAULT_MAX_CATCH_UP_MINUTES = 24 * 60;

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

/**
 * Bounds a catch-up window (one that starts where the previous run ended) to its newest `maxMinutes`. Without a
 * bound, a scan that cannot finish never moves the recorded end, so every later run gets a bigger window and fails
 * the same way; the oldest rows are the ones given up, because drift is about what the model sees now.
 */
export function boundCatchUp(window: DriftWindow, maxMinutes: number): { window: DriftWindow; skipped?: SkippedSpan } {
  const start = Date.parse(window.start);
  const end = Date.parse(window.end);
  if (end - start <= maxMinutes * 60_000) return { window };
  const kept = new Date(end - maxMinutes * 60_000).toISOString();
  const hours = maxMinutes % 60 === 0 ? `${maxMinutes / 60} h` : `${maxMinutes} min`;
  return {
    window: { start: kept, end: window.end },
    skipped: { start: window.start, end: kept, reason: `a catch-up window checks at most the newest ${hours} (maxCatchUpMinutes)` },
  };
}
