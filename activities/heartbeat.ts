// Keeps an activity heartbeating while it awaits work that runs off the event loop, so a lost worker is noticed in time.
import { Context } from '@temporalio/activity';

/**
 * DuckDB scans, store uploads and worker-thread training leave the event loop free, so a timer can beat while they run.
 * With a heartbeat timeout on the step, an attempt whose worker vanished (SIGKILL, a host gone, a shutdown that could
 * not hand the attempt back) is retried after that timeout rather than after the step's whole start-to-close timeout.
 */
export async function heartbeating<T>(stage: string, fn: () => Promise<T>, everyMs = 5_000): Promise<T> {
  const context = Context.current();
  const beat = setInterval(() => context.heartbeat(stage), everyMs);
  try {
    return await fn();
  } finally {
    clearInterval(beat);
  }
}
