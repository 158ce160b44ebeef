// storeCleanup's activity: one retention pass over the store (see src/retention/cleanup); bad input is a non-retryable failure.
import { ApplicationFailure } from '@temporalio/activity';
import { cleanStore, StoreCleanupInput, type StoreCleanupResult } from '../src/retention/cleanup';
import { retentionSettings } from '../src/retention/settings';
import type { ActivityContext } from './context';
import { heartbeating } from './heartbeat';

export function cleanupActivities(ctx: ActivityContext) {
  return {
    /** Deletes run folders past RUNS_KEEP_DAYS that no champion needs, and reports past REPORTS_KEEP_PER_MODEL. Idempotent. */
    async cleanStore(input: StoreCleanupInput = {}): Promise<StoreCleanupResult> {
      const parsed = StoreCleanupInput.safeParse(input);
      if (!parsed.success) {
        throw ApplicationFailure.nonRetryable(`invalid storeCleanup input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`, 'InvalidCleanupInput');
      }
      const defaults = retentionSettings();
      return heartbeating('cleaning the store', () =>
        cleanStore(ctx.store, {
          runsKeepDays: parsed.data.runsKeepDays ?? defaults.runsKeepDays,
          reportsKeepPerModel: parsed.data.reportsKeepPerModel ?? defaults.reportsKeepPerModel,
          now: Date.now(),
        }),
      );
    },
  };
}
