// Profiles a snapshot (or any relation) in ONE SQL scan: exact per-feature value counts, then arithmetic over them.
import { DuckDb, duckDbMessage, isNumericType, numOrNull, quoteIdent, quoteString, sqlLiteral, type SqlCell, cellText } from '../data/duckdb';
import { DataError, LABEL_COLUMN } from '../data/source';
import type { FeatureSpec } from '../spec/dataset';
import { categoryDistribution, numericDistribution } from './fine';
import { binIndex, edgesFromCutPoints } from './histogram';
import { CategoricalProfile, DatasetProfile, DEFAULT_FINE, FeatureProfile, FineSettings, NumericProfile, PROFILE_VERSION, QUANTILE_FRACTIONS, QUANTILE_KEYS } from './schema';
import type { TaskKind } from '../task/task';

type FeatureRef = Pick<FeatureSpec, 'name' | 'type'>;

export interface ProfileOptions {
  /** Most frequent categorical values kept (default 100). */
  topK?: number;
  /** Quantile-based histogram bins for numeric features (default 20; fewer when values repeat). */
  bins?: number;
  /**
   * Profile later data against this one: numeric features reuse its histogram edges and categorical features
   * count exactly its top values (the rest is `otherCount`), so the two profiles compare and merge bin for bin.
   */
  reference?: DatasetProfile;
  /** Reuse an open database (the caller closes it). */
  db?: DuckDb;
  /**
   * Caps of the fine distributions (defaults DEFAULT_FINE); `false` writes a coarse version 1 profile, as before
   * fine distributions existed (kept to test that old profiles still work).
   */
  fine?: Partial<FineSettings> | false;
  /**
   * The snapshot's task: the label summary (positives, positive rate) is a binary notion, so multiclass and regression
   * profiles have `label: null`. Without it, a non-integer `__label` (a regression snapshot) is left out as well.
   */
  task?: TaskKind;
}

/** Profiles a Parquet snapshot written by ingest. */
export async function profileSnapshot(snapshotPath: string, features: readonly FeatureRef[], options: ProfileOptions = {}): Promise<DatasetProfile> {
  return profileRelation(`SELECT * FROM read_parquet(${quoteString(snapshotPath)})`, features, options);
}

/** Profiles any DuckDB relation (e.g. captured live inputs read with read_json_auto). */
export async function profileRelation(relationSql: string, features: readonly FeatureRef[], options: ProfileOptions = {}): Promise<DatasetProfile> {
  return (await profileRelationWith(relationSql, features, options)).profile;
}

/** An extra whole-relation aggregate computed in the profile's one scan: per group, then combined over groups. */
export interface ExtraAggregate {
  /** A SQL aggregate over the relation's columns, e.g. `min(ts)`. */
  sql: string;
  /** How the per-group values combine into the relation's value (min and max combine exactly). */
  combine: 'min' | 'max';
}

/**
 * profileRelation plus extra aggregates from the same scan (the drift monitor reads a capture window's time range
 * this way instead of scanning the JSON twice).
 */
export async function profileRelationWith(
  relationSql: string,
  features: readonly FeatureRef[],
  options: ProfileOptions & { aggregates?: Record<string, ExtraAggregate> } = {},
): Promise<{ profile: DatasetProfile; aggregates: Record<string, SqlCell> }> {
  const db = options.db ?? (await DuckDb.open());
  try {
    return await profileWith(db, relationSql, features, options, options.aggregates ?? {});
  } finally {
    if (!options.db) db.close();
  }
}

let tableSeq = 0;

/**
 * ONE scan of the data: a GROUPING SETS aggregate counts every distinct value of every feature (and of the label) into
 * a temp table. Everything else is exact arithmetic over those (value, count) pairs, which are few for typical
 * features: numeric values come back as typed arrays, sorted, and give min/max, mean, stddev, quantiles (by rank in
 * the cumulative counts, the same linear interpolation as quantile_cont) and histogram counts (`binIndex`, the rule
 * `binSql` applies, so counts equal SQL binning); categorical top values are the first rows by count. Compared with a
 * moments scan sorting `list()`s plus a second binning scan, this does no per-row sort or list: on the 3M-row flights
 * snapshot ~0.3 s CPU instead of ~3.5-4.7 s. Worst case, a numeric column whose values are all distinct, costs a hash
 * group and a sort of those values, about what the former list sort cost (~1.5 s CPU per 3M-distinct column).
 */
async function profileWith(
  db: DuckDb,
  relationSql: string,
  features: readonly FeatureRef[],
  options: ProfileOptions,
  extra: Record<string, ExtraAggregate>,
): Promise<{ profile: DatasetProfile; aggregates: Record<string, SqlCell> }> {
  const topK = options.topK ?? 100;
  const bins = options.bins ?? 20;
  const fine = options.fine === false ? null : FineSettings.parse({ ...DEFAULT_FINE, ...options.fine });
  let columns: { name: string; type: string }[];
  try {
    columns = await db.describe(relationSql);
  } catch (err) {
    throw new DataError('DataFileUnreadable', `cannot read the data to profile: ${duckDbMessage(err)}`, { cause: duckDbMessage(err) });
  }
  const types = new Map(columns.map((c) => [c.name, c.type]));
  checkFeatures(features, types);
  // Only a binary 0/1 label has positives; a regression value summed as "positives" would be negative or huge.
  const labelType = types.get(LABEL_COLUMN);
  const hasLabel = labelType !== undefined && (options.task ?? 'binary') === 'binary' && !/^(DOUBLE|FLOAT|REAL|DECIMAL)/i.test(labelType);

  // Feature i is column f{i}: numeric as DOUBLE with NaN/Inf as NULL (as the snapshot and the Frame treat them).
  const inner = features.map((f, i) => {
    const c = quoteIdent(f.name);
    return f.type === 'numeric' ? `CASE WHEN isfinite(CAST(${c} AS DOUBLE)) THEN CAST(${c} AS DOUBLE) END AS f${i}` : `CAST(${c} AS VARCHAR) AS f${i}`;
  });
  if (hasLabel) inner.push(`CAST(${quoteIdent(LABEL_COLUMN)} AS INTEGER) AS __lab`);
  const extraNames = Object.keys(extra);
  // Extra aggregates read the source columns, so the inner select passes them through as-is.
  const extraSelect = extraNames.map((name, j) => `, ${extra[name].sql} AS __x${j}`).join('');
  if (extraNames.length) inner.push('*');
  const keys = [...features.map((_, i) => `f${i}`), ...(hasLabel ? ['__lab'] : [])];
  const refs = features.map((f) => options.reference?.features.find((r) => r.name === f.name && r.kind === (f.type === 'numeric' ? 'numeric' : 'categorical')));

  // The scan. Set s = i holds feature i's distinct values (its NULL group included); set s = features.length the label's.
  const table = quoteIdent(`__profile_${process.pid}_${++tableSeq}_${Math.random().toString(36).slice(2, 10)}`);
  const set = keys.length ? `CASE ${keys.map((k, i) => `WHEN GROUPING(${k}) = 0 THEN ${i}`).join(' ')} END` : '0';
  const groupBy = keys.length ? ` GROUP BY GROUPING SETS (${keys.map((k) => `(${k})`).join(', ')})` : '';
  await db.run(
    `CREATE TEMP TABLE ${table} AS SELECT ${set} AS s${keys.map((k) => `, ${k}`).join('')}, count(*) AS n${extraSelect} ` +
      `FROM (SELECT ${inner.length ? inner.join(', ') : '1 AS __one'} FROM (${relationSql}) AS __src) AS __b${groupBy}`,
  );
  try {
    // Per set: rows, non-null rows and distinct non-null values; plus the label's positives.
    const nonNull = keys.length ? `CASE s ${keys.map((k, i) => `WHEN ${i} THEN ${k} IS NOT NULL`).join(' ')} END` : 'FALSE';
    const sizes = await db.rows(
      `SELECT s, sum(n) AS rows, sum(n) FILTER (WHERE nonnull) AS nn, count(*) FILTER (WHERE nonnull) AS d${hasLabel ? ', sum(__lab * n) AS pos' : ''} ` +
        `FROM (SELECT *, ${nonNull} AS nonnull FROM ${table}) AS __t GROUP BY s`,
    );
    const bySet = new Map(sizes.map((r) => [numOrNull(r.s), r]));
    const rows = numOrNull(bySet.get(0)?.rows) ?? 0;
    const size = (i: number): { nn: number; d: number } => ({ nn: numOrNull(bySet.get(i)?.nn) ?? 0, d: numOrNull(bySet.get(i)?.d) ?? 0 });

    const profiles: FeatureProfile[] = [];
    for (let i = 0; i < features.length; i++) {
      const f = features[i];
      const ref = refs[i];
      const { nn, d } = size(i);
      if (f.type === 'numeric') {
        const values = new Float64Array(d);
        const counts = new Float64Array(d);
        if (d > 0) {
          const got = await db.readInto(`SELECT f${i}, CAST(n AS DOUBLE) FROM ${table} WHERE s = ${i} AND f${i} IS NOT NULL ORDER BY f${i}`, [
            { array: values, nullValue: NaN },
            { array: counts, nullValue: 0 },
          ]);
          if (got !== d) throw new Error(`profile: expected ${d} distinct values of ${f.name}, read ${got}`);
        }
        const refEdges = ref?.kind === 'numeric' && ref.histogram ? ref.histogram.edges : undefined;
        const p = numericProfile(f.name, rows, nn, values, counts, bins, refEdges);
        profiles.push(fine ? { ...p, distribution: numericDistribution(values, counts, fine.numericCap, fine.bins) } : p);
      } else {
        const refTop = ref?.kind === 'categorical' && ref.top.length > 0 ? ref : undefined;
        // Against a reference: exactly its top values; otherwise the topK most frequent (count desc, then value).
        const sql = refTop
          ? `SELECT f${i} AS v, n FROM ${table} WHERE s = ${i} AND f${i} IN (${refTop.top.map((t) => sqlLiteral(t.value)).join(', ')})`
          : `SELECT f${i} AS v, n FROM ${table} WHERE s = ${i} AND f${i} IS NOT NULL ORDER BY n DESC, f${i} LIMIT ${topK}`;
        const top = (await db.rows(sql)).map((r) => ({ value: cellText(r.v), count: numOrNull(r.n) ?? 0 }));
        const p = categoricalProfile(f.name, rows, nn, d, topK, refTop, top);
        if (fine) {
          // Every category up to the cap: the first cap rows by count desc, then value (as `top`, just more of them).
          const all = (await db.rows(`SELECT f${i} AS v, n FROM ${table} WHERE s = ${i} AND f${i} IS NOT NULL ORDER BY n DESC, f${i} LIMIT ${fine.categoricalCap}`)).map((r) => ({
            value: cellText(r.v),
            count: numOrNull(r.n) ?? 0,
          }));
          const distribution = categoryDistribution(all, fine.categoricalCap);
          // Rows beyond the cap were not read: they are the non-null rest.
          const kept = distribution.categories.reduce((a, c) => a + c.count, 0);
          profiles.push({ ...p, distribution: { ...distribution, otherCount: nn - kept, complete: d <= fine.categoricalCap } });
        } else profiles.push(p);
      }
    }

    const positives = hasLabel ? (numOrNull(bySet.get(features.length)?.pos) ?? 0) : 0;
    const aggregates: Record<string, SqlCell> = {};
    if (extraNames.length) {
      // Every grouping set covers all rows, so set 0's groups combine into the relation's value.
      const row = await db.one(`SELECT ${extraNames.map((name, j) => `${extra[name].combine}(__x${j}) AS __x${j}`).join(', ')} FROM ${table} WHERE s = 0`);
      extraNames.forEach((name, j) => (aggregates[name] = row[`__x${j}`] ?? null));
    }
    const profile = DatasetProfile.parse({
      version: fine ? PROFILE_VERSION : 1,
      ...(fine ? { fine } : {}),
      rows,
      label: hasLabel ? { positives, positiveRate: rows > 0 ? positives / rows : null } : null,
      features: profiles,
      passes: 1,
      createdAt: new Date().toISOString(),
    });
    return { profile, aggregates };
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${table}`);
  }
}

function checkFeatures(features: readonly FeatureRef[], types: ReadonlyMap<string, string>): void {
  const missing = features.filter((f) => !types.has(f.name)).map((f) => f.name);
  if (missing.length) {
    throw new DataError('DataColumnMissing', `cannot profile: no column ${missing.join(', ')}; available columns: ${[...types.keys()].join(', ')}`, {
      missing,
      available: [...types.keys()],
    });
  }
  const wrong = features.filter((f) => f.type === 'numeric' && !isNumericType(types.get(f.name) ?? '') && types.get(f.name) !== 'BOOLEAN');
  if (wrong.length) {
    throw new DataError('DataColumnWrongType', `cannot profile: numeric feature(s) ${wrong.map((f) => `${f.name} (${types.get(f.name)})`).join(', ')} are not numeric`, {
      problems: wrong.map((f) => f.name),
    });
  }
}

/**
 * Numeric statistics from the sorted distinct values and their counts: exact, with quantiles defined as quantile_cont
 * (linear interpolation between the values at ranks floor(q * (nn - 1)) and the next one).
 */
function numericProfile(name: string, rows: number, nn: number, values: Float64Array, counts: Float64Array, bins: number, refEdges: number[] | undefined): NumericProfile {
  const d = values.length;
  // cum[j] = rows with a value <= values[j].
  const cum = new Float64Array(d);
  let acc = 0;
  let sum = 0;
  let comp = 0; // Neumaier compensation for the weighted sum
  for (let j = 0; j < d; j++) {
    acc += counts[j];
    cum[j] = acc;
    const t = values[j] * counts[j];
    const s = sum + t;
    comp += Math.abs(sum) >= Math.abs(t) ? sum - s + t : t - s + sum;
    sum = s;
  }
  const mean = nn > 0 ? (sum + comp) / nn : null;
  let stddev: number | null = null;
  if (mean !== null && nn > 1) {
    let m2 = 0;
    for (let j = 0; j < d; j++) m2 += counts[j] * (values[j] - mean) ** 2;
    stddev = Math.sqrt(m2 / (nn - 1));
  }
  // The value at 0-based rank r: the first distinct value whose cumulative count exceeds r.
  const atRank = (r: number): number => {
    let lo = 0;
    let hi = d - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    return values[lo];
  };
  const quantile = (q: number): number | null => {
    if (nn === 0) return null;
    const pos = q * (nn - 1);
    const r = Math.floor(pos);
    const lo = atRank(r);
    const hi = atRank(Math.min(nn - 1, r + 1));
    return lo + (pos - r) * (hi - lo);
  };
  const quantiles = Object.fromEntries(QUANTILE_KEYS.map((k) => [k, quantile(QUANTILE_FRACTIONS[k])])) as NumericProfile['quantiles'];

  // Edges: the reference's when comparing, else quantile cut points of this data.
  const edges = refEdges ?? (nn > 0 ? edgesFromCutPoints(Array.from({ length: bins + 1 }, (_, k) => quantile(k / bins))) : null);
  let histogram: NumericProfile['histogram'] = null;
  if (edges) {
    const binCounts = new Array<number>(edges.length - 1).fill(0);
    let underflow = 0;
    let overflow = 0;
    for (let j = 0; j < d; j++) {
      const b = binIndex(edges, values[j]);
      if (b === null) continue;
      if (b < 0) underflow += counts[j];
      else if (b >= binCounts.length) overflow += counts[j];
      else binCounts[b] += counts[j];
    }
    histogram = { edges, counts: binCounts, underflow, overflow };
  }
  return {
    name,
    kind: 'numeric',
    count: rows,
    nulls: rows - nn,
    min: d > 0 ? values[0] : null,
    max: d > 0 ? values[d - 1] : null,
    mean,
    stddev,
    quantiles,
    quantilesExact: true,
    histogram,
  };
}

function categoricalProfile(
  name: string,
  rows: number,
  nn: number,
  distinct: number,
  topK: number,
  ref: CategoricalProfile | undefined,
  counted: { value: string; count: number }[],
): CategoricalProfile {
  let top: { value: string; count: number }[];
  if (ref) {
    const byValue = new Map(counted.map((c) => [c.value, c.count]));
    top = ref.top.map((t) => ({ value: t.value, count: byValue.get(t.value) ?? 0 }));
  } else {
    // SQL already ordered by count desc then value and kept the first topK non-null values.
    top = counted;
  }
  const inTop = top.reduce((a, t) => a + t.count, 0);
  return {
    name,
    kind: 'categorical',
    count: rows,
    nulls: rows - nn,
    distinct,
    distinctExact: true,
    topK: ref ? Math.max(ref.topK, ref.top.length) : topK,
    top,
    otherCount: nn - inTop,
  };
}
