// The quality suite: every expectation passing and failing (with mostly), exact counts and rows, one scan, typed errors.
import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDb, cellText, quoteString } from '../../src/data/duckdb';
import { ingestSnapshot } from '../../src/data/ingest';
import { DataError, readerSql } from '../../src/data/source';
import { compileExamples, compileSuite, ExpectationResult, QualityInput, DataQualityReport, runQualitySuite, writeQualityReport } from '../../src/quality';
import type { Expectation } from '../../src/spec/expectations';
import { smallSpec, tempDir, writeSmallFiles } from '../data/helpers';

// Non-null x of the small table: 1 2 3 5 6 7 8 9 100 (row 3 is NULL).
const X = [1, 2, 3, 5, 6, 7, 8, 9, 100];
const MEAN = X.reduce((a, b) => a + b, 0) / X.length;
const SD = Math.sqrt(X.reduce((a, b) => a + (b - MEAN) ** 2, 0) / (X.length - 1));

interface Case {
  e: Record<string, unknown>;
  success: boolean;
  observed: number | null;
  elementCount: number;
  unexpected: number | null;
  failingRows?: { row: number; value: string | number | null }[];
}

const CASES: Case[] = [
  { e: { type: 'not_null', column: 'x', mostly: 0.9 }, success: true, observed: 0.9, elementCount: 10, unexpected: 1 },
  { e: { type: 'not_null', column: 'x', mostly: 0.95 }, success: false, observed: 0.9, elementCount: 10, unexpected: 1, failingRows: [{ row: 3, value: null }] },
  { e: { type: 'between', column: 'x', min: 0, max: 10, mostly: 0.8 }, success: true, observed: 8 / 9, elementCount: 10, unexpected: 1 },
  { e: { type: 'between', column: 'x', min: 0, max: 10, mostly: 0.9 }, success: false, observed: 8 / 9, elementCount: 10, unexpected: 1, failingRows: [{ row: 9, value: 100 }] },
  {
    e: { type: 'between', column: 'x', min: 5 },
    success: false,
    observed: 6 / 9,
    elementCount: 10,
    unexpected: 3,
    failingRows: [
      { row: 0, value: 1 },
      { row: 1, value: 2 },
      { row: 2, value: 3 },
    ],
  },
  { e: { type: 'in_set', column: 'cat', values: ['a', 'b', 'c'], mostly: 0.85 }, success: true, observed: 8 / 9, elementCount: 10, unexpected: 1 },
  { e: { type: 'in_set', column: 'cat', values: ['a', 'b', 'c'], mostly: 0.9 }, success: false, observed: 8 / 9, elementCount: 10, unexpected: 1, failingRows: [{ row: 8, value: 'd' }] },
  { e: { type: 'in_set', column: 'x', values: [1, 2, 3, '5', 6, 7, 8, 9] }, success: false, observed: 8 / 9, elementCount: 10, unexpected: 1, failingRows: [{ row: 9, value: 100 }] },
  { e: { type: 'matches_regex', column: 'code', regex: '^[A-Z]{3}$', mostly: 0.75 }, success: true, observed: 7 / 9, elementCount: 10, unexpected: 2 },
  {
    e: { type: 'matches_regex', column: 'code', regex: '^[A-Z]{3}$', mostly: 0.8 },
    success: false,
    observed: 7 / 9,
    elementCount: 10,
    unexpected: 2,
    failingRows: [
      { row: 2, value: 'abc' },
      { row: 5, value: 'AB1' },
    ],
  },
  { e: { type: 'unique', column: 'id' }, success: true, observed: 1, elementCount: 10, unexpected: 0 },
  { e: { type: 'unique', column: 'code', mostly: 0.85 }, success: true, observed: 8 / 9, elementCount: 10, unexpected: 1 },
  {
    e: { type: 'unique', column: 'code' },
    success: false,
    observed: 8 / 9,
    elementCount: 10,
    unexpected: 1,
    failingRows: [
      { row: 7, value: 'ZZZ' },
      { row: 8, value: 'ZZZ' },
    ],
  },
  { e: { type: 'row_count_between', min: 5, max: 20 }, success: true, observed: 10, elementCount: 10, unexpected: null },
  { e: { type: 'row_count_between', min: 11 }, success: false, observed: 10, elementCount: 10, unexpected: null },
  { e: { type: 'mean_between', column: 'x', min: 15, max: 16 }, success: true, observed: MEAN, elementCount: 9, unexpected: null },
  { e: { type: 'mean_between', column: 'x', max: 10 }, success: false, observed: MEAN, elementCount: 9, unexpected: null },
  { e: { type: 'stddev_between', column: 'x', min: 30, max: 32 }, success: true, observed: SD, elementCount: 9, unexpected: null },
  { e: { type: 'stddev_between', column: 'x', min: 40 }, success: false, observed: SD, elementCount: 9, unexpected: null },
  { e: { type: 'quantile_between', column: 'x', quantile: 0.5, min: 6, max: 6 }, success: true, observed: 6, elementCount: 9, unexpected: null },
  { e: { type: 'quantile_between', column: 'x', quantile: 0.25, min: 4 }, success: false, observed: 3, elementCount: 9, unexpected: null },
  { e: { type: 'unseen_categories_at_most', column: 'cat', known: ['a', 'b'], maxShare: 0.25 }, success: true, observed: 2 / 9, elementCount: 10, unexpected: 2 },
  {
    e: { type: 'unseen_categories_at_most', column: 'cat', known: ['a', 'b'], maxShare: 0.2 },
    success: false,
    observed: 2 / 9,
    elementCount: 10,
    unexpected: 2,
    failingRows: [
      { row: 3, value: 'c' },
      { row: 8, value: 'd' },
    ],
  },
];

function checkResult(r: ExpectationResult, c: Case, label: string): void {
  assert.equal(r.success, c.success, `${label} success`);
  if (c.observed === null) assert.equal(r.observedValue, null);
  else assert.ok(r.observedValue !== null && Math.abs(r.observedValue - c.observed) < 1e-9, `${label} observed ${r.observedValue} vs ${c.observed}`);
  assert.equal(r.elementCount, c.elementCount, `${label} elementCount`);
  assert.equal(r.unexpectedCount, c.unexpected, `${label} unexpectedCount`);
  assert.deepEqual(r.failingRows, c.failingRows ?? [], `${label} failingRows`);
  if (c.unexpected !== null) assert.ok(r.unexpectedPercent !== null);
}

describe('quality/runQualitySuite', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let files: { csv: string; jsonl: string; parquet: string };
  let snapshot: string;

  before(async () => {
    ({ dir, cleanup } = await tempDir('mlp-quality-'));
    files = await writeSmallFiles(dir);
    const spec = smallSpec('small.csv', {
      expectations: [
        { type: 'unique', column: 'id' },
        { type: 'matches_regex', column: 'code', regex: '.' },
      ],
    });
    snapshot = (await ingestSnapshot({ spec, specFile: path.join(dir, 'spec.json'), outDir: path.join(dir, 'out'), runKey: 'q' })).path;
  });
  after(() => cleanup());

  const inputs = (): [string, QualityInput][] => [
    ['csv', { relationSql: `SELECT * FROM ${readerSql(files.csv, 'csv')}` }],
    ['jsonl', { relationSql: `SELECT * FROM ${readerSql(files.jsonl, 'jsonl')}` }],
    ['parquet', { relationSql: `SELECT * FROM ${readerSql(files.parquet, 'parquet')}` }],
    ['snapshot', { parquetFile: snapshot }],
  ];

  it('evaluates every expectation type, passing and failing, with exact counts, observed values and rows (csv, jsonl, parquet, snapshot)', async () => {
    for (const [label, input] of inputs()) {
      const report = await runQualitySuite(
        input,
        CASES.map((c) => c.e),
      );
      assert.equal(report.results.length, CASES.length);
      report.results.forEach((r, i) => checkResult(r, CASES[i], `${label} #${i} ${JSON.stringify(CASES[i].e)}`));
      const failures = CASES.filter((c) => !c.success).length;
      assert.deepEqual(report.statistics, {
        rows: 10,
        evaluated: CASES.length,
        successful: CASES.length - failures,
        unsuccessful: failures,
        successPercent: (100 * (CASES.length - failures)) / CASES.length,
      });
      assert.equal(report.success, false);
      assert.equal(report.passes, 2, 'one aggregate scan plus one fetching the failing rows of every failed rule, the unique duplicates included');
    }
  });

  it('reads the data once when every rule passes, in a second query only when one fails; the aggregate SQL reads the file once', async () => {
    const suite = CASES.filter((c) => c.e.type !== 'unique' || c.success).map((c) => c.e);
    const report = await runQualitySuite({ parquetFile: snapshot }, suite);
    assert.equal(report.passes, 2, 'the aggregate scan, then one query for the failing rows');
    const passing = await runQualitySuite(
      { parquetFile: snapshot },
      CASES.filter((c) => c.success).map((c) => c.e),
    );
    assert.equal(passing.passes, 1);
    const db = await DuckDb.open();
    try {
      const relation = `SELECT * FROM read_parquet(${quoteString(snapshot)})`;
      const types = new Map((await db.describe(relation)).map((c) => [c.name, c.type]));
      const { aggregateSql, plans } = compileSuite(relation, CASES.map((c) => c.e) as Expectation[], types);
      const sources = plans.flatMap((p) => ('examples' in p ? [p.examples] : []));
      assert.ok(sources.length >= 10);
      const operators = async (sql: string): Promise<string[]> => {
        const plan = (await db.rows(`EXPLAIN (FORMAT json) ${sql}`)).map((r) => cellText(r.explain_value)).join('');
        interface Node {
          name: string;
          children?: Node[];
        }
        const walk = (n: Node): string[] => [n.name, ...(n.children ?? []).flatMap(walk)];
        return (JSON.parse(plan) as Node[]).flatMap(walk);
      };
      const count = (ops: string[], name: string): number => ops.filter((o) => o === name).length;
      assert.equal(count(await operators(aggregateSql), 'READ_PARQUET'), 1);
      // The example query: one top-N per failed rule, each reading only __row and the rule's column and stopping early
      // (DuckDB may add a read that fetches the 5 chosen rows by row id).
      const examples = await operators(compileExamples(relation, sources));
      assert.equal(count(examples, 'TOP_N'), sources.length, examples.join(' '));
      assert.ok(count(examples, 'READ_PARQUET') <= 2 * sources.length, examples.join(' '));
    } finally {
      db.close();
    }
  });

  it('an all-passing suite succeeds; an empty suite succeeds with the row count', async () => {
    const ok = await runQualitySuite(
      { parquetFile: snapshot },
      CASES.filter((c) => c.success).map((c) => c.e),
    );
    assert.equal(ok.success, true);
    assert.equal(ok.passes, 1);
    const empty = await runQualitySuite({ parquetFile: snapshot }, []);
    assert.equal(empty.success, true);
    assert.equal(empty.statistics.rows, 10);
  });

  it('no non-null values: row rules pass vacuously, not_null fails', async () => {
    const relationSql = 'SELECT CAST(NULL AS DOUBLE) AS v FROM range(3)';
    const r = await runQualitySuite({ relationSql }, [
      { type: 'between', column: 'v', min: 0, max: 1 },
      { type: 'not_null', column: 'v' },
      { type: 'mean_between', column: 'v', min: 0 },
    ]);
    assert.deepEqual(
      r.results.map((x) => [x.success, x.observedValue]),
      [
        [true, null],
        [false, 0],
        [false, null],
      ],
    );
    assert.deepEqual(r.results[1].failingRows, [
      { row: 0, value: null },
      { row: 1, value: null },
      { row: 2, value: null },
    ]);
  });

  it('writes the report atomically as valid JSON', async () => {
    const report = await runQualitySuite({ parquetFile: snapshot }, [{ type: 'not_null', column: 'x', mostly: 0.95 }]);
    const file = path.join(dir, 'reports', 'q.json');
    await writeQualityReport(report, file);
    const back = DataQualityReport.parse(JSON.parse(await readFile(file, 'utf8')));
    assert.deepEqual(back, report);
  });

  describe('typed errors', () => {
    const fails = async (suite: unknown, type: string, re: RegExp): Promise<void> => {
      await assert.rejects(runQualitySuite({ parquetFile: snapshot }, suite), (e: unknown) => {
        assert.ok(e instanceof DataError, String(e));
        assert.equal(e.type, type, e.message);
        assert.match(e.message, re);
        return true;
      });
    };

    it('a bad regex names the expectation', () => fails([{ type: 'matches_regex', column: 'code', regex: '([A-Z' }], 'ExpectationInvalid', /#0 matches_regex\(code/));

    it('a missing column names it, its expectations and the available columns', () =>
      fails(
        [
          { type: 'not_null', column: 'colour' },
          { type: 'between', column: 'colour', min: 1 },
        ],
        'DataColumnMissing',
        /colour \(used by #0 not_null\(colour\), #1 between\(colour, 1\.\.\+inf\)\); available columns: x, cat, __label, id, code$/,
      ));

    it('a numeric rule on a text column is DataColumnWrongType', () => fails([{ type: 'mean_between', column: 'cat', min: 0 }], 'DataColumnWrongType', /cat is VARCHAR/));

    it('a suite that does not match the schema is ExpectationInvalid', () => fails([{ type: 'between', column: 'x' }], 'ExpectationInvalid', /needs min, max or both/));

    it('a missing snapshot is DataFileNotFound', async () => {
      await assert.rejects(runQualitySuite({ parquetFile: path.join(dir, 'nope.parquet') }, []), (e: unknown) => e instanceof DataError && e.type === 'DataFileNotFound');
    });
  });
});
