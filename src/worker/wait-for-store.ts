// Lets an activity ride out a short artifact-store outage by trying again in-process, instead of spending its attempts.
import { Context } from '@temporalio/activity';

/** How long an activity keeps trying while the store is unreachable before it fails the attempt. */
export const STORE_OUTAGE_WAIT_MS = 120_000;

const isStoreUnavailable = (err: unknown) => err instanceof Error && err.name === 'StoreUnavailable';

/**
 * Data steps have three attempts a few seconds apart (bad input must fail fast, and alerts rely on that), so an object
 * store that is away for half a minute would fail the run. A StoreUnavailable error (connection refused, timeouts) is
 * not the step's fault: the activity waits with backoff and runs again (activities are idempotent), up to
 * STORE_OUTAGE_WAIT_MS. Activities with a heartbeat timeout (training) are left to Temporal's retries, since a silent
 * wait would trip their heartbeat timeout anyway.
 */
export function waitForStore<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T, maxWaitMs = STORE_OUTAGE_WAIT_MS): T {
  const wrapped: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      const started = Date.now();
      let delay = 1000;
      for (let tries = 1; ; tries++) {
        try {
          return await fn(...args);
        } catch (err) {
          const ctx = Context.current();
          if (!isStoreUnavailable(err) || ctx.info.heartbeatTimeoutMs || Date.now() - started + delay > maxWaitMs) throw err;
          ctx.log.warn(`${name}: artifact store unavailable (${(err as Error).message}); try ${tries + 1} in ${delay / 1000} s`);
          await ctx.sleep(delay);
          delay = Math.min(delay * 2, 15_000);
        }
      }
    };
  }
  return wrapped as T;
}
