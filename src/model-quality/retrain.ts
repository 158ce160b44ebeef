// Retraining data after degraded quality: the labeled live rows of a recent window, combined with the spec's own source.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { accessWith, DuckDb, numOrNull, quoteIdent, quoteString, sqlLiteral } from '../data/duckdb';
import { buildSourceRelation, LABEL_COLUMN, ROW_COLUMN } from '../data/source';
import { listWindowKeys } from '../drift/monitor/capture-files';
import { stageFiles } from '../drift/monitor/live';
import { resolveRetrainSpec } from '../drift/monitor/run';
import { capturePrefix, labelsPrefix, qualityRetrainPrefix } from '../store/layout';
import type { DatasetSpec, MonitoringSpec } from '../spec/dataset';
import { positiveRule } from '../spec/dataset';
import type { ArtifactStore } from '../store';
import { localizeSource, resolveSpecInput, STORE_SCHEME } from '../spec/dataset-input';
import { Registry } from '../registry/registry';
import { className, type ClassValue, type TaskKind } from '../task/task';
import { versionTask } from '../task/version-task';

export interface PreparedRetrain {
  /** The derived spec to train on, as `store:<key>`; absent when no retrain is possible (see note). */
  spec?: string;
  /** Store key of the newest labeled live rows, kept out of training, as a snapshot-shaped parquet (features, __label, __row), for the promotion check. */
  recentRowsKey?: string;
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
  const { op, value } = positiveRule(spec.target);
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
 * How live labels are read and written back per task: binary 0/1 (the spec's rule gives the target value); regression
 * the value itself; multiclass the class value as stored (read as text, matched to the classes), written back with the
 * data's type (numbers, booleans or strings) and, in the snapshot-shaped comparison rows, as the class index.
 */
export function liveLabelSql(task: TaskKind, classes?: readonly ClassValue[]): { type: string; valid: string; snapshotLabel: string; target: string } {
  if (task === 'binary') return { type: 'INTEGER', valid: 'label IN (0, 1)', snapshotLabel: 'CAST(label AS INTEGER)', target: 'label' };
  if (task === 'regression') return { type: 'DOUBLE', valid: 'isfinite(label)', snapshotLabel: 'CAST(label AS DOUBLE)', target: 'label' };
  const names = `[${(classes ?? []).map((c) => quoteString(className(c))).join(', ')}]`;
  const all = classes ?? [];
  const cast = all.every((c) => typeof c === 'number') ? 'CAST(label AS BIGINT)' : all.every((c) => typeof c === 'boolean') ? 'CAST(label AS BOOLEAN)' : 'label';
  return { type: 'VARCHAR', valid: `list_position(${names}, label) IS NOT NULL`, snapshotLabel: `CAST(list_position(${names}, label) - 1 AS UTINYINT)`, target: cast };
}

/** A multiclass version's classes: its registry metadata's (see versionTask), else the spec's. */
async function classesOf(store: ArtifactStore, model: string, version: number, spec: DatasetSpec): Promise<readonly ClassValue[] | undefined> {
  try {
    const t = versionTask(await new Registry(store).metadata(model, version));
    if (t.classes) return t.classes;
  } catch {
    // no readable metadata: the spec's classes, when it fixes them
  }
  return spec.target.classes;
}

/**
 * Takes the newest `maxRows` labeled live rows of the last `windowDays` before `end` (latest prediction and
 * label per inference id, every version, from every replica's capture and label objects) and writes, as store
 * objects under model-quality/<model>/retrain/<reportId>/:
 * - recent.parquet: the newest `compareShare` of them, shaped like a training snapshot, never trained on;
 * - combined.parquet: the spec's source rows (its select, where and sample applied) plus the other live rows
 *   (`liveWeight` times each with `weighted`), live rows given a target value their label maps to and,
 *   for a time split, a time just before the holdout, so they train and the holdout stays the spec's;
 * - spec.json: the spec with its source replaced by `store:` combined.parquet.
 * Files are built in a scratch folder of this worker and uploaded; the same report id gives the same keys
 * (a retried activity rewrites them whole), and any worker can train on them.
 */
export async function prepareQualityRetrain(o: {
  store: ArtifactStore;
  /** This worker's own folder: the parquet files are built under it, then uploaded and removed. */
  scratchDir: string;
  projectRoot: string;
  model: string;
  version: number;
  reportId: string;
  retrainData: MonitoringSpec['retrainData'];
  /** ISO end of the live window. */
  end: string;
}): Promise<PreparedRetrain> {
  const found = await resolveRetrainSpec({ store: o.store, projectRoot: o.projectRoot, model: o.model, version: o.version });
  const none = { liveRows: 0, trainRows: 0, compareRows: 0 };
  if (!found.spec) return { ...none, note: found.note };
  const { spec, specFile } = await resolveSpecInput(found.spec, { projectRoot: o.projectRoot, store: o.store });
  const rd = o.retrainData;
  const start = new Date(Date.parse(o.end) - rd.windowDays * 86_400_000).toISOString();
  // every capture and label object (a retrain is rare, its window is days and rows are picked by their stamps), each
  // fetched just before DuckDB copies its rows (stageFiles), so a store cache smaller than them is enough
  const captures = await listWindowKeys(o.store, capturePrefix(o.model));
  const labels = await listWindowKeys(o.store, labelsPrefix(o.model));
  if (captures.length === 0 || labels.length === 0) return { ...none, note: 'no labeled live rows to retrain with; not retraining' };
  const prefix = qualityRetrainPrefix(o.model, o.reportId);
  await mkdir(o.scratchDir, { recursive: true });
  const dir = await mkdtemp(path.join(o.scratchDir, `quality-retrain-${o.model}-`));
  const recent = path.join(dir, 'recent.parquet');
  const combined = path.join(dir, 'combined.parquet');
  const list = (files: string[]) => `[${files.map(quoteString).join(', ')}]`;
  const fetch = (key: string) => o.store.fetchFile(key);
  const struct = spec.features.map((f) => `${quoteIdent(f.name)} ${featureType(f)}`).join(', ');
  const task = spec.target.task;
  const classes = task === 'multiclass' ? await classesOf(o.store, o.model, o.version, spec) : undefined;
  if (task === 'multiclass' && !classes) return { ...none, note: `${o.model} v${o.version} names no classes; not retraining` };
  const live = liveLabelSql(task, classes);
  // its own temp folder besides what the worker's DuckDB may touch
  const access = accessWith([dir]);
  const db = await DuckDb.open(access ? { access } : {});
  try {
    const c = await stageFiles(
      db,
      captures,
      fetch,
      (file) =>
        `SELECT coalesce(id, request_id || '.' || CAST("row" AS VARCHAR)) AS id, coalesce(key_id, '') AS key_id, ts, features FROM read_json(${list([file])}, format='newline_delimited', ` +
        `columns={ts: 'VARCHAR', id: 'VARCHAR', request_id: 'VARCHAR', "row": 'INTEGER', key_id: 'VARCHAR', features: ${quoteString(`STRUCT(${struct})`)}}, ignore_errors=true) WHERE ts >= ${quoteString(start)} AND ts < ${quoteString(o.end)}`,
      '__retrain_captures',
    );
    const lr = await stageFiles(
      db,
      labels,
      fetch,
      (file) =>
        `SELECT id, coalesce(key_id, '') AS key_id, coalesce(admin, false) AS admin, ts, n, label FROM read_json(${list([file])}, format='newline_delimited', ` +
        `columns={ts: 'VARCHAR', n: 'BIGINT', id: 'VARCHAR', key_id: 'VARCHAR', admin: 'BOOLEAN', label: ${quoteString(live.type)}}, ignore_errors=true) WHERE ${live.valid}`,
      '__retrain_labels',
    );
    await db.run(
      `CREATE TEMP TABLE live AS WITH c AS (SELECT * FROM ${c}), ` +
        `p AS (SELECT id, key_id, arg_max(features, ts) AS features, max(ts) AS ts FROM c GROUP BY id, key_id), ` +
        `lr AS (SELECT * FROM ${lr}), ` +
        // a label applies to the predictions of the key that sent it, or of any key when an admin sent it
        `l AS (SELECT p.id, p.key_id, arg_max(lr.label, (lr.ts, lr.n)) AS label FROM p JOIN lr ON lr.id = p.id AND (lr.key_id = p.key_id OR lr.admin) GROUP BY p.id, p.key_id) ` +
        `SELECT ${spec.features.map((f) => `p.features.${quoteIdent(f.name)} AS ${quoteIdent(f.name)}`).join(', ')}, l.label AS label, p.ts AS ts FROM p JOIN l USING (id, key_id) ORDER BY p.ts DESC, p.id, p.key_id LIMIT ${rd.maxRows}`,
    );
    const n = numOrNull((await db.one('SELECT count(*) AS n FROM live')).n) ?? 0;
    const compare = Math.min(n - 1, Math.ceil(n * rd.compareShare));
    if (n < 2 || compare < 1) return { ...none, liveRows: n, note: `${n} labeled live rows between ${start} and ${o.end}; too few to train and compare on; not retraining` };
    // newest first (ts desc, id): rank < compare is the comparison slice
    await db.run(`CREATE TEMP TABLE ranked AS SELECT *, row_number() OVER () - 1 AS rk FROM live`);
    const feats = spec.features.map((f) => quoteIdent(f.name)).join(', ');
    await db.run(
      `COPY (SELECT CAST(rk AS BIGINT) AS ${ROW_COLUMN}, ${feats}, ${live.snapshotLabel} AS ${LABEL_COLUMN} FROM ranked WHERE rk < ${compare} ORDER BY rk) TO ${quoteString(recent)} (FORMAT parquet)`,
    );
    const trainN = n - compare;

    let targetSql: string;
    if (task === 'binary') {
      const pos = targetValueFor(spec, 1);
      const neg = targetValueFor(spec, 0);
      if (pos === null || neg === null)
        return {
          ...none,
          liveRows: n,
          note: `the target rule ${spec.target.column} ${positiveRule(spec.target).op} ${JSON.stringify(positiveRule(spec.target).value)} has no value for both classes; not retraining`,
        };
      targetSql = `CASE WHEN label = 1 THEN ${pos} ELSE ${neg} END`;
    } else targetSql = live.target;
    const split = spec.split.kind === 'time' ? `, CAST(${quoteString(spec.split.holdoutFrom)} AS TIMESTAMP) - INTERVAL 1 DAY AS ${quoteIdent(spec.split.column)}` : '';
    const repeat = rd.combine === 'weighted' ? rd.liveWeight : 1;
    const liveSql = `SELECT ${feats}, ${targetSql} AS ${quoteIdent(spec.target.column)}${split} FROM ranked, range(${repeat}) WHERE rk >= ${compare}`;
    // a `store:` source is read from a local copy in the store's cache
    const source = buildSourceRelation(await localizeSource(spec, o.store, path.join(dir, 'source')), specFile);
    await db.run(`COPY (SELECT * EXCLUDE (${ROW_COLUMN}) FROM (${source.relationSql}) UNION ALL BY NAME ${liveSql}) TO ${quoteString(combined)} (FORMAT parquet)`);
    // the spec last: a spec key that exists always names data that exists
    const recentKey = `${prefix}recent.parquet`;
    const combinedKey = `${prefix}combined.parquet`;
    await o.store.putFile(recentKey, recent);
    await o.store.putFile(combinedKey, combined);
    const derived = {
      ...spec,
      description: `${spec.description ?? spec.name}; retrained after degraded quality (report ${o.reportId}) with ${trainN} labeled live rows${repeat > 1 ? ` weighted ${repeat}x` : ''}`,
      source: { path: `${STORE_SCHEME}${combinedKey}`, format: 'parquet' as const },
    };
    const specKey = `${prefix}spec.json`;
    await o.store.putJson(specKey, derived);
    return {
      spec: `${STORE_SCHEME}${specKey}`,
      recentRowsKey: recentKey,
      liveRows: n,
      trainRows: trainN,
      compareRows: compare,
      note: `${trainN} of ${n} labeled live rows from ${start} to ${o.end} ${rd.combine === 'weighted' ? `weighted ${repeat}x ` : ''}added to ${spec.source.path}; the newest ${compare} kept out to compare candidate and champion`,
    };
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}
