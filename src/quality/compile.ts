// Compiles an expectation suite into SQL: ONE aggregate scan with counts and statistics for every rule (pass 1), and,
// only when some row-level rule failed, ONE query fetching the first failing rows of every failed rule (pass 2).
//
// Why two passes: collecting failing-row examples inside the aggregate (`min_by(..., __row, 5) FILTER (...)`) cost
// ~65 ms CPU per rule on 3M rows even when no row failed, most of the suite's time. Gates mostly pass; when a rule
// fails, `WHERE <failing> ORDER BY __row LIMIT 5` per rule lets DuckDB's top-N push a dynamic `__row` filter into the
// scan, which skips the remaining row groups once 5 failing rows are found (10x cheaper than one scan feeding min_by
// lists when many rows fail).
import { isNumericType, quoteIdent, sqlLiteral } from '../data/duckdb';
import { ROW_COLUMN } from '../data/source';
import type { Expectation } from '../spec/expectations';

/** Which rows of a failed row-level rule are its examples (pass 2). */
export interface ExampleSource {
  /** The column whose value is shown. */
  column: string;
  /** Row filter: true for a failing row (NULL never is). */
  where: string;
  /** Window condition applied after `where` (unique: the value occurs more than once). */
  qualify?: string;
}

/** How the run step turns aggregate columns back into a result. */
export type Plan =
  | { kind: 'not_null'; nn: string; examples: ExampleSource }
  /** Row-level rule: `bad` rows among `nn` non-null rows. */
  | { kind: 'row'; nn: string; bad: string; predicate: string; examples: ExampleSource }
  /** unique: `nn - distinct` rows repeat an earlier value; its examples need a window, computed in pass 2. */
  | { kind: 'unique'; nn: string; distinct: string; examples: ExampleSource }
  | { kind: 'unseen'; nn: string; bad: string; examples: ExampleSource }
  | { kind: 'row_count' }
  | { kind: 'stat'; nn: string; stat: string }
  | { kind: 'quantile'; nn: string; list: string; position: number };

export interface CompiledSuite {
  /** One `SELECT ... FROM (<relation>)` computing every count and statistic; `n` is the row count. No examples. */
  aggregateSql: string;
  plans: Plan[];
}

const col = (name: string): string => quoteIdent(name);

// Integer and DOUBLE columns give quantile_cont the same DOUBLE result as a cast to DOUBLE (checked for every
// integer width), without a cast column in the scan (~1/3 cheaper). FLOAT and DECIMAL would interpolate in their own
// type, so they are still cast.
const NATIVE_QUANTILE = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT)|DOUBLE)$/i;

/**
 * SQL for "`regex` matches somewhere in `text`" (search semantics, like Python's re.search in Great Expectations).
 * DuckDB's `regexp_matches` runs RE2's unanchored partial match, which on 3M short strings was 8-14x slower than a full
 * match (see google/re2#275); `regexp_full_match(text, '(?s:.*)(?:R)(?s:.*)')` is the same test: the prefix and suffix
 * absorb anything, `^`/`$` in R still only match at the ends of the text (RE2 without (?m)), and the non-capturing
 * group keeps R's alternation and flags to itself. A pattern using `\Q` (quote to the end of the pattern when
 * unterminated) could swallow the suffix, so it keeps `regexp_matches`.
 */
export function regexSearchSql(text: string, regex: string): string {
  if (regex.includes('\\Q')) return `regexp_matches(${text}, ${sqlLiteral(regex)})`;
  return `regexp_full_match(${text}, ${sqlLiteral(`(?s:.*)(?:${regex})(?s:.*)`)})`;
}

/** Predicate of rows that break a row-level rule (never true for NULL, which not_null owns). */
export function unexpectedPredicate(e: Expectation, columnType: string): string | null {
  switch (e.type) {
    case 'between': {
      const c = col(e.column);
      const parts: string[] = [];
      if (e.min !== undefined) parts.push(`${c} < ${sqlLiteral(e.min)}`);
      if (e.max !== undefined) parts.push(`${c} > ${sqlLiteral(e.max)}`);
      return `${c} IS NOT NULL AND (${parts.join(' OR ')})`;
    }
    case 'in_set': {
      const c = col(e.column);
      if (isNumericType(columnType)) {
        // Numeric columns compare numerically; strings that are not numbers can never match.
        const nums = e.values.map((v) => (typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v))).filter((v) => Number.isFinite(v));
        return nums.length ? `${c} IS NOT NULL AND ${c} NOT IN (${nums.map(sqlLiteral).join(', ')})` : `${c} IS NOT NULL`;
      }
      return `${c} IS NOT NULL AND CAST(${c} AS VARCHAR) NOT IN (${e.values.map((v) => sqlLiteral(String(v))).join(', ')})`;
    }
    case 'matches_regex':
      // Search semantics; anchor with ^...$ for a full match.
      return `${col(e.column)} IS NOT NULL AND NOT ${regexSearchSql(`CAST(${col(e.column)} AS VARCHAR)`, e.regex)}`;
    case 'unseen_categories_at_most':
      return `${col(e.column)} IS NOT NULL AND CAST(${col(e.column)} AS VARCHAR) NOT IN (${e.known.map((v) => sqlLiteral(v)).join(', ')})`;
    default:
      return null;
  }
}

/**
 * Pass 1: the aggregate scan. `relationSql` must expose `__row`; `types` maps each referenced column to its DuckDB type.
 * Identical aggregates (e.g. count(distance) for three rules) are computed once. Rule counts use `count_if(p)` rather
 * than `count(*) FILTER (WHERE p)`: DuckDB folds `p` to a constant when the column's statistics (e.g. Parquet min/max)
 * prove it can never hold, which it does not do inside a FILTER clause.
 */
export function compileSuite(relationSql: string, suite: readonly Expectation[], types: ReadonlyMap<string, string>): CompiledSuite {
  const select: string[] = ['count(*) AS n'];
  const aliases = new Map<string, string>();
  const agg = (expr: string): string => {
    let alias = aliases.get(expr);
    if (!alias) {
      alias = `a${aliases.size}`;
      aliases.set(expr, alias);
      select.push(`${expr} AS ${alias}`);
    }
    return alias;
  };
  const plans: Plan[] = [];
  // quantile_cont over a list of fractions computes every quantile of a column from one state.
  const quantiles = new Map<string, { alias: string; fractions: number[] }>();

  for (const e of suite) {
    switch (e.type) {
      case 'row_count_between':
        plans.push({ kind: 'row_count' });
        break;
      case 'not_null': {
        const c = col(e.column);
        plans.push({ kind: 'not_null', nn: agg(`count(${c})`), examples: { column: e.column, where: `${c} IS NULL` } });
        break;
      }
      case 'unique': {
        const c = col(e.column);
        // Duplicate examples: rows whose value occurs more than once (a window over the non-null rows).
        const examples = { column: e.column, where: `${c} IS NOT NULL`, qualify: `count(*) OVER (PARTITION BY ${c}) > 1` };
        plans.push({ kind: 'unique', nn: agg(`count(${c})`), distinct: agg(`count(DISTINCT ${c})`), examples });
        break;
      }
      case 'between':
      case 'in_set':
      case 'matches_regex':
      case 'unseen_categories_at_most': {
        const predicate = unexpectedPredicate(e, types.get(e.column) ?? '') ?? 'false';
        const nn = agg(`count(${col(e.column)})`);
        const bad = agg(`count_if(${predicate})`);
        const examples = { column: e.column, where: predicate };
        plans.push(e.type === 'unseen_categories_at_most' ? { kind: 'unseen', nn, bad, examples } : { kind: 'row', nn, bad, predicate, examples });
        break;
      }
      case 'mean_between':
      case 'stddev_between': {
        const fn = e.type === 'mean_between' ? 'avg' : 'stddev_samp';
        plans.push({ kind: 'stat', nn: agg(`count(${col(e.column)})`), stat: agg(`${fn}(CAST(${col(e.column)} AS DOUBLE))`) });
        break;
      }
      case 'quantile_between': {
        let q = quantiles.get(e.column);
        if (!q) {
          q = { alias: `q${quantiles.size}_list`, fractions: [] };
          quantiles.set(e.column, q);
        }
        let position = q.fractions.indexOf(e.quantile);
        if (position < 0) position = q.fractions.push(e.quantile) - 1;
        plans.push({ kind: 'quantile', nn: agg(`count(${col(e.column)})`), list: q.alias, position });
        break;
      }
    }
  }
  for (const [column, q] of quantiles) {
    const c = NATIVE_QUANTILE.test((types.get(column) ?? '').trim()) ? col(column) : `CAST(${col(column)} AS DOUBLE)`;
    select.push(`quantile_cont(${c}, [${q.fractions.map((f) => sqlLiteral(f)).join(', ')}]) AS ${q.alias}`);
  }
  return { aggregateSql: `SELECT ${select.join(',\n  ')}\nFROM (${relationSql}) AS __q`, plans };
}

/**
 * Pass 2: ONE query returning one row whose column `x{i}` lists source i's first `exampleLimit` failing rows as
 * `[{row, value}]`, lowest row numbers first (NULL when none). Each source is its own top-N subquery reading only
 * `__row` and its column; on a snapshot (row groups in `__row` order) it stops at the row groups holding its first
 * failures, and reads the column to the end only when failures are rare or (unique) the window needs every row.
 */
export function compileExamples(relationSql: string, sources: readonly ExampleSource[], exampleLimit = 5): string {
  if (sources.length === 0) throw new Error('compileExamples needs at least one source');
  const subqueries = sources.map((s, i) => {
    const pick =
      `SELECT ${ROW_COLUMN}, ${col(s.column)} AS __v FROM (${relationSql}) AS __q WHERE ${s.where}` + `${s.qualify ? ` QUALIFY ${s.qualify}` : ''} ORDER BY ${ROW_COLUMN} LIMIT ${exampleLimit}`;
    return `(SELECT list({'row': ${ROW_COLUMN}, 'value': __v} ORDER BY ${ROW_COLUMN}) FROM (${pick}) AS __t) AS x${i}`;
  });
  return `SELECT ${subqueries.join(',\n  ')}`;
}
