// The one typed surface over @duckdb/node-api: open an offline in-memory database, run SQL, quote safely, limit file access.
import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';
import { DuckDBConnection, DuckDBInstance, DuckDBResult, DuckDBTypeId, type JS } from '@duckdb/node-api';
// The C-API binding that node-api itself wraps (pinned by it); used only to copy whole vectors into typed arrays,
// because node-api's per-item getItem costs ~150 ns a value (a BigInt validity test each), 0.3 s per column of 2M rows.
import bindings from '@duckdb/node-bindings';

/** A JSON-safe value read from DuckDB (BIGINT becomes number, timestamps ISO strings, blobs hex). */
export type SqlCell = null | boolean | number | string | SqlCell[] | { [key: string]: SqlCell };
export type SqlRow = Record<string, SqlCell>;

export interface DuckDbOptions {
  /** Worker threads; the default leaves DuckDB's choice (all cores). */
  threads?: number;
  /** e.g. "2GB"; the default is DuckDB's (80% of RAM). */
  memoryLimit?: string;
  /** Files the instance may touch; default: the scope's (withFileAccess), else the process's (limitFileAccess), else any. */
  access?: FileAccess;
}

/**
 * What a DuckDB instance may read and write when external access is limited: files under `directories`
 * and the exact `paths`, nothing else (no other file, no URL, no extension). SQL from a spec
 * (`source.select`/`where`) then cannot read the worker's secrets or anything outside the run's data.
 */
export interface FileAccess {
  directories: readonly string[];
  paths?: readonly string[];
  /** Where DuckDB may spill when memory runs short (also allowed); default: none set (DuckDB's own). */
  tempDirectory?: string;
}

let processAccess: FileAccess | undefined;
const scopedAccess = new AsyncLocalStorage<FileAccess>();

/** Sets the file access of every DuckDB instance this process opens from now on (a worker calls it once at start); undefined lifts it. */
export function limitFileAccess(access: FileAccess | undefined): void {
  processAccess = access;
}

/** Runs `fn` with DuckDB instances opened inside it (across awaits) limited to `access`. */
export function withFileAccess<T>(access: FileAccess, fn: () => Promise<T>): Promise<T> {
  return scopedAccess.run(access, fn);
}

/** The access in force for an instance opened now, if any. */
export function currentFileAccess(): FileAccess | undefined {
  return scopedAccess.getStore() ?? processAccess;
}

/** The access in force, widened by `directories` (a step's own scratch folder); undefined (unlimited) stays so. */
export function accessWith(directories: readonly string[]): FileAccess | undefined {
  const current = currentFileAccess();
  return current ? { ...current, directories: [...current.directories, ...directories] } : undefined;
}

/** A DuckDB LIST literal of absolute paths; folders end in a separator so a sibling with the same prefix is not allowed. */
function pathList(paths: readonly string[], folders: boolean): string {
  return `[${paths.map((p) => quoteString(folders ? `${path.resolve(p).replace(/[\\/]+$/, '')}${path.sep}` : path.resolve(p))).join(', ')}]`;
}

/** Whether a DuckDB error is the refusal of a file outside the allowed ones. */
export function isAccessDenied(err: unknown): boolean {
  return /Permission Error: .*(disabled by configuration|not allowed)/i.test(duckDbMessage(err));
}

export interface ColumnInfo {
  name: string;
  /** DuckDB's type name, e.g. BIGINT, DOUBLE, VARCHAR, TIMESTAMP, DECIMAL(10,2). */
  type: string;
}

/** An in-memory DuckDB instance with one connection. Not shared between concurrent callers. */
export class DuckDb {
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    /** The raw connection, for column-wise readers (`stream`, chunks and vectors). */
    readonly connection: DuckDBConnection,
  ) {}

  static async open(options: DuckDbOptions = {}): Promise<DuckDb> {
    const config: Record<string, string> = {
      // Never download an extension at run time: parquet, json and icu are built into the binding.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      // Row numbers (`__row`) rely on scans keeping file order.
      preserve_insertion_order: 'true',
    };
    if (options.threads !== undefined) config.threads = String(options.threads);
    if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit;
    const instance = await DuckDBInstance.create(':memory:', config);
    const connection = await instance.connect();
    // Timestamps compare and print the same on every machine (the ICU setting is not a startup option).
    await connection.run("SET TimeZone = 'UTC'");
    const access = options.access ?? currentFileAccess();
    if (access) {
      try {
        // set on the running instance (the startup config refuses these keys), then locked so SQL cannot lift them
        if (access.tempDirectory) await connection.run(`SET temp_directory = ${quoteString(path.resolve(access.tempDirectory))}`);
        const dirs = [...access.directories, ...(access.tempDirectory ? [access.tempDirectory] : [])];
        await connection.run(`SET allowed_directories = ${pathList(dirs, true)}`);
        await connection.run(`SET allowed_paths = ${pathList(access.paths ?? [], false)}`);
        await connection.run('SET enable_external_access = false');
        await connection.run('SET lock_configuration = true');
      } catch (err) {
        connection.closeSync();
        instance.closeSync();
        throw err;
      }
    }
    return new DuckDb(instance, connection);
  }

  /** Runs one or more statements, discarding results. */
  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /** All rows of a query as JSON-safe objects. Use only for small results (aggregates, examples). */
  async rows(sql: string): Promise<SqlRow[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) => {
      const out: SqlRow = {};
      for (const [k, v] of Object.entries(row)) out[k] = toCell(v);
      return out;
    });
  }

  /** The single row of an aggregate query. */
  async one(sql: string): Promise<SqlRow> {
    const rows = await this.rows(sql);
    if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
    return rows[0];
  }

  /** Column names and types of a relation (a query or a table expression), without scanning its data. */
  async describe(relationSql: string): Promise<ColumnInfo[]> {
    const rows = await this.rows(`DESCRIBE ${relationSql}`);
    return rows.map((r) => ({ name: cellText(r.column_name), type: cellText(r.column_type) }));
  }

  /** A streaming result for column-wise reading chunk by chunk (no per-row JS objects). */
  async stream(sql: string): Promise<DuckDBResult> {
    return this.connection.stream(sql);
  }

  /**
   * Streams `sql` and copies column i of every chunk into `targets[i].array` (from row 0), NULL as `nullValue`.
   * Array kinds must match column types: FLOAT-Float32Array, DOUBLE-Float64Array, INTEGER-Int32Array,
   * UINTEGER-Uint32Array, UTINYINT or BOOLEAN-Uint8Array. Returns the row count; refuses to overrun the arrays.
   */
  async readInto(sql: string, targets: readonly ColumnTarget[]): Promise<number> {
    const result = await this.connection.stream(sql);
    if (result.columnCount !== targets.length) throw new Error(`query has ${result.columnCount} columns, ${targets.length} targets given`);
    for (let i = 0; i < targets.length; i++) {
      const expected = ARRAY_FOR_TYPE.get(result.columnTypeId(i));
      if (!expected || !(targets[i].array instanceof expected)) {
        throw new Error(`column ${result.columnName(i)} is ${DuckDBTypeId[result.columnTypeId(i)]}, which does not fit ${targets[i].array.constructor.name}`);
      }
    }
    let offset = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const n = chunk.rowCount;
      for (let i = 0; i < targets.length; i++) {
        const { array, nullValue } = targets[i];
        if (offset + n > array.length) throw new Error(`query returned more than ${array.length} rows`);
        const vector = bindings.data_chunk_get_vector(chunk.chunk, i);
        const width = array.BYTES_PER_ELEMENT;
        const data = bindings.vector_get_data(vector, n * width);
        new Uint8Array(array.buffer, array.byteOffset + offset * width, n * width).set(data);
        const validity = bindings.vector_get_validity(vector, Math.ceil(n / 64) * 8);
        if (validity) {
          for (let b = 0; b < validity.length && b * 8 < n; b++) {
            const byte = validity[b];
            if (byte === 0xff) continue;
            for (let k = 0; k < 8 && b * 8 + k < n; k++) if ((byte & (1 << k)) === 0) array[offset + b * 8 + k] = nullValue;
          }
        }
      }
      offset += n;
    }
    return offset;
  }

  /** Number of SQL statements in `sql`; lets callers refuse user fragments that smuggle in a second statement. */
  async statementCount(sql: string): Promise<number> {
    const extracted = await this.connection.extractStatements(sql);
    return extracted.count;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

export type ColumnArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;
export interface ColumnTarget {
  array: ColumnArray;
  /** Written where the value is NULL (e.g. NaN for floats, -1 for codes). */
  nullValue: number;
}

const ARRAY_FOR_TYPE = new Map<DuckDBTypeId, new (n: number) => ColumnArray>([
  [DuckDBTypeId.FLOAT, Float32Array],
  [DuckDBTypeId.DOUBLE, Float64Array],
  [DuckDBTypeId.INTEGER, Int32Array],
  [DuckDBTypeId.UINTEGER, Uint32Array],
  [DuckDBTypeId.UTINYINT, Uint8Array],
  [DuckDBTypeId.BOOLEAN, Uint8Array],
]);

/** Opens a database, runs `fn`, and always closes it. */
export async function withDuckDb<T>(fn: (db: DuckDb) => Promise<T>, options?: DuckDbOptions): Promise<T> {
  const db = await DuckDb.open(options);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

/** A SQL identifier in double quotes; embedded quotes are doubled, so any column name is safe. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A SQL string literal; DuckDB's standard strings have no backslash escapes, so doubling quotes is enough. */
export function quoteString(value: string): string {
  if (value.includes('\u0000')) throw new Error('string literal contains a NUL character');
  return `'${value.replace(/'/g, "''")}'`;
}

/** A literal for a JSON scalar; numbers must be finite. */
export function sqlLiteral(value: string | number | boolean | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    // DOUBLE keeps fractions and exponents from being read as DECIMAL with a narrow width.
    return Number.isInteger(value) && Math.abs(value) < 2 ** 53 ? String(value) : `CAST(${quoteString(String(value))} AS DOUBLE)`;
  }
  return quoteString(value);
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL(\(\d+,\s*\d+\))?)$/i;
const TEMPORAL = /^(DATE|TIMESTAMP|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ)$/i;

export function isNumericType(type: string): boolean {
  return NUMERIC.test(type.trim());
}

export function isTemporalType(type: string): boolean {
  return TEMPORAL.test(type.trim());
}

/** Converts a DuckDB JS value to a JSON-safe cell. BIGINT beyond 2^53 loses precision, which counts never reach. */
export function toCell(value: JS): SqlCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(toCell);
  const out: { [key: string]: SqlCell } = {};
  for (const [k, v] of Object.entries(value)) out[k] = toCell(v);
  return out;
}

/** A cell that must be a number (or NULL); anything else is a programming error in the query. */
/** A cell as text, as String() prints it: the columns read this way are scalars (names, types, categories). */
export function cellText(cell: SqlCell | undefined): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- callers select scalar columns; String() is the text they always had
  return String(cell);
}

export function numOrNull(cell: SqlCell | undefined): number | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'string' && cell.trim() !== '' && Number.isFinite(Number(cell))) return Number(cell);
  throw new Error(`expected a number, got ${JSON.stringify(cell)}`);
}

/** The first line of a DuckDB error, without the LINE/caret excerpt of the generated SQL. */
export function duckDbMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').filter((l) => l.trim() !== '')[0] ?? msg;
}
