// Model-quality bench: the monitor's join + metrics over 1M captured rows with 1M labels, against a plain DuckDB scan of the same files.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDb, quoteString } from '../src/data/duckdb';
import { decide, holdoutFigures, joinPredictionsWithLabels, jsonlFiles, liveMetrics, positiveRateTest, scoreHistogram } from '../src/model-quality';
import { QualityMonitorSpec } from '../src/spec/dataset';
import { timed, type Figure } from './figure';

const ROWS = 1_000_000;
const FILES = 10;
const REPEATS = 3;
const START = Date.UTC(2026, 0, 1);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Capture lines shaped as the API writes them (ids, a probability from a noisy logistic score, five
 * flights-like features) and one label line per prediction, drawn from the probability with a shift,
 * written with DuckDB COPY in FILES files each.
 */
async function writeFiles(db: DuckDb, dir: string): Promise<{ captures: string[]; labels: string[] }> {
  const cap = path.join(dir, 'capture', 'qm');
  const lab = path.join(dir, 'labels', 'qm');
  await mkdir(cap, { recursive: true });
  await mkdir(lab, { recursive: true });
  const per = ROWS / FILES;
  for (let f = 0; f < FILES; f++) {
    const rows = `SELECT range AS i, 1.0 / (1.0 + exp(-((hash(range, 1) % 2000) / 400.0 - 3.0))) AS p FROM range(${f * per}, ${(f + 1) * per})`;
    await db.run(
      `COPY (SELECT strftime(make_timestamp(CAST(${START * 1000} + i * 50000 AS BIGINT)), '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, 'qm' AS model, 1 AS version, 'v1' AS api, ` +
        `'r' || (i // 50) AS request_id, 'key' AS key_id, CAST(i % 50 AS INTEGER) AS "row", 'id-' || i AS id, round(p, 6) AS probability, CAST(p >= 0.5 AS INTEGER) AS label, ` +
        `struct_pack(hour := i % 24, day_of_week := i % 7, distance := 100 + i % 2500, origin := 'O' || (i % 300), destination := 'D' || (i % 280)) AS features ` +
        `FROM (${rows}) ORDER BY i) TO ${quoteString(path.join(cap, `20260101T00-bench-${String(f + 1).padStart(6, '0')}.jsonl`))} (FORMAT json)`,
    );
    await db.run(
      `COPY (SELECT strftime(make_timestamp(CAST(${START * 1000} + 86400000000 + i * 1000 AS BIGINT)), '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, 'qm' AS model, 'key' AS key_id, i AS n, 'id-' || i AS id, ` +
        `CAST((hash(range := i, 2) % 1000000) / 1000000.0 < least(1.0, p * 1.15) AS INTEGER) AS label FROM (${rows.replace('range AS i', 'range AS i, range')}) ORDER BY i) ` +
        `TO ${quoteString(path.join(lab, `20260102T00-bench-${String(f + 1).padStart(6, '0')}.jsonl`))} (FORMAT json)`,
    );
  }
  return { captures: await jsonlFiles(cap), labels: await jsonlFiles(lab) };
}

export async function benchModelQuality(log: (line: string) => void = () => undefined): Promise<Figure[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlp-bench-quality-'));
  const db = await DuckDb.open();
  try {
    const written = await timed(() => writeFiles(db, dir));
    const { captures, labels } = written.result;
    log(`wrote ${ROWS} capture rows and ${ROWS} labels in ${captures.length} + ${labels.length} JSONL files with DuckDB COPY in ${written.ms.toFixed(0)} ms`);
    const list = (files: string[]) => `[${files.map(quoteString).join(', ')}]`;
    // The baseline: one plain scan of the same files, reading the same columns the join reads.
    const scanSql =
      `SELECT (SELECT count(*) FROM read_json(${list(captures)}, format = 'newline_delimited', columns = {ts: 'VARCHAR', version: 'INTEGER', id: 'VARCHAR', request_id: 'VARCHAR', "row": 'INTEGER', probability: 'DOUBLE'}, ignore_errors = true) WHERE probability >= 0) AS c, ` +
      `(SELECT count(*) FROM read_json(${list(labels)}, format = 'newline_delimited', columns = {ts: 'VARCHAR', n: 'BIGINT', id: 'VARCHAR', label: 'INTEGER'}, ignore_errors = true) WHERE label >= 0) AS l`;
    await db.one(scanSql); // warm the page cache, so both sides read from memory
    const settings = QualityMonitorSpec.parse({});
    const holdout = holdoutFigures({ candidate: { auc: 0.7, logLoss: 0.5 } });
    const window = { start: new Date(START).toISOString(), end: new Date(START + 86_400_000).toISOString() };
    const scans: number[] = [];
    const checks: number[] = [];
    const joins: number[] = [];
    let summary = '';
    for (let i = 0; i < REPEATS; i++) {
      scans.push((await timed(() => db.one(scanSql))).ms);
      const check = await timed(async () => {
        const j = await timed(() => joinPredictionsWithLabels({ captureFiles: captures, labelFiles: labels, window, version: 1 }, db));
        joins.push(j.ms);
        const { label, probability, counts } = j.result;
        const live = liveMetrics(label, probability, 0.5);
        const rate = positiveRateTest(label, probability, settings);
        scoreHistogram(label, probability);
        return { counts, decision: decide(live, holdout, rate, counts.labeled, settings) };
      });
      checks.push(check.ms);
      summary = `${check.result.counts.labeled} labeled of ${check.result.counts.predictions}; ${check.result.decision.summary}`;
    }
    log(`plain scan ${scans.map((m) => m.toFixed(0)).join(' / ')} ms; join ${joins.map((m) => m.toFixed(0)).join(' / ')} ms; check ${checks.map((m) => m.toFixed(0)).join(' / ')} ms`);
    log(summary);
    const scan = median(scans);
    const check = median(checks);
    return [
      {
        name: 'quality.scan.1m+1m',
        value: scan,
        unit: 'ms',
        note: `count(*) over ${ROWS} captured rows and ${ROWS} labels (${FILES} + ${FILES} JSONL files), the columns the join reads, median of ${REPEATS}`,
      },
      {
        name: 'quality.check.1m+1m',
        value: check,
        unit: 'ms',
        baseline: { name: 'plain scan of the same files', value: scan },
        note: `join (latest prediction and label per id) + AUC, PR AUC, log loss, Brier, threshold metrics, calibration, z test, histograms; median of ${REPEATS}`,
      },
      { name: 'quality.join.1m+1m', value: median(joins), unit: 'ms', baseline: { name: 'plain scan', value: scan }, note: 'the DuckDB part alone, arrays copied out' },
    ];
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}
