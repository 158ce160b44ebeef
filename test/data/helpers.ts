// Shared fixtures for data, quality and profile tests: temp folders, hand-made files in every format, small specs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDb, quoteString } from '../../src/data/duckdb';
import { parseSpec, type DatasetSpec } from '../../src/spec/dataset';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');

/** A fresh temp folder, removed by the returned cleanup. */
export async function tempDir(prefix = 'mlp-data-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * The small flights-like table most tests use (10 rows, row numbers 0..9):
 * x has a NULL at row 3 and an outlier 100 at row 9; cat has NULL at row 6 and 'd' at row 8;
 * code has NULL at 4, lowercase 'abc' at 2, 'AB1' at 5 and a duplicate ZZZ at rows 7 and 8.
 */
export const SMALL_CSV = [
  'id,x,cat,code,delay,day',
  '1,1.0,a,ABC,-5,2001-01-01',
  '2,2.0,b,ABD,20,2001-01-02',
  '3,3.0,a,abc,0,2001-01-03',
  '4,,c,XYZ,30,2001-01-04',
  '5,5.0,a,,16,2001-01-05',
  '6,6.0,b,AB1,2,2001-01-06',
  '7,7.0,,QQQ,40,2001-01-07',
  '8,8.0,a,ZZZ,-1,2001-01-08',
  '9,9.0,d,ZZZ,15,2001-01-09',
  '10,100.0,a,WWW,60,2001-01-10',
].join('\n');

/** Writes SMALL_CSV as csv, jsonl and parquet under `dir`; returns the three paths. */
export async function writeSmallFiles(dir: string): Promise<{ csv: string; jsonl: string; parquet: string }> {
  const csv = path.join(dir, 'small.csv');
  const jsonl = path.join(dir, 'small.jsonl');
  const parquet = path.join(dir, 'small.parquet');
  await writeFile(csv, `${SMALL_CSV}\n`);
  const db = await DuckDb.open({ threads: 1 });
  try {
    const typed = `SELECT id, x, cat, code, delay, CAST(day AS DATE) AS day FROM read_csv_auto(${quoteString(csv)})`;
    await db.run(`COPY (${typed}) TO ${quoteString(parquet)} (FORMAT parquet)`);
    await db.run(`COPY (${typed}) TO ${quoteString(jsonl)} (FORMAT json)`);
  } finally {
    db.close();
  }
  return { csv, jsonl, parquet };
}

/** A spec over `sourcePath` with numeric x, categorical cat and target delay > 15 unless overridden. */
export function smallSpec(sourcePath: string, overrides: Record<string, unknown> = {}): DatasetSpec {
  return parseSpec({
    name: 'small',
    source: { path: sourcePath },
    target: { column: 'delay', positive: { op: '>', value: 15 } },
    features: [
      { name: 'x', type: 'numeric' },
      { name: 'cat', type: 'categorical' },
    ],
    split: { kind: 'random', holdout: 0.3, seed: 7 },
    ...overrides,
  });
}

/** Rows of a query, as plain objects (for assertions). */
export async function query(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDb.open({ threads: 1 });
  try {
    return await db.rows(sql);
  } finally {
    db.close();
  }
}
