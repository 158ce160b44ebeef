// Reads a window of captured rows with DuckDB in one pass: value counts at the fine profile's resolution, or counts on a coarse profile's bins and categories.
import { DuckDb, numOrNull, quoteIdent, quoteString, sqlLiteral, type SqlCell, cellText } from '../../data/duckdb';
import { binIndex, binSql } from '../../profile/histogram';
import { profileRelationWith } from '../../profile/profile';
import { LABEL_COLUMN } from '../../data/source';
import type { CategoryDistribution, DatasetProfile, FeatureProfile, NumericDistribution } from '../../profile/schema';
import type { BinnedLive, CategoryCountsLive } from '../stats';
import type { DriftWindow } from './window';

/** A feature to monitor: its name and kind, as in the dataset spec. */
export interface MonitoredFeature {
  name: string;
  type: 'numeric' | 'categorical';
}

export interface LiveNumeric {
  name: string;
  kind: 'numeric';
  /** Live values on the reference's edges, tails with exact sums (see BinnedLive). */
  binned: BinnedLive;
  min: number | null;
  max: number | null;
  /** The live values at the fine profile's resolution (absent when the reference profile is coarse). */
  distribution?: NumericDistribution;
}

export interface LiveCategorical {
  name: string;
  kind: 'categorical';
  /** Live values counted against the reference's top categories. */
  counts: CategoryCountsLive;
  /** Every live category up to the fine profile's cap (absent when the reference profile is coarse). */
  distribution?: CategoryDistribution;
}

/** A live feature with no usable reference (the training column was all missing): only its missing count. */
export interface LiveUncompared {
  name: string;
  kind: 'uncompared';
  nulls: number;
}

export type LiveFeature = LiveNumeric | LiveCategorical | LiveUncompared;

/** Ten equal bins on [0, 1] for the predicted probability (the profile keeps no prediction histogram). */
export const PREDICTION_EDGES: readonly number[] = Array.from({ length: 11 }, (_, i) => i / 10);

export interface LivePrediction {
  /** Rows with a probability. */
  count: number;
  meanProbability: number | null;
  /** Rows whose served label was 1. */
  positiveLabels: number;
  edges: number[];
  counts: number[];
  /** Every live probability at the fine profile's resolution (absent when the reference profile is coarse). */
  distribution?: NumericDistribution;
  /** Multiclass: rows predicted as each class (the capture lines' class index), in the model's class order. */
  classCounts?: number[];
}

export interface LiveWindow {
  rows: number;
  features: LiveFeature[];
  prediction: LivePrediction;
  /** Model versions that scored the rows, with their row counts. */
  versions: { version: number; rows: number }[];
  firstTs: string | null;
  lastTs: string | null;
  files: number;
}

export interface CaptureWindowQuery {
  /** Capture files to read (see listCaptureFiles); none means an empty window. With `open`, store keys. */
  files: readonly string[];
  /**
   * Turns an entry of `files` into a local file just before it is read (a store's fetchFile). Given, the window's
   * rows are copied into a temp table one file at a time, so a cache smaller than the input never evicts a file
   * that is still to be read; each file may be dropped from the cache as soon as its rows are in the table.
   */
  open?: (entry: string) => Promise<string>;
  /** Rows stamped in [start, end); omit to take every row. */
  window?: DriftWindow;
  /** Keep only rows of this model (capture folders are per model; this guards copied files). */
  model?: string;
  reference: DatasetProfile;
  features: readonly MonitoredFeature[];
}

/**
 * The capture line's columns with fixed types, so DuckDB never has to infer a schema: an empty file or
 * an odd row cannot change the query, unknown feature keys are ignored, a value of the wrong type
 * becomes NULL (missing), and a cut last line (a killed writer) is skipped by ignore_errors.
 */
function readJsonSql(files: readonly string[], features: readonly MonitoredFeature[]): string {
  const struct = features.map((f) => `${quoteIdent(f.name)} ${f.type === 'numeric' ? 'DOUBLE' : 'VARCHAR'}`).join(', ');
  const columns = [
    `ts: 'TIMESTAMPTZ'`,
    `model: 'VARCHAR'`,
    `version: 'INTEGER'`,
    `probability: 'DOUBLE'`,
    `label: 'INTEGER'`,
    // regression and multiclass capture lines (task-output): the value, and the predicted class index
    `prediction: 'DOUBLE'`,
    `"class": 'INTEGER'`,
    `features: ${quoteString(`STRUCT(${struct})`)}`,
  ].join(', ');
  const list = `[${files.map((f) => quoteString(f)).join(', ')}]`;
  return `read_json(${list}, format = 'newline_delimited', columns = {${columns}}, ignore_errors = true)`;
}

function referenceOf(reference: DatasetProfile, f: MonitoredFeature): FeatureProfile | undefined {
  const kind = f.type === 'numeric' ? 'numeric' : 'categorical';
  return reference.features.find((r) => r.name === f.name && r.kind === kind);
}

/** histogram() results as [key, count] pairs (DuckDB returns a MAP, which reads as a list of {key, value}). */
function histogramPairs(cell: SqlCell | undefined): [SqlCell, number][] {
  if (!Array.isArray(cell)) return [];
  const out: [SqlCell, number][] = [];
  for (const e of cell) {
    if (e && typeof e === 'object' && !Array.isArray(e) && 'key' in e) out.push([e.key, numOrNull(e.value) ?? 0]);
  }
  return out;
}

/**
 * One streaming pass over the JSON files: a single aggregate row with a histogram() per feature
 * (bin index for numeric ones, the value for categorical ones), missing counts, tail counts and sums,
 * and the prediction's bins and mean. Nothing is materialized. Binning uses the profile's own SQL
 * rule (binSql), so live and training counts come from the same expression.
 */
export async function profileCaptureWindow(db: DuckDb, q: CaptureWindowQuery): Promise<LiveWindow> {
  const refs = q.features.map((f) => referenceOf(q.reference, f));
  if (q.files.length === 0) return emptyWindow(q.features, refs);

  const cols = q.features.map((f, i) => {
    const v = `__src.features.${quoteIdent(f.name)}`;
    return f.type === 'numeric' ? `CASE WHEN isfinite(${v}) THEN ${v} END AS f${i}` : `${v} AS f${i}`;
  });
  const where: string[] = ['ts IS NOT NULL'];
  if (q.window) where.push(`ts >= ${quoteString(q.window.start)}::TIMESTAMPTZ`, `ts < ${quoteString(q.window.end)}::TIMESTAMPTZ`);
  if (q.model !== undefined) where.push(`model = ${quoteString(q.model)}`);
  // The task is the reference's: a profile holding regression values or class shares was made by such a model.
  const task = q.reference.prediction && 'task' in q.reference.prediction ? q.reference.prediction.task : 'binary';
  // A binary line has `probability`, a regression line `prediction` (also when the profile's scores carry no task).
  const score = task === 'multiclass' ? 'NULL::DOUBLE AS p' : 'coalesce(probability, CASE WHEN isfinite(prediction) THEN prediction END) AS p';
  const valueLine = task === 'multiclass' ? 'false AS preg' : 'probability IS NULL AND prediction IS NOT NULL AS preg';
  const source = q.open ? await stageFiles(db, q.files, q.open, (file) => `SELECT * FROM ${readJsonSql([file], q.features)} WHERE ${where.join(' AND ')}`) : readJsonSql(q.files, q.features);
  try {
    const base = `SELECT ${[...cols, score, 'label AS lab', 'version AS v', 'ts', '"class" AS cls', valueLine].join(', ')} FROM ${source} AS __src WHERE ${where.join(' AND ')}`;
    if (task === 'multiclass' && q.reference.prediction && 'classes' in q.reference.prediction) {
      const window = await (q.reference.version >= 2 ? fineWindow(db, base, q, refs) : aggregateWindow(db, base, q, refs));
      return { ...window, prediction: { ...window.prediction, classCounts: await classCounts(db, base, q.reference.prediction.classes.length) } };
    }
    // One pass over the JSON either way: coarse profiles bin in one aggregate, fine ones count every distinct value.
    return await (q.reference.version >= 2 ? fineWindow(db, base, q, refs) : aggregateWindow(db, base, q, refs));
  } finally {
    if (q.open) await db.run(`DROP TABLE IF EXISTS ${STAGED}`).catch(() => undefined);
  }
}

const STAGED = '__capture_window';

/**
 * Copies `select(file)`'s rows of every entry into the temp table STAGED, one file at a time: each file is opened
 * (fetched) just before its rows are read, so only one file needs to be on disk at once. Returns the table's name.
 */
export async function stageFiles(db: DuckDb, entries: readonly string[], open: (entry: string) => Promise<string>, select: (file: string) => string, table = STAGED): Promise<string> {
  await db.run(`DROP TABLE IF EXISTS ${table}`);
  let created = false;
  for (const entry of entries) {
    const sql = async () => {
      const query = select(await open(entry));
      await db.run(created ? `INSERT INTO ${table} ${query}` : `CREATE TEMP TABLE ${table} AS ${query}`);
    };
    try {
      await sql();
    } catch (err) {
      // another reader of a shared cache may have evicted the file between fetch and read: fetch it once more
      if (!/No files found|could not open|No such file/i.test((err as Error).message)) throw err;
      await sql();
    }
    created = true;
  }
  return table;
}

const PREDICTION_COLUMN = '__prediction_score';
const VERSION_COLUMN = '__model_version';

/**
 * The live side at the profile's own resolution: the training profile's code (one GROUPING SETS scan counting every
 * distinct value) run on the window with the reference's caps, so both sides are summarized the same way. The
 * coarse counts for the report's plots then come from those value counts (binIndex is binSql's rule), not from
 * another scan.
 */
async function fineWindow(db: DuckDb, base: string, q: CaptureWindowQuery, refs: (FeatureProfile | undefined)[]): Promise<LiveWindow> {
  const names = new Set(q.features.map((f) => f.name));
  const free = (name: string): string => (names.has(name) ? `${name}_${names.size}` : name);
  const score = free(PREDICTION_COLUMN);
  const version = free(VERSION_COLUMN);
  const select = [
    ...q.features.map((f, i) => `f${i} AS ${quoteIdent(f.name)}`),
    // probabilities outside [0, 1] are dropped as before; regression values are any finite number
    `CASE WHEN preg OR (p >= 0 AND p <= 1) THEN p END AS ${quoteIdent(score)}`,
    `v AS ${quoteIdent(version)}`,
    `lab AS ${quoteIdent(LABEL_COLUMN)}`,
    'ts',
  ];
  // The served label counts as the profile's label (positives = rows labelled 1); the version as a numeric column.
  const { profile: live, aggregates } = await profileRelationWith(
    `SELECT ${select.join(', ')} FROM (${base}) AS __w`,
    [...q.features, { name: score, type: 'numeric' }, { name: version, type: 'numeric' }],
    {
      db,
      topK: 1,
      ...(q.reference.fine ? { fine: q.reference.fine } : {}),
      aggregates: { firstTs: { sql: 'min(ts)', combine: 'min' }, lastTs: { sql: 'max(ts)', combine: 'max' } },
    },
  );
  const rows = live.rows;
  const features: LiveFeature[] = q.features.map((f, i) => {
    const nulls = live.features[i].nulls;
    const ref = refs[i];
    const p = live.features[i];
    if (ref?.kind === 'numeric' && ref.histogram && p.kind === 'numeric') {
      const d = p.distribution ?? { kind: 'exact' as const, values: [], counts: [] };
      return { name: f.name, kind: 'numeric', binned: binnedFromDistribution(ref.histogram.edges, d, nulls), min: p.min, max: p.max, distribution: d };
    }
    if (ref?.kind === 'categorical' && p.kind === 'categorical') {
      const d = p.distribution ?? { categories: [], otherCount: 0, complete: true };
      return { name: f.name, kind: 'categorical', counts: countsFromDistribution(ref.top, d, nulls), distribution: d };
    }
    return { name: f.name, kind: 'uncompared', nulls };
  });
  const pf = live.features[q.features.length];
  const vf = live.features[q.features.length + 1];
  const scores = pf.kind === 'numeric' && pf.count - pf.nulls > 0 ? pf.distribution : undefined;
  const predCounts = new Array<number>(PREDICTION_EDGES.length - 1).fill(0);
  if (scores) {
    const b = binnedFromDistribution(PREDICTION_EDGES, scores, 0);
    b.counts.forEach((c, j) => (predCounts[j] = c));
  }
  return {
    rows,
    features,
    prediction: {
      count: pf.count - pf.nulls,
      meanProbability: pf.kind === 'numeric' ? pf.mean : null,
      positiveLabels: live.label?.positives ?? 0,
      edges: [...PREDICTION_EDGES],
      counts: predCounts,
      ...(scores ? { distribution: scores } : {}),
    },
    versions:
      vf.kind === 'numeric' && vf.distribution?.kind === 'exact'
        ? vf.distribution.values.map((v, j) => ({ version: v, rows: vf.distribution?.counts[j] ?? 0 })).filter((v) => Number.isInteger(v.version))
        : [],
    firstTs: typeof aggregates.firstTs === 'string' ? aggregates.firstTs : null,
    lastTs: typeof aggregates.lastTs === 'string' ? aggregates.lastTs : null,
    files: q.files.length,
  };
}

/** A fine distribution counted on coarse edges with binIndex (binSql's rule); a bin of a summary counts at its mean. */
function binnedFromDistribution(edges: readonly number[], d: NumericDistribution, nulls: number): BinnedLive {
  const k = edges.length - 1;
  const out: BinnedLive = { edges: Float64Array.from(edges), counts: new Float64Array(k), below: { count: 0, sum: 0 }, above: { count: 0, sum: 0 }, nulls };
  const n = d.kind === 'exact' ? d.values.length : d.lo.length;
  for (let j = 0; j < n; j++) {
    const c = d.counts[j];
    const v = d.kind === 'exact' ? d.values[j] : d.sums[j] / Math.max(1, c);
    const b = binIndex(edges, v);
    if (b === null) continue;
    if (b < 0) {
      out.below.count += c;
      out.below.sum += d.kind === 'exact' ? v * c : d.sums[j];
    } else if (b >= k) {
      out.above.count += c;
      out.above.sum += d.kind === 'exact' ? v * c : d.sums[j];
    } else out.counts[b] += c;
  }
  return out;
}

/** Live categories counted against the reference's top values (the rest, and anything past the live cap, is other). */
function countsFromDistribution(top: readonly { value: string }[], d: CategoryDistribution, nulls: number): CategoryCountsLive {
  const slot = new Map(top.map((t, j) => [t.value, j] as const));
  const counts = new Float64Array(top.length);
  let other = d.otherCount;
  for (const c of d.categories) {
    const j = slot.get(c.value);
    if (j === undefined) other += c.count;
    else counts[j] += c.count;
  }
  return { counts, other, nulls };
}

function versionsOf(cell: SqlCell | undefined): { version: number; rows: number }[] {
  return histogramPairs(cell)
    .map(([key, n]) => ({ version: numOrNull(key), rows: n }))
    .filter((v): v is { version: number; rows: number } => v.version !== null)
    .sort((a, b) => a.version - b.version);
}

async function aggregateWindow(db: DuckDb, base: string, q: CaptureWindowQuery, refs: (FeatureProfile | undefined)[]): Promise<LiveWindow> {
  const agg = [
    'count(*) AS n',
    'count(p) AS p_n',
    'avg(p) AS p_mean',
    'count(*) FILTER (WHERE lab = 1) AS p_pos',
    `histogram(${binSql('p', PREDICTION_EDGES)}) AS p_h`,
    'histogram(v) AS v_h',
    'min(ts) AS ts_min',
    'max(ts) AS ts_max',
  ];
  q.features.forEach((_f, i) => {
    const c = `f${i}`;
    agg.push(`count(${c}) AS ${c}_nn`);
    const ref = refs[i];
    if (ref?.kind === 'numeric' && ref.histogram) {
      const e = ref.histogram.edges;
      const lo = sqlLiteral(e[0]);
      const hi = sqlLiteral(e[e.length - 1]);
      agg.push(
        `histogram(${binSql(c, e)}) AS ${c}_h`,
        `min(${c}) AS ${c}_min`,
        `max(${c}) AS ${c}_max`,
        `coalesce(sum(${c}) FILTER (WHERE ${c} < ${lo}), 0) AS ${c}_lo_sum`,
        `coalesce(sum(${c}) FILTER (WHERE ${c} > ${hi}), 0) AS ${c}_hi_sum`,
      );
    } else if (ref?.kind === 'categorical') {
      agg.push(`histogram(${c}) AS ${c}_h`);
    }
  });
  const totals = await db.one(`SELECT ${agg.join(', ')} FROM (${base}) AS __w`);
  const rows = numOrNull(totals.n) ?? 0;

  const features: LiveFeature[] = q.features.map((f, i) => {
    const c = `f${i}`;
    const nonNull = numOrNull(totals[`${c}_nn`]) ?? 0;
    const nulls = rows - nonNull;
    const ref = refs[i];
    const pairs = histogramPairs(totals[`${c}_h`]);
    if (ref?.kind === 'numeric' && ref.histogram) {
      const edges = Float64Array.from(ref.histogram.edges);
      const k = edges.length - 1;
      const counts = new Float64Array(k);
      let below = 0;
      let above = 0;
      for (const [key, n] of pairs) {
        const b = numOrNull(key);
        if (b === null) continue;
        if (b < 0) below += n;
        else if (b >= k) above += n;
        else counts[b] += n;
      }
      const binned: BinnedLive = {
        edges,
        counts,
        below: { count: below, sum: numOrNull(totals[`${c}_lo_sum`]) ?? 0 },
        above: { count: above, sum: numOrNull(totals[`${c}_hi_sum`]) ?? 0 },
        nulls,
      };
      return { name: f.name, kind: 'numeric', binned, min: numOrNull(totals[`${c}_min`]), max: numOrNull(totals[`${c}_max`]) };
    }
    if (ref?.kind === 'categorical') {
      const slot = new Map(ref.top.map((t, j) => [t.value, j] as const));
      const counts = new Float64Array(ref.top.length);
      let listed = 0;
      for (const [key, n] of pairs) {
        const j = key === null ? undefined : slot.get(cellText(key));
        if (j !== undefined) {
          counts[j] += n;
          listed += n;
        }
      }
      return { name: f.name, kind: 'categorical', counts: { counts, other: nonNull - listed, nulls } };
    }
    return { name: f.name, kind: 'uncompared', nulls };
  });

  const predCounts = new Array<number>(PREDICTION_EDGES.length - 1).fill(0);
  for (const [key, n] of histogramPairs(totals.p_h)) {
    const b = numOrNull(key);
    // Probabilities outside [0, 1] cannot come from the model; they are clamped into the end bins.
    if (b !== null) predCounts[Math.min(Math.max(b, 0), predCounts.length - 1)] += n;
  }
  const versions = versionsOf(totals.v_h);
  return {
    rows,
    features,
    prediction: {
      count: numOrNull(totals.p_n) ?? 0,
      meanProbability: numOrNull(totals.p_mean),
      positiveLabels: numOrNull(totals.p_pos) ?? 0,
      edges: [...PREDICTION_EDGES],
      counts: predCounts,
    },
    versions,
    firstTs: typeof totals.ts_min === 'string' ? totals.ts_min : null,
    lastTs: typeof totals.ts_max === 'string' ? totals.ts_max : null,
    files: q.files.length,
  };
}

function emptyWindow(features: readonly MonitoredFeature[], refs: (FeatureProfile | undefined)[]): LiveWindow {
  return {
    rows: 0,
    features: features.map((f, i): LiveFeature => {
      const ref = refs[i];
      if (ref?.kind === 'numeric' && ref.histogram) {
        const edges = Float64Array.from(ref.histogram.edges);
        return {
          name: f.name,
          kind: 'numeric',
          binned: { edges, counts: new Float64Array(edges.length - 1), below: { count: 0, sum: 0 }, above: { count: 0, sum: 0 }, nulls: 0 },
          min: null,
          max: null,
        };
      }
      if (ref?.kind === 'categorical') return { name: f.name, kind: 'categorical', counts: { counts: new Float64Array(ref.top.length), other: 0, nulls: 0 } };
      return { name: f.name, kind: 'uncompared', nulls: 0 };
    }),
    prediction: { count: 0, meanProbability: null, positiveLabels: 0, edges: [...PREDICTION_EDGES], counts: new Array<number>(PREDICTION_EDGES.length - 1).fill(0) },
    versions: [],
    firstTs: null,
    lastTs: null,
    files: 0,
  };
}

/** Rows per predicted class index 0..k-1 (indices outside are ignored: another version with other classes). */
async function classCounts(db: DuckDb, base: string, k: number): Promise<number[]> {
  const counts = new Array<number>(k).fill(0);
  for (const r of await db.rows(`SELECT cls, count(*) AS n FROM (${base}) AS __w WHERE cls IS NOT NULL GROUP BY cls`)) {
    const c = Number(r.cls);
    if (Number.isInteger(c) && c >= 0 && c < k) counts[c] = Number(r.n);
  }
  return counts;
}
