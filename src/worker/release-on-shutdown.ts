// Lets every activity give its attempt back when the worker shuts down, so the server retries it on another worker at once.
import { CancelledFailure, Context } from '@temporalio/activity';

/**
 * On SIGTERM the SDK stops polling, waits `shutdownGraceTime`, then cancels running activities with the reason
 * WORKER_SHUTDOWN. An activity that does not notice (a DuckDB scan, an upload) would keep its attempt until the
 * process is gone, and the server would only retry after the start-to-close timeout (30 minutes for a data step).
 * Re-throwing the cancellation marks the attempt failed, and the retry policy reschedules it within seconds: a rolling
 * restart of workers then costs one retry, not a stalled run. Cancellations for other reasons are left to the activity.
 */
export function releaseOnShutdown<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = (...args: never[]) => {
      const shutdown = new Promise<never>((_resolve, reject) => {
        Context.current().cancelled.catch((err: unknown) => {
          if (err instanceof CancelledFailure && err.message === 'WORKER_SHUTDOWN') reject(err);
        });
      });
      // the race handles the rejection while it matters; afterwards it must not surface as an unhandled rejection
      shutdown.catch(() => undefined);
      return Promise.race([fn(...args), shutdown]);
    };
  }
  return wrapped as T;
}
