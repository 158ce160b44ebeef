// The alert path end to end on a real dev server: interceptor triggers, router dedup/cooldown, real WebClient, fake Slack.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { Alert } from '../../src/alerts/model';
import { FakeSlack, reply } from '../support/fake-slack';
import { maybeRecord, recording } from '../support/histories';
import { tempVarDir, withWorker, workflowBundle } from '../support/temporal';
import { idle, randomToken, stopRouter, testAlertSettings, uniqueId, waitForRouter } from './helpers';

const UI = 'http://temporal-ui.test:8233';

/** The run failed because of this activity, not because of anything in the alert path. */
function failedOnActivity(activityType: string) {
  return (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof ActivityFailure && err.cause.activityType === activityType;
}
function failedWithType(type: string) {
  return (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure && err.cause.type === type;
}

describe('alerts on a real Temporal dev server', function () {
  this.timeout(180_000);
  let fake: FakeSlack;
  const token = randomToken();

  beforeEach(async () => {
    fake = await FakeSlack.start({ validToken: token });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('(1) an activity failing every attempt gives exactly one Slack message with the Web UI link; a second failing run within the cooldown gives none', async () => {
    const alerts = testAlertSettings({ fake, token });
    await withWorker(
      async ({ env, taskQueue, context }) => {
        try {
          const first = await env.client.workflow.start('alertDrill', { taskQueue, workflowId: uniqueId('drill-activity'), args: [{}] });
          await assert.rejects(first.result(), failedOnActivity('alertDrillActivity'));
          const afterFirst = await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.delivered === 1);
          assert.equal(afterFirst.counters.received, 1, 'one alert per failed run (the run failure itself is not alerted again)');
          assert.equal(fake.messages.length, 1);

          const text = FakeSlack.readableText(fake.messages[0]);
          assert.ok(text.includes(`${UI}/namespaces/default/workflows/${first.workflowId}/${first.firstExecutionRunId}`), text);
          assert.match(text, /alertDrillActivity/);
          assert.match(text, /AlertDrillFailure/);
          assert.match(text, /\*Attempt\*\n2/, 'the last attempt (maximumAttempts 2) is shown');
          assert.match(text, /MAXIMUM_ATTEMPTS_REACHED/);

          const second = await env.client.workflow.start('alertDrill', { taskQueue, workflowId: uniqueId('drill-activity'), args: [{}] });
          await assert.rejects(second.result(), failedOnActivity('alertDrillActivity'));
          const afterSecond = await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.received === 2);
          assert.equal(afterSecond.counters.suppressed, 1);
          assert.equal(afterSecond.counters.delivered, 1);
          assert.equal(fake.requests.length, 1, 'nothing more reached Slack');
          assert.equal(afterSecond.keys.length, 1);
          assert.equal(afterSecond.keys[0]?.key, 'activity-failed:alertDrill:alertDrillActivity:AlertDrillFailure');
          assert.equal(afterSecond.keys[0]?.occurrences, 2);

          // The interceptor and router are deterministic: their recorded histories replay cleanly (the bundle includes the interceptors).
          const bundle = await workflowBundle();
          for (const id of [first.workflowId, alerts.routerWorkflowId]) {
            const history = await env.client.workflow.getHandle(id).fetchHistory();
            await Worker.runReplayHistory({ workflowBundle: bundle }, history, id);
          }
          await maybeRecord('alertDrill-activity-failed', env, { workflowId: first.workflowId }, context.varDir);
        } finally {
          await stopRouter(env, alerts.routerWorkflowId);
        }
      },
      { alerts, uiUrl: UI },
    );
  });

  it('(2) a failed gate and detected drift each give a message with their details', async () => {
    const alerts = testAlertSettings({ fake, token });
    await withWorker(
      async ({ env, taskQueue, context }) => {
        try {
          const gate = await env.client.workflow.start('alertDrill', {
            taskQueue,
            workflowId: uniqueId('drill-gate'),
            args: [
              {
                scenario: 'gate',
                key: 'gate:flights:test',
                details: {
                  kind: 'gate',
                  total: 7,
                  failedExpectations: [
                    { name: 'expect_price_not_null', column: 'price', observedValue: 31, unexpectedPercent: 6.2 },
                    { name: 'expect_rows_between', column: null, summary: '12 rows, expected 100..1000', unexpectedPercent: null },
                  ],
                },
              },
            ],
          });
          await assert.rejects(gate.result(), failedWithType('DataQualityGateFailed'));

          const drift = await env.client.workflow.execute('alertDrill', {
            taskQueue,
            workflowId: uniqueId('drill-drift'),
            args: [
              {
                scenario: 'drift',
                key: 'drift:flights',
                details: {
                  kind: 'drift',
                  model: 'flights',
                  version: 3,
                  numberOfFeatures: 5,
                  driftedFeatures: [
                    { feature: 'feature_alpha', method: 'ks', statistic: 0.41, threshold: 0.05, pValue: 0.0002 },
                    { feature: 'feature_beta', method: 'psi', statistic: 0.37, threshold: 0.2 },
                  ],
                },
              },
            ],
          });
          assert.deepEqual(drift, { scenario: 'drift', raised: true });

          const state = await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.delivered === 2);
          assert.equal(state.counters.received, 2, 'the gate run failing after its gate alert does not alert again');
          assert.equal(fake.messages.length, 2);
          const [gateText, driftText] = fake.messages.map((m) => FakeSlack.readableText(m));
          assert.match(gateText ?? '', /Failed expectations \(2 of 7\)/);
          assert.match(gateText ?? '', /expect_price_not_null` on `price`: observed `31`, 6.2% unexpected/);
          assert.match(gateText ?? '', /expect_rows_between`: 12 rows, expected 100..1000/);
          assert.ok((gateText ?? '').includes(`/workflows/${gate.workflowId}/`));
          assert.match(driftText ?? '', /Drifted features \(2 of 5\) in `flights v3`/);
          assert.match(driftText ?? '', /feature_alpha`: ks statistic 0.41, p = 2.00e-4 < threshold 0.05/);
          assert.match(driftText ?? '', /feature_beta`: psi = 0.37 ≥ threshold 0.2/);
          await maybeRecord('alertDrill-gate', env, { workflowId: gate.workflowId }, context.varDir);
        } finally {
          await stopRouter(env, alerts.routerWorkflowId);
        }
      },
      { alerts, uiUrl: UI },
    );
  });

  it('(3) Slack answering 500, then 429 with Retry-After: 1, then 200 delivers one message, once', async () => {
    const alerts = testAlertSettings({ fake, token });
    fake.answer(reply.http(500), reply.rateLimited(1), reply.ok());
    await withWorker(
      async ({ env, taskQueue }) => {
        try {
          const r = await env.client.workflow.execute('alertDrill', { taskQueue, workflowId: uniqueId('drill-retry'), args: [{ scenario: 'drift' }] });
          assert.equal(r.raised, true);
          const state = await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.delivered + s.counters.failed === 1);
          assert.equal(state.counters.delivered, 1);
          assert.deepEqual(state.failures, []);
          assert.deepEqual(
            fake.requests.map((q) => q.reply.kind),
            ['http', 'rateLimited', 'ok'],
          );
          assert.equal(fake.messages.length, 1);
          const [, limited, ok] = fake.requests;
          // Retry-After is honoured: the policy's own backoff here is 100-200 ms, Retry-After asked for 1 s.
          assert.ok(ok.receivedAt - limited.receivedAt >= 950, `retried after ${ok.receivedAt - limited.receivedAt} ms`);
        } finally {
          await stopRouter(env, alerts.routerWorkflowId);
        }
      },
      { alerts, uiUrl: UI },
    );
  });

  it('(4) a bad token fails the delivery non-retryably, the raising workflows are not blocked, the router records it', async () => {
    const alerts = testAlertSettings({ fake, token: `${token}-revoked` });
    await withWorker(
      async ({ env, taskQueue }) => {
        try {
          const failing = await env.client.workflow.start('alertDrill', { taskQueue, workflowId: uniqueId('drill-badtoken'), args: [{}] });
          await assert.rejects(failing.result(), failedOnActivity('alertDrillActivity'));
          const drift = await env.client.workflow.execute('alertDrill', { taskQueue, workflowId: uniqueId('drill-badtoken-drift'), args: [{ scenario: 'drift' }] });
          assert.deepEqual(drift, { scenario: 'drift', raised: true }, 'a workflow that raised an alert completes normally');

          const state = await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.failed === 2);
          assert.equal(state.counters.delivered, 0);
          assert.deepEqual(
            state.failures.map((f) => f.errorType),
            ['SlackConfigError', 'SlackConfigError'],
          );
          assert.match(state.failures[0]?.message ?? '', /invalid_auth/);
          assert.equal(fake.requests.length, 2, 'one request per alert: configuration errors are not retried');
          assert.ok(fake.requests.every((q) => q.reply.kind === 'error'));
          assert.equal(fake.messages.length, 0);
          // The router itself keeps running and never alerted about its own failure.
          const desc = await env.client.workflow.getHandle(alerts.routerWorkflowId).describe();
          assert.equal(desc.status.name, 'RUNNING');
          assert.equal(state.counters.received, 2);
        } finally {
          await stopRouter(env, alerts.routerWorkflowId);
        }
      },
      { alerts, uiUrl: UI },
    );
  });

  it('(5) without Slack settings the alert lands in <varDir>/alerts.jsonl', async () => {
    const varDir = tempVarDir('alerts-file-');
    const alerts = testAlertSettings();
    await withWorker(
      async ({ env, taskQueue }) => {
        try {
          const run = await env.client.workflow.start('alertDrill', { taskQueue, workflowId: uniqueId('drill-file'), args: [{}] });
          await assert.rejects(run.result(), failedOnActivity('alertDrillActivity'));
          await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.delivered === 1);
          const lines = readFileSync(path.join(varDir, 'alerts.jsonl'), 'utf8').trim().split('\n');
          assert.equal(lines.length, 1);
          const alert = Alert.parse(JSON.parse(lines[0] ?? ''));
          assert.equal(alert.key, 'activity-failed:alertDrill:alertDrillActivity:AlertDrillFailure');
          assert.equal(alert.source.workflowId, run.workflowId);
          assert.equal(alert.links.run, `${UI}/namespaces/default/workflows/${run.workflowId}/${run.firstExecutionRunId}`);
          assert.equal(fake.requests.length, 0);
        } finally {
          await stopRouter(env, alerts.routerWorkflowId);
        }
      },
      { alerts, varDir, uiUrl: UI },
    );
  });

  it('keeps the dedup state across continue-as-new, posts "resolved", and alerts again after a resolve', async () => {
    const alerts = testAlertSettings({ fake, token, router: { maxSignalsPerRun: 3 } });
    await withWorker(
      async ({ env, taskQueue, context }) => {
        try {
          const drills: Record<string, string> = {};
          const drift = async (scenario: 'drift' | 'resolve') => {
            const workflowId = uniqueId(`drill-${scenario}`);
            drills[scenario] = workflowId;
            return env.client.workflow.execute('alertDrill', { taskQueue, workflowId, args: [{ scenario, key: 'drift:can' }] });
          };
          for (let i = 0; i < 4; i++) await drift('drift');
          const afterFour = await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.received === 4);
          assert.ok(afterFour.generation >= 1, `continued as new (generation ${afterFour.generation})`);
          assert.equal(afterFour.counters.delivered, 1);
          assert.equal(afterFour.counters.suppressed, 3, 'the cooldown survived continue-as-new');
          assert.equal(fake.messages.length, 1);

          await drift('resolve');
          await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.resolved === 1 && s.counters.delivered === 2);
          assert.match(FakeSlack.readableText(fake.messages[1]), /Resolved: Drift detected/);

          await drift('drift');
          await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.delivered === 3);
          assert.equal(fake.messages.length, 3, 'a recurrence after "resolved" is posted at once');
          if (recording) {
            for (const scenario of ['drift', 'resolve']) await maybeRecord(`alertDrill-${scenario}`, env, { workflowId: drills[scenario] ?? '' }, context.varDir);
            // The router's first two runs: each ends in continue-as-new, the second starts from the state the first carried.
            const latest = await env.client.workflow.getHandle(alerts.routerWorkflowId).fetchHistory();
            let runId: string | undefined = latest.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId ?? undefined;
            for (const name of ['alertRouter-first-run', 'alertRouter-continued-run']) {
              assert.ok(runId, `${name}: a run to record`);
              await maybeRecord(name, env, { workflowId: alerts.routerWorkflowId, runId }, context.varDir);
              const events = (await env.client.workflow.getHandle(alerts.routerWorkflowId, runId).fetchHistory()).events ?? [];
              runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
            }
          }
        } finally {
          await stopRouter(env, alerts.routerWorkflowId);
        }
      },
      { alerts, uiUrl: UI },
    );
  });

  it('alerts a local activity failing for good, and a run stuck on a failing workflow task, once each', async () => {
    const alerts = testAlertSettings({ fake, token });
    await withWorker(
      async ({ env, taskQueue, context }) => {
        const stuckId = uniqueId('drill-stuck');
        try {
          const local = await env.client.workflow.start('alertDrill', { taskQueue, workflowId: uniqueId('drill-local'), args: [{ scenario: 'local-activity' }] });
          // A local activity's failure reaches the workflow unwrapped (no ActivityFailure around it).
          await assert.rejects(local.result(), failedWithType('AlertDrillFailure'));
          await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.delivered === 1);
          const localText = FakeSlack.readableText(fake.messages[0]);
          assert.match(localText, /alertDrillActivity failed for good in alertDrill/);
          assert.ok(localText.includes(`/workflows/${local.workflowId}/`));

          const stuck = await env.client.workflow.start('alertDrill', { taskQueue, workflowId: stuckId, args: [{ scenario: 'stuck', message: 'bug 1234 in workflow code' }] });
          const state = await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.delivered === 2);
          assert.equal(state.counters.received, 2);
          const stuckText = FakeSlack.readableText(fake.messages[1]);
          assert.match(stuckText, /alertDrill is stuck: its workflow task keeps failing/);
          assert.match(stuckText, /bug 1234 in workflow code/);
          assert.equal((await stuck.describe()).status.name, 'RUNNING', 'a workflow-task failure does not close the run');
          await maybeRecord('alertDrill-local-activity-failed', env, { workflowId: local.workflowId }, context.varDir);
        } finally {
          await env.client.workflow
            .getHandle(stuckId)
            .terminate('test finished')
            .catch(() => undefined);
          await stopRouter(env, alerts.routerWorkflowId);
        }
      },
      { alerts, uiUrl: UI },
    );
  });

  it('a broken alert never fails its caller, and a run whose own alert could not be routed is alerted by the run-failure trigger', async () => {
    const alerts = testAlertSettings({ fake, token });
    await withWorker(
      async ({ env, taskQueue, context }) => {
        try {
          // Invalid details: routeAlert refuses them non-retryably; raiseAlert logs and returns false.
          const bad = await env.client.workflow.execute('alertDrill', {
            taskQueue,
            workflowId: uniqueId('drill-invalid'),
            args: [{ scenario: 'drift', details: { kind: 'drift', driftedFeatures: [] } }],
          });
          assert.deepEqual(bad, { scenario: 'drift', raised: false });

          const gate = await env.client.workflow.start('alertDrill', {
            taskQueue,
            workflowId: uniqueId('drill-invalid-gate'),
            args: [{ scenario: 'gate', details: { kind: 'gate', failedExpectations: [] } }],
          });
          await assert.rejects(gate.result(), failedWithType('DataQualityGateFailed'));
          const state = await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.delivered === 1);
          assert.equal(state.counters.received, 1);
          assert.equal(state.keys[0]?.key, 'workflow-failed:alertDrill:DataQualityGateFailed');
          assert.match(FakeSlack.readableText(fake.messages[0]), /alertDrill failed/);

          // A plain workflow failure (no activity involved) is alerted by the inbound interceptor.
          const wf = await env.client.workflow.start('alertDrill', { taskQueue, workflowId: uniqueId('drill-workflow'), args: [{ scenario: 'workflow' }] });
          await assert.rejects(wf.result(), failedWithType('AlertDrillWorkflowFailure'));
          await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.delivered === 2);
          assert.match(FakeSlack.readableText(fake.messages[1]), /AlertDrillWorkflowFailure/);
          await maybeRecord('alertDrill-workflow-failed', env, { workflowId: wf.workflowId }, context.varDir);
        } finally {
          await stopRouter(env, alerts.routerWorkflowId);
        }
      },
      { alerts, uiUrl: UI },
    );
  });
});
