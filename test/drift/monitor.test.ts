// The monitor's compute path on real flights rows and the real flights-small training profile: false alarms, later months, shifts.
import * as assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDb } from '../../src/data/duckdb';
import { captureFileName, checkCapture, listCaptureFiles, monitorSettingsFromSpec, SettingsError, type CaptureCheck, type DriftWindow } from '../../src/drift/monitor';
import { writeCaptureFiles } from '../../src/traffic/capture-writer';
import type { Shift, TrafficSource } from '../../src/traffic/flights';
import { appendLines, captureLine, flightsSmallTraining, parquet, ROW, tempDir, type TrainingFixture } from './monitor-helpers';

const HOUR = 3_600_000;
const START = Date.UTC(2025, 0, 6);

function hourWindow(i: number): DriftWindow {
  return { start: new Date(START + i * HOUR).toISOString(), end: new Date(START + (i + 1) * HOUR).toISOString() };
}

const stats = (c: CaptureCheck) => Object.fromEntries(c.comparison.features.map((f) => [f.feature, `${f.method} ${f.statistic.toFixed(4)} psi ${f.psi.toFixed(3)}`]));

describe('drift monitor: compute path on flights capture files', function () {
  this.timeout(300_000);
  let t: TrainingFixture;
  let db: DuckDb;
  let dir: string;

  before(async () => {
    t = await flightsSmallTraining();
    db = await DuckDb.open({ threads: 2 });
    dir = await tempDir('drift-monitor-');
  });
  after(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** `rows` flights rows as one hour of capture (rows spread over the hour starting at `hour`). */
  async function captureHour(folder: string, hour: number, from: TrafficSource, rows: number, seed: number, shifts: Shift[] = []): Promise<void> {
    await writeCaptureFiles(
      { dir: folder, model: 'flights-small', version: 1, rows: { parquet, from, rows, seed, shifts }, startMs: START + hour * HOUR, spacingMs: (HOUR - 1) / rows, instance: `s${seed}` },
      db,
    );
  }

  async function check(folder: string, window?: DriftWindow): Promise<CaptureCheck> {
    const files = await listCaptureFiles(folder, window);
    return checkCapture({ files, ...(window ? { window } : {}), model: 'flights-small', reference: t.profile, features: t.features, settings: t.settings, db });
  }

  it('iid traffic from the training period: no drift in 20 windows of 2000 rows (false alarm rate 0/20)', async () => {
    const folder = path.join(dir, 'iid');
    // One file per hour, 2000 rows each, all from one seeded sample without replacement: 20 disjoint iid windows.
    await writeCaptureFiles(
      { dir: folder, model: 'flights-small', version: 1, rows: { parquet, from: 'training', rows: 40_000, seed: 11 }, startMs: START, spacingMs: 1800, rowsPerFile: 2000, instance: 'iid' },
      db,
    );
    const verdicts: string[] = [];
    const worst: Record<string, number> = {};
    for (let i = 0; i < 20; i++) {
      const window = hourWindow(i);
      // The hour stamps in file names keep each window to its own file and the neighbours.
      assert.ok((await listCaptureFiles(folder, window)).length <= 3);
      const c = await check(folder, window);
      assert.equal(c.live.rows, 2000, `window ${i} holds its 2000 rows`);
      assert.equal(c.comparison.features.length, 5);
      verdicts.push(c.comparison.verdict);
      for (const f of c.comparison.features) worst[f.feature] = Math.max(worst[f.feature] ?? 0, f.statistic);
    }
    const alarms = verdicts.filter((v) => v !== 'no drift').length;
    console.log(`      false alarms ${alarms}/20; largest statistic per feature over the 20 windows: ${JSON.stringify(worst)}`);
    assert.equal(alarms, 0, `verdicts: ${verdicts.join(', ')}`);
    // Large reference (100k rows): distances, as Evidently picks them.
    const c = await check(folder, hourWindow(0));
    assert.deepEqual(
      c.comparison.features.map((f) => f.method),
      ['wasserstein', 'wasserstein', 'wasserstein', 'jensenshannon', 'jensenshannon'],
    );
  });

  it('a deliberate shift of one feature (distance +300 miles) is flagged, naming that feature and no other', async () => {
    const folder = path.join(dir, 'shift');
    await captureHour(folder, 0, 'training', 2000, 5, [{ feature: 'distance', delta: 300 }]);
    const c = await check(folder);
    console.log(`      distance +300: ${JSON.stringify(stats(c))}`);
    assert.equal(c.comparison.verdict, 'feature drift');
    assert.deepEqual(
      c.comparison.drifted.map((d) => d.feature),
      ['distance'],
    );
    const d = c.comparison.drifted[0];
    assert.equal(d.method, 'wasserstein');
    assert.ok(d.statistic >= d.threshold && d.threshold === 0.1);
    assert.equal(c.comparison.dataset.datasetDrift, false, '1 of 5 features is below the 0.5 dataset share');
  });

  it('shifting three of five features is dataset drift', async () => {
    const folder = path.join(dir, 'shift3');
    await captureHour(folder, 0, 'training', 2000, 6, [
      { feature: 'distance', delta: 300 },
      { feature: 'hour', delta: 3 },
      { feature: 'day_of_week', delta: 1 },
    ]);
    const c = await check(folder);
    assert.equal(c.comparison.verdict, 'dataset drift');
    assert.deepEqual(c.comparison.drifted.map((d) => d.feature).sort(), ['day_of_week', 'distance', 'hour']);
    assert.equal(c.comparison.dataset.shareOfDriftedFeatures, 0.6);
  });

  it('later months (May-Jun): measured statistics are larger than for the training months, but below the default thresholds', async () => {
    // 20k rows, so the small-sample floor of the distances (about 0.08 for Jensen-Shannon at 2000 rows) does not hide the change.
    const later = path.join(dir, 'later');
    const same = path.join(dir, 'same');
    await captureHour(later, 0, 'later', 20_000, 21);
    await captureHour(same, 0, 'training', 20_000, 21);
    const l = await check(later);
    const s = await check(same);
    const laterSmall = path.join(dir, 'later-small');
    await captureHour(laterSmall, 0, 'later', 2000, 22);
    const ls = await check(laterSmall);
    console.log(`      later months, 2000 rows: ${ls.comparison.verdict} ${JSON.stringify(stats(ls))}`);
    console.log(`      later months, 20000 rows: ${l.comparison.verdict} ${JSON.stringify(stats(l))}`);
    console.log(`      training months, 20000 rows: ${s.comparison.verdict} ${JSON.stringify(stats(s))}`);
    const stat = (c: CaptureCheck, name: string) => c.comparison.features.find((f) => f.feature === name)?.statistic ?? NaN;
    // The weekday mix is what changes most from Jan-Apr to May-Jun (different counts of each weekday per month).
    assert.ok(stat(l, 'day_of_week') > 3 * stat(s, 'day_of_week'), 'day_of_week moves in later months');
    for (const f of ['distance', 'origin', 'destination']) assert.ok(stat(l, f) > stat(s, f), `${f} moves more in later months`);
  });

  it('too few rows is "insufficient data": nothing judged, nothing drifted, whatever the rows hold', async () => {
    const folder = path.join(dir, 'few');
    await captureHour(folder, 0, 'training', 60, 7, [{ feature: 'distance', delta: 5000 }]);
    const c = await check(folder);
    assert.equal(c.live.rows, 60);
    assert.equal(c.comparison.verdict, 'insufficient data');
    assert.deepEqual(c.comparison.drifted, []);
    assert.deepEqual(c.comparison.features, []);
    // The same rows with a lower minimum are judged: the verdict above came from the row count alone. (At 60 rows every
    // distance is large from sampling noise alone, which is what the minimum guards against.)
    const judged = await checkCapture({ files: await listCaptureFiles(folder), reference: t.profile, features: t.features, settings: { ...t.settings, minRows: 50 }, db });
    assert.equal(judged.comparison.verdict, 'dataset drift');
    assert.ok(judged.comparison.drifted.some((d) => d.feature === 'distance'));
  });

  it('a missing folder or no files is zero rows, not an error', async () => {
    const c = await check(path.join(dir, 'nothing-here'));
    assert.equal(c.live.rows, 0);
    assert.equal(c.comparison.verdict, 'insufficient data');
  });

  it('odd files do not break the read: an empty file, a cut last line, an unknown key, a wrong-typed value, another model', async () => {
    const folder = path.join(dir, 'odd');
    const ts = START + 10 * 60_000;
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, captureFileName(ts, 'empty', 1)), '');
    const rows = Array.from({ length: 150 }, (_, i) => captureLine(ts + i, { ...ROW, extra_field: 'x' }));
    rows.push(captureLine(ts + 200, { ...ROW, hour: 'thirteen' }));
    rows.push(captureLine(ts + 201, ROW, { model: 'someone-else' }));
    rows.push('{"ts":"2025-01-06T00:10:00.000Z","model":"flights-sm');
    await appendLines(path.join(folder, captureFileName(ts, 'odd', 1)), rows);
    const c = await check(folder, hourWindow(0));
    assert.equal(c.live.rows, 151, 'the cut line and the other model are left out');
    const hour = c.live.features.find((f) => f.name === 'hour');
    assert.ok(hour && hour.kind === 'numeric');
    assert.equal(hour.binned.nulls, 1, 'a wrong-typed value counts as missing');
    assert.notEqual(c.comparison.verdict, 'insufficient data');
  });

  it('a jump in the missing rate flags the feature (method missing-rate) even when the present values look like training', async () => {
    const folder = path.join(dir, 'missing');
    await captureHour(folder, 0, 'training', 2000, 8);
    // 30% more rows whose origin is missing: present origins keep the training mix, the missing share jumps.
    const lines = Array.from({ length: 900 }, (_, i) => captureLine(START + 1000 + i, { ...ROW, origin: null }));
    await appendLines(path.join(folder, captureFileName(START, 'nulls', 1)), lines);
    const c = await check(folder);
    const origin = c.comparison.features.find((f) => f.feature === 'origin');
    assert.ok(origin);
    assert.ok(origin.missingRateDelta > 0.3 && origin.missingRateDrifted);
    assert.deepEqual(c.comparison.drifted.find((d) => d.feature === 'origin')?.method, 'missing-rate');
  });

  it('per-feature overrides from the spec change the method and threshold; an override that does not fit the kind is refused', async () => {
    const spec = { ...t.spec, features: t.spec.features.map((f) => (f.name === 'distance' ? { ...f, drift: { method: 'psi' as const, threshold: 5 } } : f)) };
    const settings = monitorSettingsFromSpec(spec);
    const folder = path.join(dir, 'override');
    await captureHour(folder, 0, 'training', 2000, 9, [{ feature: 'distance', delta: 300 }]);
    const c = await checkCapture({ files: await listCaptureFiles(folder), reference: t.profile, features: t.features, settings, db });
    const distance = c.comparison.features.find((f) => f.feature === 'distance');
    assert.equal(distance?.method, 'psi');
    assert.equal(distance?.threshold, 5);
    assert.equal(distance?.drifted, false, 'PSI about 2 is below the raised threshold of 5');
    const bad = { ...t.spec, features: t.spec.features.map((f) => (f.name === 'origin' ? { ...f, drift: { method: 'ks' as const } } : f)) };
    assert.throws(
      () => monitorSettingsFromSpec(bad),
      (err: unknown) => err instanceof SettingsError && /origin.*ks.*categorical/.test(err.message),
    );
  });
});
