// Retraining data after degraded quality: the labeled live rows of a recent window, combined with the spec's own source.
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { DuckDb, numOrNull, quoteIdent, quoteString, sqlLiteral } from '../data/duckdb';
import { buildSourceRelation, LABEL_COLUMN, ROW_COLUMN } from '../data/source';
import { captureFolder } from '../drift/monitor/capture-files';
import { resolveRetrainSpec } from '../drift/monitor/run';
import { loadSpec, type DatasetSpec, type MonitoringSpec } from '../spec/dataset';
import { writeJsonAtomic } from '../util/fs-atomic';
import { jsonlFiles } from './join';
import { labelsFolder } from './run';

export interface PreparedRetrain {
  /** The derived spec to train on; absent when no retrain is possible (see note). */
  spec?: string;
  /** The newest labeled live rows, kept out of training, as a snapshot-shaped parquet (features, __label, __row), for the promotion check. */
  recentRows?: string;
  /** Labeled live rows found (training + comparison). */
  liveRows: number;
  /** Of those, the ones added to the training data. */
  trainRows: number;
  /** Of those, the newest ones kept for the comparison. */
  compareRows: number;
  note: string;
}

/**
 * A value of the target column that the spec's rule maps to `label`. Live rows carry the true class, not
 * the raw target (a flight's delay in minutes); the trainer only ever uses the class, so any value on
 * the right side of the rule gives the same training label. Returns null when the rule has no such value.
 */
export function targetValueFor(spec: DatasetSpec, label: 0 | 1): string | null {
  const { op, value } = spec.target.positive;
  if (typeof value === 'boolean') {
    if (op === '=') return sqlLiteral(label ? value : !value);
    if (op === '!=') return sqlLiteral(label ? !value : value);
    return null;
  }
  if (typeof value === 'string') {
    const other = sqlLiteral(`${value}_other`);
    if (op === '=') return label ? sqlLiteral(value) : other;
    if (op === '!=') return label ? other : sqlLiteral(value);
    return null;
  }
  const v = value;
  switch (op) {
    case '>':
      return sqlLiteral(label ? v + 1 : v);
    case '>=':
      return sqlLiteral(label ? v : v - 1);
    case '<':
      return sqlLiteral(label ? v - 1 : v);
    case '<=':
      return sqlLiteral(label ? v : v + 1);
    case '=':
      return sqlLiteral(label ? v : v + 1);
    case '!=':
      return sqlLiteral(label ? v + 1 : v);
  }
}

const featureType = (f: DatasetSpec['features'][number]) => (f.type === 'numeric' ? 'DOUBLE' : 'VARCHAR');

/**
 * Takes the newest `maxRows` labeled live rows of the last `windowDays` before `end` (latest prediction and
 * label per inference id, every version) and writes, under <varDir>/model-quality/<model>/retrain/<reportId>/:
 * - recent.parquet: the newest `compareShare` of them, shaped like a training snapshot, never trained on;
 * - combined.parquet: the spec's source rows (its select, where and sample applied) plus the other live rows
 *   (`liveWeight` times each with `weighted`), live rows given a target value their label maps to and,
 *   for a time split, a time just before the holdout, so they train and the holdout stays the spec's;
 * - spec.json: the spec with its source replaced by combined.parquet.
 * The same report id gives the same files (a retried activity rewrites them whole).
 */
export async function prepareQualityRetrain(o: {
  varDir: string;
  projectRoot: string;
  model: string;
  version: number;
  reportId: string;
  retrainData: MonitoringSpec['retrainData'];
  /** ISO end of the live window. */
  end: string;
}): Promise<PreparedRetrain> {
  const found = await resolveRetrainSpec({ varDir: o.varDir, projectRoot: o.projectRoot, model: o.model, version: o.version });
  const none = { liveRows: 0, trainRows: 0, compareRows: 0 };
  if (!found.spec) return { ...none, note: found.note };
  const { spec, file: specFile } = await loadSpec(found.spec, o.projectRoot);
  const captures = await jsonlFiles(captureFolder(o.varDir, o.model));
  const labels = await jsonlFiles(labelsFolder(o.varDir, o.model));
  if (captures.length === 0 || labels.length === 0) return { ...none, note: 'no labeled live rows to retrain with; not retraining' };
  const dir = path.join(o.varDir, 'model-quality', o.model, 'retrain', o.reportId);
  await mkdir(dir, { recursive: true });
  const recent = path.join(dir, 'recent.parquet');
  const combined = path.join(dir, 'combined.parquet');
  const rd = o.retrainData;
  const start = new Date(Date.parse(o.end) - rd.windowDays * 86_400_000).toISOString();
  const list = (files: string[]) => `[${files.map(quoteString).join(', ')}]`;
  const struct = spec.features.map((f) => `${quoteIdent(f.name)} ${featureType(f)}`).join(', ');
  const db = await DuckDb.open();
  try {
    await db.run(
      `CREATE TEMP TABLE live AS WITH c AS (SELECT coalesce(id, request_id || '.' || CAST("row" AS VARCHAR)) AS id, ts, features FROM read_json(${list(captures)}, format='newline_delimited', ` +
        `columns={ts: 'VARCHAR', id: 'VARCHAR', request_id: 'VARCHAR', "row": 'INTEGER', features: 'STRUCT(${struct})'}, ignore_errors=true) WHERE ts >= ${quoteString(start)} AND ts < ${quoteString(o.end)}), ` +
        `p AS (SELECT id, arg_max(features, ts) AS features, max(ts) AS ts FROM c GROUP BY id), ` +
        `l AS (SELECT id, arg_max(label, (ts, n)) AS label FROM read_json(${list(labels)}, format='newline_delimited', columns={ts: 'VARCHAR', n: 'BIGINT', id: 'VARCHAR', label: 'INTEGER'}, ignore_errors=true) WHERE label IN (0, 1) GROUP BY id) ` +
        `SELECT ${spec.features.map((f) => `p.features.${quoteIdent(f.name)} AS ${quoteIdent(f.name)}`).join(', ')}, l.label AS label, p.ts AS ts FROM p JOIN l USING (id) ORDER BY p.ts DESC, p.id LIMIT ${rd.maxRows}`,
    );
    const n = numOrNull((await db.one('SELECT count(*) AS n FROM live')).n) ?? 0;
    const compare = Math.min(n - 1, Math.ceil(n * rd.compareShare));
    if (n < 2 || compare < 1) return { ...none, liveRows: n, note: `${n} labeled live rows between ${start} and ${o.end}; too few to train and compare on; not retraining` };
    // newest first (ts desc, id): rank < compare is the comparison slice
    await db.run(`CREATE TEMP TABLE ranked AS SELECT *, row_number() OVER () - 1 AS rk FROM live`);
    const feats = spec.features.map((f) => quoteIdent(f.name)).join(', ');
    const tmpRecent = `${recent}.tmp`;
    await db.run(`COPY (SELECT CAST(rk AS BIGINT) AS ${ROW_COLUMN}, ${feats}, CAST(label AS INTEGER) AS ${LABEL_COLUMN} FROM ranked WHERE rk < ${compare} ORDER BY rk) TO ${quoteString(tmpRecent)} (FORMAT parquet)`);
    await rename(tmpRecent, recent);
    const trainN = n - compare;

    const pos = targetValueFor(spec, 1);
    const neg = targetValueFor(spec, 0);
    if (pos === null || neg === null) return { ...none, liveRows: n, note: `the target rule ${spec.target.column} ${spec.target.positive.op} ${JSON.stringify(spec.target.positive.value)} has no value for both classes; not retraining` };
    const split = spec.split.kind === 'time' ? `, CAST(${quoteString(spec.split.holdoutFrom)} AS TIMESTAMP) - INTERVAL 1 DAY AS ${quoteIdent(spec.split.column)}` : '';
    const repeat = rd.combine === 'weighted' ? rd.liveWeight : 1;
    const liveSql = `SELECT ${feats}, CASE WHEN label = 1 THEN ${pos} ELSE ${neg} END AS ${quoteIdent(spec.target.column)}${split} FROM ranked, range(${repeat}) WHERE rk >= ${compare}`;
    const source = buildSourceRelation(spec, specFile);
    const tmp = `${combined}.tmp`;
    await db.run(`COPY (SELECT * EXCLUDE (${ROW_COLUMN}) FROM (${source.relationSql}) UNION ALL BY NAME ${liveSql}) TO ${quoteString(tmp)} (FORMAT parquet)`);
    await rename(tmp, combined);
    const derived = {
      ...spec,
      description: `${spec.description ?? spec.name}; retrained after degraded quality (report ${o.reportId}) with ${trainN} labeled live rows${repeat > 1 ? ` weighted ${repeat}x` : ''}`,
      source: { path: combined, format: 'parquet' as const },
    };
    const out = path.join(dir, 'spec.json');
    await writeJsonAtomic(out, derived);
    return {
      spec: out,
      recentRows: recent,
      liveRows: n,
      trainRows: trainN,
      compareRows: compare,
      note: `${trainN} of ${n} labeled live rows from ${start} to ${o.end} ${rd.combine === 'weighted' ? `weighted ${repeat}x ` : ''}added to ${spec.source.path}; the newest ${compare} kept out to compare candidate and champion`,
    };
  } finally {
    db.close();
    await rm(`${combined}.tmp`, { force: true });
    await rm(`${recent}.tmp`, { force: true });
  }
}
