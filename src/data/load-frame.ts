// Reads a snapshot column-wise into a Frame (typed arrays, no per-row objects) and splits it into train and holdout.
import type { DatasetSpec, FeatureSpec } from '../spec/dataset';
import type { TaskKind } from '../task/task';
import { showColumn } from '../spec/columns';
import { ColumnTarget, DuckDb, duckDbMessage, numOrNull, quoteIdent, quoteString, cellText } from './duckdb';
import type { FeatureColumn, Frame } from './frame';
import { takeRows } from './frame';
import { DataError, LABEL_COLUMN, mix32, ROW_COLUMN } from './source';

export type SplitSpec = DatasetSpec['split'];
type FeatureRef = Pick<FeatureSpec, 'name' | 'type'>;

export interface LoadedFrame {
  frame: Frame;
  /** Each frame row's `__row` (its position in the source). */
  rows: Uint32Array;
  /** 1 where the row belongs to the holdout of a time split (only when `timeSplit` was given). */
  timeHoldout?: Uint8Array;
}

export interface SplitFrames {
  train: Frame;
  holdout: Frame;
  trainRows: Uint32Array;
  holdoutRows: Uint32Array;
}

export interface LoadOptions {
  timeSplit?: { column: string; holdoutFrom: string };
  /** How `__label` is read: binary (default) 0/1 and multiclass class index into `label`, regression into `target`. */
  task?: TaskKind;
}

/**
 * Loads `features` (in this order) and `__label` from a snapshot. Categorical dictionaries are the sorted distinct
 * values of the whole snapshot, so train and holdout share codes; codes come from DuckDB ENUM casts, so no JS string
 * is created per row.
 */
export async function loadFrame(snapshotPath: string, features: readonly FeatureRef[], options: LoadOptions = {}): Promise<LoadedFrame> {
  const regression = options.task === 'regression';
  const db = await DuckDb.open();
  try {
    const src = `read_parquet(${quoteString(snapshotPath)})`;
    let total: number;
    try {
      total = numOrNull((await db.one(`SELECT count(*) AS n FROM ${src}`)).n) ?? 0;
    } catch (err) {
      throw new DataError('SnapshotInvalid', `cannot read snapshot ${snapshotPath}: ${duckDbMessage(err)}; re-run ingest`, { path: snapshotPath });
    }
    const types = new Map((await db.describe(`SELECT * FROM ${src}`)).map((c) => [c.name, c.type]));
    const present = new Set(types.keys());
    const absent = [ROW_COLUMN, LABEL_COLUMN, ...features.map((f) => f.name), ...(options.timeSplit ? [options.timeSplit.column] : [])].filter((c) => !present.has(c));
    if (absent.length > 0) {
      throw new DataError('SnapshotInvalid', `snapshot ${snapshotPath} lacks column(s) ${absent.map(showColumn).join(', ')}; it was made from another spec, re-run ingest`, {
        missing: absent,
      });
    }
    // A label of the other kind means the snapshot was made for another task: reading it would silently mislabel.
    const labelIsValue = /^(DOUBLE|FLOAT|REAL|DECIMAL)/i.test(types.get(LABEL_COLUMN) ?? '');
    if (labelIsValue !== regression) {
      throw new DataError(
        'SnapshotInvalid',
        `snapshot ${snapshotPath} holds a ${labelIsValue ? 'regression' : 'class'} label (${types.get(LABEL_COLUMN)}) but the task is ${options.task ?? 'binary'}; re-run ingest`,
        { path: snapshotPath },
      );
    }
    const dictionaries: (string[] | null)[] = [];
    const exprs: string[] = [`CAST(${ROW_COLUMN} AS UINTEGER)`, regression ? `CAST(${LABEL_COLUMN} AS DOUBLE)` : `CAST(${LABEL_COLUMN} AS UTINYINT)`];
    for (let i = 0; i < features.length; i++) {
      const f = features[i];
      const c = quoteIdent(f.name);
      if (f.type === 'numeric') {
        dictionaries.push(null);
        exprs.push(`CAST(${c} AS FLOAT)`);
        continue;
      }
      const typeName = quoteIdent(`__dict_${i}`);
      await db.run(`CREATE TYPE ${typeName} AS ENUM (SELECT DISTINCT CAST(${c} AS VARCHAR) FROM ${src} WHERE ${c} IS NOT NULL ORDER BY 1)`);
      dictionaries.push((await db.rows(`SELECT unnest(enum_range(NULL::${typeName})) AS v`)).map((r) => cellText(r.v)));
      exprs.push(`CAST(enum_code(CAST(CAST(${c} AS VARCHAR) AS ${typeName})) AS INTEGER)`);
    }
    if (options.timeSplit) {
      const t = quoteIdent(options.timeSplit.column);
      // NULL times compare as NULL and land in train: a row without a time cannot be "later".
      const boundary = `CAST(${quoteString(options.timeSplit.holdoutFrom)} AS TIMESTAMPTZ)`;
      // Casting every row to TIMESTAMPTZ costs ~0.4 us a row (ICU); cast the constant to the column's kind instead (session is UTC).
      const withZone = /WITH TIME ZONE|TIMESTAMPTZ/i.test(types.get(options.timeSplit.column) ?? '');
      exprs.push(`coalesce(${t} >= ${withZone ? boundary : `CAST(${boundary} AS TIMESTAMP)`}, false)`);
    }

    const rows = new Uint32Array(total);
    const label = new Uint8Array(total);
    const target = regression ? new Float64Array(total) : undefined;
    const columns: FeatureColumn[] = features.map((f, i): FeatureColumn => {
      const dictionary = dictionaries[i];
      return dictionary === null ? { name: f.name, kind: 'numeric', values: new Float32Array(total) } : { name: f.name, kind: 'categorical', codes: new Int32Array(total), dictionary };
    });
    const timeHoldout = options.timeSplit ? new Uint8Array(total) : undefined;
    const targets: ColumnTarget[] = [
      { array: rows, nullValue: 0 },
      target ? { array: target, nullValue: NaN } : { array: label, nullValue: 0 },
      ...columns.map((c): ColumnTarget => (c.kind === 'numeric' ? { array: c.values, nullValue: NaN } : { array: c.codes, nullValue: -1 })),
      ...(timeHoldout ? [{ array: timeHoldout, nullValue: 0 }] : []),
    ];
    const read = await db.readInto(`SELECT ${exprs.join(', ')} FROM ${src}`, targets);
    if (read !== total) throw new DataError('SnapshotInvalid', `snapshot ${snapshotPath} yielded ${read} of ${total} rows`);
    return { frame: { rows: total, features: columns, label, ...(target ? { target } : {}) }, rows, timeHoldout };
  } finally {
    db.close();
  }
}

/** The load option a time split needs (undefined for a random split). */
export function timeSplitOf(split: SplitSpec): LoadOptions['timeSplit'] {
  return split.kind === 'time' ? { column: split.column, holdoutFrom: split.holdoutFrom } : undefined;
}

/** Random split membership: a pure function of row number and seed, so any process can recompute it. */
export function isRandomHoldout(row: number, seed: number, holdout: number): boolean {
  return mix32(row, seed) / 4294967296 < holdout;
}

/** 1 for each row of the loaded frame that the split puts in the holdout. */
export function holdoutMask(loaded: LoadedFrame, split: SplitSpec): Uint8Array {
  const { frame, rows } = loaded;
  const isHoldout = new Uint8Array(frame.rows);
  if (split.kind === 'random') {
    for (let i = 0; i < frame.rows; i++) isHoldout[i] = isRandomHoldout(rows[i], split.seed, split.holdout) ? 1 : 0;
  } else {
    if (!loaded.timeHoldout) throw new Error('time split needs the frame loaded with timeSplit');
    isHoldout.set(loaded.timeHoldout);
  }
  return isHoldout;
}

/** Splits a loaded frame per the spec; fails with DataEmpty if either side would be empty. */
export function splitLoaded(loaded: LoadedFrame, split: SplitSpec): SplitFrames {
  const { frame, rows } = loaded;
  const isHoldout = holdoutMask(loaded, split);
  let h = 0;
  for (let i = 0; i < frame.rows; i++) h += isHoldout[i];
  const trainIdx = new Uint32Array(frame.rows - h);
  const holdIdx = new Uint32Array(h);
  for (let i = 0, a = 0, b = 0; i < frame.rows; i++) {
    if (isHoldout[i]) holdIdx[b++] = i;
    else trainIdx[a++] = i;
  }
  const how = split.kind === 'time' ? `split.holdoutFrom ${split.holdoutFrom} on ${showColumn(split.column)}` : `split.holdout ${split.holdout}`;
  if (holdIdx.length === 0) throw new DataError('DataEmpty', `the holdout is empty with ${how}; move the boundary so some rows fall after it`, { split });
  if (trainIdx.length === 0) throw new DataError('DataEmpty', `the training set is empty with ${how}; move the boundary so some rows fall before it`, { split });
  return {
    train: takeRows(frame, trainIdx),
    holdout: takeRows(frame, holdIdx),
    trainRows: pick(rows, trainIdx),
    holdoutRows: pick(rows, holdIdx),
  };
}

function pick(rows: Uint32Array, idx: Uint32Array): Uint32Array {
  const out = new Uint32Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = rows[idx[i]];
  return out;
}

/** Loads a snapshot and splits it into train and holdout as the spec says (the label read per `spec.target.task`). */
export async function loadSplitFrames(snapshotPath: string, spec: Pick<DatasetSpec, 'features' | 'split'> & { target?: { task: TaskKind } }): Promise<SplitFrames> {
  const loaded = await loadFrame(snapshotPath, spec.features, { timeSplit: timeSplitOf(spec.split), task: spec.target?.task });
  return splitLoaded(loaded, spec.split);
}
