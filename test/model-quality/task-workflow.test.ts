// modelQualityMonitor per task on a real dev server: a multiclass model whose live class mix shifted raises the quality alert; the same mix as the holdout does not.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelQualityReport } from '../../src/model-quality';
import { Registry } from '../../src/registry/registry';
import { syntheticModelBytes } from '../support/synthetic-model';
import { localStore } from '../../src/store';
import type { ModelQualityResult } from '../../workflows/model-quality-monitor';
import { idle, testAlertSettings, uniqueId, waitForRouter } from '../alerts/helpers';
import { FakeSlack } from '../support/fake-slack';
import { tempVarDir, withWorker } from '../support/temporal';
import { taskVectors } from './task-vectors';
import { close } from './vectors';

const CLASSES = ['Adelie', 'Chinstrap', 'Gentoo'];

/** A multiclass version "tm" v4 whose holdout had the vectors' class shares (as a confusion matrix), accuracy 0.8, log loss 0.55. */
async function registerTm(varDir: string): Promise<void> {
  const registry = new Registry(localStore(varDir));
  const rows = 1000;
  const confusion = taskVectors.holdoutShares.map((s, i) => CLASSES.map((_, j) => (i === j ? Math.round(s * rows * 0.8) : Math.round(s * rows * 0.1))));
  for (const v of [1, 2, 3, 4]) {
    await registry.register({
      name: 'tm',
      runKey: `run-${v}`,
      files: { 'model.onnx': syntheticModelBytes({ seed: 1, rounds: 2 }) },
      metadata: {
        metrics: { candidate: { task: 'multiclass', rows, classes: CLASSES, accuracy: 0.8, logLoss: 0.55, macroF1: 0.78, confusion }, holdoutRows: rows },
        spec: { name: 'tm', target: { column: 'species', task: 'multiclass' }, monitoring: { quality: { minLabeledRows: 100 } } },
        features: [{ name: 'x', type: 'numeric' }],
        extra: { task: 'multiclass', classes: CLASSES },
      },
    });
  }
  await registry.setAlias('tm', 4, 'test');
}

async function writeTaskScenario(varDir: string, name: string): Promise<void> {
  const s = taskVectors.scenarios.find((x) => x.name === name);
  assert.ok(s);
  for (const [kind, records] of [
    ['capture', s.captures],
    ['labels', s.labels],
  ] as const) {
    await mkdir(path.join(varDir, kind, 'tm'), { recursive: true });
    await writeFile(path.join(varDir, kind, 'tm', `${name}.jsonl`), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
}

describe('modelQualityMonitor per task', function () {
  this.timeout(600_000);

  it('multiclass: a shifted live class mix is a classMix violation and one Slack alert; the holdout mix is ok; metrics equal scikit-learn', async () => {
    const varDir = tempVarDir('quality-task-');
    await registerTm(varDir);
    for (const name of ['multiclass', 'multiclass-shifted']) await writeTaskScenario(varDir, name);
    const token = `xoxb-${Date.now()}-quality-task`;
    const fake = await FakeSlack.start({ validToken: token });
    const alerts = testAlertSettings({ fake, token });
    try {
      await withWorker(
        async ({ env, taskQueue }) => {
          const run = async (name: string) => {
            const s = taskVectors.scenarios.find((x) => x.name === name);
            assert.ok(s);
            const workflowId = uniqueId(`quality-${name}`);
            return (await env.client.workflow.execute('modelQualityMonitor', { taskQueue, workflowId, args: [{ model: 'tm', window: s.window }] })) as ModelQualityResult;
          };

          const ok = await run('multiclass');
          assert.equal(ok.verdict, 'ok', ok.summary);
          assert.match(ok.summary ?? '', /accuracy .* macro-F1/);

          const bad = await run('multiclass-shifted');
          assert.equal(bad.verdict, 'degraded', bad.summary);
          assert.deepEqual(
            bad.violations.map((v) => v.metric),
            ['classMix'],
          );
          assert.match(bad.violations[0].message, /"Gentoo" is 70\.0% of the labels vs 36\.0% on the holdout/);
          const report = ModelQualityReport.parse(JSON.parse(await readFile(path.join(varDir, bad.reportKey ?? ''), 'utf8')));
          const e = taskVectors.scenarios.find((x) => x.name === 'multiclass-shifted')?.expected;
          assert.ok(e && report.live && 'task' in report.live && report.live.task === 'multiclass');
          assert.equal(report.task, 'multiclass');
          const m = e.metrics as { accuracy: number; logLoss: number; macroF1: number; classMix: { chiSquare: number } };
          for (const k of ['accuracy', 'logLoss', 'macroF1'] as const) close(report.live[k], m[k], k);
          close(report.classMix?.chiSquare, m.classMix.chiSquare, 'chi-square');
          const html = await readFile(path.join(varDir, bad.reportKey?.replace(/\.json$/, '.html') ?? ''), 'utf8');
          assert.match(html, /Confusion matrix/);
          assert.match(html, /Gentoo/);

          await waitForRouter(env, alerts.routerWorkflowId, (st) => idle(st) && st.counters.delivered === 1);
          assert.equal(fake.messages.length, 1);
          const text = FakeSlack.readableText(fake.messages[0]);
          assert.match(text, /Model quality degraded: tm v4/);
          assert.match(text, /classMix/);
        },
        { varDir, alerts },
      );
    } finally {
      await fake.close();
    }
  });
});
