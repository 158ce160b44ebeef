// Flights rows to replay as traffic: training months (Jan-Apr) or later months (May-Jun), optionally shifted, in a repeatable order.
import path from 'node:path';
import { z } from 'zod';
import { DuckDb, quoteString, sqlLiteral, cellText } from '../data/duckdb';
import { resolveSourcePath } from '../spec/dataset';

/** The file the flights specs read (3M real US flights, Jan-Jun 2001). */
export const FLIGHTS_SOURCE = 'npm:vega-datasets/data/flights-3m.parquet';

/** The feature columns, derived in SQL exactly as datasets/flights*.json derive them. */
export const FLIGHT_FEATURES = [
  { name: 'hour', type: 'numeric' },
  { name: 'day_of_week', type: 'numeric' },
  { name: 'distance', type: 'numeric' },
  { name: 'origin', type: 'categorical' },
  { name: 'destination', type: 'categorical' },
] as const;
export type FlightFeature = (typeof FLIGHT_FEATURES)[number]['name'];
const NUMERIC_FEATURES = FLIGHT_FEATURES.filter((f) => f.type === 'numeric').map((f) => f.name) as string[];

export const TrafficSource = z.enum(['training', 'later']);
export type TrafficSource = z.infer<typeof TrafficSource>;

/** Months per source: the specs train on Jan-Apr; May-Jun never reach training. */
export const SOURCE_MONTHS: Record<TrafficSource, [number, number]> = { training: [1, 4], later: [5, 6] };

/** A deliberate shift: `delta` added to every value of a numeric feature. */
export interface Shift {
  feature: string;
  delta: number;
}

/** Parses `feature=delta` (e.g. `distance=+500`, `hour=-3`); only numeric flights features can shift. */
export function parseShift(text: string): Shift {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/.exec(text.trim());
  if (!m) throw new RangeError(`--shift wants feature=delta, e.g. distance=+500; got ${JSON.stringify(text)}`);
  if (!NUMERIC_FEATURES.includes(m[1])) throw new RangeError(`--shift: ${m[1]} is not a numeric flights feature (${NUMERIC_FEATURES.join(', ')})`);
  return { feature: m[1], delta: Number(m[2]) };
}

export interface FlightRowsQuery {
  /** The parquet file (default: flightsParquetPath()). */
  parquet: string;
  from: TrafficSource;
  rows: number;
  /** Picks which rows, repeatably: the same seed gives the same rows in the same order. */
  seed?: number;
  shifts?: readonly Shift[];
  /** Only these calendar months (1-12, inclusive range) instead of the source's (e.g. [4, 4] for April). */
  months?: readonly [number, number];
}

/** The installed flights file, found the way specs find `npm:` paths. */
export function flightsParquetPath(root = process.cwd()): string {
  return resolveSourcePath(FLIGHTS_SOURCE, path.join(root, 'datasets', 'flights.json'));
}

/**
 * SQL for `rows` flights rows of the source months as (hour, day_of_week, distance, origin,
 * destination, delay, month, ord), shifted as asked. Rows are picked by a seeded hash of their position in
 * the file, which is an iid sample without replacement that does not depend on DuckDB's thread count.
 */
export function flightRowsSql(q: FlightRowsQuery): string {
  const [lo, hi] = q.months ?? SOURCE_MONTHS[q.from];
  const seed = Math.trunc(q.seed ?? 1);
  const shift = new Map((q.shifts ?? []).map((s) => [s.feature, s.delta] as const));
  const col = (name: string, expr: string) => {
    const d = shift.get(name);
    return d === undefined || d === 0 ? `${expr} AS ${name}` : `(${expr}) + ${sqlLiteral(d)} AS ${name}`;
  };
  const key = `hash(file_row_number, ${seed})`;
  return (
    `SELECT ${col('hour', 'hour(date)')}, ${col('day_of_week', 'dayofweek(date)')}, ${col('distance', 'CAST(distance AS DOUBLE)')}, ` +
    `origin, destination, delay, month(date) AS month, row_number() OVER (ORDER BY __pick, file_row_number) - 1 AS ord FROM (` +
    `SELECT *, ${key} AS __pick FROM read_parquet(${quoteString(q.parquet)}, file_row_number = true) ` +
    `WHERE month(date) BETWEEN ${lo} AND ${hi} ORDER BY __pick, file_row_number LIMIT ${Math.max(0, Math.trunc(q.rows))})`
  );
}

export interface FlightRow {
  hour: number;
  day_of_week: number;
  distance: number;
  origin: string;
  destination: string;
  /** Minutes of delay: the ground truth (the flights specs' target is delay > 15), for --labels. */
  delay: number | null;
}

/** The flights specs' target: delayed more than 15 minutes. */
export function delayedLabel(row: FlightRow): 0 | 1 | undefined {
  return row.delay === null ? undefined : row.delay > 15 ? 1 : 0;
}

/** The rows as objects (for the traffic command; a few hundred thousand at most). */
export async function readFlightRows(q: FlightRowsQuery, db?: DuckDb): Promise<FlightRow[]> {
  const own = db ?? (await DuckDb.open());
  try {
    const rows = await own.rows(`SELECT hour, day_of_week, distance, origin, destination, delay FROM (${flightRowsSql(q)}) ORDER BY ord`);
    return rows.map((r) => ({
      hour: Number(r.hour),
      day_of_week: Number(r.day_of_week),
      distance: Number(r.distance),
      origin: cellText(r.origin),
      destination: cellText(r.destination),
      delay: r.delay === null ? null : Number(r.delay),
    }));
  } finally {
    if (!db) own.close();
  }
}
