// The files a worker's DuckDB may touch: its scratch folder, the store cache, the store's data prefixes, project data and DATA_DIRS.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { FileAccess } from '../data/duckdb';
import type { Env } from '../config/env';

/** Prefixes of a local artifact store whose objects data steps read as files (snapshots, captures, labels, uploaded data, retrain sets). */
const LOCAL_STORE_DATA = ['runs', 'capture', 'labels', 'datasets', 'model-quality'];

function withRealPath(dir: string): string[] {
  try {
    const real = realpathSync(dir);
    return real === dir ? [dir] : [dir, real];
  } catch {
    return [dir];
  }
}

/**
 * A worker runs SQL from specs anyone who can start a workflow writes (`source.select`, `where`), so its
 * DuckDB instances may touch only: VAR_DIR/scratch (ingest output, source links, spills), the store cache,
 * with a local store its data prefixes (never its root: VAR_DIR holds the dev key and key hashes), the
 * project's datasets/ and node_modules (`npm:` sources), and the folders in DATA_DIRS.
 */
export function workerFileAccess(env: Pick<Env, 'VAR_DIR' | 'PROJECT_ROOT' | 'store' | 'DATA_DIRS'>): FileAccess {
  const scratch = path.join(env.VAR_DIR, 'scratch');
  const dirs = [scratch, env.store.cacheDir, path.join(env.PROJECT_ROOT, 'datasets'), ...withRealPath(path.join(env.PROJECT_ROOT, 'node_modules')), ...env.DATA_DIRS];
  if (env.store.location.kind === 'local') {
    const root = env.store.location.root;
    for (const p of LOCAL_STORE_DATA) dirs.push(path.join(root, p));
  }
  return { directories: dirs.map((d) => path.resolve(env.PROJECT_ROOT, d)), tempDirectory: path.join(scratch, 'duckdb-tmp') };
}
