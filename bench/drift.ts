// Drift bench: the monitor's check over 1M captured rows (JSONL) against a plain DuckDB scan and against Evidently, same run.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DuckDb, quoteIdent, quoteString } from '../src/data/duckdb';
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
/** Each feature's statistic must be within this share of Evidently's on the same rows. */
const PEER_TOLERANCE = 0.02;

/** The peer's Python: DRIFT_PYTHON, else the venv `make drift-peer` makes. */
function peerPython(): string | null {
  const p = process.env.DRIFT_PYTHON ?? path.join(ROOT, '.venv-drift', 'bin', 'python');
  return existsSync(p) ? p : null;
}

const PeerResult = z.object({
  importSeconds: z.number(),
  loadSeconds: z.number(),
  loadCpuSeconds: z.number(),
  runSeconds: z.number(),
  runCpuSeconds: z.number(),
  rows: z.object({ reference: z.number(), current: z.number() }),
  columns: z.record(z.string(), z.object({ method: z.string().nullable(), value: z.number() })),
});
type PeerResult = z.infer<typeof PeerResult>;

function runPeer(python: string, args: string[]): Promise<PeerResult> {
  return new Promise((resolve, reject) => {
    execFile(python, [path.join(ROOT, 'bench', 'drift-evidently.py'), ...args], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`Evidently peer failed: ${err.message}\n${stderr.slice(-2000)}`));
      else resolve(PeerResult.parse(JSON.parse(stdout)));
    });
  });
}

/** Our method names as Evidently labels them in DataDriftPreset. */
const EVIDENTLY_METHOD: Record<string, string> = {
  wasserstein: 'Wasserstein distance (normed)',
  jensenshannon: 'Jensen-Shannon distance',
  ks: 'K-S p_value',
  chisquare: 'chi-square p_value',
  psi: 'PSI',
};

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
    // The reference: a 100k-row training-period (Jan-Apr) profile, as flights-small's training profile is.
    const referenceSql = flightRowsSql({ parquet, from: 'training', rows: 100_000, seed: 7 });
    const reference = await profileRelation(`SELECT *, CASE WHEN delay > 15 THEN 1 ELSE 0 END AS __label FROM (${referenceSql})`, features, { db });
    const coarse = await profileRelation(`SELECT *, CASE WHEN delay > 15 THEN 1 ELSE 0 END AS __label FROM (${referenceSql})`, features, { db, fine: false });
    const profileBytes = Buffer.byteLength(JSON.stringify(reference));
    const coarseBytes = Buffer.byteLength(JSON.stringify(coarse));
    log(`reference profile (fine, version ${reference.version}): ${profileBytes.toLocaleString('en-US')} bytes of JSON; coarse (version 1): ${coarseBytes.toLocaleString('en-US')} bytes`);
    // Live: 1M May-June rows (the months after training), as the prediction service captures them.
    const capture = path.join(dir, 'capture', 'flights');
    const written = await timed(() =>
      writeCaptureFiles(
        { dir: capture, model: 'flights', version: 1, rows: { parquet, from: 'later', rows: ROWS, seed: 3 }, startMs: Date.UTC(2025, 0, 1), spacingMs: 3, rowsPerFile: ROWS / FILES },
        db,
      ),
    );
    const files = await listCaptureFiles(capture);
    log(`wrote ${ROWS} capture rows (May-June flights) in ${files.length} files with DuckDB COPY in ${written.ms.toFixed(0)} ms`);

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
    const checkCpus: number[] = [];
    const coarseChecks: number[] = [];
    let last: Awaited<ReturnType<typeof checkCapture>> | undefined;
    let lastCoarse: Awaited<ReturnType<typeof checkCapture>> | undefined;
    for (let i = 0; i < REPEATS; i++) {
      scans.push((await timed(() => db.one(scanSql))).ms);
      scansAll.push((await timed(() => db.one(scanAllSql))).ms);
      const cpu0 = process.cpuUsage();
      const c = await timed(() => checkCapture({ files, window, model: 'flights', reference, features, settings, db }));
      const cpu = process.cpuUsage(cpu0);
      checkCpus.push((cpu.user + cpu.system) / 1000);
      checks.push(c.ms);
      const cc = await timed(() => checkCapture({ files, window, model: 'flights', reference: coarse, features, settings, db }));
      coarseChecks.push(cc.ms);
      lastCoarse = cc.result;
      last = c.result;
    }
    if (!last) throw new Error('no check ran');
    log(
      `plain scan ${scans.map((m) => m.toFixed(0)).join(' / ')} ms; all-column scan ${scansAll.map((m) => m.toFixed(0)).join(' / ')} ms; ` +
        `drift check ${checks.map((m) => m.toFixed(0)).join(' / ')} ms (CPU ${checkCpus.map((m) => m.toFixed(0)).join(' / ')} ms); ` +
        `coarse check ${coarseChecks.map((m) => m.toFixed(0)).join(' / ')} ms; verdict ${last.comparison.verdict} over ${last.live.rows} rows`,
    );
    const peer = await evidentlyPeer(db, dir, referenceSql, files, features, last, lastCoarse, log);
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
      { name: 'drift.profile.bytes', value: profileBytes, unit: 'B', baseline: { name: 'coarse version 1 profile', value: coarseBytes }, note: 'fine training profile of 100k rows, JSON' },
      { name: 'drift.check.fine_vs_coarse', value: check, unit: 'ms', baseline: { name: 'the same check on the coarse version 1 profile', value: median(coarseChecks) } },
      ...peerFigures(peer, check, median(checkCpus), last),
    ];
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

type Check = Awaited<ReturnType<typeof checkCapture>>;

/**
 * Evidently's DataDriftPreset on the same rows: the reference rows the profile was made from (exported to Parquet by
 * DuckDB, numeric columns as DOUBLE) and the very capture files the check read. Null when Python or the venv is missing.
 */
async function evidentlyPeer(
  db: DuckDb,
  dir: string,
  referenceSql: string,
  files: string[],
  features: MonitoredFeature[],
  check: Check,
  coarseCheck: Check | undefined,
  log: (l: string) => void,
): Promise<PeerResult | null> {
  const python = peerPython();
  if (!python) {
    log('Evidently peer skipped: no Python venv (make drift-peer, or set DRIFT_PYTHON to a python with evidently installed)');
    return null;
  }
  const cols = (source: string) =>
    features.map((f) => `${f.type === 'numeric' ? `CAST(${source}${quoteIdent(f.name)} AS DOUBLE)` : `CAST(${source}${quoteIdent(f.name)} AS VARCHAR)`} AS ${quoteIdent(f.name)}`).join(', ');
  const refFile = path.join(dir, 'reference.parquet');
  await db.run(`COPY (SELECT ${cols('')} FROM (${referenceSql})) TO ${quoteString(refFile)} (FORMAT parquet)`);
  const numeric = features
    .filter((f) => f.type === 'numeric')
    .map((f) => f.name)
    .join(',');
  const categorical = features
    .filter((f) => f.type === 'categorical')
    .map((f) => f.name)
    .join(',');
  // The same capture files the check read (every row is in the window and of this model here, so no filter is needed).
  const r = await runPeer(python, [refFile, numeric, categorical, ...files]);
  log(
    `Evidently: import ${r.importSeconds.toFixed(1)} s; reading the reference Parquet and the capture JSONL ${(r.loadSeconds * 1000).toFixed(0)} ms (CPU ${(r.loadCpuSeconds * 1000).toFixed(0)} ms); ` +
      `DataDriftPreset ${(r.runSeconds * 1000).toFixed(0)} ms (CPU ${(r.runCpuSeconds * 1000).toFixed(0)} ms) ` +
      `on ${r.rows.reference} reference and ${r.rows.current} current rows`,
  );
  if (r.rows.current !== check.live.rows) log(`WARNING: Evidently saw ${r.rows.current} current rows, the check ${check.live.rows}`);
  for (const f of check.comparison.features) {
    const e = r.columns[f.feature];
    const ok = e !== undefined && Math.abs(f.statistic - e.value) <= PEER_TOLERANCE * Math.abs(e.value);
    const sameMethod = e?.method === EVIDENTLY_METHOD[f.method];
    const c = coarseCheck?.comparison.features.find((x) => x.feature === f.feature);
    log(
      `${f.feature.padEnd(12)} ours ${f.method} ${f.statistic.toPrecision(6)}  Evidently ${e ? `${e.method} ${e.value.toPrecision(6)}` : 'missing'}  ratio ${e ? (f.statistic / e.value).toFixed(4) : '-'}  ` +
        `${ok && sameMethod ? 'within 2%' : 'NOT within 2% or another method'}` +
        (c && e ? `  (coarse profile: ${c.method} ${c.statistic.toPrecision(4)}, ratio ${(c.statistic / e.value).toFixed(2)})` : ''),
    );
  }
  return r;
}

function peerFigures(peer: PeerResult | null, checkMs: number, checkCpuMs: number, check: Check): Figure[] {
  if (!peer) return [];
  const evidentlyMs = (peer.loadSeconds + peer.runSeconds) * 1000;
  const evidentlyCpuMs = (peer.loadCpuSeconds + peer.runCpuSeconds) * 1000;
  return [
    {
      name: 'drift.check.vs_evidently',
      value: checkMs,
      unit: 'ms',
      baseline: { name: 'Evidently: read the same files + DataDriftPreset', value: evidentlyMs },
      note: `Evidently takes ${(evidentlyMs / checkMs).toFixed(1)}x as long`,
    },
    {
      name: 'drift.check.cpu_vs_evidently',
      value: checkCpuMs,
      unit: 'ms CPU',
      baseline: { name: 'Evidently CPU (read + run)', value: evidentlyCpuMs },
      note: `Evidently uses ${(evidentlyCpuMs / checkCpuMs).toFixed(1)}x the CPU time (less sensitive than wall time to a shared machine)`,
    },
    {
      name: 'drift.check.cpu_vs_evidently_run_only',
      value: checkCpuMs,
      unit: 'ms CPU',
      baseline: { name: 'Evidently CPU, DataDriftPreset on data in memory', value: peer.runCpuSeconds * 1000 },
      note: 'ours includes reading 1M JSON lines; the peer here starts from DataFrames',
    },
    ...check.comparison.features.map((f): Figure => ({
      name: `drift.${f.feature}.${f.method}`,
      value: f.statistic,
      unit: '',
      baseline: { name: 'Evidently on the raw rows', value: peer.columns[f.feature]?.value ?? NaN },
    })),
  ];
}

if (require.main === module) {
  benchDrift((l) => console.log(l))
    .then((figures) => console.log(JSON.stringify(figures, null, 2)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
