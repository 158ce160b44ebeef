// Spec SQL on a worker reads only the run's data: DuckDB's external access limited to the worker's data folders.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDb, quoteString, withFileAccess } from '../../src/data/duckdb';
import { ingestSnapshot } from '../../src/data/ingest';
import { DataError } from '../../src/data/source';
import { parseEnv } from '../../src/config/env';
import { workerFileAccess } from '../../src/worker/file-access';
import { smallSpec, tempDir, writeSmallFiles } from './helpers';

describe('data: file access of a worker', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let varDir: string;
  let dataDir: string;
  let access: ReturnType<typeof workerFileAccess>;

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    varDir = path.join(dir, 'var');
    dataDir = path.join(dir, 'lake');
    await mkdir(dataDir, { recursive: true });
    await writeSmallFiles(dataDir);
    // a secret beside the store, as VAR_DIR/dev-api-key is
    await mkdir(varDir, { recursive: true });
    await writeFile(path.join(varDir, 'dev-api-key'), 'mlk_secret\n');
    access = workerFileAccess(parseEnv({ PROJECT_ROOT: dir, VAR_DIR: varDir, DATA_DIRS: dataDir }));
  });
  after(async () => cleanup());

  const ingest = (spec: ReturnType<typeof smallSpec>, runKey: string) =>
    withFileAccess(access, () => ingestSnapshot({ spec, specFile: path.join(dataDir, 'spec.json'), outDir: path.join(varDir, 'scratch', 'ingest'), runKey }));

  it('ingests a spec whose data is in an allowed folder', async () => {
    const m = await ingest(smallSpec('small.csv'), 'ok');
    assert.equal(m.rows, 10);
  });

  it("a select that calls read_text('/etc/passwd') fails with a typed, non-retryable DataAccessDenied naming the field", async () => {
    const spec = smallSpec('small.csv', { source: { path: 'small.csv', select: "*, (SELECT content FROM read_text('/etc/passwd')) AS leak" } });
    await assert.rejects(ingest(spec, 'leak'), (err: unknown) => {
      assert.ok(err instanceof DataError, String(err));
      assert.equal(err.type, 'DataAccessDenied');
      assert.match(err.message, /^source\.select touches a file data steps may not read \(Cannot access file "\/etc\/passwd"/);
      return true;
    });
  });

  it('a where that reads the worker key beside the store, and an absolute source.path outside, are refused the same way', async () => {
    const secret = path.join(varDir, 'dev-api-key');
    const where = smallSpec('small.csv', { source: { path: 'small.csv', where: `(SELECT count(*) FROM read_text(${quoteString(secret)})) > 0` } });
    await assert.rejects(ingest(where, 'where'), (err: unknown) => err instanceof DataError && err.type === 'DataAccessDenied' && /^source\.where /.test(err.message));
    const outside = smallSpec('/etc/passwd', { source: { path: '/etc/passwd', format: 'csv' } });
    await assert.rejects(ingest(outside, 'outside'), (err: unknown) => err instanceof DataError && err.type === 'DataAccessDenied' && /source\.path \/etc\/passwd/.test(err.message));
  });

  it('spec SQL cannot lift the limit: the configuration is locked', async () => {
    const db = await DuckDb.open({ access });
    try {
      await assert.rejects(db.run('SET enable_external_access = true'), /locked|Cannot (change|enable)/);
      await assert.rejects(db.run("SET allowed_directories = ['/']"), /locked/);
      await assert.rejects(db.rows(`SELECT * FROM read_text(${quoteString(path.join(varDir, 'api-keys.json'))})`), /Permission Error/);
    } finally {
      db.close();
    }
  });
});
