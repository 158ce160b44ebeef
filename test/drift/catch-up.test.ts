// Drift catch-up after an outage: the default window is bounded, and the report says which rows it did not check.
import * as assert from 'node:assert/strict';
import path from 'node:path';
import { DriftReport, executeDriftCheck, planDriftCheck, recordMonitorRun, type DriftPlan } from '../../src/drift/monitor';
import { Registry } from '../../src/registry/registry';
import { localStore } from '../../src/store';
import { appendLines, captureLine, flightsSmallTraining, ROW, tempDir } from './monitor-helpers';

const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 2, 10, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

describe('drift monitor: catch-up after an outage', function () {
  this.timeout(120_000);

  it('checks only the newest 24 h of a three-day gap and says in the report which rows it skipped', async () => {
    const varDir = await tempDir('drift-catch-up-');
    const store = localStore(varDir);
    const t = await flightsSmallTraining();
    const registry = new Registry(store);
    await registry.register({
      name: 'flights-small',
      runKey: 'by-hand',
      files: { 'profile.json': JSON.stringify(t.profile) },
      metadata: { spec: t.spec, features: t.features, metrics: {}, extra: {} },
    });
    await registry.setAlias('flights-small', 1, 'test');
    // The last run ended three days ago: the monitor was down since.
    const lastEnd = NOW - 72 * HOUR;
    await recordMonitorRun(store, { model: 'flights-small', windowEnd: iso(lastEnd), verdict: 'no drift', reportId: 'r0', alertOpen: false, workflowId: 'w', runId: 'r0', at: iso(lastEnd) });
    // 30 rows in the skipped part, 60 in the newest day
    const old = Array.from({ length: 30 }, (_, i) => captureLine(lastEnd + HOUR + i, ROW));
    const recent = Array.from({ length: 60 }, (_, i) => captureLine(NOW - 2 * HOUR + i, ROW));
    await appendLines(path.join(varDir, 'capture', 'flights-small', 'manual.jsonl'), [...old, ...recent]);

    const planned = await planDriftCheck({ store, defaultModel: 'flights-small', input: { lagSeconds: 0 }, now: NOW, runId: 'run-1' });
    assert.equal(planned.kind, 'check');
    const plan = (planned as { plan: DriftPlan }).plan;
    assert.deepEqual(plan.window, { start: iso(NOW - 24 * HOUR), end: iso(NOW) });
    assert.deepEqual({ start: plan.skipped?.start, end: plan.skipped?.end }, { start: iso(lastEnd), end: iso(NOW - 24 * HOUR) });

    const outcome = await executeDriftCheck({ store, plan, run: { workflowId: 'w', runId: 'run-1' }, createdAt: iso(NOW) });
    assert.equal(outcome.rows, 60, 'the skipped rows are not scanned');
    assert.match(outcome.summary, /Not checked: rows stamped 2025-03-07 12:00 UTC to 2025-03-09 12:00 UTC/);
    const report = await store.getJsonRequired(outcome.jsonKey, DriftReport);
    assert.deepEqual({ start: report.skipped?.start, end: report.skipped?.end }, { start: iso(lastEnd), end: iso(NOW - 24 * HOUR) });
    assert.match(report.skipped?.reason ?? '', /24 h/);

    // A larger bound, or a window the caller gave, is checked whole.
    const wide = await planDriftCheck({ store, defaultModel: 'flights-small', input: { lagSeconds: 0, maxCatchUpMinutes: 4 * 24 * 60 }, now: NOW, runId: 'run-2' });
    assert.deepEqual(wide.kind === 'check' && [wide.plan.window.start, wide.plan.skipped], [iso(lastEnd), undefined]);
    const given = await planDriftCheck({ store, defaultModel: 'flights-small', input: { window: { start: iso(lastEnd) }, lagSeconds: 0 }, now: NOW, runId: 'run-3' });
    assert.deepEqual(given.kind === 'check' && [given.plan.window.start, given.plan.skipped], [iso(lastEnd), undefined]);
    // Bad bounds are refused as input.
    await assert.rejects(planDriftCheck({ store, defaultModel: 'flights-small', input: { maxCatchUpMinutes: 0 }, now: NOW, runId: 'run-4' }), /maxCatchUpMinutes/);
  });
});
