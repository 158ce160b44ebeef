// Ingest and loading per task (multiclass class index, regression value) through the real DuckDB ingest, and every
// typed error a bad multiclass or regression target gets.
import * as assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDb, quoteString } from '../../src/data/duckdb';
import { ingestSnapshot } from '../../src/data/ingest';
import { loadFrame, loadSplitFrames } from '../../src/data/load-frame';
import { DataError, type DataErrorType } from '../../src/data/source';
import { parseSpec, type DatasetSpec } from '../../src/spec/dataset';
import { profileSnapshot } from '../../src/profile/profile';
import { query, tempDir } from './helpers';

/** 12 penguin-like rows: species (3 strings), rating (integers 10, 2, 3), size (a number), island (categorical). */
const PENGUINS = [
  'species,rating,size,island,flipper,one',
  'Gentoo,10,5.5,Biscoe,217,x',
  'Adelie,2,3.1,Dream,181,x',
  'Chinstrap,3,3.7,Dream,195,x',
  'Adelie,2,3.4,Torgersen,186,x',
  'Gentoo,10,5.0,Biscoe,221,x',
  'Adelie,3,,Dream,190,x',
  'Chinstrap,3,3.9,Dream,198,x',
  ',2,3.3,Dream,185,x',
  'Gentoo,10,5.2,Biscoe,230,x',
  'Adelie,2,3.0,Biscoe,184,x',
  'Chinstrap,10,4.1,Dream,201,x',
  'Adelie,2,NaN,Torgersen,188,x',
].join('\n');

function spec(target: Record<string, unknown>, overrides: Record<string, unknown> = {}): DatasetSpec {
  return parseSpec({
    name: 'penguins',
    source: { path: 'penguins.csv' },
    target,
    features: [
      { name: 'flipper', type: 'numeric' },
      { name: 'island', type: 'categorical' },
    ],
    split: { kind: 'random', holdout: 0.3, seed: 3 },
    ...overrides,
  });
}

describe('data: targets per task (multiclass, regression)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let specFile: string;
  let n = 0;
  const ingest = (s: DatasetSpec) => ingestSnapshot({ spec: s, specFile, outDir: path.join(dir, 'out'), runKey: `k${n++}` });
  const rejects = async (s: DatasetSpec, type: DataErrorType, ...patterns: RegExp[]) => {
    await assert.rejects(ingest(s), (e: unknown) => {
      assert.ok(e instanceof DataError, String(e));
      assert.equal(e.type, type, e.message);
      for (const p of patterns) assert.match(e.message, p);
      return true;
    });
  };

  before(async () => {
    ({ dir, cleanup } = await tempDir('mlp-tasks-'));
    specFile = path.join(dir, 'spec.json');
    const csv = path.join(dir, 'penguins.csv');
    await writeFile(csv, `${PENGUINS}\n`);
    const db = await DuckDb.open({ threads: 1 });
    try {
      await db.run(`COPY (SELECT * FROM read_csv_auto(${quoteString(csv)})) TO ${quoteString(path.join(dir, 'penguins.parquet'))} (FORMAT parquet)`);
      // 150 distinct values: an id chosen as the target by mistake
      await db.run(`COPY (SELECT range AS id, range % 7 AS flipper, 'a' AS island FROM range(150)) TO ${quoteString(path.join(dir, 'ids.parquet'))} (FORMAT parquet)`);
    } finally {
      db.close();
    }
  });
  after(() => cleanup());

  it('multiclass: the classes are the sorted distinct values, __label their index, NULL targets dropped, classes in the manifest', async () => {
    const m = await ingest(spec({ column: 'species', task: 'multiclass' }));
    assert.equal(m.rows, 11);
    assert.equal(m.task, 'multiclass');
    assert.deepEqual(m.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
    assert.deepEqual(m.classCounts, [5, 3, 3]);
    assert.equal(m.positives, 0);
    assert.equal(m.columns.find((c) => c.name === '__label')?.type, 'UTINYINT');
    const rows = await query(`SELECT __row, __label FROM read_parquet(${quoteString(m.path)}) ORDER BY __row`);
    assert.deepEqual(
      rows.map((r) => [r.__row, r.__label]),
      [
        [0, 2],
        [1, 0],
        [2, 1],
        [3, 0],
        [4, 2],
        [5, 0],
        [6, 1],
        [8, 2],
        [9, 0],
        [10, 1],
        [11, 0],
      ],
    );
    const { frame, rows: rowNumbers } = await loadFrame(m.path, spec({ column: 'species', task: 'multiclass' }).features, { task: 'multiclass' });
    assert.deepEqual(Array.from(frame.label), [2, 0, 1, 0, 2, 0, 1, 2, 0, 1, 0]);
    assert.deepEqual(Array.from(rowNumbers), [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11]);
    assert.equal(frame.target, undefined);
  });

  it('multiclass over integers from Parquet: numeric order (2, 3, 10), values kept as numbers', async () => {
    const m = await ingest(spec({ column: 'rating', task: 'multiclass' }, { source: { path: 'penguins.parquet' } }));
    assert.deepEqual(m.classes, [2, 3, 10]);
    assert.deepEqual(m.classCounts, [5, 3, 4]);
  });

  it('multiclass with target.classes: their order, matched by string form, stored as the data type', async () => {
    const m = await ingest(spec({ column: 'rating', task: 'multiclass', classes: ['10', 3, 2] }));
    assert.deepEqual(m.classes, [10, 3, 2]);
    assert.deepEqual(m.classCounts, [4, 3, 5]);
    const s = spec({ column: 'rating', task: 'multiclass', classes: [10, 3, 2] });
    const { frame } = await loadFrame(m.path, s.features, { task: 'multiclass' });
    assert.deepEqual(Array.from(frame.label), [0, 2, 1, 2, 0, 1, 1, 2, 0, 2, 0, 2]);
  });

  it('multiclass over a BOOLEAN column from JSON lines: classes [false, true] as booleans', async () => {
    await writeFile(path.join(dir, 'flags.jsonl'), ['{"f": true, "flipper": 1, "island": "a"}', '{"f": false, "flipper": 2, "island": "b"}', '{"f": true, "flipper": 3, "island": "a"}'].join('\n'));
    const m = await ingest(spec({ column: 'f', task: 'multiclass' }, { source: { path: 'flags.jsonl' } }));
    assert.deepEqual(m.classes, [false, true]);
    assert.deepEqual(m.classCounts, [1, 2]);
  });

  it('regression: __label is the DOUBLE value, NULL and NaN targets dropped; the frame carries it in target and an all-zero label', async () => {
    const s = spec({ column: 'size', task: 'regression' });
    const m = await ingest(s);
    assert.equal(m.task, 'regression');
    assert.equal(m.rows, 10);
    assert.equal(m.classes, undefined);
    assert.equal(m.columns.find((c) => c.name === '__label')?.type, 'DOUBLE');
    const split = await loadSplitFrames(m.path, s);
    const all = [...Array.from(split.train.target!), ...Array.from(split.holdout.target!)].sort((a, b) => a - b);
    assert.deepEqual(all, [3, 3.1, 3.3, 3.4, 3.7, 3.9, 4.1, 5, 5.2, 5.5]);
    assert.ok(split.train.label.every((v) => v === 0) && split.holdout.label.every((v) => v === 0));
    assert.equal(split.train.rows + split.holdout.rows, 10);
    // read as the wrong task, the label kind is caught instead of silently misread
    await assert.rejects(loadFrame(m.path, s.features), (e: unknown) => e instanceof DataError && e.type === 'SnapshotInvalid' && /regression label/.test(e.message));
  });

  it('profiles of regression and multiclass snapshots have no binary label summary (a negative target once failed the profile)', async () => {
    const reg = spec({ column: 'size', task: 'regression' }, { source: { path: 'penguins.csv', select: '* REPLACE (size - 4 AS size)' } });
    const r = await ingest(reg);
    const p = await profileSnapshot(r.path, reg.features);
    assert.equal(p.label, null);
    assert.equal(p.rows, 10);
    const mc = spec({ column: 'species', task: 'multiclass' });
    const m = await ingest(mc);
    assert.equal((await profileSnapshot(m.path, mc.features, { task: 'multiclass' })).label, null);
    const bin = spec({ column: 'species', positive: { op: '=', value: 'Adelie' } });
    assert.deepEqual((await profileSnapshot((await ingest(bin)).path, bin.features)).label, { positives: 5, positiveRate: 5 / 11 });
  });

  it('binary snapshots stay as they were (0/1 UTINYINT, no task or classes in the manifest)', async () => {
    const m = await ingest(spec({ column: 'species', positive: { op: '=', value: 'Adelie' } }));
    assert.equal(m.rows, 11);
    assert.equal(m.positives, 5);
    assert.equal(m.task, undefined);
    assert.equal(m.classes, undefined);
    assert.equal(m.columns.find((c) => c.name === '__label')?.type, 'UTINYINT');
  });

  it('a regression target that is not numeric: DataColumnWrongType naming the field, its type and the CAST', async () => {
    await rejects(spec({ column: 'species', task: 'regression' }), 'DataColumnWrongType', /target\.column species is VARCHAR, not numeric/, /CAST/);
  });

  it('a multiclass target of fractional numbers: DataColumnWrongType', async () => {
    await rejects(spec({ column: 'size', task: 'multiclass' }), 'DataColumnWrongType', /target\.column size is DOUBLE; multiclass classes are strings, whole numbers or booleans/);
  });

  it('a multiclass target with one class: DataSingleClass', async () => {
    await rejects(spec({ column: 'one', task: 'multiclass' }), 'DataSingleClass', /"x"/, /at least 2 classes/);
  });

  it(`more distinct values than the class cap: DataTooManyClasses with examples`, async () => {
    const s = parseSpec({
      name: 'ids',
      source: { path: 'ids.parquet' },
      target: { column: 'id', task: 'multiclass' },
      features: [{ name: 'flipper', type: 'numeric' }],
    });
    await rejects(s, 'DataTooManyClasses', /150 distinct values/, /more than the 100 classes/, /0 \(1 rows\)/);
  });

  it('rows whose class is not in target.classes: DataUnknownClass showing the values', async () => {
    await rejects(spec({ column: 'species', task: 'multiclass', classes: ['Adelie', 'Gentoo'] }), 'DataUnknownClass', /3 rows have a species that is not in target\.classes/, /"Chinstrap" \(3 rows\)/);
  });

  it('a class listed in target.classes that never occurs: DataClassMissing naming it', async () => {
    await rejects(
      spec({ column: 'species', task: 'multiclass', classes: ['Adelie', 'Gentoo', 'Chinstrap', 'Emperor'] }),
      'DataClassMissing',
      /target\.classes lists "Emperor" but no row has that value/,
    );
  });

  it('a regression target equal on every row: DataConstantTarget', async () => {
    await rejects(spec({ column: 'size', task: 'regression' }, { source: { path: 'penguins.csv', where: 'size = 5.0' } }), 'DataConstantTarget', /= 5/);
  });

  it('an empty multiclass dataset is DataEmpty, as for binary', async () => {
    await rejects(spec({ column: 'species', task: 'multiclass' }, { source: { path: 'penguins.csv', where: 'size < 0' } }), 'DataEmpty', /source\.where keeps none/);
  });
});
