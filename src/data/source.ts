// Turns a dataset spec's source into a checked DuckDB relation (reader, select, where, __row, sample) with typed errors.
import type { DatasetSpec } from '../spec/dataset';
import { positiveRule, resolveSourcePath } from '../spec/dataset';
import { showColumn } from '../spec/columns';
import { formatFromExtension, resolveFormat, SOURCE_FORMATS, type SourceFormat } from './format';
import { cellText, ColumnInfo, DuckDb, duckDbMessage, isAccessDenied, isNumericType, isTemporalType, quoteString } from './duckdb';
import { DataError } from './errors';
import { targetTypeProblem } from './target';

export { labelSql } from './target';

export { DATA_ERROR_TYPES, DataError, type DataErrorType } from './errors';

export type { SourceFormat } from './format';

/** The name of the stable row number column: the row's 0-based position in the source, before `where` and sampling. */
export const ROW_COLUMN = '__row';
export const LABEL_COLUMN = '__label';

/** The seed of `sampleRows`; fixed so a spec always samples the same rows. */
export const SAMPLE_SEED = 20010101;

/** Format from the spec, else from the path's extension (compression suffixes ignored); checkSource refines it by content. */
export function detectFormat(sourcePath: string, declared?: SourceFormat): SourceFormat {
  const format = declared ?? formatFromExtension(sourcePath);
  if (format) return format;
  throw unknownFormat(sourcePath);
}

function unknownFormat(sourcePath: string): DataError {
  return new DataError('DataFileUnreadable', `cannot tell the format of ${sourcePath} from its extension or its first bytes; set source.format to ${SOURCE_FORMATS.join(', ')}`, { path: sourcePath });
}

/** Words for a format in messages, so "json" is not mistaken for newline-delimited records. */
export function describeFormat(format: SourceFormat): string {
  return format === 'json' ? 'json (one JSON array of records)' : format === 'jsonl' ? 'jsonl (one JSON record per line)' : format;
}

const hasGlob = (p: string): boolean => /[*?[{]/.test(p);

/** The DuckDB table function that reads the files. Globs of several files are unioned by column name. */
export function readerSql(pattern: string, format: SourceFormat): string {
  const file = quoteString(pattern);
  const union = hasGlob(pattern) ? ', union_by_name = true' : '';
  switch (format) {
    case 'parquet':
      return `read_parquet(${file}${union})`;
    case 'csv':
      return `read_csv_auto(${file}${union})`;
    case 'jsonl':
      return `read_json_auto(${file}, format = 'newline_delimited'${union})`;
    case 'json':
      return `read_json_auto(${file}, format = 'array'${union})`;
  }
}

/** The same 32-bit mix as the SQL in `sampleSql` (murmur3's finalizer): one hash for sampling and random splits, stable across DuckDB versions. */
export function mix32(row: number, seed: number): number {
  let x = (row + seedOffset(seed)) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x = (x ^ (x >>> 13)) >>> 0;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function seedOffset(seed: number): number {
  return Math.imul(seed | 0, 0x9e3779b9) >>> 0;
}

/** SQL for `mix32(__row, seed)` as a chain of lateral aliases (repeating the input inline would grow the expression 2^6 times). */
function mixColumnsSql(seed: number): { columns: string; names: string[] } {
  const m = '4294967296';
  const cols = [
    `(CAST(${ROW_COLUMN} AS UBIGINT) % ${m} + CAST(${seedOffset(seed)} AS UBIGINT)) % ${m} AS __h0`,
    `xor(__h0, __h0 >> 16) AS __h1`,
    `(__h1 * CAST(2246822507 AS UBIGINT)) % ${m} AS __h2`,
    `xor(__h2, __h2 >> 13) AS __h3`,
    `(__h3 * CAST(3266489909 AS UBIGINT)) % ${m} AS __h4`,
    `xor(__h4, __h4 >> 16) AS __h5`,
  ];
  return { columns: cols.join(', '), names: ['__h0', '__h1', '__h2', '__h3', '__h4', '__h5'] };
}

/** Exactly `n` rows (or all, if fewer): those with the smallest hash of their row number, in row order. Deterministic on any thread count. */
export function sampleSql(relationSql: string, n: number, seed = SAMPLE_SEED): string {
  const { columns, names } = mixColumnsSql(seed);
  return (
    `SELECT * EXCLUDE (${names.join(', ')}) FROM (` +
    `SELECT * FROM (SELECT *, ${columns} FROM (${relationSql}) AS __s) AS __m ORDER BY __h5, ${ROW_COLUMN} LIMIT ${Math.floor(n)}` +
    `) AS __sampled ORDER BY ${ROW_COLUMN}`
  );
}

export interface SourceRelation {
  /** Resolved absolute path or glob. */
  path: string;
  format: SourceFormat;
  /** The table function over the raw files. */
  readerSql: string;
  /** `select` applied and `__row` added, no filter. */
  projectedSql: string;
  /** The full relation: projected, filtered by `where`, sampled. Usable as `FROM (<relationSql>)`. */
  relationSql: string;
}

/** Builds the source relation's SQL without touching the files; `format` (from checkSource) overrides the extension's. */
export function buildSourceRelation(spec: DatasetSpec, specFile: string, format?: SourceFormat): SourceRelation {
  const resolved = resolveSourcePath(spec.source.path, specFile);
  format ??= detectFormat(resolved, spec.source.format);
  const reader = readerSql(resolved, format);
  const select = spec.source.select ?? '*';
  // Numbering after the projection keeps raw file order (a projection never reorders), so __row points into the file.
  const projected = `SELECT row_number() OVER () - 1 AS ${ROW_COLUMN}, * FROM (SELECT ${select} FROM ${reader}) AS __projected`;
  let relation = spec.source.where ? `SELECT * FROM (${projected}) AS __numbered WHERE (${spec.source.where})` : projected;
  if (spec.source.sampleRows !== undefined) relation = sampleSql(relation, spec.source.sampleRows);
  return { path: resolved, format, readerSql: reader, projectedSql: projected, relationSql: relation };
}

/** Columns a spec needs from the source, with the role each plays (for error messages). */
export function requiredColumns(spec: DatasetSpec, extra: string[] = []): Map<string, string> {
  const need = new Map<string, string>();
  for (const f of spec.features) need.set(f.name, `feature (${f.type})`);
  need.set(spec.target.column, 'target');
  if (spec.split.kind === 'time') need.set(spec.split.column, 'split.column');
  for (const c of extra) if (!need.has(c) && c !== ROW_COLUMN && c !== LABEL_COLUMN) need.set(c, 'expectation');
  return need;
}

export interface CheckedSource extends SourceRelation {
  files: string[];
  columns: ColumnInfo[];
}

/** A file outside what data steps may read (the source, the snapshot, the store cache): named, never retried. */
function accessDenied(err: unknown, field: string): DataError {
  const msg = duckDbMessage(err);
  return new DataError(
    'DataAccessDenied',
    `${field} touches a file data steps may not read (${msg.replace(/^Permission Error: /, '')}); they read only the spec's source, the run's snapshot and the store cache (put data in the store and use store:<key>, or ask the operator to add its folder to DATA_DIRS)`,
    { field, cause: msg },
  );
}

/** Maps a DuckDB error raised while reading files to a typed error; anything else is left for the caller. */
export function readFailure(err: unknown, where: string): DataError {
  if (isAccessDenied(err)) return accessDenied(err, where);
  const msg = duckDbMessage(err);
  if (/No files found/i.test(msg)) return new DataError('DataFileNotFound', `no file matches ${where}: ${msg}`, { path: where });
  return new DataError('DataFileUnreadable', `cannot read ${where}: ${msg}. Check that the file is valid for its format and not truncated.`, {
    path: where,
    cause: msg,
  });
}

const isReadError = (msg: string): boolean => /^(IO Error|Invalid Input Error|Conversion Error|Invalid Error|Out of Range Error)/i.test(msg);

/**
 * A typed DataFileUnreadable for errors that come from reading bad input; anything else (out of memory, a full disk
 * while writing `outputPath`, an interrupt) is returned unchanged so that it stays retryable.
 */
export function classifyReadError(err: unknown, where: string, outputPath?: string): unknown {
  const msg = duckDbMessage(err);
  if (!isReadError(msg) || (outputPath !== undefined && msg.includes(outputPath))) return err;
  return readFailure(err, where);
}

/**
 * Opens the source and checks it before any full scan: files exist, are readable, `select`/`where` bind,
 * every column the spec needs is there and has a usable type. Throws a DataError naming what to fix.
 */
export async function checkSource(db: DuckDb, spec: DatasetSpec, specFile: string, extraColumns: string[] = []): Promise<CheckedSource> {
  const resolved = resolveSourcePath(spec.source.path, specFile);
  let files: string[];
  try {
    files = (await db.rows(`SELECT file FROM glob(${quoteString(resolved)}) ORDER BY file`)).map((r) => cellText(r.file));
  } catch (err) {
    if (isAccessDenied(err)) throw accessDenied(err, `source.path ${spec.source.path}`);
    throw err;
  }
  if (files.length === 0) {
    throw new DataError('DataFileNotFound', `no file matches source.path ${spec.source.path} (resolved to ${resolved}); fix the path in the spec (relative paths start at the spec's folder)`, {
      path: resolved,
    });
  }
  let format: SourceFormat | null;
  try {
    format = await resolveFormat(resolved, files[0], spec.source.format);
  } catch (err) {
    throw new DataError('DataFileUnreadable', `cannot read ${files[0]}: ${(err as Error).message}`, { path: files[0] });
  }
  if (!format) throw unknownFormat(resolved);
  const rel = buildSourceRelation(spec, specFile, format);
  // User SQL must stay one query: a `;` in select/where must not run a second statement.
  for (const [field, text] of [
    ['source.select', spec.source.select],
    ['source.where', spec.source.where],
  ] as const) {
    if (text !== undefined && (await statementCountSafe(db, `SELECT ${text}`)) > 1) {
      throw new DataError('DataSourceSqlInvalid', `${field} must be a single SQL expression, without ';'`, { field });
    }
  }
  if ((await statementCountSafe(db, rel.relationSql)) > 1) {
    throw new DataError('DataSourceSqlInvalid', 'source.select and source.where must not end the query or start another one', {});
  }
  try {
    await db.describe(`SELECT * FROM ${rel.readerSql}`);
  } catch (err) {
    const msg = duckDbMessage(err);
    if (/No files found/i.test(msg) || isAccessDenied(err)) throw readFailure(err, rel.path);
    throw new DataError('DataFileUnreadable', `cannot read ${files.join(', ')} as ${describeFormat(rel.format)}: ${msg}. Check the file is not corrupt or truncated, or set source.format.`, {
      path: rel.path,
      format: rel.format,
      cause: msg,
    });
  }
  await describeOrSqlError(db, rel.projectedSql, 'source.select', spec.source.select);
  const columns = await describeOrSqlError(db, rel.relationSql, 'source.where', spec.source.where);
  checkColumns(spec, columns, extraColumns);
  return { ...rel, files, columns };
}

async function statementCountSafe(db: DuckDb, sql: string): Promise<number> {
  try {
    return await db.statementCount(sql);
  } catch {
    return 1; // A parse error is reported with context by the describe step.
  }
}

async function describeOrSqlError(db: DuckDb, sql: string, field: string, text: string | undefined): Promise<ColumnInfo[]> {
  try {
    return await db.describe(sql);
  } catch (err) {
    const msg = duckDbMessage(err);
    if (isAccessDenied(err)) throw accessDenied(err, field);
    if (isReadError(msg) && !/Binder|Parser|Catalog/.test(msg)) throw readFailure(err, field);
    throw new DataError('DataSourceSqlInvalid', `${field} (${text ?? 'default'}) is not valid SQL over the source: ${msg}`, { field, cause: msg });
  }
}

function checkColumns(spec: DatasetSpec, columns: ColumnInfo[], extraColumns: string[]): void {
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const need = requiredColumns(spec, extraColumns);
  const missing = [...need.keys()].filter((c) => !types.has(c));
  if (missing.length > 0) {
    const available = columns.map((c) => c.name).filter((c) => c !== ROW_COLUMN);
    // Names are matched exactly (they become JSON keys in requests); a near miss in case is the usual typo.
    const hint = (m: string): string => {
      const same = available.find((a) => a.toLowerCase() === m.toLowerCase());
      return same ? `, did you mean ${showColumn(same)}?` : '';
    };
    throw new DataError(
      'DataColumnMissing',
      `the data has no column ${missing.map((m) => `${showColumn(m)} (${need.get(m)}${hint(m)})`).join(', ')}; ` +
        `available columns: ${available.map(showColumn).join(', ')}. ` +
        'Write names exactly as the source does (case, spaces and punctuation included), or derive them in source.select.',
      { missing, available },
    );
  }
  const wrong: string[] = [];
  for (const f of spec.features) {
    const t = types.get(f.name) ?? '';
    if (f.type === 'numeric' && !isNumericType(t) && t !== 'BOOLEAN') {
      wrong.push(`feature ${showColumn(f.name)} is numeric in the spec but ${t} in the data (declare it categorical or CAST it in source.select)`);
    }
  }
  const targetProblem = targetTypeProblem(spec, types.get(spec.target.column) ?? '');
  if (targetProblem) wrong.push(targetProblem);
  if (spec.split.kind === 'time') {
    const t = types.get(spec.split.column) ?? '';
    if (!isTemporalType(t)) {
      wrong.push(`split.column ${showColumn(spec.split.column)} is ${t}, not a DATE or TIMESTAMP (CAST it in source.select)`);
    }
  }
  if (wrong.length > 0) {
    throw new DataError('DataColumnWrongType', `wrong column types: ${wrong.join('; ')}`, { problems: wrong });
  }
}

/** Human form of the positive condition, for messages. */
export function describeTarget(spec: DatasetSpec): string {
  const { op, value } = positiveRule(spec.target);
  return `${showColumn(spec.target.column)} ${op} ${JSON.stringify(value)}`;
}

/** Throws the typed error for an empty or single-class dataset; `diagnose` explains where the rows went. */
export function checkRowsAndClasses(spec: DatasetSpec, rows: number, positives: number, diagnosis = ''): void {
  if (rows === 0) {
    throw new DataError(
      'DataEmpty',
      `the dataset is empty after reading ${spec.source.path}${spec.source.where ? ` and applying source.where (${spec.source.where})` : ''}` +
        `${diagnosis ? `: ${diagnosis}` : ''}. Widen the filter or point source.path at data.`,
      { rows },
    );
  }
  if (positives === 0 || positives === rows) {
    const which = positives === 0 ? 'negative' : 'positive';
    throw new DataError(
      'DataSingleClass',
      `all ${rows} labelled rows are ${which} (${describeTarget(spec)} ${positives === 0 ? 'never' : 'always'} holds), so there is nothing to learn; ` +
        'check target.positive (operator and value) or widen source.where.',
      { rows, positives },
    );
  }
}
