// The target per task, at ingest: which column types each task accepts, a multiclass target's classes, and the
// SQL of the snapshot's `__label` (binary 0/1, multiclass class index, regression the value).
import type { DatasetSpec } from '../spec/dataset';
import { positiveRule } from '../spec/dataset';
import { showColumn } from '../spec/columns';
import { ClassValue, className, MAX_CLASSES } from '../task/task';
import { DuckDb, isNumericType, numOrNull, quoteIdent, quoteString, sqlLiteral, type SqlCell, cellText } from './duckdb';
import { DataError } from './errors';

const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/i;

/** Why the target column's DuckDB type does not fit the spec's task, or null when it does. */
export function targetTypeProblem(spec: DatasetSpec, type: string): string | null {
  const target = spec.target;
  const col = `target.column ${showColumn(target.column)}`;
  switch (target.task) {
    case 'binary': {
      const v = target.positive?.value;
      if (typeof v === 'number' && !isNumericType(type)) return `${col} is compared with the number ${v} but is ${type} in the data`;
      if (typeof v === 'boolean' && type !== 'BOOLEAN') return `${col} is compared with ${v} but is ${type}, not BOOLEAN, in the data`;
      return null;
    }
    case 'regression':
      return isNumericType(type)
        ? null
        : `${col} is ${type}, not numeric, so it cannot be a regression target; CAST it in source.select ` +
            `(e.g. "* REPLACE (TRY_CAST(${quoteIdent(target.column)} AS DOUBLE) AS ${quoteIdent(target.column)})"), or use task "multiclass" if its values are categories`;
    case 'multiclass':
      return type === 'VARCHAR' || type === 'BOOLEAN' || INTEGER.test(type.trim()) || /^ENUM\(/i.test(type.trim())
        ? null
        : `${col} is ${type}; multiclass classes are strings, whole numbers or booleans, so CAST it in source.select ` + `(to INTEGER or VARCHAR), or use task "regression" if it is a quantity`;
  }
}

/** Binary: SQL giving 1 when the target is positive, 0 when not, NULL when the target is NULL. */
export function labelSql(spec: DatasetSpec): string {
  const col = quoteIdent(spec.target.column);
  const { op, value } = positiveRule(spec.target);
  const sqlOp = op === '!=' ? '<>' : op;
  const left = typeof value === 'string' ? `CAST(${col} AS VARCHAR)` : col;
  return `CASE WHEN ${col} IS NULL THEN NULL WHEN ${left} ${sqlOp} ${sqlLiteral(value)} THEN 1 ELSE 0 END`;
}

/** Rows a snapshot keeps: a known target (regression: a finite one, as numeric features treat NaN/Inf as missing). */
export function keepRowSql(spec: DatasetSpec): string {
  const col = quoteIdent(spec.target.column);
  return spec.target.task === 'regression' ? `isfinite(CAST(${col} AS DOUBLE))` : `${col} IS NOT NULL`;
}

/** The `__label` select item: binary 0/1 and multiclass class index (`classes` order) as UTINYINT, regression DOUBLE. */
export function labelSelectSql(spec: DatasetSpec, classes: readonly ClassValue[] | undefined, alias: string): string {
  const col = quoteIdent(spec.target.column);
  switch (spec.target.task) {
    case 'binary':
      return `CAST(${labelSql(spec)} AS UTINYINT) AS ${alias}`;
    case 'regression':
      return `CAST(${col} AS DOUBLE) AS ${alias}`;
    case 'multiclass': {
      if (!classes || classes.length < 2) throw new Error('a multiclass label needs the resolved classes');
      // Classes match by their string form, so a spec's [1, 2] finds the strings "1", "2" and true finds 'true'.
      const arms = classes.map((c, i) => `WHEN ${quoteString(className(c))} THEN ${i}`).join(' ');
      return `CAST(CASE CAST(${col} AS VARCHAR) ${arms} END AS UTINYINT) AS ${alias}`;
    }
  }
}

export interface ResolvedClasses {
  /** In label order, as values of the data's type. */
  classes: ClassValue[];
  /** Rows per class. */
  counts: number[];
}

const EXAMPLES = 5;

/**
 * A multiclass target's classes over `relationSql` (the source rows the snapshot keeps): `target.classes` in their
 * order, or the column's distinct values ascending. Typed errors: more than MAX_CLASSES values, rows whose value is
 * not listed, a listed class no row has, a single class. Returns null when no row has a target (the caller explains).
 */
export async function resolveClasses(db: DuckDb, spec: DatasetSpec, relationSql: string): Promise<ResolvedClasses | null> {
  const target = spec.target;
  const col = quoteIdent(target.column);
  const show = showColumn(target.column);
  const groups = `SELECT ${col} AS v, CAST(${col} AS VARCHAR) AS k, count(*) AS n FROM (${relationSql}) AS __r WHERE ${col} IS NOT NULL GROUP BY ${col}`;
  const listed = target.classes;
  if (!listed) {
    const rows = await db.rows(`SELECT v, k, n, count(*) OVER () AS groups FROM (${groups}) AS __g ORDER BY v LIMIT ${MAX_CLASSES + 1}`);
    if (rows.length === 0) return null;
    const total = numOrNull(rows[0].groups) ?? 0;
    if (total > MAX_CLASSES) {
      throw new DataError(
        'DataTooManyClasses',
        `target.column ${show} has ${total} distinct values (e.g. ${examples(rows.slice(0, EXAMPLES))}), more than the ${MAX_CLASSES} classes a multiclass ` +
          `target may have; is it an id? Use task "regression" for a quantity, or derive fewer classes in source.select.`,
        { column: target.column, distinct: total, max: MAX_CLASSES },
      );
    }
    const empty = rows.find((r) => r.k === '');
    if (empty) {
      throw new DataError(
        'DataUnknownClass',
        `target.column ${show} holds the empty string on ${numOrNull(empty.n)} rows, which cannot name a class; ` +
          `drop them with source.where (${show} <> '') or map them to a name in source.select.`,
        { column: target.column },
      );
    }
    const classes = rows.map((r) => classValue(r.v, r.k));
    const counts = rows.map((r) => numOrNull(r.n) ?? 0);
    if (classes.length < 2) {
      throw new DataError(
        'DataSingleClass',
        `every one of the ${counts[0]} labelled rows has ${show} = ${JSON.stringify(classes[0])}, so there is nothing to learn; ` +
          'a multiclass target needs at least 2 classes. Check the column, or widen source.where.',
        { column: target.column, classes },
      );
    }
    return { classes, counts };
  }
  const names = listed.map(className);
  const inList = `k IN (${names.map(quoteString).join(', ')})`;
  const rows = await db.rows(
    `SELECT v, k, n, ${inList} AS listed, count_if(NOT ${inList}) OVER () AS unknown_values, ` +
      `sum(CASE WHEN ${inList} THEN 0 ELSE n END) OVER () AS unknown_rows ` +
      `FROM (${groups}) AS __g ORDER BY listed DESC, n DESC, k LIMIT ${listed.length + EXAMPLES}`,
  );
  if (rows.length === 0) return null;
  const unknownValues = numOrNull(rows[0].unknown_values) ?? 0;
  if (unknownValues > 0) {
    const unknownRows = numOrNull(rows[0].unknown_rows) ?? 0;
    const shown = rows.filter((r) => r.listed !== true).slice(0, EXAMPLES);
    throw new DataError(
      'DataUnknownClass',
      `${unknownRows} rows have a ${show} that is not in target.classes (${unknownValues} value${unknownValues === 1 ? '' : 's'}, e.g. ` +
        `${examples(shown)}); the classes are ${JSON.stringify(listed)}. Add them to target.classes or drop those rows with source.where.`,
      { column: target.column, unknownRows, unknownValues, examples: shown.map((r) => r.v), classes: listed },
    );
  }
  const found = new Map(rows.map((r) => [cellText(r.k), r]));
  const missing = listed.filter((c) => !found.has(className(c)));
  if (missing.length > 0) {
    throw new DataError(
      'DataClassMissing',
      `target.classes lists ${missing.map((c) => JSON.stringify(c)).join(', ')} but no row has ${missing.length === 1 ? 'that value' : 'those values'} ` +
        `in ${show} (the data has ${examples(rows)}); remove ${missing.length === 1 ? 'it' : 'them'} from target.classes or check the spelling and type.`,
      { column: target.column, missing, classes: listed },
    );
  }
  const classes = names.map((name) => {
    const r = found.get(name)!;
    return classValue(r.v, r.k);
  });
  return { classes, counts: names.map((name) => numOrNull(found.get(name)!.n) ?? 0) };
}

/** A data value as a class: strings stay strings, integers numbers, booleans booleans (anything else its text). */
function classValue(v: SqlCell | undefined, k: SqlCell | undefined): ClassValue {
  const parsed = ClassValue.safeParse(v);
  return parsed.success ? parsed.data : cellText(k);
}

function examples(rows: { v?: SqlCell; n?: SqlCell }[]): string {
  return rows.map((r) => `${JSON.stringify(r.v)} (${numOrNull(r.n)} rows)`).join(', ');
}

/** Throws when a regression target is the same on every row (nothing to learn, R^2 undefined). */
export function checkTargetVaries(spec: DatasetSpec, rows: number, min: number | null, max: number | null): void {
  if (rows > 0 && min !== null && min === max) {
    throw new DataError(
      'DataConstantTarget',
      `every one of the ${rows} rows has ${showColumn(spec.target.column)} = ${min}, so there is nothing to learn; check target.column or widen source.where.`,
      { column: spec.target.column, value: min },
    );
  }
}
