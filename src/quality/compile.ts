// Compiles an expectation suite into ONE aggregate SQL scan: counts, statistics and failing-row examples together.
import { isNumericType, quoteIdent, sqlLiteral } from '../data/duckdb';
import { ROW_COLUMN } from '../data/source';
import type { Expectation } from '../spec/expectations';

/** How the run step turns aggregate columns back into a result. */
export type Plan =
  | { kind: 'not_null'; nn: string; examples: string }
  /** Row-level rule: `bad` rows among `nn` non-null rows; `examples` lists the first failing rows. */
  | { kind: 'row'; nn: string; bad: string; examples: string; predicate: string }
  /** unique: `nn - distinct` rows repeat an earlier value; examples need a second query (a window). */
  | { kind: 'unique'; nn: string; distinct: string }
  | { kind: 'unseen'; nn: string; bad: string; examples: string }
  | { kind: 'row_count' }
  | { kind: 'stat'; nn: string; stat: string }
  | { kind: 'quantile'; nn: string; list: string; position: number };

export interface CompiledSuite {
  /** One `SELECT ... FROM (<relation>)` computing everything; `n` is the row count. */
  aggregateSql: string;
  plans: Plan[];
}

const col = (name: string): string => quoteIdent(name);

/** `count(*) FILTER` predicate of rows that break a row-level rule (never true for NULL, which not_null owns). */
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
      // regexp_matches searches (like Python's re.search in Great Expectations); anchor with ^...$ for a full match.
      return `${col(e.column)} IS NOT NULL AND NOT regexp_matches(CAST(${col(e.column)} AS VARCHAR), ${sqlLiteral(e.regex)})`;
    case 'unseen_categories_at_most':
      return `${col(e.column)} IS NOT NULL AND CAST(${col(e.column)} AS VARCHAR) NOT IN (${e.known.map((v) => sqlLiteral(v)).join(', ')})`;
    default:
      return null;
  }
}

/** The aggregate scan. `relationSql` must expose `__row`; `types` maps each referenced column to its DuckDB type. */
export function compileSuite(relationSql: string, suite: readonly Expectation[], types: ReadonlyMap<string, string>, exampleLimit = 5): CompiledSuite {
  const select: string[] = ['count(*) AS n'];
  const plans: Plan[] = [];
  const examples = (alias: string, c: string, predicate: string): string =>
    `min_by({'row': ${ROW_COLUMN}, 'value': ${c}}, ${ROW_COLUMN}, ${exampleLimit}) FILTER (WHERE ${predicate}) AS ${alias}`;
  // quantile_cont over a list of fractions computes every quantile of a column from one sorted state.
  const quantiles = new Map<string, { alias: string; fractions: number[] }>();

  suite.forEach((e, i) => {
    const p = `e${i}_`;
    switch (e.type) {
      case 'row_count_between':
        plans.push({ kind: 'row_count' });
        return;
      case 'not_null':
        select.push(`count(${col(e.column)}) AS ${p}nn`, examples(`${p}ex`, col(e.column), `${col(e.column)} IS NULL`));
        plans.push({ kind: 'not_null', nn: `${p}nn`, examples: `${p}ex` });
        return;
      case 'unique':
        select.push(`count(${col(e.column)}) AS ${p}nn`, `count(DISTINCT ${col(e.column)}) AS ${p}d`);
        plans.push({ kind: 'unique', nn: `${p}nn`, distinct: `${p}d` });
        return;
      case 'between':
      case 'in_set':
      case 'matches_regex':
      case 'unseen_categories_at_most': {
        const predicate = unexpectedPredicate(e, types.get(e.column) ?? '') ?? 'false';
        select.push(`count(${col(e.column)}) AS ${p}nn`, `count(*) FILTER (WHERE ${predicate}) AS ${p}bad`, examples(`${p}ex`, col(e.column), predicate));
        plans.push(
          e.type === 'unseen_categories_at_most'
            ? { kind: 'unseen', nn: `${p}nn`, bad: `${p}bad`, examples: `${p}ex` }
            : { kind: 'row', nn: `${p}nn`, bad: `${p}bad`, examples: `${p}ex`, predicate },
        );
        return;
      }
      case 'mean_between':
      case 'stddev_between': {
        const fn = e.type === 'mean_between' ? 'avg' : 'stddev_samp';
        select.push(`count(${col(e.column)}) AS ${p}nn`, `${fn}(CAST(${col(e.column)} AS DOUBLE)) AS ${p}stat`);
        plans.push({ kind: 'stat', nn: `${p}nn`, stat: `${p}stat` });
        return;
      }
      case 'quantile_between': {
        let q = quantiles.get(e.column);
        if (!q) {
          q = { alias: `q${quantiles.size}_list`, fractions: [] };
          quantiles.set(e.column, q);
        }
        let position = q.fractions.indexOf(e.quantile);
        if (position < 0) position = q.fractions.push(e.quantile) - 1;
        select.push(`count(${col(e.column)}) AS ${p}nn`);
        plans.push({ kind: 'quantile', nn: `${p}nn`, list: q.alias, position });
        return;
      }
    }
  });
  for (const [column, q] of quantiles) {
    select.push(`quantile_cont(CAST(${col(column)} AS DOUBLE), [${q.fractions.map((f) => sqlLiteral(f)).join(', ')}]) AS ${q.alias}`);
  }
  return { aggregateSql: `SELECT ${select.join(',\n  ')}\nFROM (${relationSql}) AS __q`, plans };
}

/** Examples for a failed `unique` rule: the first rows whose value occurs more than once (needs a window, so its own scan). */
export function duplicateExamplesSql(relationSql: string, column: string, exampleLimit = 5): string {
  const c = col(column);
  return (
    `SELECT ${ROW_COLUMN} AS row, ${c} AS value FROM (${relationSql}) AS __q WHERE ${c} IS NOT NULL ` +
    `QUALIFY count(*) OVER (PARTITION BY ${c}) > 1 ORDER BY ${ROW_COLUMN} LIMIT ${exampleLimit}`
  );
}
