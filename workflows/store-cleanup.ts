// storeCleanup: the store-cleanup schedule's workflow, one retention pass (old run folders, reports past the per-model count).
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { StoreCleanupInput, StoreCleanupResult } from '../src/retention/cleanup';

export type { StoreCleanupInput, StoreCleanupResult };

// Lists and deletes: minutes at most; a retry repeats an idempotent pass.
const cleanup = proxyActivities<Activities>({
  summary: 'cleanStore: delete old run folders and reports past retention',
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' },
});

export async function storeCleanup(input: StoreCleanupInput = {}): Promise<StoreCleanupResult> {
  return cleanup.cleanStore(input);
}
