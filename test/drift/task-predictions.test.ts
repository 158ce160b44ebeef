// The prediction distribution per task in the drift monitor: holdout regression values and multiclass class shares (predictionProfile) against live capture lines of the same task.
import * as assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DuckDb } from '../../src/data/duckdb';
import { buildReport, captureFileName, checkCapture, listCaptureFiles, type CaptureCheck } from '../../src/drift/monitor';
import { renderReportHtml } from '../../src/drift/report/html';
import { predictionProfile, scoreProfile, withScores, type DatasetProfile } from '../../src/profile';
import { appendLines, flightsSmallTraining, ROW, tempDir, type TrainingFixture } from './monitor-helpers';
import { lcg } from './vectors';

const START = Date.UTC(2025, 0, 6);
const WINDOW = { start: new Date(START).toISOString(), end: new Date(START + 3_600_000).toISOString() };
const CLASSES = ['early', 'on-time', 'late'];

/** A capture line of a regression or multiclass model, as task-output writes it. */
function line(ts: number, output: Record<string, unknown>): string {
  return `${JSON.stringify({ ts: new Date(ts).toISOString(), model: 'flights-small', version: 1, api: 'v1', request_id: 'req', key_id: 'key', row: 0, id: `req.${ts}`, ...output, features: ROW })}\n`;
}

/** K probabilities per row favouring class `pick(i)`. */
function classRows(n: number, pick: (i: number) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = pick(i);
    for (let k = 0; k < 3; k++) out.push(k === c ? 0.8 : 0.1);
  }
  return out;
}

describe('drift monitor: prediction distribution per task', function () {
  this.timeout(300_000);
  let t: TrainingFixture;
  let db: DuckDb;
  let dir: string;

  before(async () => {
    t = await flightsSmallTraining();
    db = await DuckDb.open({ threads: 2 });
    dir = await tempDir('drift-tasks-');
  });
  after(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (folder: string, reference: DatasetProfile): Promise<CaptureCheck> =>
    checkCapture({ files: await listCaptureFiles(folder), model: 'flights-small', reference, features: t.features, settings: t.settings, db });

  it('predictionProfile: binary is scoreProfile unchanged; regression summarizes the values; multiclass counts the predicted classes', () => {
    const binary = predictionProfile('binary', [0.1, 0.2, 0.2], 1);
    assert.deepEqual(Object.keys(binary).sort(), ['count', 'distribution', 'mean']);
    const reg = predictionProfile('regression', [-5, 12.5, 30], 1);
    assert.equal(reg.task, 'regression');
    assert.ok('mean' in reg && Math.abs((reg.mean ?? NaN) - 37.5 / 3) < 1e-12);
    const mc = predictionProfile('multiclass', [0.7, 0.2, 0.1, 0.1, 0.1, 0.8, 0.2, 0.5, 0.3, 0.1, 0.3, 0.6], 3, CLASSES);
    assert.deepEqual({ ...mc, meanProbabilities: undefined }, { task: 'multiclass', count: 4, classes: CLASSES, predicted: [1, 1, 2], meanProbabilities: undefined });
    assert.ok('meanProbabilities' in mc);
    mc.meanProbabilities.forEach((m, i) => assert.ok(Math.abs(m - [0.275, 0.275, 0.45][i]) < 1e-12));
    assert.throws(() => predictionProfile('multiclass', [0.5, 0.5], 2), /needs the 2 classes/);
    // the profile keeps it through its schema
    assert.deepEqual(withScores(t.profile, mc).prediction, mc);
  });

  it('regression: live values are compared with the holdout values as a numeric column; a shift is drift', async () => {
    const holdout = Array.from(lcg(31, 4000, 60, -20));
    const reference = withScores(t.profile, predictionProfile('regression', holdout, 1));
    const write = (folder: string, shift: number) =>
      appendLines(
        path.join(folder, captureFileName(START, 'p', 1)),
        Array.from(lcg(32, 1500, 60, -20 + shift), (v, i) => line(START + i, { prediction: v })),
      );
    await write(path.join(dir, 'reg-same'), 0);
    await write(path.join(dir, 'reg-moved'), 25);
    const a = await run(path.join(dir, 'reg-same'), reference);
    const b = await run(path.join(dir, 'reg-moved'), reference);
    assert.equal(a.comparison.prediction?.resolution, 'fine');
    assert.equal(a.comparison.prediction?.count, 1500, 'every value counts (not only those in [0, 1])');
    assert.equal(a.comparison.prediction?.drifted, false, `statistic ${a.comparison.prediction?.statistic}`);
    assert.equal(b.comparison.prediction?.drifted, true);
    assert.ok(b.comparison.drifted.some((d) => d.feature === 'prediction'));
    // holdout values summarized without the task marker (plain scoreProfile): the regression lines still count
    const unmarked = await run(path.join(dir, 'reg-moved'), withScores(t.profile, scoreProfile(holdout)));
    assert.equal(unmarked.comparison.prediction?.count, 1500);
    assert.equal(unmarked.comparison.prediction?.drifted, true);
  });

  it('multiclass: live predicted classes are compared with the holdout class shares; a shifted mix is drift, and the report draws the shares', async () => {
    const holdout = classRows(3000, (i) => (i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2)); // 50 / 30 / 20 %
    const reference = withScores(t.profile, predictionProfile('multiclass', holdout, 3, CLASSES));
    const write = (folder: string, pick: (i: number) => number) => {
      const rows = classRows(1200, pick);
      return appendLines(
        path.join(folder, captureFileName(START, 'p', 1)),
        Array.from({ length: 1200 }, (_, i) => line(START + i, { class: pick(i), probabilities: rows.slice(i * 3, i * 3 + 3) })),
      );
    };
    await write(path.join(dir, 'mc-same'), (i) => (i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2));
    await write(path.join(dir, 'mc-moved'), (i) => (i % 10 < 2 ? 0 : i % 10 < 5 ? 1 : 2)); // 20 / 30 / 50 %
    const a = await run(path.join(dir, 'mc-same'), reference);
    const b = await run(path.join(dir, 'mc-moved'), reference);
    assert.equal(a.comparison.prediction?.drifted, false, `statistic ${a.comparison.prediction?.statistic}`);
    assert.deepEqual(a.comparison.prediction?.classes, CLASSES);
    assert.deepEqual(a.comparison.prediction?.shares, [0.5, 0.3, 0.2]);
    assert.equal(b.comparison.prediction?.drifted, true, `statistic ${b.comparison.prediction?.statistic}`);
    assert.deepEqual(b.comparison.prediction?.shares, [0.2, 0.3, 0.5]);
    assert.ok(b.comparison.drifted.some((d) => d.feature === 'prediction'));
    const html = renderReportHtml(buildReport({ id: 'r1', createdAt: WINDOW.end, model: 'flights-small', modelVersion: 1, window: WINDOW, settings: t.settings, reference, run: null }, b));
    assert.match(html, /predicted class shares: holdout vs live/);
  });
});
