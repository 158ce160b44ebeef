// Snapshots: exact projected content, idempotency, a stable content hash, and repair of a damaged snapshot.
import * as assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { quoteString } from '../../src/data/duckdb';
import { ingestSnapshot, readManifest, sha256File, snapshotPaths } from '../../src/data/ingest';
import { query, smallSpec, tempDir, writeSmallFiles } from './helpers';

describe('data/ingest', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let specFile: string;

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    await writeSmallFiles(dir);
    specFile = path.join(dir, 'spec.json');
  });
  after(() => cleanup());

  it('writes exactly the needed columns: __row, features, __label, time column, expectation columns', async () => {
    const spec = smallSpec('small.csv', {
      split: { kind: 'time', column: 'day', holdoutFrom: '2001-01-08' },
      expectations: [{ type: 'matches_regex', column: 'code', regex: '^[A-Z]{3}$' }],
    });
    const m = await ingestSnapshot({ spec, specFile, outDir: path.join(dir, 'out'), runKey: 'cols' });
    assert.deepEqual(
      m.columns.map((c) => `${c.name}:${c.type}:${c.role}`),
      ['__row:BIGINT:row', 'x:DOUBLE:feature', 'cat:VARCHAR:feature', '__label:UTINYINT:label', 'day:DATE:time', 'code:VARCHAR:extra'],
    );
    assert.equal(m.rows, 10);
    assert.equal(m.positives, 5);
    assert.equal(m.source.format, 'csv');
    const rows = await query(`SELECT __row, x, cat, __label FROM read_parquet(${quoteString(m.path)}) ORDER BY __row`);
    assert.deepEqual(
      rows.map((r) => r.__label),
      [0, 1, 0, 1, 1, 0, 1, 0, 0, 1],
    );
    assert.equal(rows[3].x, null);
    assert.equal(rows[6].cat, null);
  });

  it('drops rows whose target is NULL and turns NaN/Infinity into NULL', async () => {
    await writeFile(path.join(dir, 'nan.jsonl'), ['{"x": 1.5, "cat": "a", "delay": 20}', '{"x": 2, "cat": "b", "delay": null}', '{"x": 3, "cat": "b", "delay": 1}'].join('\n'));
    const spec = smallSpec('nan.jsonl', { source: { path: 'nan.jsonl', select: "* REPLACE (CASE WHEN x = 3 THEN 'inf'::DOUBLE ELSE x END AS x)" } });
    const m = await ingestSnapshot({ spec, specFile, outDir: path.join(dir, 'out'), runKey: 'nan' });
    assert.equal(m.rows, 2);
    const rows = await query(`SELECT __row, x FROM read_parquet(${quoteString(m.path)}) ORDER BY __row`);
    assert.deepEqual(rows, [
      { __row: 0, x: 1.5 },
      { __row: 2, x: null },
    ]);
  });

  it('is idempotent: a second call returns the same manifest without rewriting the snapshot', async () => {
    const spec = smallSpec('small.parquet');
    const outDir = path.join(dir, 'out');
    const first = await ingestSnapshot({ spec, specFile, outDir, runKey: 'idem' });
    const before = await stat(first.path);
    const stages: string[] = [];
    const second = await ingestSnapshot({ spec, specFile, outDir, runKey: 'idem', onProgress: (s) => stages.push(s) });
    assert.deepEqual(second, first);
    assert.deepEqual(stages, ['done']);
    assert.equal((await stat(first.path)).mtimeMs, before.mtimeMs);
    assert.deepEqual(await readManifest(snapshotPaths(outDir, 'idem').manifest), first);
  });

  it('re-ingests when the same run key comes with a spec that shapes the snapshot differently', async () => {
    const outDir = path.join(dir, 'out');
    const first = await ingestSnapshot({ spec: smallSpec('small.csv'), specFile, outDir, runKey: 'respec' });
    const other = smallSpec('small.csv', { source: { path: 'small.csv', where: 'id > 2' } });
    const second = await ingestSnapshot({ spec: other, specFile, outDir, runKey: 'respec' });
    assert.equal(first.rows, 10);
    assert.equal(second.rows, 8);
    assert.notEqual(second.specHash, first.specHash);
  });

  it('has a content hash that is the sha256 of the bytes and stable across runs and folders', async () => {
    const spec = smallSpec('small.parquet');
    const a = await ingestSnapshot({ spec, specFile, outDir: path.join(dir, 'h1'), runKey: 'k' });
    const b = await ingestSnapshot({ spec, specFile, outDir: path.join(dir, 'h2'), runKey: 'other' });
    assert.match(a.contentHash, /^sha256:[0-9a-f]{64}$/);
    assert.equal(a.contentHash, b.contentHash);
    assert.equal(await sha256File(a.path), a.contentHash);
    // Same data read from CSV instead of Parquet: same projected columns and values, so the same bytes.
    const c = await ingestSnapshot({ spec: smallSpec('small.csv'), specFile, outDir: path.join(dir, 'h3'), runKey: 'k' });
    assert.equal(c.contentHash, a.contentHash);
  });

  it('redoes a snapshot whose bytes no longer match the manifest', async () => {
    const spec = smallSpec('small.csv');
    const outDir = path.join(dir, 'out');
    const m = await ingestSnapshot({ spec, specFile, outDir, runKey: 'damaged' });
    await writeFile(m.path, 'garbage');
    const again = await ingestSnapshot({ spec, specFile, outDir, runKey: 'damaged' });
    assert.equal(again.contentHash, m.contentHash);
    assert.equal(await sha256File(again.path), m.contentHash);
  });

  it('refuses a run key that is not a plain folder name', () => {
    assert.throws(() => snapshotPaths(dir, '../escape'));
    assert.throws(() => snapshotPaths(dir, 'a/b'));
  });
});
