// Frames from snapshots: exact typed-array content, shared dictionaries, deterministic random and time splits.
import * as assert from 'node:assert/strict';
import path from 'node:path';
import { ingestSnapshot } from '../../src/data/ingest';
import { isRandomHoldout, loadFrame, loadSplitFrames } from '../../src/data/load-frame';
import { DataError } from '../../src/data/source';
import { parseSpec } from '../../src/spec/dataset';
import { smallSpec, tempDir, writeSmallFiles } from './helpers';

describe('data/load-frame', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let snapshot: string;

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    await writeSmallFiles(dir);
    const spec = smallSpec('small.parquet', { split: { kind: 'time', column: 'day', holdoutFrom: '2001-01-08' } });
    snapshot = (await ingestSnapshot({ spec, specFile: path.join(dir, 'spec.json'), outDir: path.join(dir, 'out'), runKey: 'frame' })).path;
  });
  after(() => cleanup());

  it('loads numeric features as Float32 with NaN for missing, categoricals as sorted-dictionary codes with -1 for NULL', async () => {
    const { frame, rows } = await loadFrame(snapshot, [
      { name: 'cat', type: 'categorical' },
      { name: 'x', type: 'numeric' },
    ]);
    assert.equal(frame.rows, 10);
    assert.deepEqual(Array.from(rows), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(Array.from(frame.label), [0, 1, 0, 1, 1, 0, 1, 0, 0, 1]);
    const [cat, x] = frame.features;
    assert.equal(cat.kind, 'categorical');
    assert.equal(x.kind, 'numeric');
    if (cat.kind !== 'categorical' || x.kind !== 'numeric') return;
    assert.deepEqual(cat.dictionary, ['a', 'b', 'c', 'd']);
    assert.deepEqual(Array.from(cat.codes), [0, 1, 0, 2, 0, 1, -1, 0, 3, 0]);
    assert.ok(x.values instanceof Float32Array);
    assert.deepEqual(Array.from(x.values), [1, 2, 3, NaN, 5, 6, 7, 8, 9, 100]);
  });

  it('splits by time: rows at or after holdoutFrom form the holdout', async () => {
    const spec = smallSpec('small.parquet', { split: { kind: 'time', column: 'day', holdoutFrom: '2001-01-08' } });
    const s = await loadSplitFrames(snapshot, spec);
    assert.deepEqual(Array.from(s.holdoutRows), [7, 8, 9]);
    assert.deepEqual(Array.from(s.trainRows), [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(s.train.rows, 7);
    assert.deepEqual(Array.from(s.holdout.label), [0, 0, 1]);
    const hc = s.holdout.features[1];
    const tc = s.train.features[1];
    assert.ok(hc.kind === 'categorical' && tc.kind === 'categorical');
    assert.equal(hc.dictionary, tc.dictionary, 'train and holdout share one dictionary');
  });

  it('splits at random deterministically by row number and seed', async () => {
    const spec = smallSpec('small.parquet', { split: { kind: 'random', holdout: 0.3, seed: 7 } });
    const a = await loadSplitFrames(snapshot, spec);
    const b = await loadSplitFrames(snapshot, spec);
    assert.deepEqual(a.holdoutRows, b.holdoutRows);
    const expected = Array.from({ length: 10 }, (_, r) => r).filter((r) => isRandomHoldout(r, 7, 0.3));
    assert.deepEqual(Array.from(a.holdoutRows), expected);
    assert.equal(a.train.rows + a.holdout.rows, 10);
  });

  it('a random split is a pure function of (row, seed): about the asked share, other seeds differ', () => {
    const n = 20000;
    let h = 0;
    let same = 0;
    for (let r = 0; r < n; r++) {
      const x = isRandomHoldout(r, 42, 0.2);
      if (x) h++;
      if (x === isRandomHoldout(r, 43, 0.2)) same++;
    }
    assert.ok(Math.abs(h / n - 0.2) < 0.02, `holdout share ${h / n}`);
    assert.ok(same < n * 0.8, 'another seed gives another split');
  });

  it('an empty side of the split is a DataEmpty error naming the boundary', async () => {
    const spec = parseSpec({ ...smallSpec('small.parquet'), split: { kind: 'time', column: 'day', holdoutFrom: '2002-01-01' } });
    await assert.rejects(loadSplitFrames(snapshot, spec), (e: unknown) => e instanceof DataError && e.type === 'DataEmpty' && /2002-01-01/.test(e.message));
  });

  it('a snapshot missing a feature is SnapshotInvalid', async () => {
    await assert.rejects(loadFrame(snapshot, [{ name: 'nope', type: 'numeric' }]), (e: unknown) => e instanceof DataError && e.type === 'SnapshotInvalid' && /nope/.test(e.message));
  });
});
