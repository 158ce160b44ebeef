// Keeps an activity heartbeating while it awaits work that runs off the event loop, so a lost worker is noticed in time.
import { Context } from '@temporalio/activity';

/**
 * DuckDB scans, store uploads and worker-thread training leave the event loop free, so a timer can beat while they run.
 * With a heartbeat timeout on the step, an attempt whose worker vanished (SIGKILL, a host gone, a shutdown that could
 * not hand the attempt back) is retried after that timeout rather than after the step's whole start-to-close timeout.
 * That includes a task lost in transit: on SIGTERM the SDK interrupts the worker's outstanding poll (see
 * temporalio/sdk-rust#1080), and a task the server matched to that poll at that moment is recorded as started by the
 * stopping worker but never runs there, so no hand-back (releaseOnShutdown) can reach it. Before data steps had a
 * heartbeat timeout such a step waited out its 30-minute start-to-close timeout: the likeliest cause of the cluster
 * test's old "never handed back" hang (its worker was SIGTERMed just as the next data step was dispatched).
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
