// Store bench: S3 on a local MinIO beside the local-folder backend, same run, same operations (small JSON, a snapshot file, CAS).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ArtifactStore, FileCache, localStore, S3Backend } from '../src/store';
import { startMinio } from '../test/support/minio';
import { timed, type Figure } from './figure';

const ROOT = path.resolve(__dirname, '..', '..');
const SMALL_OPS = 300;
const WRITERS = 8;
const UPDATES_EACH = 10;

interface Measured {
  smallOpsPerSec: number;
  fileMBps: number;
  casPerSec: number;
}

async function measure(store: ArtifactStore, file: string): Promise<Measured> {
  const doc = { model: 'flights', version: 3, metrics: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`m${i}`, Math.random()])) };
  const small = await timed(async () => {
    for (let i = 0; i < SMALL_OPS; i++) {
      await store.putJson(`bench/small/${i % 20}.json`, doc);
      await store.get(`bench/small/${i % 20}.json`);
    }
  });
  const size = (await readFile(file)).length;
  const big = await timed(async () => {
    await store.putFile('bench/runs/r1/snapshot.parquet', file);
    await store.fetchFile('bench/runs/r1/snapshot.parquet');
  });
  const Counter = z.object({ n: z.number() });
  const cas = await timed(() =>
    Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (let i = 0; i < UPDATES_EACH; i++) await store.update('bench/counter.json', Counter, (c) => ({ n: (c?.n ?? 0) + 1 }));
      }),
    ),
  );
  const final = await store.getJson('bench/counter.json', Counter);
  if (final?.n !== WRITERS * UPDATES_EACH) throw new Error(`lost updates: ${final?.n}`);
  return {
    smallOpsPerSec: (SMALL_OPS * 2) / (small.ms / 1000),
    fileMBps: (2 * size) / 1e6 / (big.ms / 1000),
    casPerSec: (WRITERS * UPDATES_EACH) / (cas.ms / 1000),
  };
}

export async function benchStore(log: (line: string) => void = () => undefined): Promise<Figure[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlp-bench-store-'));
  const file = path.join(ROOT, 'node_modules/vega-datasets/data/flights-3m.parquet');
  const server = await startMinio({ dataDir: path.join(dir, 'minio') });
  const s3 = new ArtifactStore(
    new S3Backend({ bucket: 'bench', prefix: 'p', endpoint: server.endpoint, region: server.region, credentials: server.credentials }, new FileCache(path.join(dir, 'cache'), 1 << 30)),
  );
  try {
    await (s3.backend as S3Backend).ensureBucket();
    const local = await measure(localStore(path.join(dir, 'local')), file);
    const remote = await measure(s3, file);
    log(`local folder: ${local.smallOpsPerSec.toFixed(0)} small ops/s, ${local.fileMBps.toFixed(0)} MB/s, ${local.casPerSec.toFixed(0)} CAS updates/s`);
    const base = (name: string, value: number, unit: string) => ({ name: `local folder ${name}`, value, unit });
    return [
      { name: 'store: 1 KB JSON put + get, MinIO', value: remote.smallOpsPerSec, unit: 'ops/s', baseline: base('same', local.smallOpsPerSec, 'ops/s') },
      { name: 'store: 13.5 MB snapshot up + down, MinIO', value: remote.fileMBps, unit: 'MB/s', baseline: base('same', local.fileMBps, 'MB/s') },
      { name: `store: CAS updates, ${WRITERS} writers, MinIO`, value: remote.casPerSec, unit: 'updates/s', baseline: base('same', local.casPerSec, 'updates/s'), note: 'none lost' },
    ];
  } finally {
    await s3.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
