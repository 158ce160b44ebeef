// systemCheck: a one-activity workflow that proves a worker is polling ml-pipeline and says what it runs.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { describeWorker } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
  summary: 'describe the worker',
});

export interface SystemCheckInput {
  /** Echoed back, so a caller can match a result to its request. */
  note?: string;
}

export async function systemCheck(input: SystemCheckInput = {}) {
  const worker = await describeWorker();
  return { ok: worker.varDirWritable && worker.storeReachable !== false, note: input.note ?? null, worker };
}
