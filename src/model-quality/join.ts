// Captured predictions joined with ground-truth labels in DuckDB: the window's labeled rows as typed arrays, plus counts.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDb, quoteString } from '../data/duckdb';
import { className, type ClassValue, type TaskKind } from '../task/task';
import { stageFiles } from '../drift/monitor/live';

/** The task whose captures and labels are joined (binary when absent: captures carry `probability`, labels 0/1). */
export interface JoinTask {
  task: TaskKind;
  classes?: readonly ClassValue[];
}

export interface JoinWindow {
  /** Inclusive, ISO instant (toISOString form, so it compares with capture stamps as text). */
  start: string;
  /** Exclusive. */
  end: string;
}

export interface JoinInput {
  captureFiles: readonly string[];
  labelFiles: readonly string[];
  window: JoinWindow;
  /** Only predictions of this model version are judged (other versions are counted, not scored). */
  version: number;
  task?: JoinTask;
  /**
   * Turns an entry of `captureFiles`/`labelFiles` (then store keys) into a local file just before it is read: rows
   * are then copied into temp tables one file at a time, so a store cache smaller than the input is enough.
   */
  open?: (entry: string) => Promise<string>;
}

export interface JoinCounts {
  /** Distinct inference ids predicted by `version` in the window. */
  predictions: number;
  /** Of those, the ones with a label. */
  labeled: number;
  /** Predictions in the window by other versions (hot swaps), left out of the metrics. */
  otherVersions: { version: number; rows: number }[];
  /** Distinct ids with a label (all label files). */
  labelIds: number;
  /** Labeled ids that match no captured prediction at all (never predicted, or not captured: CAPTURE_SHARE < 100). */
  unmatchedLabels: number;
  /** Labeled ids whose label changed at least once (the latest counts). */
  relabeledIds: number;
  /** Ids captured more than once in the window (a client reusing its own ids); the latest prediction counts. */
  repeatedIds: number;
}

export interface Joined {
  counts: JoinCounts;
  /** Binary: per labeled prediction, the served probability and the latest label (empty for other tasks). */
  probability: Float64Array;
  label: Uint8Array;
  /**
   * Regression and multiclass, per labeled prediction: `output` the served value (regression) or the K class
   * probabilities (multiclass, row-major); `target` the latest label (regression) or its class index (multiclass).
   */
  output?: Float64Array;
  target?: Float64Array;
}

/** The .jsonl files of a folder, sorted; a missing folder is none. */
export async function jsonlFiles(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder))
      .filter((n) => n.endsWith('.jsonl'))
      .sort()
      .map((n) => path.join(folder, n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

const list = (files: readonly string[]) => `[${files.map(quoteString).join(', ')}]`;

/**
 * Explicit columns: DuckDB parses only these keys (features are skipped), old capture lines without an
 * `id` get the id the service gave them (<request id>.<row>), and a line cut by a kill becomes a NULL row.
 */
/**
 * What each task's capture lines and label lines hold. The joined `probability` column is the served output: binary
 * the probability; regression the value; multiclass the class probabilities (a DOUBLE[] of K). The label column is
 * 0/1, the target value, or the class index (a label that is not one of the classes is left out).
 */
interface TaskColumns {
  /** Capture columns (read_json types) beside ts, version, id, request_id, row. */
  capture: string;
  /** The output expression and its SQL type, and the condition a valid capture line meets. */
  output: string;
  outputType: string;
  valid: string;
  /** The label column's read_json type, the label expression and the condition a valid label meets. */
  labelType: string;
  label: string;
  labelSqlType: string;
  labelValid: string;
}

function taskColumns(t: JoinTask | undefined): TaskColumns {
  if (!t || t.task === 'binary') {
    return {
      capture: `probability: 'DOUBLE'`,
      output: 'probability',
      outputType: 'DOUBLE',
      valid: 'probability BETWEEN 0 AND 1',
      labelType: 'INTEGER',
      label: 'label',
      labelSqlType: 'INTEGER',
      labelValid: 'label IN (0, 1)',
    };
  }
  if (t.task === 'regression') {
    return {
      capture: `prediction: 'DOUBLE'`,
      output: 'prediction',
      outputType: 'DOUBLE',
      valid: 'isfinite(prediction)',
      labelType: 'DOUBLE',
      label: 'label',
      labelSqlType: 'DOUBLE',
      labelValid: 'isfinite(label)',
    };
  }
  const k = t.classes?.length ?? 0;
  // labels are stored as the class value (a JSON string, number or boolean); read as text they match the class names
  const names = `[${(t.classes ?? []).map((c) => quoteString(className(c))).join(', ')}]`;
  return {
    capture: `probabilities: 'DOUBLE[]'`,
    output: 'probabilities',
    outputType: 'DOUBLE[]',
    valid: `len(probabilities) = ${k} AND list_min(probabilities) >= 0 AND list_max(probabilities) <= 1`,
    labelType: 'VARCHAR',
    label: `list_position(${names}, label) - 1`,
    labelSqlType: 'INTEGER',
    labelValid: `list_position(${names}, label) IS NOT NULL`,
  };
}

function capturesSql(files: readonly string[], tc: TaskColumns): string {
  if (files.length === 0) return `(SELECT NULL::VARCHAR AS id, NULL::VARCHAR AS key_id, NULL::VARCHAR AS ts, NULL::INTEGER AS version, NULL::${tc.outputType} AS probability WHERE false)`;
  return (
    `(SELECT coalesce(id, request_id || '.' || CAST("row" AS VARCHAR)) AS id, coalesce(key_id, '') AS key_id, ts, version, ${tc.output} AS probability FROM read_json(${list(files)}, format='newline_delimited', ` +
    `columns={ts: 'VARCHAR', version: 'INTEGER', id: 'VARCHAR', request_id: 'VARCHAR', "row": 'INTEGER', key_id: 'VARCHAR', ${tc.capture}}, ignore_errors=true) WHERE ts IS NOT NULL AND ${tc.valid})`
  );
}

function labelsSql(files: readonly string[], tc: TaskColumns): string {
  if (files.length === 0) return `(SELECT NULL::VARCHAR AS id, NULL::VARCHAR AS key_id, NULL::BOOLEAN AS admin, NULL::VARCHAR AS ts, NULL::BIGINT AS n, NULL::${tc.labelSqlType} AS label WHERE false)`;
  return (
    `(SELECT id, coalesce(key_id, '') AS key_id, coalesce(admin, false) AS admin, ts, n, ${tc.label} AS label FROM read_json(${list(files)}, format='newline_delimited', ` +
    `columns={ts: 'VARCHAR', n: 'BIGINT', id: 'VARCHAR', key_id: 'VARCHAR', admin: 'BOOLEAN', label: '${tc.labelType}'}, ignore_errors=true) ` +
    `WHERE id IS NOT NULL AND ts IS NOT NULL AND ${tc.labelValid})`
  );
}

/**
 * One pass over the capture files and one over the label files. Predictions: the latest per (id, key) among
 * those stamped in [start, end) by `version`; labels: the latest by (receive time, sequence), whenever it
 * arrived, so late labels count. A label applies only to predictions made by the key that sent it, or to
 * any key's when an admin key sent it, so one client cannot relabel another's predictions. Unmatched
 * labels are checked against every capture file given.
 */
export async function joinPredictionsWithLabels(input: JoinInput, db?: DuckDb): Promise<Joined> {
  const own = db ?? (await DuckDb.open());
  const start = quoteString(input.window.start);
  const end = quoteString(input.window.end);
  const tc = taskColumns(input.task);
  const binary = !input.task || input.task.task === 'binary';
  try {
    const stage = async (table: string, files: readonly string[], sql: (files: readonly string[], tc: TaskColumns) => string) => {
      if (input.open && files.length > 0) await stageFiles(own, files, input.open, (file) => `SELECT * FROM ${sql([file], tc)}`, table);
      else await own.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT * FROM ${sql(files, tc)}`);
    };
    await stage('__caps', input.captureFiles, capturesSql);
    await stage('__labels', input.labelFiles, labelsSql);
    await own.run(
      `CREATE OR REPLACE TEMP TABLE __joined AS WITH w AS (SELECT id, key_id, arg_max(probability, ts) AS probability, count(*) AS n FROM __caps ` +
        `WHERE ts >= ${start} AND ts < ${end} AND version = ${Math.trunc(input.version)} GROUP BY id, key_id), ` +
        `m AS (SELECT w.id, w.key_id, arg_max(l.label, (l.ts, l.n)) AS label FROM w JOIN __labels l ON l.id = w.id AND (l.key_id = w.key_id OR l.admin) GROUP BY w.id, w.key_id) ` +
        `SELECT w.id, w.key_id, w.probability, m.label${binary ? '::UTINYINT' : ''} AS label, w.n FROM w LEFT JOIN m USING (id, key_id)`,
    );
    const c = await own.one(
      `SELECT (SELECT count(*) FROM __joined) AS predictions, (SELECT count(label) FROM __joined) AS labeled, (SELECT count(*) FILTER (WHERE n > 1) FROM __joined) AS repeated, ` +
        `(SELECT count(DISTINCT id) FROM __labels) AS label_ids, ` +
        `(SELECT count(*) FROM (SELECT id FROM __labels GROUP BY id, key_id HAVING min(label) <> max(label))) AS relabeled, ` +
        `(SELECT count(DISTINCT l.id) FROM __labels l WHERE NOT EXISTS (SELECT 1 FROM __caps c WHERE c.id = l.id AND (c.key_id = l.key_id OR l.admin))) AS unmatched`,
    );
    const others = await own.rows(
      `SELECT version, count(DISTINCT id) AS n FROM __caps WHERE ts >= ${start} AND ts < ${end} AND version <> ${Math.trunc(input.version)} GROUP BY version ORDER BY version`,
    );
    const labeled = Number(c.labeled);
    const counts: JoinCounts = {
      predictions: Number(c.predictions),
      labeled,
      otherVersions: others.map((r) => ({ version: Number(r.version), rows: Number(r.n) })),
      labelIds: Number(c.label_ids),
      unmatchedLabels: Number(c.unmatched),
      relabeledIds: Number(c.relabeled),
      repeatedIds: Number(c.repeated),
    };
    if (!binary) return { counts, probability: new Float64Array(0), label: new Uint8Array(0), ...(await readOutputs(own, labeled, input.task?.classes?.length ?? 1)) };
    const probability = new Float64Array(labeled);
    const label = new Uint8Array(labeled);
    // Ordered by score so the same files give byte-identical arrays (and metrics) on every run.
    await own.readInto(`SELECT probability, label FROM __joined WHERE label IS NOT NULL ORDER BY probability, label`, [
      { array: probability, nullValue: NaN },
      { array: label, nullValue: 0 },
    ]);
    return { counts, probability, label };
  } finally {
    await own.run('DROP TABLE IF EXISTS __caps; DROP TABLE IF EXISTS __labels; DROP TABLE IF EXISTS __joined').catch(() => undefined);
    if (!db) own.close();
  }
}

/** The labeled rows of a regression (width 1) or multiclass (width K) join, ordered by id so the same files give the same arrays. */
async function readOutputs(db: DuckDb, rows: number, width: number): Promise<{ output: Float64Array; target: Float64Array }> {
  const output = new Float64Array(rows * width);
  const target = new Float64Array(rows);
  if (width === 1) {
    await db.readInto(`SELECT probability::DOUBLE, label::DOUBLE FROM __joined WHERE label IS NOT NULL ORDER BY id, key_id`, [
      { array: output, nullValue: NaN },
      { array: target, nullValue: NaN },
    ]);
    return { output, target };
  }
  await db.readInto(`SELECT p::DOUBLE FROM (SELECT id, key_id, unnest(probability) AS p, generate_subscripts(probability, 1) AS k FROM __joined WHERE label IS NOT NULL) ORDER BY id, key_id, k`, [
    { array: output, nullValue: NaN },
  ]);
  await db.readInto(`SELECT label::DOUBLE FROM __joined WHERE label IS NOT NULL ORDER BY id, key_id`, [{ array: target, nullValue: NaN }]);
  return { output, target };
}
