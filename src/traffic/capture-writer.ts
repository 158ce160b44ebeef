// Writes flights rows straight into capture-format JSONL files with DuckDB COPY (tests and the bench; no API needed).
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { DuckDb, quoteString, sqlLiteral } from '../data/duckdb';
import { captureFileName } from '../drift/monitor/capture-files';
import { flightRowsSql, type FlightRowsQuery } from './flights';

export interface CaptureFilesOptions {
  /** The model's capture folder (<varDir>/capture/<model>). */
  dir: string;
  model: string;
  version: number;
  rows: FlightRowsQuery;
  /** Stamp of the first row, ms; row i is stamped startMs + i * spacingMs. */
  startMs: number;
  spacingMs: number;
  /** Rows per file (the service starts a new file per hour or size). Default: all in one. */
  rowsPerFile?: number;
  /** Distinguishes writers, as the service's instance tag does. */
  instance?: string;
}

/**
 * Writes the rows as the prediction service would have captured them, one JSON object a line; the
 * probability is the row's real outcome (delay > 15 as 0/1), a perfectly informed stand-in for a model.
 * Returns the files written.
 */
export async function writeCaptureFiles(o: CaptureFilesOptions, db?: DuckDb): Promise<string[]> {
  const own = db ?? (await DuckDb.open());
  try {
    await mkdir(o.dir, { recursive: true });
    const total = Math.max(0, Math.trunc(o.rows.rows));
    const per = Math.max(1, Math.trunc(o.rowsPerFile ?? total));
    const instance = (o.instance ?? 'gen').replace(/[^A-Za-z0-9]/g, '');
    await own.run(`CREATE OR REPLACE TEMP TABLE __flights AS ${flightRowsSql(o.rows)}`);
    const files: string[] = [];
    try {
      for (let first = 0, seq = 1; first < total; first += per, seq++) {
        const file = path.join(o.dir, captureFileName(o.startMs + first * o.spacingMs, instance, seq));
        const ts = `strftime(make_timestamp(CAST(${sqlLiteral(o.startMs * 1000)} + ord * ${sqlLiteral(Math.round(o.spacingMs * 1000))} AS BIGINT)), '%Y-%m-%dT%H:%M:%S.%gZ')`;
        await own.run(
          `COPY (SELECT ${ts} AS ts, ${quoteString(o.model)} AS model, ${o.version} AS version, 'v1' AS api, ` +
            `'gen-' || CAST(ord // 100 AS VARCHAR) AS request_id, 'generator' AS key_id, CAST(ord % 100 AS INTEGER) AS "row", ` +
            `CASE WHEN delay > 15 THEN 1.0 ELSE 0.0 END AS probability, CASE WHEN delay > 15 THEN 1 ELSE 0 END AS label, ` +
            `struct_pack(hour := hour, day_of_week := day_of_week, distance := distance, origin := origin, destination := destination) AS features ` +
            `FROM __flights WHERE ord >= ${first} AND ord < ${Math.min(total, first + per)} ORDER BY ord) TO ${quoteString(file)} (FORMAT json)`,
        );
        files.push(file);
      }
    } finally {
      await own.run('DROP TABLE IF EXISTS __flights');
    }
    return files;
  } finally {
    if (!db) own.close();
  }
}
