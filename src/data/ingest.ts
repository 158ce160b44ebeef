// Writes the immutable, idempotent Parquet snapshot of a run (projected columns, the label per task, row number) and its manifest.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeJsonAtomic } from '../util/fs-atomic';
import { z } from 'zod';
import type { DatasetSpec } from '../spec/dataset';
import type { ExpectationSuite } from '../spec/expectations';
import { DuckDb, numOrNull, quoteIdent, quoteString } from './duckdb';
import { SOURCE_FORMATS } from './format';
import { showColumn } from '../spec/columns';
import { checkRowsAndClasses, checkSource, classifyReadError, DataError, LABEL_COLUMN, ROW_COLUMN, CheckedSource } from './source';
import { checkTargetVaries, keepRowSql, labelSelectSql, resolveClasses } from './target';
import { ClassValue, TaskKind } from '../task/task';

export const SNAPSHOT_FILE = 'snapshot.parquet';
export const MANIFEST_FILE = 'manifest.json';

const runKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._=-]+$/, 'letters, digits, . _ = - only (it becomes a folder name)')
  .refine((k) => k !== '.' && k !== '..', 'must not be . or ..');

export const SnapshotColumn = z.object({
  name: z.string(),
  type: z.string(),
  role: z.enum(['row', 'feature', 'label', 'time', 'extra']),
});
export type SnapshotColumn = z.infer<typeof SnapshotColumn>;

export const SnapshotManifest = z.object({
  version: z.literal(1),
  runKey: z.string(),
  /** Absolute path of the Parquet snapshot. */
  path: z.string(),
  rows: z.number().int().nonnegative(),
  /** Binary: rows labelled 1. Multiclass and regression: 0 (see classCounts). */
  positives: z.number().int().nonnegative(),
  /** The target's task; absent in manifests written before tasks existed (binary). */
  task: TaskKind.optional(),
  /** Multiclass: the classes in label order (`__label` indexes them), as values of the data's type. */
  classes: z.array(ClassValue).optional(),
  /** Multiclass: rows per class, in `classes` order. */
  classCounts: z.array(z.number().int().nonnegative()).optional(),
  /**
   * `sha256:<hex>` of the Parquet file's bytes. Chosen over a row-hash aggregate because anyone can check it with
   * sha256sum, it costs one sequential read, and it does not depend on DuckDB's hash() (not promised stable across
   * versions). DuckDB writes identical bytes for identical input (checked in tests); a DuckDB upgrade may change them.
   */
  contentHash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  columns: z.array(SnapshotColumn),
  source: z.object({ path: z.string(), format: z.enum(SOURCE_FORMATS), files: z.array(z.string()) }),
  /** sha256 of the spec parts that shape the snapshot; a run key reused with another spec is re-ingested, not served stale. */
  specHash: z.string().optional(),
  createdAt: z.string(),
});
export type SnapshotManifest = z.infer<typeof SnapshotManifest>;

export interface IngestOptions {
  spec: DatasetSpec;
  /** The spec file's path; relative source paths start at its folder. */
  specFile: string;
  outDir: string;
  /** Names the snapshot folder, e.g. the workflow id; the same key returns the same snapshot. */
  runKey: string;
  /** Called at each stage, e.g. to heartbeat. */
  onProgress?: (stage: 'checking' | 'writing' | 'verifying' | 'hashing' | 'done') => void;
}

export function snapshotPaths(outDir: string, runKey: string): { dir: string; parquet: string; manifest: string } {
  const key = runKeySchema.parse(runKey);
  const dir = path.resolve(outDir, key);
  return { dir, parquet: path.join(dir, SNAPSHOT_FILE), manifest: path.join(dir, MANIFEST_FILE) };
}

/** Columns referenced by an expectation suite (beyond the features), so the snapshot carries them. */
export function expectationColumns(suite: ExpectationSuite): string[] {
  const out = new Set<string>();
  for (const e of suite) if ('column' in e) out.add(e.column);
  return [...out];
}

/**
 * Writes `outDir/<runKey>/snapshot.parquet` and `manifest.json` (temp name, then rename), or returns the existing
 * manifest when both are already there and the bytes still match its hash. Rows whose target is NULL are dropped
 * (they cannot be labelled; for regression also NaN/Inf); numeric features become DOUBLE with non-finite values as
 * NULL, categoricals VARCHAR. `__label` per task: binary 0/1, multiclass the class index (classes in the manifest),
 * regression the value (DOUBLE).
 */
export async function ingestSnapshot(options: IngestOptions): Promise<SnapshotManifest> {
  const { spec, specFile, outDir, runKey, onProgress } = options;
  const paths = snapshotPaths(outDir, runKey);
  const specHash = snapshotSpecHash(spec);
  const existing = await readManifest(paths.manifest);
  if (existing && existing.specHash === specHash && (await sha256File(paths.parquet).catch(() => null)) === existing.contentHash) {
    onProgress?.('done');
    return existing;
  }
  await mkdir(paths.dir, { recursive: true });
  const tmp = `${paths.parquet}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const db = await DuckDb.open();
  try {
    onProgress?.('checking');
    const extras = expectationColumns(spec.expectations);
    const source = await checkSource(db, spec, specFile, extras);
    // A multiclass label is an index into the classes, so they are known before the snapshot is written.
    const resolved = spec.target.task === 'multiclass' ? await resolveClasses(db, spec, source.relationSql) : null;
    if (spec.target.task === 'multiclass' && !resolved) checkRowsAndClasses(spec, 0, 0, await diagnoseEmpty(db, spec, source));
    const { selectList, roles } = projection(spec, source, extras, resolved?.classes);
    onProgress?.('writing');
    try {
      await db.run(`COPY (SELECT ${selectList} FROM (${source.relationSql}) AS __src WHERE ${keepRowSql(spec)}) ` + `TO ${quoteString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
    } catch (err) {
      throw classifyReadError(err, source.files.join(', '), tmp);
    }
    onProgress?.('verifying');
    const label = LABEL_COLUMN;
    const counts = await db.one(
      `SELECT count(*) AS n, ${spec.target.task === 'binary' ? `coalesce(sum(${label}), 0)` : '0'} AS p, min(${label}) AS lo, max(${label}) AS hi ` + `FROM read_parquet(${quoteString(tmp)})`,
    );
    const rows = numOrNull(counts.n) ?? 0;
    const positives = numOrNull(counts.p) ?? 0;
    if (rows === 0) checkRowsAndClasses(spec, 0, 0, await diagnoseEmpty(db, spec, source));
    if (spec.target.task === 'binary') checkRowsAndClasses(spec, rows, positives);
    if (spec.target.task === 'regression') checkTargetVaries(spec, rows, numOrNull(counts.lo), numOrNull(counts.hi));
    const classCounts = resolved ? await labelCounts(db, tmp, resolved.classes.length) : undefined;
    const described = await db.describe(`SELECT * FROM read_parquet(${quoteString(tmp)})`);
    onProgress?.('hashing');
    const contentHash = await sha256File(tmp);
    const bytes = (await stat(tmp)).size;
    await rename(tmp, paths.parquet);
    const manifest: SnapshotManifest = {
      version: 1,
      runKey,
      path: paths.parquet,
      rows,
      positives,
      // Binary manifests keep their old shape; no task means binary.
      ...(spec.target.task !== 'binary' ? { task: spec.target.task } : {}),
      ...(resolved ? { classes: resolved.classes, classCounts } : {}),
      contentHash,
      bytes,
      columns: described.map((c) => ({ name: c.name, type: c.type, role: roles.get(c.name) ?? 'extra' })),
      source: { path: source.path, format: source.format, files: source.files },
      specHash,
      createdAt: new Date().toISOString(),
    };
    await writeJsonAtomic(paths.manifest, manifest);
    onProgress?.('done');
    return manifest;
  } finally {
    db.close();
    await rm(tmp, { force: true });
  }
}

/** Rows per label index of a multiclass snapshot (read back from the file, so the manifest says what it holds). */
async function labelCounts(db: DuckDb, parquet: string, classes: number): Promise<number[]> {
  const out = new Array<number>(classes).fill(0);
  for (const r of await db.rows(`SELECT ${LABEL_COLUMN} AS k, count(*) AS n FROM read_parquet(${quoteString(parquet)}) GROUP BY 1`)) {
    out[numOrNull(r.k) ?? 0] = numOrNull(r.n) ?? 0;
  }
  return out;
}

function projection(spec: DatasetSpec, source: CheckedSource, extras: string[], classes?: ClassValue[]): { selectList: string; roles: Map<string, SnapshotColumn['role']> } {
  const roles = new Map<string, SnapshotColumn['role']>([[ROW_COLUMN, 'row']]);
  const parts = [quoteIdent(ROW_COLUMN)];
  for (const f of spec.features) {
    const c = quoteIdent(f.name);
    // The frame and profile treat NaN/Inf as missing; writing NULL makes SQL aggregates agree with them.
    parts.push(f.type === 'numeric' ? `CASE WHEN isfinite(CAST(${c} AS DOUBLE)) THEN CAST(${c} AS DOUBLE) END AS ${c}` : `CAST(${c} AS VARCHAR) AS ${c}`);
    roles.set(f.name, 'feature');
  }
  parts.push(labelSelectSql(spec, classes, LABEL_COLUMN));
  roles.set(LABEL_COLUMN, 'label');
  if (spec.split.kind === 'time' && !roles.has(spec.split.column)) {
    parts.push(quoteIdent(spec.split.column));
    roles.set(spec.split.column, 'time');
  }
  const available = new Set(source.columns.map((c) => c.name));
  for (const e of extras) {
    if (!roles.has(e) && available.has(e)) {
      parts.push(quoteIdent(e));
      roles.set(e, 'extra');
    }
  }
  return { selectList: parts.join(', '), roles };
}

/** Hash of what determines the snapshot's content: source, target, feature names and types, split, expectation columns. */
export function snapshotSpecHash(spec: DatasetSpec): string {
  const shape = {
    source: spec.source,
    target: spec.target,
    features: spec.features.map((f) => [f.name, f.type]),
    split: spec.split,
    extra: expectationColumns(spec.expectations).sort(),
  };
  return `sha256:${createHash('sha256').update(canonicalJson(shape)).digest('hex')}`;
}

/** JSON with object keys sorted, so equal values always hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Explains an empty result: no rows at all, all filtered by `where`, or all with a NULL target. */
async function diagnoseEmpty(db: DuckDb, spec: DatasetSpec, source: CheckedSource): Promise<string> {
  const target = quoteIdent(spec.target.column);
  const all = await db.one(`SELECT count(*) AS n FROM (${source.projectedSql}) AS __p`);
  const kept = await db.one(`SELECT count(*) AS n, count(${target}) AS t FROM (${source.relationSql}) AS __r`);
  const total = numOrNull(all.n) ?? 0;
  const afterWhere = numOrNull(kept.n) ?? 0;
  if (total === 0) return `${source.files.join(', ')} holds no rows`;
  if (afterWhere === 0) return `the files hold ${total} rows but source.where keeps none`;
  return `${afterWhere} rows remain but every ${showColumn(spec.target.column)} is NULL`;
}

/** The manifest at `file`, or null if it is absent or not a valid manifest (then the snapshot is redone). */
export async function readManifest(file: string): Promise<SnapshotManifest | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = SnapshotManifest.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Loads a manifest that must exist and be valid. */
export async function loadManifest(file: string): Promise<SnapshotManifest> {
  const m = await readManifest(file);
  if (!m) throw new DataError('SnapshotInvalid', `snapshot manifest ${file} is missing or invalid; re-run ingest`, { file });
  return m;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}
