// Fine and coarse profiles in the monitor: old (version 1) profiles are checked as before and say so; holdout scores.
import * as assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DuckDb } from '../../src/data/duckdb';
import { buildReport, captureFileName, checkCapture, listCaptureFiles, type CaptureCheck } from '../../src/drift/monitor';
import { renderReportHtml } from '../../src/drift/report/html';
import { scoreProfile, withScores, type DatasetProfile } from '../../src/profile';
import { writeCaptureFiles } from '../../src/traffic/capture-writer';
import { appendLines, captureLine, flightsSmallTraining, parquet, ROW, tempDir, type TrainingFixture } from './monitor-helpers';
import { lcg } from './vectors';

const START = Date.UTC(2025, 0, 6);
const WINDOW = { start: new Date(START).toISOString(), end: new Date(START + 3_600_000).toISOString() };

describe('drift monitor: fine and coarse profiles', function () {
  this.timeout(300_000);
  let t: TrainingFixture;
  let db: DuckDb;
  let dir: string;
  let shifted: string;

  before(async () => {
    t = await flightsSmallTraining();
    db = await DuckDb.open({ threads: 2 });
    dir = await tempDir('drift-resolution-');
    shifted = path.join(dir, 'shift');
    await writeCaptureFiles(
      { dir: shifted, model: 'flights-small', version: 1, rows: { parquet, from: 'training', rows: 2000, seed: 5, shifts: [{ feature: 'distance', delta: 300 }] }, startMs: START, spacingMs: 1000 },
      db,
    );
  });
  after(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (folder: string, reference: DatasetProfile): Promise<CaptureCheck> =>
    checkCapture({ files: await listCaptureFiles(folder), model: 'flights-small', reference, features: t.features, settings: t.settings, db });

  const report = (reference: DatasetProfile, c: CaptureCheck) =>
    buildReport({ id: 'r1', createdAt: WINDOW.end, model: 'flights-small', modelVersion: 1, window: WINDOW, settings: t.settings, reference, run: null }, c);

  it('a version 1 (coarse) profile is checked as before: same verdict, binned statistics, and the report says it is coarse', async () => {
    assert.equal(t.coarseProfile.version, 1);
    const c = await run(shifted, t.coarseProfile);
    assert.equal(c.comparison.verdict, 'feature drift');
    assert.deepEqual(
      c.comparison.drifted.map((d) => d.feature),
      ['distance'],
    );
    assert.ok(c.comparison.features.every((f) => f.resolution === 'coarse' && f.statistics === undefined));
    assert.equal(c.comparison.prediction?.resolution, 'coarse');
    const r = report(t.coarseProfile, c);
    assert.deepEqual([r.reference.profileVersion, r.reference.resolution], [1, 'coarse']);
    assert.match(renderReportHtml(r), /Coarse profile<\/b> \(version 1/);
  });

  it('a version 2 (fine) profile: the same rows give the same verdict, with every statistic from the fine distributions', async () => {
    assert.equal(t.profile.version, 2);
    const c = await run(shifted, t.profile);
    assert.equal(c.comparison.verdict, 'feature drift');
    assert.deepEqual(
      c.comparison.drifted.map((d) => d.feature),
      ['distance'],
    );
    for (const f of c.comparison.features) {
      assert.equal(f.resolution, 'fine');
      assert.ok(f.statistics, `${f.feature} has its statistics`);
      assert.ok(f.statistics.psi >= 0 && f.statistics.jensenShannon >= 0);
      if (f.kind === 'numeric') assert.ok(f.statistics.ks && f.statistics.wassersteinNormed !== undefined);
      else assert.ok(f.statistics.chiSquare && f.statistics.unseenShare !== undefined);
    }
    // The categorical distances carry the no-drift floor of 2,000-row windows (about 0.12 for 225 airports).
    const origin = c.comparison.features.find((f) => f.feature === 'origin');
    assert.ok(origin?.noiseFloor !== undefined && origin.noiseFloor > 0.1 && origin.noiseFloor < 0.14, `floor ${origin?.noiseFloor}`);
    const r = report(t.profile, c);
    assert.deepEqual([r.reference.profileVersion, r.reference.resolution], [2, 'fine']);
    assert.match(renderReportHtml(r), /Profile version 2 \(fine\)/);
  });

  it('with holdout scores in the profile, live probabilities are compared with them (and a shift in scores is drift)', async () => {
    // Holdout scores spread over [0, 0.5); live probabilities from the same law, then moved up by 0.2.
    const scores = lcg(91, 5000, 0.5, 0);
    const reference = withScores(t.profile, scoreProfile(scores));
    assert.equal(reference.prediction?.count, 5000);
    const line = (folder: string, shift: number) => {
      const p = lcg(92, 1500, 0.5, shift);
      return appendLines(
        path.join(folder, captureFileName(START, 'p', 1)),
        Array.from(p, (x, i) => captureLine(START + i, ROW, { probability: x })),
      );
    };
    const same = path.join(dir, 'scores-same');
    const moved = path.join(dir, 'scores-moved');
    await line(same, 0);
    await line(moved, 0.2);
    const a = await run(same, reference);
    const b = await run(moved, reference);
    assert.equal(a.comparison.prediction?.resolution, 'fine');
    assert.equal(a.comparison.prediction?.method, 'wasserstein');
    assert.equal(a.comparison.prediction?.drifted, false, `statistic ${a.comparison.prediction?.statistic}`);
    assert.equal(b.comparison.prediction?.drifted, true);
    // W1 of a 0.2 shift over the score std (0.5 / sqrt(12) = 0.144): about 1.39.
    const s = b.comparison.prediction?.statistic ?? NaN;
    assert.ok(Math.abs(s - 0.2 / (0.5 / Math.sqrt(12))) < 0.05, `normed Wasserstein ${s}`);
    assert.ok(b.comparison.drifted.some((d) => d.feature === 'prediction'));
  });
});
