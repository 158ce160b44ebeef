// One quality check of a regression model without Temporal (plan + check on a local store): RMSE against the holdout's, the report JSON and page.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { executeQualityCheck, planQualityCheck, readQualityReport, readQualityReportHtml } from '../../src/model-quality';
import { Registry } from '../../src/registry/registry';
import { syntheticModelBytes } from '../support/synthetic-model';
import { localStore } from '../../src/store';
import { tempVarDir } from '../support/temporal';
import { close } from './vectors';
import { taskVectors, type RegressionExpected } from './task-vectors';

async function setup(holdoutRmse: number) {
  const varDir = tempVarDir('quality-regression-');
  const store = localStore(varDir);
  const registry = new Registry(store);
  for (const v of [1, 2, 3, 4]) {
    await registry.register({
      name: 'tm',
      runKey: `run-${v}`,
      files: { 'model.onnx': syntheticModelBytes({ seed: 1, rounds: 2 }) },
      metadata: {
        metrics: { candidate: { task: 'regression', rows: 1000, rmse: holdoutRmse, mae: 0.8, r2: 0.9, meanTarget: 10 }, holdoutRows: 1000 },
        spec: { name: 'tm', target: { column: 'delay', task: 'regression' }, monitoring: { quality: { minLabeledRows: 100, maxRmseRise: 0.2 } } },
        features: [{ name: 'x', type: 'numeric' }],
        extra: { task: 'regression' },
      },
    });
  }
  await registry.setAlias('tm', 4, 'test');
  const s = taskVectors.scenarios.find((x) => x.name === 'regression');
  assert.ok(s);
  for (const [kind, records] of [
    ['capture', s.captures],
    ['labels', s.labels],
  ] as const) {
    await mkdir(path.join(varDir, kind, 'tm'), { recursive: true });
    await writeFile(path.join(varDir, kind, 'tm', 'r.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
  const planned = await planQualityCheck({ store, defaultModel: 'tm', input: { model: 'tm', window: s.window }, now: Date.now(), runId: `run${holdoutRmse}`.replace('.', '') });
  assert.equal(planned.kind, 'check');
  const outcome = await executeQualityCheck({ store, plan: planned.plan, run: null, createdAt: new Date().toISOString() });
  return { store, outcome, expected: s.expected.metrics as RegressionExpected };
}

describe('model quality: a regression check', () => {
  it('RMSE within maxRmseRise of the holdout is ok; above it is a violation named in the summary; the page shows RMSE, MAE and R²', async () => {
    // the live RMSE is about 1.11: a holdout of 1.0 allows 1.2, a holdout of 0.8 allows 0.96
    const ok = await setup(1.0);
    assert.equal(ok.outcome.verdict, 'ok', ok.outcome.summary);
    const bad = await setup(0.8);
    assert.equal(bad.outcome.verdict, 'degraded', bad.outcome.summary);
    assert.deepEqual(
      bad.outcome.violations.map((v) => v.metric),
      ['rmse'],
    );
    assert.match(bad.outcome.summary, /RMSE 1\.1115 is 38\.9% above the holdout's 0\.8000 \(allowed 20\.0%\)/);
    const report = await readQualityReport(bad.store, bad.outcome.reportId);
    assert.ok(report?.live && 'task' in report.live && report.live.task === 'regression');
    for (const k of ['rmse', 'mae', 'r2'] as const) close(report.live[k], bad.expected[k], k);
    assert.equal(report.positiveRate, null);
    const html = (await readQualityReportHtml(bad.store, bad.outcome.reportId)) ?? '';
    assert.match(html, /<td>RMSE<\/td>/);
    assert.match(html, /R²/);
    assert.match(html, /violation/);
  });
});
