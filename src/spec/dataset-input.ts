// A training run's spec and data from anywhere a worker can reach: a project path, a store key, inline JSON; `store:` data paths.
import { mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { loadSpec, parseSpec, SpecError, type DatasetSpec } from './dataset';
import { checkKey, keySegment, StoreKeyError } from '../store/keys';
import type { ArtifactStore } from '../store/store';

/** Prefix of a spec or a `source.path` that names an object in the artifact store, e.g. `store:datasets/flights/data.parquet`. */
export const STORE_SCHEME = 'store:';

/** What trainingPipeline accepts as `spec`: a path (relative to the project), `store:<key>`, or the spec itself. */
export type SpecInput = string | Record<string, unknown>;

export interface ResolvedSpec {
  spec: DatasetSpec;
  /** Relative local source paths start at this file's folder. */
  specFile: string;
  /** How the spec was given, for messages and alert keys: the path or `store:` key as given, or "inline spec". */
  source: string;
}

function storeKeyOf(text: string, field: string): string {
  const key = text.slice(STORE_SCHEME.length);
  try {
    return checkKey(key);
  } catch (err) {
    if (err instanceof StoreKeyError) throw new SpecError(`${field} ${text}: ${err.message}`, [`${field}: ${err.message}`]);
    throw err;
  }
}

export async function resolveSpecInput(input: unknown, o: { projectRoot: string; store: ArtifactStore }): Promise<ResolvedSpec> {
  if (typeof input === 'string' && input.startsWith(STORE_SCHEME)) {
    const key = storeKeyOf(input, 'spec');
    const data = await o.store.get(key);
    if (data === undefined) throw new SpecError(`spec ${input} does not exist in the artifact store ${o.store.url}`, ['spec: not found in the store']);
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString('utf8'));
    } catch (err) {
      throw new SpecError(`spec ${input} is not valid JSON: ${(err as Error).message}`, ['spec: not JSON']);
    }
    const spec = parseSpec(raw, `spec ${input}`);
    // A spec in the store reads relative data paths from beside itself in the store, so spec and data travel together.
    const p = spec.source.path;
    if (!p.startsWith(STORE_SCHEME) && !p.startsWith('npm:') && !path.isAbsolute(p)) {
      spec.source = { ...spec.source, path: `${STORE_SCHEME}${path.posix.join(path.posix.dirname(key), p)}` };
    }
    return { spec, specFile: path.join(o.projectRoot, 'store-spec.json'), source: input };
  }
  if (typeof input === 'string' && input.length > 0) {
    const { spec, file } = await loadSpec(input, o.projectRoot);
    return { spec, specFile: file, source: input };
  }
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    return { spec: parseSpec(input, 'inline spec'), specFile: path.join(o.projectRoot, 'inline-spec.json'), source: 'inline spec' };
  }
  throw new SpecError('spec must be a path, "store:<key>" or a dataset spec object', ['spec: expected a string or an object']);
}

/**
 * The spec with a `store:` source path replaced by local copies (cached by content); others unchanged. A key with `*`
 * (e.g. `store:datasets/flights/part-*.parquet`) names every matching object: they are linked into `linkDir` and the
 * spec reads them as one glob.
 */
export async function localizeSource(spec: DatasetSpec, store: ArtifactStore, linkDir: string): Promise<DatasetSpec> {
  const p = spec.source.path;
  if (!p.startsWith(STORE_SCHEME)) return spec;
  const pattern = p.slice(STORE_SCHEME.length);
  if (!pattern.includes('*')) {
    const key = storeKeyOf(p, 'source.path');
    if (!(await store.exists(key))) {
      throw new SpecError(`source.path ${p} does not exist in the artifact store ${store.url}`, [`source.path: ${p} not found in the store`]);
    }
    return { ...spec, source: { ...spec.source, path: await store.fetchFile(key) } };
  }
  // `*` matches within one key segment, `**` across segments, like the glob a local path would use
  const prefix = pattern.slice(0, pattern.indexOf('*'));
  storeKeyOf(`${STORE_SCHEME}${prefix}x`, 'source.path'); // the part before the first * must be a safe key prefix
  const re = new RegExp(
    `^${pattern
      .split(/(\*\*|\*)/)
      .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  );
  const keys = (await store.list(prefix.slice(0, prefix.lastIndexOf('/') + 1))).map((o) => o.key).filter((k) => re.test(k));
  if (keys.length === 0) throw new SpecError(`source.path ${p} matches no object in the artifact store ${store.url}`, [`source.path: ${p} matches nothing in the store`]);
  await rm(linkDir, { recursive: true, force: true });
  await mkdir(linkDir, { recursive: true });
  const ext = path.posix.extname(keys[0]);
  for (const [i, key] of keys.entries()) {
    // one folder, names in key order, the objects' own extension (DuckDB picks the reader by it)
    await symlink(
      await store.fetchFile(key),
      path.join(linkDir, `${String(i).padStart(6, '0')}-${keySegment(path.posix.basename(key, path.posix.extname(key)), 60)}${path.posix.extname(key) || ext}`),
    );
  }
  return { ...spec, source: { ...spec.source, path: path.join(linkDir, `*${ext}`) } };
}
