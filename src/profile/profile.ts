// Profiles a snapshot (or any relation) in two SQL scans: statistics and quantile edges, then histograms and top values.
import { DuckDb, duckDbMessage, isNumericType, numOrNull, quoteIdent, quoteString, sqlLiteral, SqlCell, SqlRow } from '../data/duckdb';
import { DataError, LABEL_COLUMN } from '../data/source';
import type { FeatureSpec } from '../spec/dataset';
import { binSql, edgesFromCutPoints } from './histogram';
import { CategoricalProfile, DatasetProfile, FeatureProfile, NumericProfile, QUANTILE_FRACTIONS, QUANTILE_KEYS } from './schema';

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
}

/** Profiles a Parquet snapshot written by ingest. */
export async function profileSnapshot(snapshotPath: string, features: readonly FeatureRef[], options: ProfileOptions = {}): Promise<DatasetProfile> {
  return profileRelation(`SELECT * FROM read_parquet(${quoteString(snapshotPath)})`, features, options);
}

/** Profiles any DuckDB relation (e.g. captured live inputs read with read_json_auto). */
export async function profileRelation(relationSql: string, features: readonly FeatureRef[], options: ProfileOptions = {}): Promise<DatasetProfile> {
  const db = options.db ?? (await DuckDb.open());
  try {
    return await profileWith(db, relationSql, features, options);
  } finally {
    if (!options.db) db.close();
  }
}

async function profileWith(db: DuckDb, relationSql: string, features: readonly FeatureRef[], options: ProfileOptions): Promise<DatasetProfile> {
  const topK = options.topK ?? 100;
  const bins = options.bins ?? 20;
  let columns: { name: string; type: string }[];
  try {
    columns = await db.describe(relationSql);
  } catch (err) {
    throw new DataError('DataFileUnreadable', `cannot read the data to profile: ${duckDbMessage(err)}`, { cause: duckDbMessage(err) });
  }
  const types = new Map(columns.map((c) => [c.name, c.type]));
  checkFeatures(features, types);
  const hasLabel = types.has(LABEL_COLUMN);

  // Feature i is column f{i}: numeric as DOUBLE with NaN/Inf as NULL (as the snapshot and the Frame treat them).
  const inner = features.map((f, i) => {
    const c = quoteIdent(f.name);
    return f.type === 'numeric' ? `CASE WHEN isfinite(CAST(${c} AS DOUBLE)) THEN CAST(${c} AS DOUBLE) END AS f${i}` : `CAST(${c} AS VARCHAR) AS f${i}`;
  });
  if (hasLabel) inner.push(`CAST(${quoteIdent(LABEL_COLUMN)} AS INTEGER) AS __lab`);
  const base = `SELECT ${inner.length ? inner.join(', ') : '1 AS __one'} FROM (${relationSql}) AS __src`;
  const refs = features.map((f) => options.reference?.features.find((r) => r.name === f.name && r.kind === (f.type === 'numeric' ? 'numeric' : 'categorical')));

  // Pass 1: counts, moments, quantiles, and the cut points the histogram edges come from.
  const edgeFractions = Array.from({ length: bins + 1 }, (_, k) => k / bins);
  const fractions = [...new Set([...QUANTILE_KEYS.map((k) => QUANTILE_FRACTIONS[k]), ...edgeFractions])].sort((a, b) => a - b);
  const agg: string[] = ['count(*) AS n'];
  const sorted: string[] = [];
  if (hasLabel) agg.push('sum(__lab) AS pos');
  features.forEach((f, i) => {
    const c = `f${i}`;
    agg.push(`count(${c}) AS ${c}_nn`);
    if (f.type === 'numeric') {
      agg.push(
        `min(${c}) AS ${c}_min`,
        `max(${c}) AS ${c}_max`,
        `avg(${c}) AS ${c}_mean`,
        `stddev_samp(${c}) AS ${c}_sd`,
        `list_sort(list(${c}), 'ASC', 'NULLS LAST') AS ${c}_sorted`,
      );
      sorted.push(c);
    } else {
      agg.push(`count(DISTINCT ${c}) AS ${c}_d`);
    }
  });
  // One sort per column then every fraction by index is ~3x faster than quantile_cont with 28 fractions
  // (which selects once per fraction); same definition: linear interpolation at position q * (n - 1).
  // NULLs sort last, so positions 1..nn are the sorted values (a FILTER on list() made the sort 2.5x slower).
  const fractionList = `[${fractions.map((x) => sqlLiteral(x)).join(', ')}]`;
  const quantileCols = sorted.map((c) => {
    const [l, n] = [`${c}_sorted`, `${c}_nn`];
    const pos = `f * (${n} - 1)`;
    const lo = `${l}[1 + CAST(floor(${pos}) AS BIGINT)]`;
    const hi = `${l}[least(${n}, 2 + CAST(floor(${pos}) AS BIGINT))]`;
    return `CASE WHEN ${n} > 0 THEN list_transform(${fractionList}, f -> ${lo} + (${pos} - floor(${pos})) * (${hi} - ${lo})) END AS ${c}_q`;
  });
  const exclude = sorted.length ? ` EXCLUDE (${sorted.map((c) => `${c}_sorted`).join(', ')})` : '';
  const stats = await db.one(`SELECT *${exclude}${quantileCols.map((q) => `, ${q}`).join('')} FROM (SELECT ${agg.join(', ')} FROM (${base}) AS __b) AS __a`);
  const rows = numOrNull(stats.n) ?? 0;

  // Edges: the reference's when comparing, else quantile cut points of this data.
  const edges = features.map((f, i): number[] | null => {
    if (f.type !== 'numeric') return null;
    const ref = refs[i];
    if (ref?.kind === 'numeric' && ref.histogram) return ref.histogram.edges;
    const q = stats[`f${i}_q`];
    const list = Array.isArray(q) ? q.map((v) => numOrNull(v)) : [];
    return edgesFromCutPoints(edgeFractions.map((x) => list[fractions.indexOf(x)] ?? null));
  });

  // Pass 2: one GROUPING SETS scan counts histogram bins and categorical values for every feature at once.
  const keys = features.map((f, i) => {
    const e = edges[i];
    if (f.type === 'numeric') return e ? `${binSql(`f${i}`, e)} AS k${i}` : `CAST(NULL AS INTEGER) AS k${i}`;
    const ref = refs[i];
    if (ref?.kind === 'categorical' && ref.top.length > 0) {
      // Against a reference, every value outside its top list folds into NULL; `other` is then NULLs minus real nulls.
      return `CASE WHEN f${i} IN (${ref.top.map((t) => sqlLiteral(t.value)).join(', ')}) THEN f${i} END AS k${i}`;
    }
    return `f${i} AS k${i}`;
  });
  let groups: SqlRow[] = [];
  let passes = 1;
  if (features.length > 0) {
    const set = `CASE ${features.map((_, i) => `WHEN GROUPING(k${i}) = 0 THEN ${i}`).join(' ')} END`;
    const order = features.map((_, i) => `k${i}`).join(', ');
    const keep = Math.max(topK + 1, bins + 3, ...refs.map((r) => (r?.kind === 'categorical' ? r.top.length + 1 : 0)));
    groups = await db.rows(
      `SELECT * FROM (SELECT ${set} AS s, ${order}, count(*) AS n FROM (SELECT ${keys.join(', ')} FROM (${base}) AS __b) AS __k ` +
        `GROUP BY GROUPING SETS (${features.map((_, i) => `(k${i})`).join(', ')})) AS __g ` +
        `QUALIFY row_number() OVER (PARTITION BY s ORDER BY n DESC, ${order}) <= ${keep}`,
    );
    passes = 2;
  }

  const profiles: FeatureProfile[] = features.map((f, i) => {
    const mine = groups.filter((g) => g.s === i).map((g) => ({ key: g[`k${i}`], n: numOrNull(g.n) ?? 0 }));
    const nn = numOrNull(stats[`f${i}_nn`]) ?? 0;
    if (f.type === 'numeric') return numericProfile(f.name, i, stats, rows, nn, fractions, edges[i], mine);
    const ref = refs[i];
    return categoricalProfile(f.name, i, stats, rows, nn, topK, ref?.kind === 'categorical' && ref.top.length > 0 ? ref : undefined, mine);
  });

  const positives = hasLabel ? (numOrNull(stats.pos) ?? 0) : 0;
  return DatasetProfile.parse({
    version: 1,
    rows,
    label: hasLabel ? { positives, positiveRate: rows > 0 ? positives / rows : null } : null,
    features: profiles,
    passes,
    createdAt: new Date().toISOString(),
  });
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

function numericProfile(
  name: string,
  i: number,
  stats: SqlRow,
  rows: number,
  nn: number,
  fractions: number[],
  edges: number[] | null,
  groups: { key: SqlCell | undefined; n: number }[],
): NumericProfile {
  const q = stats[`f${i}_q`];
  const list = Array.isArray(q) ? q.map((v) => numOrNull(v)) : [];
  const quantiles = Object.fromEntries(QUANTILE_KEYS.map((k) => [k, list[fractions.indexOf(QUANTILE_FRACTIONS[k])] ?? null])) as NumericProfile['quantiles'];
  let histogram: NumericProfile['histogram'] = null;
  if (edges) {
    const counts = new Array<number>(edges.length - 1).fill(0);
    let underflow = 0;
    let overflow = 0;
    for (const g of groups) {
      const b = numOrNull(g.key as SqlCell);
      if (b === null) continue;
      if (b < 0) underflow += g.n;
      else if (b >= counts.length) overflow += g.n;
      else counts[b] += g.n;
    }
    histogram = { edges, counts, underflow, overflow };
  }
  return {
    name,
    kind: 'numeric',
    count: rows,
    nulls: rows - nn,
    min: numOrNull(stats[`f${i}_min`]),
    max: numOrNull(stats[`f${i}_max`]),
    mean: numOrNull(stats[`f${i}_mean`]),
    stddev: numOrNull(stats[`f${i}_sd`]),
    quantiles,
    quantilesExact: true,
    histogram,
  };
}

function categoricalProfile(
  name: string,
  i: number,
  stats: SqlRow,
  rows: number,
  nn: number,
  topK: number,
  ref: CategoricalProfile | undefined,
  groups: { key: SqlCell | undefined; n: number }[],
): CategoricalProfile {
  const counted = groups.filter((g) => g.key !== null && g.key !== undefined).map((g) => ({ value: String(g.key), count: g.n }));
  let top: { value: string; count: number }[];
  if (ref) {
    const byValue = new Map(counted.map((c) => [c.value, c.count]));
    top = ref.top.map((t) => ({ value: t.value, count: byValue.get(t.value) ?? 0 }));
  } else {
    // SQL already ordered by count desc then value; keep the first topK non-null values.
    top = counted.slice(0, topK);
  }
  const inTop = top.reduce((a, t) => a + t.count, 0);
  return {
    name,
    kind: 'categorical',
    count: rows,
    nulls: rows - nn,
    distinct: numOrNull(stats[`f${i}_d`]) ?? 0,
    distinctExact: true,
    topK: ref ? Math.max(ref.topK, ref.top.length) : topK,
    top,
    otherCount: nn - inTop,
  };
}
