// alertDrill: a workflow that fails on purpose, to try the whole alert path (tests, or a person checking a Slack setup).
import { ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import { z } from 'zod';
import type { AlertActivities } from '../activities/alerts';
import type { AlertDetailsInput } from '../src/alerts/model';
import { raiseAlert, resolveAlert } from './alerting';

const AlertDrillInput = z
  .object({
    /** activity / local-activity: an activity fails every attempt (default); workflow: the run fails;
     *  stuck: a plain Error fails the workflow task, so the run stays Running (terminate it afterwards);
     *  gate / drift: explicit alerts with sample (or given) details, the gate one then fails the run;
     *  resolve: closes `key`. */
    scenario: z.enum(['activity', 'local-activity', 'workflow', 'stuck', 'gate', 'drift', 'resolve']).default('activity'),
    key: z.string().min(1).optional(),
    title: z.string().min(1).optional(),
    message: z.string().min(1).optional(),
    /** Passed through as is: the alert path validates it (and a bad one must not fail this run). */
    details: z.custom<AlertDetailsInput>((v) => typeof v === 'object' && v !== null).optional(),
  })
  .strict();
export type AlertDrillInput = z.input<typeof AlertDrillInput>;

export interface AlertDrillResult {
  scenario: string;
  /** Whether the router accepted the alert (drift / resolve). */
  raised: boolean;
}

// Two quick attempts: the drill is about the alert, not about waiting.
const { alertDrillActivity } = proxyActivities<AlertActivities>({
  summary: 'alert drill: always fails',
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 2, initialInterval: '200 milliseconds', backoffCoefficient: 1 },
});

const local = proxyLocalActivities<AlertActivities>({
  summary: 'alert drill: always fails (local)',
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 2, initialInterval: '200 milliseconds', backoffCoefficient: 1 },
});

const SAMPLE_GATE: AlertDetailsInput = {
  kind: 'gate',
  total: 5,
  failedExpectations: [
    { name: 'not_null', column: 'dep_delay', observedValue: 412, unexpectedPercent: 4.1 },
    { name: 'between', column: 'distance', observedValue: { min: -3, max: 5095 }, unexpectedPercent: 0.2 },
  ],
};
const SAMPLE_DRIFT: AlertDetailsInput = {
  kind: 'drift',
  model: 'flights',
  numberOfFeatures: 6,
  driftedFeatures: [
    { feature: 'distance', method: 'wasserstein', statistic: 0.31, threshold: 0.1, psi: 0.42 },
    { feature: 'origin', method: 'chisquare', statistic: 812.5, threshold: 0.05, pValue: 0.0001 },
  ],
};

export async function alertDrill(rawInput: AlertDrillInput = {}): Promise<AlertDrillResult> {
  const parsed = AlertDrillInput.safeParse(rawInput ?? {});
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`alertDrill input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`, 'InvalidWorkflowInput');
  }
  const input = parsed.data;
  switch (input.scenario) {
    case 'activity':
      await alertDrillActivity(input.message ? { message: input.message } : {});
      return { scenario: input.scenario, raised: false }; // not reached: the activity always fails
    case 'local-activity':
      await local.alertDrillActivity(input.message ? { message: input.message } : {});
      return { scenario: input.scenario, raised: false }; // not reached
    case 'stuck':
      // Deliberately not an ApplicationFailure: this is the bug that leaves a run Running, retried forever.
      throw new Error(input.message ?? 'alert drill: simulated bug in workflow code');
    case 'workflow':
      throw ApplicationFailure.nonRetryable(input.message ?? 'alert drill: simulated workflow failure', 'AlertDrillWorkflowFailure');
    case 'gate': {
      const details = input.details ?? SAMPLE_GATE;
      await raiseAlert({
        key: input.key ?? 'alert-drill:gate',
        severity: 'error',
        title: input.title ?? 'Data-quality gate failed (alert drill)',
        message: input.message ?? 'sample expectations failed; training would not start',
        details,
      });
      // As the training pipeline does: the alert first, then the typed failure (which must not alert twice).
      throw ApplicationFailure.nonRetryable('data-quality gate failed (alert drill)', 'DataQualityGateFailed');
    }
    case 'drift': {
      const raised = await raiseAlert({
        key: input.key ?? 'alert-drill:drift',
        severity: 'warning',
        title: input.title ?? 'Drift detected (alert drill)',
        message: input.message ?? 'live inputs differ from the training profile',
        details: input.details ?? SAMPLE_DRIFT,
      });
      return { scenario: input.scenario, raised };
    }
    case 'resolve': {
      const raised = await resolveAlert({ key: input.key ?? 'alert-drill:drift', ...(input.message ? { note: input.message } : {}) });
      return { scenario: input.scenario, raised };
    }
  }
}
