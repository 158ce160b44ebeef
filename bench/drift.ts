// Drift bench: the monitor's check over 1M captured rows (JSONL) against one plain DuckDB scan of the same files, same run.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDb, quoteString } from '../src/data/duckdb';
import { buildReport, checkCapture, listCaptureFiles, monitorSettingsFromSpec, type MonitoredFeature } from '../src/drift/monitor';
import { writeDriftReport } from '../src/drift/report/store';
import { profileRelation } from '../src/profile';
import { writeCaptureFiles } from '../src/traffic/capture-writer';
import { FLIGHT_FEATURES, flightRowsSql, flightsParquetPath } from '../src/traffic/flights';
import { timed, type Figure } from './figure';
import { localStore } from '../src/store';

const ROOT = path.resolve(__dirname, '..', '..');
const ROWS = 1_000_000;
const FILES = 10;
const REPEATS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchDrift(log: (line: string) => void = () => undefined): Promise<Figure[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlp-bench-drift-'));
  const db = await DuckDb.open();
  try {
    const parquet = flightsParquetPath(ROOT);
    const features: MonitoredFeature[] = FLIGHT_FEATURES.map((f) => ({ name: f.name, type: f.type }));
    // The reference: a 100k-row training-period profile, as flights-small's training profile is.
    const reference = await profileRelation(`SELECT *, CASE WHEN delay > 15 THEN 1 ELSE 0 END AS __label FROM (${flightRowsSql({ parquet, from: 'training', rows: 100_000, seed: 7 })})`, features, { db });
    const capture = path.join(dir, 'capture', 'flights');
    const written = await timed(() =>
      writeCaptureFiles({ dir: capture, model: 'flights', version: 1, rows: { parquet, from: 'training', rows: ROWS, seed: 3 }, startMs: Date.UTC(2025, 0, 1), spacingMs: 3, rowsPerFile: ROWS / FILES }, db),
    );
    const files = await listCaptureFiles(capture);
    log(`wrote ${ROWS} capture rows in ${files.length} files with DuckDB COPY in ${written.ms.toFixed(0)} ms`);

    // The baseline reads the same files with the same column types, touching one column.
    const list = `[${files.map((f) => quoteString(f)).join(', ')}]`;
    const scanSql =
      `SELECT count(*) AS n, sum(probability) AS s FROM read_json(${list}, format = 'newline_delimited', ` +
      `columns = {ts: 'TIMESTAMPTZ', model: 'VARCHAR', version: 'INTEGER', probability: 'DOUBLE', label: 'INTEGER', ` +
      `features: 'STRUCT(hour DOUBLE, day_of_week DOUBLE, distance DOUBLE, origin VARCHAR, destination VARCHAR)'}, ignore_errors = true)`;
    // A second reference point: the same scan touching every column the check reads (so every JSON field is converted).
    const scanAllSql = scanSql.replace(
      'SELECT count(*) AS n, sum(probability) AS s',
      'SELECT count(*) AS n, sum(probability) AS s, sum(features.hour) AS h, sum(features.day_of_week) AS w, sum(features.distance) AS d, count(features.origin) AS o, count(features.destination) AS t, max(ts) AS x, count(model) AS m, sum(label) AS l, max(version) AS v',
    );
    await db.one(scanSql); // warm the page cache, so both sides read from memory
    const settings = monitorSettingsFromSpec({});
    const window = { start: new Date(Date.UTC(2025, 0, 1)).toISOString(), end: new Date(Date.UTC(2025, 0, 2)).toISOString() };
    const scans: number[] = [];
    const scansAll: number[] = [];
    const checks: number[] = [];
    let last: Awaited<ReturnType<typeof checkCapture>> | undefined;
    for (let i = 0; i < REPEATS; i++) {
      scans.push((await timed(() => db.one(scanSql))).ms);
      scansAll.push((await timed(() => db.one(scanAllSql))).ms);
      const c = await timed(() => checkCapture({ files, window, model: 'flights', reference, features, settings, db }));
      checks.push(c.ms);
      last = c.result;
    }
    if (!last) throw new Error('no check ran');
    log(`plain scan ${scans.map((m) => m.toFixed(0)).join(' / ')} ms; all-column scan ${scansAll.map((m) => m.toFixed(0)).join(' / ')} ms; drift check ${checks.map((m) => m.toFixed(0)).join(' / ')} ms; verdict ${last.comparison.verdict} over ${last.live.rows} rows`);
    const report = buildReport({ id: 'bench', createdAt: new Date().toISOString(), model: 'flights', modelVersion: 1, window, settings, reference, run: null }, last);
    const write = await timed(() => writeDriftReport(localStore(dir), report));
    const scan = median(scans);
    const check = median(checks);
    const scanAll = median(scansAll);
    return [
      { name: 'drift.scan.1m', value: scan, unit: 'ms', note: `count(*), sum(probability) over ${ROWS} captured rows in ${files.length} JSONL files (median of ${REPEATS})` },
      {
        name: 'drift.check.1m',
        value: check,
        unit: 'ms',
        baseline: { name: 'plain scan of the same files', value: scan },
        note: `read + bin 5 features and the prediction + statistics, median of ${REPEATS}; verdict ${last.comparison.verdict}`,
      },
      { name: 'drift.scan.all_columns.1m', value: scanAll, unit: 'ms', baseline: { name: 'plain scan', value: scan }, note: 'the same scan converting every field the check reads' },
      { name: 'drift.check.vs_all_columns', value: check, unit: 'ms', baseline: { name: 'all-column scan', value: scanAll } },
      { name: 'drift.check.rows_per_second', value: ROWS / (check / 1000), unit: 'rows/s' },
      { name: 'drift.report.write', value: write.ms, unit: 'ms', note: 'JSON + HTML page with 5 SVG overlays' },
    ];
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchDrift((l) => console.log(l))
    .then((figures) => console.log(JSON.stringify(figures, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
