// The quality report's shape (zod), its atomic writer, and one-line descriptions for alerts and logs.
import { z } from 'zod';
import { writeJsonAtomic } from '../util/fs-atomic';
import { Expectation } from '../spec/expectations';
import { showColumn } from '../spec/columns';
import { ClassSplit } from './class-split';

export const FailingRow = z.object({
  /** The row's `__row`: its 0-based position in the source (before `where` and sampling). */
  row: z.number().int().nonnegative(),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
});
export type FailingRow = z.infer<typeof FailingRow>;

export const ExpectationResult = z.object({
  expectation: Expectation,
  success: z.boolean(),
  /**
   * Row-level rules: share of non-null rows that satisfy the rule (not_null: share of all rows that are non-null;
   * unseen_categories_at_most: share of non-null rows outside `known`). Aggregate rules: the statistic (count, mean,
   * stddev, quantile). NULL when there was nothing to measure.
   */
  observedValue: z.number().nullable(),
  /** Rows considered: all rows for row-level rules and row counts, non-null rows for aggregates. */
  elementCount: z.number().int().nonnegative(),
  /** Rows breaking a row-level rule; NULL for aggregate rules. */
  unexpectedCount: z.number().int().nonnegative().nullable(),
  /** unexpectedCount over non-null rows (all rows for not_null), in percent, as Great Expectations reports it. */
  unexpectedPercent: z.number().nullable(),
  /** Up to a few failing rows, lowest row numbers first; filled for failed row-level rules. */
  failingRows: z.array(FailingRow),
});
export type ExpectationResult = z.infer<typeof ExpectationResult>;

export const DataQualityReport = z.object({
  success: z.boolean(),
  /**
   * Queries that read the data: 1 (the aggregate scan computing every count and statistic), or 2 when some row-level
   * rule failed and a second query fetched the failing rows of all failed rules. That query reads, per failed rule,
   * only `__row` and the rule's column, and stops once it holds the first few failing rows (on a snapshot it skips the
   * later row groups); a rule with rare failures, or a failed `unique` (a window), reads its column to the end.
   */
  passes: z.number().int().nonnegative(),
  statistics: z.object({
    rows: z.number().int().nonnegative(),
    evaluated: z.number().int().nonnegative(),
    successful: z.number().int().nonnegative(),
    unsuccessful: z.number().int().nonnegative(),
    successPercent: z.number().nullable(),
  }),
  results: z.array(ExpectationResult),
  /** Multiclass runs: rows per class in training and holdout (absent for other tasks and older reports). */
  classSplit: ClassSplit.optional(),
  /** Findings that do not fail the gate but a person should see (e.g. a class on one side of the split only). */
  warnings: z.array(z.string()).optional(),
  createdAt: z.string(),
});
export type DataQualityReport = z.infer<typeof DataQualityReport>;

/** Writes the report as JSON to a temp name then renames, so a reader never sees half a report. */
export async function writeQualityReport(report: DataQualityReport, file: string): Promise<void> {
  await writeJsonAtomic(file, DataQualityReport.parse(report));
}

const range = (min?: number, max?: number): string => `${min ?? '-inf'}..${max ?? '+inf'}`;

/** A short human name for an expectation, e.g. `between(distance, 1..6000)`. */
export function describeExpectation(e: Expectation): string {
  const m = 'mostly' in e && e.mostly < 1 ? `, mostly ${e.mostly}` : '';
  switch (e.type) {
    case 'not_null':
    case 'unique':
      return `${e.type}(${showColumn(e.column)}${m})`;
    case 'between':
      return `between(${showColumn(e.column)}, ${range(e.min, e.max)}${m})`;
    case 'in_set':
      return `in_set(${showColumn(e.column)}, ${e.values.length} values${m})`;
    case 'matches_regex':
      return `matches_regex(${showColumn(e.column)}, /${e.regex}/${m})`;
    case 'row_count_between':
      return `row_count_between(${range(e.min, e.max)})`;
    case 'mean_between':
    case 'stddev_between':
      return `${e.type}(${showColumn(e.column)}, ${range(e.min, e.max)})`;
    case 'quantile_between':
      return `quantile_between(${showColumn(e.column)}, q${e.quantile}, ${range(e.min, e.max)})`;
    case 'unseen_categories_at_most':
      return `unseen_categories_at_most(${showColumn(e.column)}, ${e.maxShare})`;
  }
}

const fmt = (v: number | null): string => (v === null ? 'n/a' : Number.isInteger(v) ? String(v) : v.toPrecision(4));

/** One line per failed expectation with what was observed, for alerts and error messages. */
export function failureLines(report: DataQualityReport): string[] {
  return report.results
    .filter((r) => !r.success)
    .map((r) => {
      const bad = r.unexpectedCount !== null ? `, ${r.unexpectedCount} unexpected (${fmt(r.unexpectedPercent)}%)` : '';
      const rows = r.failingRows.length ? `, e.g. rows ${r.failingRows.map((f) => `${f.row}=${JSON.stringify(f.value)}`).join(' ')}` : '';
      return `${describeExpectation(r.expectation)}: observed ${fmt(r.observedValue)}${bad}${rows}`;
    });
}
