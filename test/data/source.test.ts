// Source relations: formats, globs, row numbers, deterministic sampling, and every typed data error.
import * as assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDb, quoteIdent, quoteString, sqlLiteral } from '../../src/data/duckdb';
import { ingestSnapshot } from '../../src/data/ingest';
import { buildSourceRelation, checkSource, DataError, detectFormat, mix32, readerSql, sampleSql } from '../../src/data/source';
import { resolveSourcePath } from '../../src/spec/dataset';
import { query, smallSpec, tempDir, writeSmallFiles } from './helpers';

async function expectDataError(p: Promise<unknown>, type: string, ...fragments: RegExp[]): Promise<DataError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    assert.equal(err.type, type, err.message);
    for (const f of fragments) assert.match(err.message, f);
    return err;
  }
  assert.fail(`expected a ${type} error`);
}

describe('data/source', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let files: { csv: string; jsonl: string; parquet: string };
  let db: DuckDb;

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    files = await writeSmallFiles(dir);
    db = await DuckDb.open({ threads: 2 });
  });
  after(async () => {
    db.close();
    await cleanup();
  });

  it('detects the format from the extension or takes the declared one', () => {
    assert.equal(detectFormat('a/b.parquet'), 'parquet');
    assert.equal(detectFormat('a/*.csv'), 'csv');
    assert.equal(detectFormat('a/b.csv.gz'), 'csv');
    assert.equal(detectFormat('x.ndjson'), 'jsonl');
    assert.equal(detectFormat('x.data', 'csv'), 'csv');
    assert.throws(
      () => detectFormat('x.data'),
      (e: unknown) => e instanceof DataError && /source.format/.test(e.message),
    );
  });

  it('quotes identifiers and literals so odd names and quotes are safe', async () => {
    const row = await db.one(`SELECT ${quoteString("it's")} AS ${quoteIdent('we"ird col')}, ${sqlLiteral(0.1)} AS f, ${sqlLiteral(null)} AS n`);
    assert.deepEqual(row, { 'we"ird col': "it's", f: 0.1, n: null });
  });

  for (const format of ['csv', 'jsonl', 'parquet'] as const) {
    it(`reads ${format} with 0-based __row in file order, select and where applied`, async () => {
      const spec = smallSpec(path.basename(files[format]), {
        source: { path: path.basename(files[format]), select: '*, x * 2 AS x2', where: 'delay > 0' },
      });
      const rel = buildSourceRelation(spec, path.join(dir, 'spec.json'));
      assert.equal(rel.format, format);
      const rows = await db.rows(`SELECT __row, id, x2 FROM (${rel.relationSql}) ORDER BY __row`);
      assert.deepEqual(
        rows.map((r) => r.__row),
        [1, 3, 4, 5, 6, 8, 9],
      );
      assert.deepEqual(
        rows.map((r) => r.id),
        [2, 4, 5, 6, 7, 9, 10],
      );
      assert.equal(rows[0].x2, 4);
    });
  }

  it('reads a glob of files in sorted order, numbering rows across them', async () => {
    const sub = path.join(dir, 'parts');
    await mkdir(sub, { recursive: true });
    await writeFile(path.join(sub, 'b.csv'), 'id,v\n3,c\n4,d\n');
    await writeFile(path.join(sub, 'a.csv'), 'id,v\n1,a\n2,b\n');
    const rows = await db.rows(`SELECT row_number() OVER () - 1 AS r, id FROM ${readerSql(path.join(sub, '*.csv'), 'csv')}`);
    assert.deepEqual(
      rows.map((r) => r.id),
      [1, 2, 3, 4],
    );
  });

  it('resolves npm: paths even when the package hides package.json behind "exports"', () => {
    const p = resolveSourcePath('npm:vega-datasets/data/flights-3m.parquet', path.join(dir, 'spec.json'));
    assert.match(p, /node_modules[\\/]vega-datasets[\\/]data[\\/]flights-3m\.parquet$/);
  });

  it('mix32 in JS equals the SQL hash, and sampling keeps the n rows with the smallest hashes', async () => {
    const n = 7;
    const rel = `SELECT range AS __row, range * 10 AS v FROM range(200)`;
    const sampled = (await db.rows(sampleSql(rel, n, 99))).map((r) => Number(r.__row));
    const expected = Array.from({ length: 200 }, (_, i) => i)
      .sort((a, b) => mix32(a, 99) - mix32(b, 99) || a - b)
      .slice(0, n)
      .sort((a, b) => a - b);
    assert.deepEqual(sampled, expected);
    assert.equal(mix32(0, 0), 0); // murmur3's finalizer fixes 0; the seed offset moves it
    assert.notEqual(mix32(0, 1), 0);
  });

  it('samples deterministically on any thread count', async () => {
    const spec = smallSpec(path.basename(files.parquet), { source: { path: path.basename(files.parquet), sampleRows: 4 } });
    const rel = buildSourceRelation(spec, path.join(dir, 'spec.json'));
    const runs: unknown[] = [];
    for (const threads of [1, 2, 1]) {
      const other = await DuckDb.open({ threads });
      try {
        runs.push((await other.rows(rel.relationSql)).map((r) => r.__row));
      } finally {
        other.close();
      }
    }
    assert.equal((runs[0] as unknown[]).length, 4);
    assert.deepEqual(runs[1], runs[0]);
    assert.deepEqual(runs[2], runs[0]);
  });

  describe('typed errors', () => {
    const specFile = (): string => path.join(dir, 'spec.json');

    it('missing file: DataFileNotFound naming the path', async () => {
      const spec = smallSpec('nowhere/*.csv');
      await expectDataError(checkSource(db, spec, specFile()), 'DataFileNotFound', /nowhere\/\*\.csv/, /fix the path/);
    });

    it('corrupt file: DataFileUnreadable', async () => {
      await writeFile(path.join(dir, 'broken.parquet'), 'not a parquet file at all');
      await expectDataError(checkSource(db, smallSpec('broken.parquet'), specFile()), 'DataFileUnreadable', /broken\.parquet/, /corrupt|truncated/);
    });

    it('malformed JSON lines: DataFileUnreadable', async () => {
      await writeFile(path.join(dir, 'bad.jsonl'), '{"x": 1, "cat": "a", "delay": 3}\n{"x": \n');
      const spec = smallSpec('bad.jsonl');
      await expectDataError(ingestSnapshot({ spec, specFile: specFile(), outDir: path.join(dir, 'out'), runKey: 'badjson' }), 'DataFileUnreadable');
    });

    it('missing columns: DataColumnMissing names each one and lists the available ones', async () => {
      const spec = smallSpec('small.csv', {
        features: [
          { name: 'x', type: 'numeric' },
          { name: 'colour', type: 'categorical' },
          { name: 'size', type: 'numeric' },
        ],
      });
      const err = await expectDataError(checkSource(db, spec, specFile()), 'DataColumnMissing', /colour/, /size/, /available columns: id, x, cat, code, delay, day/);
      assert.deepEqual(err.details.missing, ['colour', 'size']);
    });

    it('a numeric feature over a text column: DataColumnWrongType', async () => {
      const spec = smallSpec('small.csv', { features: [{ name: 'code', type: 'numeric' }] });
      await expectDataError(checkSource(db, spec, specFile()), 'DataColumnWrongType', /code is numeric in the spec but VARCHAR/);
    });

    it('a time split over a non-time column: DataColumnWrongType', async () => {
      const spec = smallSpec('small.csv', { split: { kind: 'time', column: 'code', holdoutFrom: '2001-01-05' } });
      await expectDataError(checkSource(db, spec, specFile()), 'DataColumnWrongType', /split.column code/);
    });

    it('bad SQL in where, or a second statement: DataSourceSqlInvalid', async () => {
      const bad = smallSpec('small.csv', { source: { path: 'small.csv', where: 'nosuchcol > 1' } });
      await expectDataError(checkSource(db, bad, specFile()), 'DataSourceSqlInvalid', /source.where/);
      const smuggled = smallSpec('small.csv', { source: { path: 'small.csv', where: "1=1; COPY (SELECT 1) TO '/tmp/x.csv'" } });
      await expectDataError(checkSource(db, smuggled, specFile()), 'DataSourceSqlInvalid', /single SQL expression/);
    });

    it('no rows after where: DataEmpty says the filter removed them', async () => {
      const spec = smallSpec('small.csv', { source: { path: 'small.csv', where: 'x > 1000' } });
      await expectDataError(ingestSnapshot({ spec, specFile: specFile(), outDir: path.join(dir, 'out'), runKey: 'empty' }), 'DataEmpty', /source.where keeps none/);
    });

    it('one class only: DataSingleClass names the target condition', async () => {
      const spec = smallSpec('small.csv', { target: { column: 'delay', positive: { op: '>', value: 1000 } } });
      await expectDataError(ingestSnapshot({ spec, specFile: specFile(), outDir: path.join(dir, 'out'), runKey: 'oneclass' }), 'DataSingleClass', /all 10 labelled rows are negative/, /delay > 1000/);
      const none = await query(`SELECT count(*) AS n FROM glob(${quoteString(path.join(dir, 'out', 'oneclass', '*'))})`);
      assert.equal(none[0].n, 0, 'a failed ingest leaves no snapshot behind');
    });
  });
});
