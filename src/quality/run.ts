// Runs an expectation suite over a snapshot or any relation: checks it, does one aggregate scan (plus one scan for the
// failing rows of failed rules, only when some rule failed), builds the report.
import { existsSync } from 'node:fs';
import { DuckDb, duckDbMessage, isNumericType, numOrNull, quoteString, sqlLiteral, SqlCell, SqlRow } from '../data/duckdb';
import { DataError, ROW_COLUMN } from '../data/source';
import { formatIssues } from '../spec/dataset';
import { Expectation, ExpectationSuite } from '../spec/expectations';
import { compileExamples, compileSuite, ExampleSource, Plan, regexSearchSql } from './compile';
import { describeExpectation, ExpectationResult, FailingRow, DataQualityReport } from './report';
import { showColumn } from '../spec/columns';
import type { SplitSpec } from '../data/load-frame';
import type { ClassValue } from '../task/task';
import { classSplit, classSplitWarnings } from './class-split';

/** What to check: a Parquet snapshot (from ingest) or any DuckDB relation SQL (e.g. a source relation). */
export type QualityInput = { parquetFile: string } | { relationSql: string };

export interface QualityOptions {
  /** Reuse an open database (the caller closes it); by default one is opened and closed. */
  db?: DuckDb;
  /** Failing example rows per failed row-level rule (default 5). */
  exampleLimit?: number;
  /**
   * Multiclass snapshots: the spec's split and the run's classes. The report then counts each class's rows in training
   * and holdout (`classSplit`) and warns about classes on one side only; a warning, not a failure: the data is valid,
   * the model trains over all classes, and the card shows which classes the holdout could not judge.
   */
  classSplit?: { split: SplitSpec; classes: readonly ClassValue[] };
}

const NUMERIC_RULES = new Set<Expectation['type']>(['between', 'mean_between', 'stddev_between', 'quantile_between']);
// Below this, share comparisons treat values as equal: 99/100 >= 0.99 must hold despite float rounding.
const EPS = 1e-12;

/**
 * Evaluates `suite` over the data. Pass 1 is one aggregate scan with every count and statistic; when a row-level rule
 * (not_null, between, in_set, matches_regex, unique, unseen_categories_at_most) failed, pass 2 is one more scan that
 * fetches the first failing rows of every failed rule at once (for `unique`, rows whose value occurs more than once).
 * A passing suite reads the data once. Row-level `mostly` follows Great Expectations: the share of non-null rows that
 * satisfy the rule must be >= mostly (not_null: share of all rows). `unique` counts as unexpected the rows that repeat
 * an earlier value (non-null count minus distinct count), which one aggregate scan can compute.
 */
export async function runQualitySuite(input: QualityInput, suite: unknown, options: QualityOptions = {}): Promise<DataQualityReport> {
  const parsed = ExpectationSuite.safeParse(suite);
  if (!parsed.success) {
    throw new DataError('ExpectationInvalid', `the expectation suite is invalid: ${formatIssues(parsed.error).join('; ')}`, {
      issues: formatIssues(parsed.error),
    });
  }
  const expectations = parsed.data;
  const db = options.db ?? (await DuckDb.open());
  const limit = options.exampleLimit ?? 5;
  try {
    let relation = 'parquetFile' in input ? `SELECT * FROM read_parquet(${quoteString(input.parquetFile)})` : input.relationSql;
    const columns = await describeInput(db, input, relation);
    const types = new Map(columns.map((c) => [c.name, c.type]));
    // A relation without row numbers gets them in file order, so failing rows can still be located.
    if (!types.has(ROW_COLUMN)) relation = `SELECT row_number() OVER () - 1 AS ${ROW_COLUMN}, * FROM (${relation}) AS __numbered`;
    checkColumns(expectations, types);
    await checkRegexes(db, expectations);

    const compiled = compileSuite(relation, expectations, types);
    let passes = 1;
    const agg = await db.one(compiled.aggregateSql);
    const rows = numOrNull(agg.n) ?? 0;
    const results: ExpectationResult[] = expectations.map((e, i) => evaluate(e, compiled.plans[i], agg, rows));

    // Pass 2, only when needed: the first failing rows of every failed row-level rule, in one scan.
    const wanted: { result: ExpectationResult; source: ExampleSource }[] = [];
    results.forEach((result, i) => {
      const plan = compiled.plans[i];
      if (!result.success && 'examples' in plan && limit > 0) wanted.push({ result, source: plan.examples });
    });
    if (wanted.length > 0) {
      const found = await db.one(
        compileExamples(
          relation,
          wanted.map((w) => w.source),
          limit,
        ),
      );
      wanted.forEach((w, i) => (w.result.failingRows = examples(found[`x${i}`])));
      passes++;
    }
    const successful = results.filter((r) => r.success).length;
    if (options.classSplit && !('parquetFile' in input)) throw new Error('classSplit needs a snapshot (parquetFile) input');
    const split = options.classSplit && 'parquetFile' in input ? await classSplit(input.parquetFile, options.classSplit.split, options.classSplit.classes) : undefined;
    return DataQualityReport.parse({
      success: successful === results.length,
      passes,
      statistics: {
        rows,
        evaluated: results.length,
        successful,
        unsuccessful: results.length - successful,
        successPercent: results.length ? (100 * successful) / results.length : null,
      },
      results,
      ...(split ? { classSplit: split, warnings: classSplitWarnings(split) } : {}),
      createdAt: new Date().toISOString(),
    });
  } finally {
    if (!options.db) db.close();
  }
}

async function describeInput(db: DuckDb, input: QualityInput, relation: string): Promise<{ name: string; type: string }[]> {
  try {
    return await db.describe(relation);
  } catch (err) {
    const msg = duckDbMessage(err);
    if ('parquetFile' in input) {
      if (!existsSync(input.parquetFile) && !/[*?[]/.test(input.parquetFile)) {
        throw new DataError('DataFileNotFound', `snapshot ${input.parquetFile} does not exist; run ingest first`, { path: input.parquetFile });
      }
      throw new DataError('SnapshotInvalid', `cannot read snapshot ${input.parquetFile}: ${msg}`, { path: input.parquetFile });
    }
    throw new DataError('DataSourceSqlInvalid', `the relation to check is not valid SQL: ${msg}`, { cause: msg });
  }
}

function checkColumns(suite: Expectation[], types: ReadonlyMap<string, string>): void {
  const missing = new Map<string, string[]>();
  const wrong: string[] = [];
  suite.forEach((e, i) => {
    if (!('column' in e)) return;
    const t = types.get(e.column);
    if (t === undefined) {
      missing.set(e.column, [...(missing.get(e.column) ?? []), `#${i} ${describeExpectation(e)}`]);
    } else if (NUMERIC_RULES.has(e.type) && !isNumericType(t)) {
      wrong.push(`#${i} ${describeExpectation(e)} needs a numeric column but ${showColumn(e.column)} is ${t}`);
    }
  });
  if (missing.size > 0) {
    const available = [...types.keys()].filter((c) => c !== ROW_COLUMN);
    const list = [...missing].map(([c, uses]) => `${showColumn(c)} (used by ${uses.join(', ')})`);
    throw new DataError('DataColumnMissing', `the data has no column ${list.join('; ')}; available columns: ${available.map(showColumn).join(', ')}`, {
      missing: [...missing.keys()],
      available,
    });
  }
  if (wrong.length > 0) throw new DataError('DataColumnWrongType', `wrong column types for expectations: ${wrong.join('; ')}`, { problems: wrong });
}

/** Compiles each regex in DuckDB's engine (RE2) before the scan, so a bad one is named instead of failing the query. */
async function checkRegexes(db: DuckDb, suite: Expectation[]): Promise<void> {
  for (let i = 0; i < suite.length; i++) {
    const e = suite[i];
    if (e.type !== 'matches_regex') continue;
    try {
      // The regex alone first (so a bad one is named as written), then the form the scan runs.
      await db.rows(`SELECT regexp_matches('', ${sqlLiteral(e.regex)}) AS ok`);
      await db.rows(`SELECT ${regexSearchSql("''", e.regex)} AS ok`);
    } catch (err) {
      throw new DataError('ExpectationInvalid', `expectation #${i} ${describeExpectation(e)} has an invalid regex (RE2 syntax): ${duckDbMessage(err)}`, {
        index: i,
        regex: e.regex,
      });
    }
  }
}

const count = (row: SqlRow, alias: string): number => numOrNull(row[alias]) ?? 0;
const within = (v: number | null, min?: number, max?: number): boolean => v !== null && Number.isFinite(v) && (min === undefined || v >= min) && (max === undefined || v <= max);
const pct = (part: number, whole: number): number | null => (whole > 0 ? (100 * part) / whole : null);

function evaluate(e: Expectation, plan: Plan, agg: SqlRow, rows: number): ExpectationResult {
  const base = { expectation: e, elementCount: rows, unexpectedCount: null, unexpectedPercent: null, failingRows: [] as FailingRow[] };
  switch (plan.kind) {
    case 'row_count': {
      const r = e as Extract<Expectation, { type: 'row_count_between' }>;
      return { ...base, success: within(rows, r.min, r.max), observedValue: rows };
    }
    case 'not_null': {
      const mostly = (e as { mostly: number }).mostly;
      const nulls = rows - count(agg, plan.nn);
      const share = rows > 0 ? (rows - nulls) / rows : null;
      const success = share === null || share >= mostly - EPS;
      return { ...base, success, observedValue: share, unexpectedCount: nulls, unexpectedPercent: pct(nulls, rows) };
    }
    case 'row':
    case 'unique':
    case 'unseen': {
      const nn = count(agg, plan.nn);
      const bad = plan.kind === 'unique' ? nn - count(agg, plan.distinct) : count(agg, plan.bad);
      if (plan.kind === 'unseen') {
        const r = e as Extract<Expectation, { type: 'unseen_categories_at_most' }>;
        const share = nn > 0 ? bad / nn : null;
        const success = share === null || share <= r.maxShare + EPS;
        return { ...base, success, observedValue: share, unexpectedCount: bad, unexpectedPercent: pct(bad, nn) };
      }
      const mostly = (e as { mostly: number }).mostly;
      const share = nn > 0 ? (nn - bad) / nn : null;
      // No non-null value to test: vacuously true, as in Great Expectations; not_null is the rule for missing data.
      const success = share === null || share >= mostly - EPS;
      return { ...base, success, observedValue: share, unexpectedCount: bad, unexpectedPercent: pct(bad, nn) };
    }
    case 'stat': {
      const r = e as Extract<Expectation, { type: 'mean_between' | 'stddev_between' }>;
      const v = numOrNull(agg[plan.stat]);
      return { ...base, elementCount: count(agg, plan.nn), success: within(v, r.min, r.max), observedValue: v };
    }
    case 'quantile': {
      const r = e as Extract<Expectation, { type: 'quantile_between' }>;
      const list = agg[plan.list];
      const v = Array.isArray(list) ? numOrNull(list[plan.position]) : null;
      return { ...base, elementCount: count(agg, plan.nn), success: within(v, r.min, r.max), observedValue: v };
    }
  }
}

function examples(cell: SqlCell | undefined): FailingRow[] {
  if (!Array.isArray(cell)) return [];
  return cell.filter((c): c is { [key: string]: SqlCell } => c !== null && typeof c === 'object' && !Array.isArray(c)).map(failingRow);
}

function failingRow(r: { [key: string]: SqlCell }): FailingRow {
  const v = r.value ?? null;
  return { row: numOrNull(r.row) ?? 0, value: v === null || typeof v !== 'object' ? v : JSON.stringify(v) };
}
