// Regenerates datasets/data/flights-broken.csv: 300 real Jan-Apr 2001 flights with deliberately bad rows for the gate to stop.
// Run after `npm run build`: node dist/scripts/make-broken-flights.js
import path from 'node:path';
import { DuckDb, quoteString } from '../src/data/duckdb';
import { sampleSql } from '../src/data/source';
import { resolveSourcePath } from '../src/spec/dataset';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'datasets', 'data', 'flights-broken.csv');

async function main(): Promise<void> {
  const parquet = resolveSourcePath('npm:vega-datasets/data/flights-3m.parquet', path.join(ROOT, 'datasets', 'flights.json'));
  const db = await DuckDb.open({ threads: 1 });
  try {
    const real =
      `SELECT row_number() OVER () - 1 AS __row, date, delay, distance, origin, destination, ` +
      `hour(date) AS hour, dayofweek(date) AS day_of_week, month(date) AS month ` +
      `FROM read_parquet(${quoteString(parquet)}) WHERE month(date) BETWEEN 1 AND 4`;
    // Positions p = 0..299 in row order; each defect hits a fixed, disjoint-enough set of positions.
    const sql = `
      SELECT strftime(date, '%Y-%m-%d %H:%M:%S') AS date, delay,
        CASE WHEN p % 37 = 5 THEN -distance ELSE distance END AS distance,
        CASE WHEN p % 29 = 3 THEN NULL
             WHEN p % 31 = 7 THEN lower(origin)
             WHEN p % 43 = 11 THEN origin || 'X'
             ELSE origin END AS origin,
        CASE WHEN p % 41 = 13 THEN 'X1' || substr(destination, 1, 1) ELSE destination END AS destination,
        CASE WHEN p % 47 = 17 THEN 27 ELSE hour END AS hour,
        day_of_week, month
      FROM (SELECT row_number() OVER (ORDER BY __row) - 1 AS p, * FROM (${sampleSql(real, 300)}) AS s) AS t
      ORDER BY p`;
    await db.run(`COPY (${sql}) TO ${quoteString(OUT)} (HEADER, DELIMITER ',')`);
    const summary = await db.one(
      `SELECT count(*) AS rows, count(*) - count(origin) AS null_origin, count(*) FILTER (WHERE distance < 0) AS negative_distance, ` +
        `count(*) FILTER (WHERE NOT regexp_matches(origin, '^[A-Z]{3}$')) AS bad_origin, ` +
        `count(*) FILTER (WHERE NOT regexp_matches(destination, '^[A-Z]{3}$')) AS bad_destination, count(*) FILTER (WHERE hour > 23) AS bad_hour ` +
        `FROM read_csv_auto(${quoteString(OUT)})`,
    );
    console.log(`wrote ${OUT}: ${JSON.stringify(summary)}`);
  } finally {
    db.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
