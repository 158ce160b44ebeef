// Starting a retrain after degraded model quality: a child trainingPipeline on the spec's source plus labeled live rows.
import { ParentClosePolicy, WorkflowIdReusePolicy, log, proxyActivities, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import type { Violation } from '../src/model-quality';
import type { MonitoringSpec } from '../src/spec/dataset';
import type { trainingPipeline } from './training-pipeline';

export interface RetrainStart {
  workflowId?: string;
  /** Labeled live rows the retrain trains on. */
  trainRows?: number;
  /** The newest labeled live rows kept out of training, on which candidate and champion are compared. */
  compareRows?: number;
  note: string;
}

const quick = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '2 seconds', backoffCoefficient: 2 },
});

/**
 * Writes the labeled live rows and a retrain spec (an activity), then starts trainingPipeline as an
 * abandoned child under the fixed id `retrain-<model>`, so degradation seen by several runs (or by
 * the drift monitor) never trains twice at once.
 */
export async function startQualityRetrain(o: {
  model: string;
  version: number;
  reportId: string;
  violations: Violation[];
  retrainData: MonitoringSpec['retrainData'];
  now: string;
}): Promise<RetrainStart> {
  const prepared = await quick.prepareQualityRetrain.executeWithOptions({ summary: 'prepareQualityRetrain: labeled live rows + retrain spec' }, [
    { model: o.model, version: o.version, reportId: o.reportId, retrainData: o.retrainData, end: o.now },
  ]);
  if (!prepared.spec) return { note: prepared.note };
  const childId = `retrain-${o.model}`;
  try {
    await startChild<typeof trainingPipeline>('trainingPipeline', {
      workflowId: childId,
      args: [
        {
          spec: prepared.spec,
          reason: `model quality degraded (${o.violations.map((v) => v.metric).join(', ')}; report ${o.reportId})`,
          ...(prepared.recentRowsKey ? { recentRowsKey: prepared.recentRowsKey } : {}),
        },
      ],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      staticSummary: `Retrain ${o.model} on labeled live data after degraded quality (report ${o.reportId})`,
    });
    return { workflowId: childId, trainRows: prepared.trainRows, compareRows: prepared.compareRows, note: `retraining started as ${childId}: ${prepared.note}` };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId: childId, note: `a retraining run ${childId} is already running` };
    log.warn('could not start the retraining run', { error: err instanceof Error ? err.message : String(err) });
    return { note: `retraining could not start: ${err instanceof Error ? err.message : String(err)}` };
  }
}
