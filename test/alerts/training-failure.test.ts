// A trainingPipeline whose activity fails every attempt: exactly one Slack message with the Web UI link, none again within the cooldown.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure } from '@temporalio/common';
import { FakeSlack } from '../support/fake-slack';
import { tempVarDir, withWorker } from '../support/temporal';
import { idle, randomToken, stopRouter, testAlertSettings, uniqueId, waitForRouter } from './helpers';

const UI = 'http://temporal-ui.test:8233';

describe('alerts from a failing training run', function () {
  this.timeout(240_000);

  it('sends one message with the run link when ingest fails every attempt, and none for a second failing run within the cooldown', async () => {
    const token = randomToken();
    const fake = await FakeSlack.start({ validToken: token });
    const alerts = testAlertSettings({ fake, token });
    const varDir = tempVarDir();
    // A file where the runs folder should be: every ingest attempt fails with a plain (retryable) I/O error.
    writeFileSync(path.join(varDir, 'runs'), 'not a folder');
    try {
      await withWorker(
        async ({ env, taskQueue }) => {
          try {
            const runs = [];
            for (let i = 0; i < 2; i++) {
              const handle = await env.client.workflow.start('trainingPipeline', {
                taskQueue,
                workflowId: uniqueId('train-fails'),
                args: [{ spec: 'datasets/flights-small.json' }],
              });
              const err = await handle.result().then(
                () => assert.fail('ingest cannot succeed'),
                (e: unknown) => e,
              );
              assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ActivityFailure && err.cause.activityType === 'ingest');
              const history = await handle.fetchHistory();
              const attempts = (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : []));
              assert.equal(attempts[0], 3, 'ingest (the first activity) ran its three attempts');
              assert.equal((err as WorkflowFailedError & { cause: ActivityFailure }).cause.retryState, 'MAXIMUM_ATTEMPTS_REACHED');
              runs.push(handle);
              await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s) && s.counters.received === i + 1);
            }
            const state = await waitForRouter(env, alerts.routerWorkflowId, (s) => idle(s));
            assert.equal(state.counters.delivered, 1);
            assert.equal(state.counters.suppressed, 1);
            assert.equal(fake.messages.length, 1, 'exactly one Slack message');
            const text = FakeSlack.readableText(fake.messages[0]);
            assert.ok(text.includes(`${UI}/namespaces/default/workflows/${runs[0].workflowId}/${runs[0].firstExecutionRunId}`), text);
            assert.match(text, /trainingPipeline/);
            assert.match(text, /ingest/);
          } finally {
            await stopRouter(env, alerts.routerWorkflowId);
          }
        },
        { alerts, uiUrl: UI, varDir },
      );
    } finally {
      await fake.close();
    }
  });
});
